"""The default templates read as a comms person would write: LinkedIn and Facebook open with a hook
line, then short paragraphs and the link; the short platforms fill the space they have; the fixed
phrases follow the issue's language; the account's line (a funding notice) is added where it fits."""

from __future__ import annotations

import dataclasses

import pytest

from scheduler.models import IssueOptions
from scheduler.platforms.registry import measure
from scheduler.render.renderer import Renderer
from scheduler.text.sentences import sentences
from tests.conftest import TEMPLATES

LINK = "https://example.org/newsletter/2024-12-13"
FUNDING = (
    "Gefördert durch das Bundesministerium für Arbeit und Soziales und die Europäische Union "
    "über den Europäischen Sozialfonds Plus."
)


@pytest.fixture
def issue(example_issue):
    return dataclasses.replace(
        example_issue,
        options=IssueOptions(
            link=LINK, hashtags=("AktifPlus", "ESFPlus"), section_hashtags={"Vernetzt": ("Netzwerk",)}
        ),
    )


@pytest.mark.parametrize("platform", ["linkedin", "facebook"])
def test_linkedin_and_facebook_open_with_a_hook_line_then_short_paragraphs_and_the_link(issue, platform):
    item = issue.items[1]  # four sentences
    text = Renderer(TEMPLATES).render(issue, item, platform).text
    blocks = text.split("\n\n")
    first = sentences(item.body, "de")[0]
    assert blocks[0] == f"{item.section}: {first}"  # the hook: section and the item's title sentence
    body = blocks[1:-2]
    assert len(body) >= 2 and all(len(block) <= 400 for block in body)
    assert " ".join([first, *body]) == item.body  # nothing lost, only paragraphs
    assert blocks[-2].startswith("Mehr dazu: https://example.org/newsletter/2024-12-13?utm_source=" + platform)
    assert blocks[-1] == "#AktifPlus #ESFPlus #Netzwerk"


@pytest.mark.parametrize("platform", ["x", "bluesky"])
def test_short_platforms_keep_as_many_sentences_as_fit_plus_the_link(issue, platform):
    renderer = Renderer(TEMPLATES)
    for item in issue.items:
        post = renderer.render(issue, item, platform)
        assert post.fits and LINK in post.text
        kept = post.text.split("\n")[0].removesuffix(" …")
        all_sentences = sentences(item.body, "de")
        count = len(sentences(kept, "de"))
        assert kept == " ".join(all_sentences[:count])
        if count < len(all_sentences):  # one more sentence would not have fitted
            longer = post.text.replace(kept, " ".join(all_sentences[: count + 1]), 1)
            assert not measure(platform, longer).fits


def test_bluesky_uses_the_room_a_short_link_leaves(issue):
    """Before, a Bluesky post kept only as much as fitted beside the full UTM-tagged address."""
    post = Renderer(TEMPLATES).render(issue, issue.items[1], "bluesky")
    assert len(sentences(post.text.split("\n")[0], "de")) >= 2


def test_an_english_issue_gets_english_phrases(issue):
    english = dataclasses.replace(issue, language="en")
    for platform in ("linkedin", "facebook", "mastodon", "bluesky", "threads"):
        text = Renderer(TEMPLATES).render(english, english.items[5], platform).text
        assert "Mehr dazu" not in text and "Read more: https://example.org" in text
    x = Renderer(TEMPLATES).render(english, english.items[5], "x").text  # X: the bare link, no phrase
    assert "Mehr dazu" not in x and "\nhttps://example.org" in x


def test_the_funding_line_is_added_where_it_fits(issue):
    with_line, plain = Renderer(TEMPLATES, footer=FUNDING), Renderer(TEMPLATES)
    added = set()
    for platform in ("linkedin", "facebook", "mastodon", "threads", "bluesky", "x"):
        for item in issue.items:
            post, without = with_line.render(issue, item, platform), plain.render(issue, item, platform)
            assert post.fits
            if FUNDING in post.text:  # after the link, before the hashtags, and it cost no text
                added.add(platform)
                assert post.text.index(LINK) < post.text.index(FUNDING) < post.text.index("#AktifPlus")
                assert post.text.replace("\n\n" + FUNDING, "").replace("\n" + FUNDING, "") == without.text
            else:
                assert post.text == without.text
    assert {"linkedin", "facebook"} <= added  # room enough there for every item
    assert "x" not in added  # on X it would cost text in every item of the example


def test_the_funding_line_goes_on_a_short_post_that_has_room(issue):
    item = dataclasses.replace(issue.items[0], body="Das Familienzentrum in Düren lädt zum Sommerfest ein.")
    post = Renderer(TEMPLATES, footer="Gefördert durch die Europäische Union.").render(issue, item, "x")
    assert "Gefördert durch die Europäische Union." in post.text and post.fits


def test_the_funding_line_can_be_limited_to_some_platforms(issue):
    renderer = Renderer(TEMPLATES, footer=FUNDING, footer_platforms=("linkedin",))
    assert FUNDING in renderer.render(issue, issue.items[0], "linkedin").text
    assert FUNDING not in renderer.render(issue, issue.items[0], "facebook").text


def test_the_footer_setting_reaches_the_preview(run, monkeypatch):
    from tests.conftest import EXAMPLE

    monkeypatch.setenv("SCHEDULER_FOOTER", FUNDING)
    monkeypatch.setenv("SCHEDULER_FOOTER_PLATFORMS", "linkedin,x")
    result = run("preview", str(EXAMPLE), "-p", "linkedin", "-p", "facebook", "--format", "json")
    import json

    posts = json.loads(result.out)["issues"][0]["posts"]
    assert all((FUNDING in post["text"]) == (post["platform"] == "linkedin") for post in posts)


def test_queued_posts_carry_the_footer_too(run, monkeypatch):
    from tests.conftest import EXAMPLE

    monkeypatch.setenv("SCHEDULER_FOOTER", FUNDING)
    added = run("queue", "add", str(EXAMPLE), "-p", "linkedin", "--start", "2030-01-07")
    assert added.code == 0, added.err
    shown = run("queue", "show", "1")
    assert FUNDING in shown.out
