"""Every form of issue is told from its content, a folder of mixed forms is read whole, and an
issue can be given by its address: `preview` and `queue add` take them all."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from scheduler.errors import InputError
from scheduler.newsletter import load_issues, read_issues
from scheduler.newsletter.formats import Format, detect, sample
from tests.conftest import EXAMPLE, ROOT
from tests.fakes.pages import PageServer, Resource

FIXTURES = ROOT / "tests" / "fixtures" / "newsletters"

#: One fixture of each form, with the form it is and the number of items it holds.
FORMS = [
    (FIXTURES / "text" / "de-verband.txt", Format.TEXT),
    (FIXTURES / "markdown" / "static-site-de.md", Format.MARKDOWN),
    (FIXTURES / "html" / "verein-rundbrief-2025-03.html", Format.HTML_PAGE),
    (FIXTURES / "email" / "mailchimp-foodbank-2025-04.html", Format.HTML_EMAIL),
    (FIXTURES / "feed" / "rss-issues-de.xml", Format.FEED),
    (FIXTURES / "eml" / "multipart-alternative-qp-en.eml", Format.EML),
    (EXAMPLE, Format.TEXT),
]


@pytest.mark.parametrize(("path", "form"), FORMS, ids=lambda value: getattr(value, "name", str(value)))
def test_each_form_is_told_from_its_content_whatever_the_file_is_called(path: Path, form: Format, tmp_path: Path):
    assert detect(sample(path.read_bytes())) is form
    renamed = tmp_path / "ausgabe.txt"  # a saved e-mail, a feed or a page named like copied text
    shutil.copy(path, renamed)
    by_content = load_issues(renamed)
    as_named = load_issues(path)
    assert [[item.title for item in issue.items] for issue in by_content] == [
        [item.title for item in issue.items] for issue in as_named
    ]
    assert all(issue.items for issue in by_content)


def test_the_example_issue_keeps_its_six_items():
    (issue,) = load_issues(EXAMPLE)
    assert len(issue.items) == 6


def test_a_folder_of_mixed_forms_is_read_whole_and_skips_what_is_no_issue(run, tmp_path: Path):
    folder = tmp_path / "ausgaben"
    folder.mkdir()
    for path, _ in FORMS[:-1]:
        shutil.copy(path, folder / path.name)
    (folder / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")  # beside the issues: not read
    (folder / ".DS_Store").write_bytes(b"\x00\x01")
    expected = sum(len(issue.items) for path, _ in FORMS[:-1] for issue in load_issues(path))
    result = run("preview", str(folder), "--format", "json", "-p", "mastodon")
    assert result.code == 0, result
    issues = json.loads(result.out)["issues"]
    assert {Path(issue["source"]).name for issue in issues} == {path.name for path, _ in FORMS[:-1]}
    assert sum(issue["items"] for issue in issues) == expected


def test_an_issue_given_by_its_address_is_fetched_and_read(run, monkeypatch: pytest.MonkeyPatch):
    page = (FIXTURES / "html" / "coastal-digest-2025-05.html").read_bytes()  # its <base href>: https images
    (expected,) = load_issues(FIXTURES / "html" / "coastal-digest-2025-05.html")
    with PageServer() as site:
        url = site.add("/rundbrief/2025-03", Resource(body=page))
        missing = site.url + "/rundbrief/2099-01"
        site.add("/rundbrief/2099-01", Resource(status=404, body=b"not found"))
        monkeypatch.setenv("SCHEDULER_FETCH_ALLOW", "127.0.0.1")  # the test's server is on this machine
        result = run("preview", url, "--format", "json", "-p", "mastodon")
        gone = run("preview", missing)
    assert result.code == 0, result
    (issue,) = json.loads(result.out)["issues"]
    assert issue["source"] == url and issue["items"] == len(expected.items)
    assert [post["title"] for post in issue["posts"]] == [item.title for item in expected.items]
    assert gone.code == 2 and gone.err.count("\n") == 1 and gone.err.startswith("error: ")
    assert "404" in gone.err and "/rundbrief/2099-01" in gone.err


def test_a_private_address_is_fetched_only_where_the_setting_allows_it(run):
    with PageServer() as site:
        url = site.add("/rundbrief", Resource(body=b"<html><body><h2>Titel</h2><p>Text.</p></body></html>"))
        result = run("preview", url)
    assert result.code == 2 and result.err.startswith("error: ") and result.err.count("\n") == 1
    assert "SCHEDULER_FETCH_ALLOW" in result.err


ONE_ISSUE = """13.03.2025: Rundbrief des Fördervereins

