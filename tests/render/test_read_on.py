"""No dead ends: a shortened post carries a link to read on (the item's or the issue's); where no
link exists, or a text says "hier"/"here"/"mehr dazu" without one, preview warns per post and
--strict makes that a failure. A link already in the text is not added a second time."""

from __future__ import annotations

import dataclasses
import json

import pytest

from scheduler.models import IssueOptions
from scheduler.render.renderer import Renderer
from scheduler.text.entities import url_spans
from scheduler.text.sentences import sentences
from tests.conftest import EXAMPLE, ROOT, TEMPLATES

ISSUE_LINK = "https://example.org/newsletter/2024-12-13"
ITEM_LINK = "https://www.deutscher-verein.de/empfehlungen/familienfoerderung-kommunale-infrastrukturen"


def _with(issue, index: int, **changes):
    """The issue with item `index` changed; a new body gets its first sentence as title (as imported)."""
    if "body" in changes:
        changes.setdefault("title", sentences(changes["body"], "de")[0])
    item = dataclasses.replace(issue.items[index], **changes)
    return dataclasses.replace(
        issue, items=tuple(item if n == index else other for n, other in enumerate(issue.items))
    ), item


def _links(text: str) -> list[str]:
    return [span.text for span in url_spans(text)]


@pytest.mark.parametrize("platform", ["x", "bluesky", "mastodon", "threads"])
def test_a_shortened_post_carries_the_issue_link(example_issue, platform):
    issue = dataclasses.replace(example_issue, options=IssueOptions(link=ISSUE_LINK, hashtags=("AktifPlus",)))
    post = Renderer(TEMPLATES).render(issue, issue.items[5], platform)
    assert post.fits and "…" in post.text
    assert [link.split("?")[0] for link in _links(post.text)] == [ISSUE_LINK]
    assert post.warnings == ()


def test_a_shortened_post_without_any_link_is_warned_about(example_issue):
    post = Renderer(TEMPLATES).render(example_issue, example_issue.items[5], "x")
    assert post.fits and "…" in post.text and not post.links
    (warning,) = post.warnings
    assert "shortened" in warning and "link" in warning and ".toml" in warning


def test_a_post_shown_whole_without_a_link_is_fine(example_issue):
    post = Renderer(TEMPLATES).render(example_issue, example_issue.items[5], "linkedin")
    assert "…" not in post.text and post.warnings == ()


def test_a_template_that_drops_the_link_of_a_shortened_post_is_warned_about(templates, example_issue):
    (templates / "x.j2").write_text("{{ item.body | fit }}")
    issue = dataclasses.replace(example_issue, options=IssueOptions(link=ISSUE_LINK))
    (warning,) = Renderer(templates).render(issue, issue.items[5], "x").warnings
    assert "template" in warning and "link" in warning


@pytest.mark.parametrize(
    "sentence",
    [
        "Den ganzen Radiobeitrag hören Sie hier.",
        "Mehr dazu hier.",
        "Die Anmeldung finden Sie hier:",
        "Hier geht's zur Anmeldung.",
        "Weitere Informationen unter folgendem Link.",
        "Read the whole story here.",
        "Click here to register.",
        "Mehr dazu lesen Sie im Blog.",
    ],
)
def test_a_text_that_points_to_a_link_it_does_not_have_is_warned_about(example_issue, sentence):
    issue, item = _with(example_issue, 0, body=f"Das Familienzentrum lädt ein. {sentence}")
    post = Renderer(TEMPLATES).render(issue, item, "mastodon")
    assert not post.links
    (warning,) = post.warnings
    assert "has no link" in warning


@pytest.mark.parametrize(
    "sentence",
    [
        "Zu den mehr als 2.000 Mitgliedern gehören Länder und Kommunen.",
        "Die Kinder fühlen sich hier wohl.",
        "Mehr Familien als je zuvor nahmen teil.",
    ],
)
def test_mehr_and_hier_in_ordinary_sentences_are_not_dead_ends(example_issue, sentence):
    issue, item = _with(example_issue, 0, body=f"Das Familienzentrum lädt ein. {sentence}")
    assert Renderer(TEMPLATES).render(issue, item, "mastodon").warnings == ()


