"""The post's link is not added beside a text that has it already: an address written out with or
without scheme or "www." becomes the link itself (tagged, so the platform makes a link of it), and
a text ending in a colon ("Anmeldung bis 25. April:") is followed by the link instead of leaving the
colon dangling above a "Mehr dazu:" line."""

from __future__ import annotations

import dataclasses

import pytest

from scheduler.models import IssueOptions
from scheduler.render.helpers import link_in_text
from scheduler.render.renderer import Renderer
from scheduler.text.entities import url_spans
from scheduler.text.sentences import sentences
from tests.conftest import TEMPLATES

LINK = "https://jugendring-kreis.example/juleica"
SHORT = ("mastodon", "bluesky", "x", "threads")
EVERY = ("linkedin", "facebook", *SHORT)


def _with(issue, body: str, link: str | None = LINK):
    item = dataclasses.replace(
        issue.items[5], body=body, title=sentences(body, "de")[0], link=link, links=(link,) if link else ()
    )
    return dataclasses.replace(issue, items=(item,)), item


def _links(text: str) -> list[str]:
    return [span.text for span in url_spans(text)]


@pytest.mark.parametrize(
    "written",
    [
        "jugendring-kreis.example/juleica",
        "www.jugendring-kreis.example/juleica",
        "https://jugendring-kreis.example/juleica/",
        "http://www.jugendring-kreis.example/juleica",
    ],
)
@pytest.mark.parametrize("platform", EVERY)
def test_an_address_written_in_the_text_is_the_posts_link_not_added_again(example_issue, written, platform):
    issue, item = _with(example_issue, f"Die Schulung dauert 40 Stunden. Alle Termine: {written}")
    post = Renderer(TEMPLATES).render(issue, item, platform)
    assert "Mehr dazu" not in post.text
    (link,) = _links(post.text)
    assert link.startswith(LINK + "?") and "utm_source=" + platform in link  # tagged like any link
    assert "Alle Termine: " + link in post.text
    assert post.warnings == ()


@pytest.mark.parametrize(
    "written",
    [
        "jugendring-kreis.example/juleica.html",
        "jugendring-kreis.example/juleica/2025",
        "sub.jugendring-kreis.example/juleica",
    ],
)
def test_another_address_that_starts_or_ends_alike_is_not_the_link(example_issue, written):
    issue, item = _with(example_issue, f"Die Schulung dauert 40 Stunden. Alle Termine: {written}")
    post = Renderer(TEMPLATES).render(issue, item, "mastodon")
    assert written in post.text and "Mehr dazu: " + LINK in post.text.replace("\n", " ")


@pytest.mark.parametrize("platform", EVERY)
def test_a_text_ending_in_a_colon_is_followed_by_the_link(example_issue, platform):
    issue, item = _with(example_issue, "Der Fachtag stellt Praxisbeispiele vor. Anmeldung bis 25. April:")
    post = Renderer(TEMPLATES).render(issue, item, platform)
    (link,) = _links(post.text)
    assert "Anmeldung bis 25. April: " + link in post.text
    assert "Mehr dazu" not in post.text


def test_the_issues_page_does_not_follow_a_colon_that_announces_something_else(example_issue):
    issue, item = _with(example_issue, "Der Fachtag stellt Praxisbeispiele vor. Anmeldung bis 25. April:", link=None)
    issue = dataclasses.replace(issue, options=IssueOptions(link="https://example.org/newsletter/2025-03"))
    post = Renderer(TEMPLATES).render(issue, item, "mastodon")
    assert "April:\n\nMehr dazu: https://example.org/newsletter/2025-03" in post.text


def test_a_shortened_post_whose_written_address_was_cut_ends_with_the_link_line(example_issue):
    long_text = " ".join(sentences(example_issue.items[3].body, "de"))
    issue, item = _with(example_issue, f"{long_text} Alle Termine: jugendring-kreis.example/juleica")
    post = Renderer(TEMPLATES).render(issue, item, "x")
    assert post.fits and "…" in post.text and "Alle Termine" not in post.text
    (link,) = _links(post.text)
    assert link.startswith(LINK + "?")


def test_link_in_text():
    assert link_in_text("Try it at map.example/?layer=access.", "https://map.example/?layer=access") == (
        "Try it at https://map.example/?layer=access."
    )
    assert link_in_text("Mail an info@verein.example", "https://verein.example/") is None
    assert link_in_text("Anmeldung bis 25. April:", LINK, after_colon=False) is None
    assert link_in_text("Nichts davon.", LINK) is None