Aus dem Verein

Neue Sprechzeiten im Familienbüro: ab April dienstags und donnerstags von 9 bis 12 Uhr, auch ohne Termin.

Unser Spendenkonto: DE12 3456 7890 1234 5678 90 bei der Sparkasse Musterstadt, Stichwort Familienbüro.
"""


def test_the_teams_boilerplate_phrases_are_no_items(run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    issue = tmp_path / "rundbrief.txt"
    issue.write_text(ONE_ISSUE, encoding="utf-8")
    before = run("preview", str(issue), "--format", "json", "-p", "mastodon")
    monkeypatch.setenv("SCHEDULER_BOILERPLATE", "Spendenkonto,Pressekontakt")
    after = run("preview", str(issue), "--format", "json", "-p", "mastodon")
    assert [json.loads(r.out)["issues"][0]["items"] for r in (before, after)] == [2, 1]
    assert "Spendenkonto" not in after.out
    monkeypatch.setenv("SCHEDULER_BOILERPLATE", "Spenden(konto")
    wrong = run("preview", str(issue))
    assert wrong.code == 2 and wrong.err.count("\n") == 1
    assert wrong.err.startswith("error: SCHEDULER_BOILERPLATE=") and "not a regular expression" in wrong.err


def test_a_feeds_entries_are_issues_or_items_as_the_setting_says(run, monkeypatch: pytest.MonkeyPatch):
    feed = FIXTURES / "feed" / "rss-issues-de.xml"
    as_issues = run("preview", str(feed), "--format", "json", "-p", "mastodon")
    monkeypatch.setenv("SCHEDULER_FEED_ENTRIES", "item")
    as_items = run("preview", str(feed), "--format", "json", "-p", "mastodon")
    assert [issue["items"] for issue in json.loads(as_issues.out)["issues"]] == [3, 3]  # two issues of three items
    assert [issue["items"] for issue in json.loads(as_items.out)["issues"]] == [2]  # one issue: an item per entry


PAGE_WITH_AN_ADVERT = """<!doctype html><html lang="de"><head><title>Rundbrief April 2025</title></head>
<body><main><article>
<h1>Rundbrief April 2025</h1>
<h2>Neue Sprechzeiten im Familienbüro</h2>
<p>Ab April berät das Familienbüro dienstags und donnerstags von 9 bis 12 Uhr, auch ohne Termin.
Die Beratung ist kostenlos und vertraulich.</p>
<div class="anzeige"><h2>Buchtipp unseres Partnerverlags</h2>
<p>Der neue Ratgeber zur Elternzeit erklärt auf 120 Seiten Anträge, Fristen und Elterngeld Plus.</p></div>
<h2>Elterncafé startet im Mai</h2>
<p>Jeden ersten Freitag im Monat treffen sich Eltern im Gemeindehaus zum Austausch bei Kaffee und Kuchen.</p>
</article></main></body></html>
"""


def test_the_teams_css_selectors_remove_boilerplate_from_html_issues(run, monkeypatch, tmp_path: Path):
    page = tmp_path / "rundbrief.html"
    page.write_text(PAGE_WITH_AN_ADVERT, encoding="utf-8")
    before = run("preview", str(page), "--format", "json", "-p", "mastodon")
    monkeypatch.setenv("SCHEDULER_BOILERPLATE_SELECTORS", ".anzeige, aside.teaser")
    after = run("preview", str(page), "--format", "json", "-p", "mastodon")
    titles = [[post["title"] for post in json.loads(r.out)["issues"][0]["posts"]] for r in (before, after)]
    assert "Buchtipp unseres Partnerverlags" in titles[0]  # without the selector, the advert reads as an item
    assert titles[1] == ["Neue Sprechzeiten im Familienbüro", "Elterncafé startet im Mai"]
    monkeypatch.setenv("SCHEDULER_BOILERPLATE_SELECTORS", "div[class=")
    wrong = run("preview", str(page))
    assert wrong.code == 2 and wrong.err.count("\n") == 1
    assert wrong.err.startswith("error: SCHEDULER_BOILERPLATE_SELECTORS=") and "not a CSS selector" in wrong.err


ATOM = (FIXTURES / "feed" / "atom-issues-en.xml").read_text(encoding="utf-8")
BROKEN_XML = {
    "unclosed-tag.xml": (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>Verein</title>\n'
        "<item><title>Sommerfest am 5. Juli</title>\n<description>Am 5. Juli feiern wir im Garten.\n"
        "</item></channel></rss>\n"
    ),
    "mismatched-tag.xml": (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>Verein</title>\n'
        "<item><title>Sommerfest am 5. Juli</titel>\n<description>Am 5. Juli feiern wir im Garten.</description>\n"
        "</item></channel></rss>\n"
    ),
    "cut-atom.xml": ATOM[:1500],  # inside the first entry's content
    "cut-before-its-root.xml": '<?xml version="1.0" encoding="UTF-8"?>\n<!-- generator: Jekyll',
    "cut-in-the-roots-name.xml": '<?xml version="1.0" encoding="UTF-8"?>\n<rs',
}


@pytest.mark.parametrize("name", sorted(BROKEN_XML))
def test_broken_xml_is_read_as_a_feed_and_refused_in_one_line(name: str, run, tmp_path: Path):
    # before: "no newsletter items found; expected section headings followed by paragraphs"
    path = tmp_path / name
    path.write_text(BROKEN_XML[name], encoding="utf-8")
    assert detect(sample(path.read_bytes())) is Format.FEED
    result = run("preview", str(path), "-p", "mastodon")
    assert result.code == 2 and result.err.count("\n") == 1 and result.err.startswith("error: "), result
    assert re.search(r": the feed is not well-formed XML \(line \d+: [^)]+\); ", result.err), result.err
    assert "no newsletter items" not in result.err


def test_a_feed_cut_off_is_refused_not_posted_in_part(run, tmp_path: Path):
    path = tmp_path / "feed.xml"
    path.write_bytes((FIXTURES / "feed" / "rss-issues-de.xml").read_bytes()[:-200])
    result = run("preview", str(path), "-p", "mastodon")
    assert result.code == 2 and result.out == "", result
    assert result.err.endswith(
        ": the feed is not well-formed XML (line 54: ends inside a CDATA section); it may have been cut off — fetch "
        "it again\n"
    )


def test_other_xml_is_refused_by_the_feed_reader_and_xhtml_is_a_page():
    svg = '<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"><text>Hallo</text></svg>'
    assert detect(svg) is Format.FEED  # not copied text: "no items" in its markup would mislead
    with pytest.raises(InputError, match=r"not a readable RSS or Atom feed"):
        read_issues(svg.encode(), source="logo.svg.xml")
    xhtml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
        '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n<html xmlns="http://www.w3.org/1999/xhtml">'
        "<head><title>Rundbrief</title></head><body><h2>Sommerfest</h2><p>Am 5. Juli feiern wir.</p></body></html>"
    )
    assert detect(xhtml) is Format.HTML_PAGE