def test_the_example_radio_item_says_hier_and_gets_a_warning_without_a_link(example_issue):
    post = Renderer(TEMPLATES).render(example_issue, example_issue.items[4], "linkedin")
    assert "hören Sie hier" in post.text
    assert any("hier" in warning for warning in post.warnings)


def test_a_hier_whose_post_links_only_to_the_issue_page_is_said_to_do_so(example_issue):
    issue = dataclasses.replace(example_issue, options=IssueOptions(link=ISSUE_LINK))
    post = Renderer(TEMPLATES).render(issue, issue.items[4], "linkedin")
    assert "hören Sie hier" in post.text and ISSUE_LINK in post.text
    assert post.warnings == (
        'says "hier" but links only to the issue\'s web page; if it points somewhere else, give the item that link',
    )
    # an item with a link of its own: its "hier" is that link, nothing to say
    linked, item = _with(issue, 4, link=ITEM_LINK, links=(ITEM_LINK,))
    assert Renderer(TEMPLATES).render(linked, item, "linkedin").warnings == ()
    # the issue's page with no "hier": nothing to say either
    assert Renderer(TEMPLATES).render(issue, issue.items[0], "linkedin").warnings == ()


def test_an_inline_link_is_not_added_a_second_time(example_issue):
    body = f"Der Deutsche Verein hat Empfehlungen veröffentlicht: {ITEM_LINK} Sie richten sich an Kommunen."
    issue, item = _with(example_issue, 5, body=body, links=(ITEM_LINK,))
    for platform in ("linkedin", "mastodon", "bluesky", "x", "threads", "facebook"):
        post = Renderer(TEMPLATES).render(issue, item, platform)
        assert len(_links(post.text)) == 1, (platform, post.text)
        assert "utm_source=" + platform in _links(post.text)[0]  # the inline link is tagged like any link
        assert post.warnings == ()


def test_an_inline_link_that_was_cut_away_comes_back_as_the_link_to_read_on(example_issue):
    long_first = sentences(example_issue.items[1].body, "de")[0]
    body = f"{long_first} Die Dokumentation gibt es hier: {ITEM_LINK} Dort finden Sie alle Vorträge."
    issue, item = _with(example_issue, 5, body=body, links=(ITEM_LINK,))
    post = Renderer(TEMPLATES).render(issue, item, "x")
    assert post.fits and "…" in post.text and "hier:" not in post.text
    assert len(_links(post.text)) == 1 and _links(post.text)[0].startswith(ITEM_LINK)
    assert post.warnings == ()


def test_preview_prints_each_warning_and_strict_makes_them_a_failure(run):
    result = run("preview", str(EXAMPLE), "-p", "x", "-p", "linkedin")
    assert result.code == 0
    warnings = [line for line in result.err.splitlines() if line.startswith("warning:")]
    assert len(warnings) >= 6  # every shortened X post of the example lacks a link, and the radio item says "hier"
    assert all(str(EXAMPLE) in line for line in warnings)
    assert any(" on x:" in line and "shortened" in line for line in warnings)
    strict = run("preview", str(EXAMPLE), "-p", "x", "--strict")
    assert strict.code == 1 and "warning:" in strict.err


