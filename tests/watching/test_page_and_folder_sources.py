"""An archive page listing the issues, a folder of issue files, and `scheduler run` checking them."""

from __future__ import annotations

import shutil
from pathlib import Path

from scheduler.storage import Store
from tests.conftest import ROOT
from tests.fakes.feeds import Entry, FeedSite
from tests.watching.conftest import APRIL, MARCH, MAY

FIXTURES = ROOT / "tests" / "fixtures" / "newsletters"


def _titles(database: Path) -> list[str]:
    store = Store.open(f"sqlite:///{database}")
    try:
        return sorted(post.title for post in store.list_posts())
    finally:
        store.close()


def _archive(site: FeedSite, entries: list[Entry]) -> str:
    """An archive page linking each issue (and the site's other pages, which are no issues)."""
    links = "".join(f'<li><a href="/newsletter/{e.date.isoformat()}/">{e.title}</a></li>' for e in entries)
    for entry in entries:
        site.put(f"/newsletter/{entry.date.isoformat()}/", entry.page(), "text/html; charset=utf-8")
    page = (
        '<!doctype html><html lang="de"><head><meta charset="utf-8"><title>Archiv</title></head><body>'
        '<nav><a href="/">Start</a> <a href="/kontakt/">Kontakt</a></nav>'
        f'<main><h1>Newsletter-Archiv</h1><ul class="issues">{links}</ul></main>'
        '<footer><a href="/impressum/">Impressum</a></footer></body></html>'
    )
    return site.put("/archiv/", page.encode(), "text/html; charset=utf-8")


def test_an_archive_page_gives_the_issues_its_links_point_to_each_fetched_once(run, site: FeedSite, watched: Path):
    archive = _archive(site, [APRIL, MARCH])
    added = run("sources", "add", archive, "--name", "archiv", "--links", r"/newsletter/\d{4}-\d{2}-\d{2}/$")
    assert added.code == 0, added
    assert "found 2 issues in it now; 2 count as seen" in added.out
    _archive(site, [MAY, APRIL, MARCH])
    result = run("watch", "--once")
    assert result.out.splitlines() == [
        "archiv: queued 3 posts of “Newsletter Mai 2025”",
        "review the drafts with 'scheduler queue list --state draft', approve with 'scheduler queue approve ID …'",
    ]
    assert _titles(watched) == [
        "Elterncafé zieht um",
        "Ferienprogramm 2025: Anmeldung ab 12. Mai",
        "Sprechstunde Kinderzuschlag",
    ]
    assert site.requests("/newsletter/2025-04-04/") == [200]  # read once, when the source was added
    assert site.requests("/newsletter/2025-05-02/") == [200]
    assert run("watch", "--once").out.strip() == "archiv: unchanged"
    assert site.requests("/archiv/")[-1] == 304


def test_an_archive_page_takes_a_css_selector_and_says_when_nothing_matches(run, site: FeedSite, watched: Path):
    archive = _archive(site, [MARCH])
    assert run("sources", "add", archive, "--name", "archiv", "--selector", "ul.issues a").code == 0
    _archive(site, [APRIL, MARCH])
    assert run("watch", "--once").out.splitlines()[0] == "archiv: queued 2 posts of “Newsletter April 2025”"
    wrong = run("sources", "add", archive, "--name", "falsch", "--selector", "ol.ausgaben a")
    assert wrong.code == 2
    assert "no link on the page matches the CSS selector 'ol.ausgaben a'; check it and the page" in wrong.err


def test_a_folder_source_queues_a_new_file_and_reads_no_file_that_did_not_change(
    run, watched: Path, tmp_path: Path, monkeypatch
):
    folder = tmp_path / "ausgaben"
    folder.mkdir()
    shutil.copy(FIXTURES / "markdown" / "list-entries-de.md", folder)
    assert run("sources", "add", str(folder), "--name", "ordner").code == 0
    assert run("watch", "--once").out.strip() == "ordner: unchanged"
    shutil.copy(FIXTURES / "markdown" / "static-site-de.md", folder)
    from scheduler import newsletter

    read: list[str] = []
    real = newsletter.load_issues
    monkeypatch.setattr(newsletter, "load_issues", lambda path, **kw: read.append(path.name) or real(path, **kw))
    result = run("watch", "--once")
    assert result.out.startswith("ordner: queued 5 posts of “Familiennetz Rhein-Erft – Ausgabe 3/2025”")
    assert read == ["static-site-de.md"]  # the file that was there before is not read again
    assert len(_titles(watched)) == 5


def test_run_checks_the_sources_before_it_publishes(run, site: FeedSite, watched: Path, monkeypatch):
    monkeypatch.setenv("SCHEDULER_REQUIRE_APPROVAL", "false")
    feed_url = site.put("/feed.xml", _feed([MARCH]))
    assert run("sources", "add", feed_url, "--name", "familiennetz").code == 0
    site.put("/feed.xml", _feed([APRIL, MARCH]))
    result = run("run", "--once")
    assert result.code == 0, result
    assert _titles(watched) == ["Neue Spielgruppe für Kinder unter drei", "Repair-Café sucht Verstärkung"]
    assert site.requests("/feed.xml")[-1] == 200


def _feed(entries: list[Entry]) -> bytes:
    from tests.fakes.feeds import rss

    return rss(entries)


def test_an_xhtml_archive_page_with_an_encoding_declaration_is_read(run, site: FeedSite, watched: Path):
    archive = _archive(site, [MARCH])
    page = site.pages["/archiv/"].body
    site.put("/archiv/", b'<?xml version="1.0" encoding="UTF-8"?>\n' + page, "application/xhtml+xml; charset=utf-8")
    added = run("sources", "add", archive, "--name", "archiv", "--links", r"/newsletter/\d{4}-\d{2}-\d{2}/$")
    assert added.code == 0, added
    wrong = run("sources", "add", archive, "--name", "falsch", "--links", "gibtsnicht")
    assert wrong.code == 2
    assert "no link on the page matches the pattern 'gibtsnicht'" in wrong.err
