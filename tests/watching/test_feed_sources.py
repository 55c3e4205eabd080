"""Watching a feed through the CLI: `sources add`, `watch --once`, `sources list`, against a real
web server on 127.0.0.1 that answers conditional requests (ETag, Last-Modified) and counts them."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from scheduler import newsletter
from scheduler.storage import Store
from tests.fakes.feeds import FeedSite, rss
from tests.watching.conftest import APRIL, MARCH, MAY


def _posts(database: Path) -> list:
    store = Store.open(f"sqlite:///{database}")
    try:
        return store.list_posts()
    finally:
        store.close()


def test_issues_there_when_a_feed_is_added_count_as_seen_and_a_new_one_is_queued_as_drafts(
    run, site: FeedSite, watched: Path
):
    feed = site.put("/feed.xml", rss([APRIL, MARCH]))
    added = run("sources", "add", feed, "--name", "familiennetz")
    assert added.code == 0, added
    assert "found 2 issues in it now; 2 count as seen" in added.out
    assert _posts(watched) == []

    site.put("/feed.xml", rss([MAY, APRIL, MARCH]))
    watched_once = run("watch", "--once")
    assert watched_once.code == 0, watched_once
    assert watched_once.out.splitlines() == [
        "familiennetz: queued 3 posts of “Newsletter Mai 2025”",
        "review the drafts with 'scheduler queue list --state draft', approve with 'scheduler queue approve ID …'",
    ]
    posts = _posts(watched)
    assert sorted(post.title for post in posts) == [
        "Elterncafé zieht um",
        "Ferienprogramm 2025: Anmeldung ab 12. Mai",
        "Sprechstunde Kinderzuschlag",
    ]
    assert {post.state for post in posts} == {"draft"}
    assert {post.platform for post in posts} == {"mastodon"}

    again = run("watch", "--once")
    assert again.out.strip() == "familiennetz: unchanged"
    assert len(_posts(watched)) == 3


def test_an_unchanged_feed_costs_one_request_answered_304_and_no_parsing(
    run, site: FeedSite, watched: Path, monkeypatch: pytest.MonkeyPatch
):
    feed = site.put("/feed.xml", rss([APRIL, MARCH]))
    assert run("sources", "add", feed, "--name", "familiennetz").code == 0
    reads: list[str] = []
    real = newsletter.read_issues
    monkeypatch.setattr(newsletter, "read_issues", lambda data, **kw: reads.append(kw["source"]) or real(data, **kw))
    before = len(site.log)
    assert run("watch", "--once").out.strip() == "familiennetz: unchanged"
    assert site.log[before:] == [("/feed.xml", 304)]
    assert reads == []

    site.conditional = False  # a server that ignores conditions: read in full, nothing queued twice
    result = run("watch", "--once")
    assert result.out.strip() == "familiennetz: no new issue (2 read, all seen before)"
    assert site.log[-1] == ("/feed.xml", 200)
    assert reads == [feed]


def test_an_issue_is_never_queued_twice_across_sources_restarts_and_rewritten_dates(run, site: FeedSite, watched: Path):
    first = site.put("/feed.xml", rss([MARCH]))
    second = site.put("/partner/feed.xml", rss([MARCH], title="Partnernetzwerk"))
    assert run("sources", "add", first, "--name", "eigen").code == 0
    assert run("sources", "add", second, "--name", "partner").code == 0
    site.put("/feed.xml", rss([APRIL, MARCH]))
    site.put("/partner/feed.xml", rss([APRIL, MARCH], title="Partnernetzwerk"))
    result = run("watch", "--once")
    assert result.out.splitlines() == [
        "eigen: queued 2 posts of “Newsletter April 2025”",
        "partner: no new issue (2 read, all seen before)",
        "review the drafts with 'scheduler queue list --state draft', approve with 'scheduler queue approve ID …'",
    ]
    # the feed rewrites its entries' dates (a site migration): still the same issues
    moved = [dataclasses.replace(entry, date=entry.date.replace(year=2026)) for entry in (APRIL, MARCH)]
    site.put("/feed.xml", rss(moved))
    assert run("watch", "--once", "--source", "eigen").out.strip() == "eigen: no new issue (2 read, all seen before)"
    assert len(_posts(watched)) == 2


def test_a_corrected_issue_updates_its_queued_posts(run, site: FeedSite, watched: Path):
    feed = site.put("/feed.xml", rss([MARCH]))
    assert run("sources", "add", feed, "--name", "familiennetz").code == 0
    site.put("/feed.xml", rss([APRIL, MARCH]))
    assert run("watch", "--once").code == 0
    before = {post.title: post for post in _posts(watched)}
    heading, text = APRIL.items[1]
    corrected = dataclasses.replace(APRIL, items=(APRIL.items[0], (heading, text.replace("mittwochs", "freitags"))))
    site.put("/feed.xml", rss([corrected, MARCH]))
    result = run("watch", "--once")
    assert result.code == 0, result
    after = {post.title: post for post in _posts(watched)}
    assert set(after) == set(before)  # no post added: the items kept their identity
    group = after["Neue Spielgruppe für Kinder unter drei"]
    assert "freitags" in group.parts[0] and "mittwochs" not in group.parts[0]
    assert group.id == before[group.title].id and group.publish_at == before[group.title].publish_at
    assert after["Repair-Café sucht Verstärkung"].parts == before["Repair-Café sucht Verstärkung"].parts


def test_a_source_added_with_approve_schedules_its_posts_and_backfill_queues_the_newest(
    run, site: FeedSite, watched: Path
):
    feed = site.put("/feed.xml", rss([APRIL, MARCH]))
    added = run("sources", "add", feed, "--approve", "--backfill", "1")
    assert added.code == 0, added
    assert "queued the issue “Newsletter April 2025”" in added.out
    posts = _posts(watched)
    assert sorted(post.title for post in posts) == [
        "Neue Spielgruppe für Kinder unter drei",
        "Repair-Café sucht Verstärkung",
    ]
    assert {post.state for post in posts} == {"scheduled"}


def test_a_failing_source_is_retried_with_backoff_and_shown_while_the_others_go_on(run, site: FeedSite, watched: Path):
    broken = site.put("/broken.xml", rss([MARCH]))
    good = site.put("/feed.xml", rss([MARCH]))
    assert run("sources", "add", broken, "--name", "kaputt").code == 0
    assert run("sources", "add", good, "--name", "gut").code == 0
    site.fail("/broken.xml", 503)
    site.put("/feed.xml", rss([APRIL, MARCH]))
    result = run("watch", "--once")
    assert result.code == 1  # a source failed
    lines = result.out.splitlines()
    assert lines[0].startswith("kaputt: failed (1 in a row, next try 2030-01-01T12:15+01:00): ")
    assert "503" in lines[0] and "try again later" in lines[0]
    assert lines[1] == "gut: queued 2 posts of “Newsletter April 2025”"
    listed = json.loads(run("sources", "list", "--format", "json").out)
    assert [(s["name"], s["failures"], (s["next_check_at"] or "")[:16]) for s in listed] == [
        ("kaputt", 1, "2030-01-01T11:15"),  # the watch interval (15 minutes) after the failure
        ("gut", 0, ""),
    ]
    text = run("sources", "list").out
    assert "failing (1 in a row, next try 2030-01-01T12:15+01:00): " in text
    status = run("status").out.splitlines()
    assert "sources: 2 watched, 1 failing" in status
    failing = [
        line
        for line in status
        if line.startswith("source kaputt failing (1 check in a row, next try 2030-01-01T12:15+01:00): ")
    ]
    assert len(failing) == 1 and "503 Service Unavailable" in failing[0]
    site.fail("/broken.xml", None)
    site.put("/broken.xml", rss([APRIL, MARCH]))
    recovered = run("watch", "--once", "--source", "kaputt")
    assert recovered.out.strip() == "kaputt: no new issue (2 read, all seen before)"
    assert json.loads(run("sources", "list", "--format", "json").out)[0]["failures"] == 0


def test_a_broken_feed_is_one_line_and_changes_nothing(run, site: FeedSite, watched: Path):
    feed = site.put("/feed.xml", rss([MARCH]))
    assert run("sources", "add", feed, "--name", "familiennetz").code == 0
    site.put("/feed.xml", rss([APRIL, MARCH])[:-200])  # cut off mid-entry
    result = run("watch", "--once")
    assert result.code == 1
    assert len(result.out.splitlines()) == 1 and result.out.startswith("familiennetz: failed (1 in a row")
    assert "Traceback" not in result.out + result.err
    assert _posts(watched) == []


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["/nosuch/folder"],
            "/nosuch/folder: no such folder; a source is a folder of issue files, a feed or an archive page",
        ),
        (["{site}/missing.xml"], "the server answered 404 Not Found; check the address"),
        (
            ["{site}/page.html"],
            "is no RSS or Atom feed (any more); give the feed's address, or add the page as an archive page with --links",
        ),
        (["{site}/feed.xml", "--links", "(unclosed"], "--links '(unclosed' is no regular expression"),
        (
            ["{site}/feed.xml", "--account", "mastodon:nobody"],
            "--account 'mastodon:nobody' is not a configured account",
        ),
        (["{site}/feed.xml", "--name", "zwei wörter"], "--name 'zwei wörter': use letters, digits"),
        (["htp://familiennetz.example/feed.xml"], "not an address this reads; give an http(s)://… feed or page"),
        (["127.0.0.1:8765/feed.xml"], "not an address this reads"),
        (
            ["imaps://team@mail.example/Newsletter"],
            "imaps://team@mail.example:993/Newsletter: no password; set SCHEDULER_IMAP_PASSWORD",
        ),
    ],
)
def test_a_source_that_cannot_be_added_is_one_error_line_and_nothing_is_stored(
    run, site: FeedSite, watched: Path, arguments: list[str], message: str
):
    site.put("/feed.xml", rss([MARCH]))
    site.put("/page.html", MARCH.page(), "text/html; charset=utf-8")
    result = run("sources", "add", *[argument.format(site=site.url) for argument in arguments])
    assert result.code == 2, result
    assert result.err.startswith("error: ") and message in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert run("sources", "list").out.strip() == "no sources; add one with 'scheduler sources add URL|FOLDER'"


def test_a_name_is_taken_once_and_remove_forgets_the_source(run, site: FeedSite, watched: Path):
    feed = site.put("/feed.xml", rss([MARCH]))
    assert run("sources", "add", feed, "--name", "familiennetz").code == 0
    twice = run("sources", "add", feed, "--name", "familiennetz")
    assert twice.code == 2
    assert "a source named 'familiennetz' exists already" in twice.err
    assert run("sources", "remove", "familiennetz").out.strip() == "removed source familiennetz"
    missing = run("sources", "remove", "familiennetz")
    assert missing.code == 2 and "no source named 'familiennetz'; the sources are: none" in missing.err
    # removed and added again: its issues stay seen
    assert run("sources", "add", feed, "--name", "familiennetz").code == 0
    assert _posts(watched) == []
