"""Watched sources in the store, and the watcher's guarantees on both databases: an issue found
by two watchers at the same moment is queued once (the lease), a failing source backs off and is
reported once per run of failures, waiting drafts are announced once per issue."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Mapping

import pytest

from scheduler.errors import InputError, SchedulerError
from scheduler.models import Issue, Item, WatchedSource, item_id
from scheduler.storage import Store
from scheduler.watching import LEASE, Found, Queued, Watcher, backoff

NOW = dt.datetime(2030, 1, 6, 8, 0, tzinfo=dt.UTC)
FEED = WatchedSource(name="familiennetz", kind="feed", location="https://familiennetz.example/feed.xml")


def _issue(title: str, date: dt.date | None, *texts: str) -> Issue:
    items = tuple(Item(id=item_id(text), section="", title=text.split(".")[0], body=text) for text in texts)
    return Issue(title=title, date=date, source="https://familiennetz.example/feed.xml", language="de", items=items)


MARCH = _issue("Newsletter März", dt.date(2025, 3, 7), "Stadtteilfest am 24. Mai.", "Sozialberatung ab April.")
APRIL = _issue("Newsletter April", dt.date(2025, 4, 4), "Repair-Café sucht Verstärkung.", "Neue Spielgruppe.")


class Site:
    """What the sources hold, per name; a source in `failing` raises its error."""

    def __init__(self) -> None:
        self.issues: dict[str, list[Issue]] = {}
        self.failing: dict[str, str] = {}
        self.reads = 0
        self.delay = 0.0

    def __call__(self, source: WatchedSource, validators: Mapping[str, str]) -> Found | None:
        self.reads += 1
        time.sleep(self.delay)
        if source.name in self.failing:
            raise InputError(self.failing[source.name])
        return Found(self.issues.get(source.name, []), validators={})


class Queue:
    def __init__(self, *, drafts: bool = True) -> None:
        self.queued: list[str] = []
        self.drafts = drafts
        self.lock = threading.Lock()

    def __call__(self, issue: Issue, source: WatchedSource) -> Queued:
        with self.lock:
            self.queued.append(issue.title)
        return Queued(len(issue.items), self.drafts)


class Notices:
    def __init__(self) -> None:
        self.sent: list[str] = []

    def announce(self, text: str) -> None:
        self.sent.append(text)


def _watcher(store: Store, site: Site, queue: Queue, notices: Notices | None = None, worker: str = "w1") -> Watcher:
    return Watcher(
        store,
        read=site,
        queue=queue,
        worker=worker,
        interval=dt.timedelta(minutes=15),
        notifier=notices,
        notify_after=3,
    )


def test_a_source_is_stored_listed_and_removed(store: Store):
    page = WatchedSource(
        name="archiv", kind="page", location="https://example.org/archiv/", platforms=("mastodon",),
        accounts=("mastodon:team",), approve=True, pattern="re:/newsletter/\\d+",
    )  # fmt: skip
    store.add_source(FEED, now=NOW)
    store.add_source(page, now=NOW + dt.timedelta(seconds=1))
    assert [state.source for state in store.sources()] == [FEED, page]
    with pytest.raises(InputError, match="a source named 'archiv' exists already"):
        store.add_source(page, now=NOW)
    assert store.remove_source("archiv") is True
    assert store.remove_source("archiv") is False
    assert [state.source.name for state in store.sources()] == ["familiennetz"]


def test_a_lease_is_held_by_one_holder_until_it_runs_out(store: Store, open_store: Callable[[], Store]):
    other = open_store()
    assert store.take_lease(LEASE, holder="a", until=NOW + dt.timedelta(minutes=10), now=NOW)
    assert not other.take_lease(LEASE, holder="b", until=NOW + dt.timedelta(minutes=10), now=NOW)
    assert store.take_lease(LEASE, holder="a", until=NOW + dt.timedelta(minutes=20), now=NOW)  # renewed
    later = NOW + dt.timedelta(minutes=21)  # the holder died: the lease ran out
    assert other.take_lease(LEASE, holder="b", until=later + dt.timedelta(minutes=10), now=later)
    other.release_lease(LEASE, holder="b")
    assert store.take_lease(LEASE, holder="a", until=later + dt.timedelta(minutes=10), now=later)


def test_two_watchers_at_the_same_moment_queue_a_new_issue_once(store: Store, open_store: Callable[[], Store]):
    site, queue = Site(), Queue()
    site.issues["familiennetz"] = [MARCH]
    _watcher(store, site, queue).add(FEED, now=NOW)
    site.issues["familiennetz"] = [APRIL, MARCH]
    site.delay = 0.3  # each check is slow, so both watchers are at it at once
    watchers = [_watcher(open_store(), site, queue, worker=f"w{n}") for n in range(2)]
    reports = []
    threads = [threading.Thread(target=lambda w=w: reports.append(w.check(now=NOW))) for w in watchers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert queue.queued == ["Newsletter April"]
    assert sorted(report.busy for report in reports) == [False, True]


def test_an_issue_found_again_under_another_date_or_source_is_not_queued_again(store: Store):
    site, queue = Site(), Queue()
    partner = WatchedSource(name="partner", kind="feed", location="https://partner.example/feed.xml")
    watcher = _watcher(store, site, queue)
    watcher.add(FEED, now=NOW)
    watcher.add(partner, now=NOW)
    site.issues["familiennetz"] = [APRIL]
    site.issues["partner"] = [  # the same items under another title and date
        _issue("Partner: Newsletter April", dt.date(2026, 1, 1), *(item.body for item in APRIL.items))
    ]
    watcher.check(now=NOW)
    watcher.check(now=NOW + dt.timedelta(hours=1))
    assert queue.queued == ["Newsletter April"]


def test_a_failing_source_backs_off_doubling_and_is_reported_once_per_run_of_failures(store: Store):
    site, queue, notices = Site(), Queue(), Notices()
    watcher = _watcher(store, site, queue, notices)
    watcher.add(FEED, now=NOW)
    site.failing["familiennetz"] = "https://familiennetz.example/feed.xml: no answer within 10 s"
    moment, waits = NOW, []
    for _ in range(5):
        result = watcher.check(now=moment).results[0]
        assert result.checked and result.error
        waits.append(result.next_check_at - moment)
        skipped = watcher.check(now=result.next_check_at - dt.timedelta(seconds=1)).results[0]
        assert not skipped.checked  # not due before its time
        moment = result.next_check_at
    assert waits == [dt.timedelta(minutes=15 * 2**n) for n in range(5)]
    assert len(notices.sent) == 1
    assert notices.sent[0].startswith("The source familiennetz (https://familiennetz.example/feed.xml) failed 3 checks")
    assert "no answer within 10 s" in notices.sent[0]
    del site.failing["familiennetz"]
    assert not watcher.check(now=moment).results[0].error
    assert store.sources()[0].failures == 0
    assert backoff(40, dt.timedelta(minutes=15)) == dt.timedelta(hours=6)


def test_a_failing_source_stops_no_other(store: Store):
    site, queue = Site(), Queue()
    watcher = _watcher(store, site, queue)
    other = WatchedSource(name="ordner", kind="folder", location="/srv/newsletter")
    watcher.add(FEED, now=NOW)
    watcher.add(other, now=NOW)
    site.failing["familiennetz"] = "broken XML"
    site.issues["ordner"] = [APRIL]
    results = {result.name: result for result in watcher.check(now=NOW).results}
    assert results["familiennetz"].error == "broken XML"
    assert results["ordner"].queued == ["Newsletter April"]


def test_waiting_drafts_are_announced_once_per_issue_with_the_count_and_the_command(store: Store):
    site, queue, notices = Site(), Queue(), Notices()
    watcher = _watcher(store, site, queue, notices)
    watcher.add(FEED, now=NOW)
    site.issues["familiennetz"] = [APRIL, MARCH]
    watcher.check(now=NOW)
    watcher.check(now=NOW + dt.timedelta(minutes=15))
    assert notices.sent == [  # oldest first, as they are queued
        "2 draft posts of the new issue “Newsletter März” (source familiennetz) await approval. Review them "
        "with 'scheduler queue list --state draft' and approve them with 'scheduler queue approve ID …'.",
        "2 draft posts of the new issue “Newsletter April” (source familiennetz) await approval. Review them "
        "with 'scheduler queue list --state draft' and approve them with 'scheduler queue approve ID …'.",
    ]
    approved = Queue(drafts=False)
    site.issues["familiennetz"] = [_issue("Newsletter Mai", dt.date(2025, 5, 2), "Ferienprogramm.")]
    _watcher(store, site, approved, notices).check(now=NOW + dt.timedelta(hours=1))
    assert approved.queued == ["Newsletter Mai"] and len(notices.sent) == 2  # scheduled at once: no notice


def test_an_issue_that_cannot_be_queued_is_tried_again_at_the_next_check(store: Store):
    site, notices = Site(), Notices()
    watcher = _watcher(store, site, Queue(), notices)
    watcher.add(FEED, now=NOW)
    site.issues["familiennetz"] = [APRIL]

    def misfit(issue: Issue, source: WatchedSource) -> Queued:
        return Queued(0, False, "x: the post is 312 characters, 32 more than 280")

    failing = Watcher(store, read=site, queue=misfit, worker="w1", interval=dt.timedelta(minutes=15))
    result = failing.check(now=NOW).results[0]
    assert result.error == "Newsletter April: x: the post is 312 characters, 32 more than 280"
    queue = Queue()
    _watcher(store, site, queue).check(now=NOW + dt.timedelta(hours=1))
    assert queue.queued == ["Newsletter April"]


def test_adding_a_source_that_cannot_be_read_stores_nothing(store: Store):
    site = Site()
    site.failing["familiennetz"] = "https://familiennetz.example/feed.xml: the server answered 404 Not Found"
    with pytest.raises(SchedulerError, match="404"):
        _watcher(store, site, Queue()).add(FEED, now=NOW)
    assert store.sources() == []


def test_a_source_that_fails_in_an_unforeseen_way_stops_no_other(store: Store):
    site, queue = Site(), Queue()
    watcher = _watcher(store, site, queue)
    other = WatchedSource(name="ordner", kind="folder", location="/srv/newsletter")
    watcher.add(FEED, now=NOW)
    watcher.add(other, now=NOW)
    site.issues["ordner"] = [APRIL]
    real = site.__call__

    def read(source: WatchedSource, validators: Mapping[str, str]) -> Found | None:
        if source.name == "familiennetz":
            raise ValueError("Unicode strings with encoding declaration are not supported")
        return real(source, validators)

    broken = Watcher(store, read=read, queue=queue, worker="w1", interval=dt.timedelta(minutes=15))
    results = {result.name: result for result in broken.check(now=NOW).results}
    assert results["familiennetz"].error == (
        "reading it failed (ValueError: Unicode strings with encoding declaration are not supported)"
    )
    assert results["ordner"].queued == ["Newsletter April"]
    assert store.source("familiennetz").failures == 1