def test_with_the_issue_link_the_example_has_no_dead_ends_and_its_radio_hier_is_named(run, tmp_path):
    issue = tmp_path / EXAMPLE.name
    issue.write_bytes(EXAMPLE.read_bytes())
    issue.with_suffix(".toml").write_text(f'link = "{ISSUE_LINK}"\n', encoding="utf-8")
    result = run("preview", str(issue), "--format", "json")
    assert result.code == 0, result.err
    posts = json.loads(result.out)["issues"][0]["posts"]
    assert all(post["links"] for post in posts)  # every post leads on
    warned = [post for post in posts if post["warnings"]]
    # the only warning left: the radio item's "hier" now leads to the issue's page, not the piece
    assert warned and all("Den ganzen Radiobeitrag hören Sie hier" in post["text"] for post in warned)
    assert {warning for post in warned for warning in post["warnings"]} == {
        'says "hier" but links only to the issue\'s web page; if it points somewhere else, give the item that link'
    }
    assert run("preview", str(issue), "--strict").code == 1  # and --strict holds a pipeline for it


def test_a_warning_shared_by_several_platforms_is_one_line_naming_them(run):
    result = run("preview", str(EXAMPLE))
    lines = [line for line in result.err.splitlines() if line.startswith("warning:")]
    assert len(lines) == len(set(lines))
    item_2 = [line for line in lines if " item 2 " in line and "shortened without a link" in line]
    assert len(item_2) == 1 and " on mastodon, bluesky, x" in item_2[0]
    posts = int(result.err.strip().splitlines()[-1].split()[0])
    assert posts > len(lines)  # every post is counted, each shared warning said once


# -- links through a mailing tool's click tracker ----------------------------------------------------

EMAILS = ROOT / "tests" / "fixtures" / "newsletters" / "email"
CLEVERREACH = "https://10234.seu2.cleverreach.com/c/81234567/5f0e2d9c1b-sxk2q1"


def test_a_post_that_links_through_a_tracker_names_the_tool_and_the_fix(example_issue):
    issue, item = _with(example_issue, 0, link=CLEVERREACH)
    post = Renderer(TEMPLATES).render(issue, item, "mastodon")
    assert CLEVERREACH in post.text  # the tracker is all the issue gives: it stays, with a warning
    (warning,) = post.warnings
    assert "CleverReach's click tracker" in warning and CLEVERREACH in warning
    assert "only CleverReach knows where it leads" in warning
    assert warning.endswith("replace it with the article's address in the issue's file")


def test_a_tracker_in_the_text_that_says_its_target_is_named_with_it(example_issue):
    tracked = "https://x8k2p.mjt.lu/lnk/AVQAAF/4/Rm9lcmRlcnVuZw/aHR0cHM6Ly93d3cuanVnZW5kcmluZy1rcmVpcy5leGFtcGxlL2ZvZXJkZXJ1bmc"
    issue, item = _with(example_issue, 0, body=f"Das Förderprogramm startet. Anträge: {tracked}")
    (warning,) = Renderer(TEMPLATES).render(issue, item, "linkedin").warnings
    assert "Mailjet's click tracker" in warning
    assert "to https://www.jugendring-kreis.example/foerderung: put that address in its place" in warning


@pytest.mark.parametrize(
    ("name", "tool", "items"),
    [
        ("cleverreach-lebenshilfe-2025-05.html", "CleverReach", [1]),
        ("rapidmail-buergerstiftung-2025-09.html", "rapidmail", [3]),
        ("brevo-openmaps-2025-07.html", "Brevo", [2, 3]),
        ("mailchimp-foodbank-2025-04.html", "Mailchimp", [1, 3]),
    ],
)
def test_preview_warns_about_each_post_through_a_tracker(run, name, tool, items):
    result = run("preview", str(EMAILS / name), "-p", "mastodon")
    assert result.code == 0, result.err
    lines = [line for line in result.err.splitlines() if "click tracker" in line]
    assert [int(line.split(" item ")[1].split()[0]) for line in lines] == items
    assert all(f"{tool}'s click tracker" in line for line in lines)


def test_preview_links_mailjet_posts_to_the_targets_their_trackers_carry(run):
    result = run("preview", str(EMAILS / "mjml-jugendring-2025-06.html"), "-p", "mastodon", "--format", "json")
    assert result.code == 0, result.err
    posts = json.loads(result.out)["issues"][0]["posts"]
    assert [post["links"][0].split("?")[0] for post in posts] == [
        "https://www.jugendring-kreis.example/freizeiten",
        "https://jugendring-kreis.example/juleica",
        "https://www.jugendring-kreis.example/foerderung",
    ]
    assert not any("mjt.lu/lnk" in post["text"] for post in posts) and "click tracker" not in result.err


# -- links lost because they are relative -------------------------------------------------------------


def test_a_relative_link_is_named_with_the_fix_instead_of_the_link_option(example_issue):
    body = "Das Familienzentrum lädt ein. Das ganze Interview lesen Sie hier."
    issue, item = _with(example_issue, 0, body=body, relative=("/DE/Vorgestellt/interview.html",))
    (warning,) = Renderer(TEMPLATES).render(issue, item, "mastodon").warnings
    assert warning.startswith('says "hier", but its link is lost: "/DE/Vorgestellt/interview.html" is relative')
    assert warning.endswith(f'add url = "https://…" (the issue\'s web address) to {EXAMPLE.with_suffix(".toml")}')
    assert "link =" not in warning  # the issue's page would do; the lost link is what the post needs


def test_a_relative_link_is_named_even_when_the_post_has_another_link(example_issue):
    issue, item = _with(
        example_issue, 0, link=ITEM_LINK, relative=("/SharedDocs/bericht.pdf?__blob=publicationFile", "plan.pdf")
    )
    (warning,) = Renderer(TEMPLATES).render(issue, item, "mastodon").warnings
    assert warning.startswith('2 links lost: "/SharedDocs/bericht.pdf?__blob=publicationFile", "plan.pdf" are relative')


SERVICESTELLE = ROOT / "tests" / "fixtures" / "newsletters" / "html" / "servicestelle-informiert-2025-02-14.html"
SERVICESTELLE_URL = "https://www.familien-staerken.example/DE/Informationen/Servicestelle/2025-02-14.html"


def test_preview_of_a_saved_page_without_its_address_names_each_lost_link_and_the_url_fix(run):
    result = run("preview", str(SERVICESTELLE), "-p", "mastodon")
    assert result.code == 0, result.err
    lines = [line for line in result.err.splitlines() if line.startswith("warning:")]
    fix = f'add url = "https://…" (the issue\'s web address) to {SERVICESTELLE.with_suffix(".toml")}'
    assert len(lines) == 2 and all(line.endswith(fix) for line in lines)
    interview, results = lines
    assert (
        " item 1 " in interview
        and '"/DE/Informationen/Servicestelle/Vorgestellt/brueckenbauen-cottbus.html"' in interview
    )
    assert (
        " item 2 " in results
        and '"/SharedDocs/Downloads/DE/Regionaltreffen/2025-01-28-erfurt-ergebnisse.pdf' in results
    )
    assert "link = " not in result.err  # the issue's page would give item 1 a link, but not its interview


def test_with_the_url_option_a_saved_page_links_as_when_it_is_served(run, tmp_path):
    issue = tmp_path / SERVICESTELLE.name
    issue.write_bytes(SERVICESTELLE.read_bytes())
    issue.with_suffix(".toml").write_text(f'url = "{SERVICESTELLE_URL}"\n', encoding="utf-8")
    result = run("preview", str(issue), "-p", "mastodon", "--strict", "--format", "json")
    assert result.code == 0, result.err
    posts = json.loads(result.out)["issues"][0]["posts"]
    assert [post["links"][0].split("?")[0] for post in posts[:2]] == [
        "https://www.familien-staerken.example/DE/Informationen/Servicestelle/Vorgestellt/brueckenbauen-cottbus.html",
        "https://www.familien-staerken.example/SharedDocs/Downloads/DE/Regionaltreffen/2025-01-28-erfurt-ergebnisse.pdf",
    ]
