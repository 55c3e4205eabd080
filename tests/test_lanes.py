"""Publishing several accounts' posts at the same time (scheduler.lanes): each account's posts one
after another and in order, never two of one account in flight, a platform's own cap respected,
a clean stop, and one failing lane stopping no other."""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from scheduler.daemon import Daemon
from scheduler.errors import TransientError
from scheduler.models import Content, QueuedPost, State
from scheduler.platforms.base import Outcome, PublishResult, Reconciliation
from scheduler.publishing import Dispatcher, RetryPolicy
from scheduler.storage import NewPost, Store
from tests.fakes.mastodon_server import MastodonFake
from tests.waiting import wait_for

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(minutes=1)


class Recording:
    """A publisher that takes `seconds` per post and records, per account, when each post was in
    flight — and the most posts in flight at once, overall and per platform."""

    def __init__(self, seconds: float = 0.05, fail: set[str] | None = None) -> None:
        self.seconds = seconds
        self.fail = fail or set()
        self.lock = threading.Lock()
        self.spans: dict[str, list[tuple[float, float, int]]] = {}
        self.flying: dict[str, int] = {}  # account: posts in flight
        self.most = 0
        self.most_per_platform: dict[str, int] = {}
        self.twice: list[str] = []  # accounts seen with two posts in flight

    def publish(self, post: QueuedPost) -> PublishResult:
        name = f"{post.platform}:{post.account}"
        with self.lock:
            self.flying[name] = self.flying.get(name, 0) + 1
            if self.flying[name] > 1:
                self.twice.append(name)
            self.most = max(self.most, sum(self.flying.values()))
            on_platform = sum(n for key, n in self.flying.items() if key.startswith(post.platform + ":"))
            self.most_per_platform[post.platform] = max(self.most_per_platform.get(post.platform, 0), on_platform)
        start = time.monotonic()
        try:
            time.sleep(self.seconds)
            if post.item_id in self.fail:
                raise RuntimeError(f"a bug while sending {post.item_id}")
            return PublishResult(remote_id=f"r{post.id}", remote_url=f"https://example.org/{post.id}")
        finally:
            with self.lock:
                self.flying[name] -= 1
                self.spans.setdefault(name, []).append((start, time.monotonic(), post.id))

    def reconcile(self, post: QueuedPost) -> Reconciliation:
        return Reconciliation(Outcome.NOT_PUBLISHED)


def _queue(store: Store, accounts: dict[str, list[str]], per_account: int, *, platform: str = "mastodon") -> list[int]:
    """`per_account` posts for each account, due a second apart, interleaved across accounts."""
    posts = [
        NewPost(f"{account}-{n}", platform, account, NOW + dt.timedelta(seconds=n), Content((f"{account} {n}",), "de"))
        for n in range(per_account)
        for account in accounts.get(platform, [])
    ]
    return store.add(posts, state=State.SCHEDULED, now=NOW, reason="lanes test")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store.open(f"sqlite:///{tmp_path / 'q.sqlite3'}")
    yield store
    store.close()


def _daemon(store: Store, publisher: Recording, *, concurrency: int, caps: dict[str, int] | None = None) -> Daemon:
    dispatcher = Dispatcher(store, publisher, worker="lanes-test", policy=RetryPolicy(max_attempts=3, base=60))
    return Daemon(store, dispatcher, concurrency=concurrency, caps=caps, batch=3)


def test_posts_of_different_accounts_go_out_at_the_same_time_and_each_accounts_in_order(store: Store):
    accounts = {"mastodon": [f"team{n}" for n in range(8)]}
    ids = _queue(store, accounts, per_account=5)
    publisher = Recording()
    summary = _daemon(store, publisher, concurrency=4).run_once(install_signals=False)
    assert summary.published == len(ids) == 40
    assert store.counts()[State.PUBLISHED] == 40
    assert publisher.most == 4  # four accounts at once, never more
    assert publisher.twice == []  # never two posts of one account in flight
    for name, spans in publisher.spans.items():
        by_start = [post_id for _, _, post_id in sorted(spans)]
        assert by_start == sorted(by_start), name  # queued (and due) order
        for (_, end, _), (start, _, _) in zip(sorted(spans), sorted(spans)[1:], strict=False):
            assert end <= start, name  # one after another


def test_a_platform_with_a_cap_of_its_own_gets_no_more_lanes_than_it(store: Store):
    _queue(store, {"linkedin": [f"page{n}" for n in range(6)]}, per_account=2, platform="linkedin")
    _queue(store, {"mastodon": [f"team{n}" for n in range(6)]}, per_account=2)
    publisher = Recording()
    _daemon(store, publisher, concurrency=8, caps={"linkedin": 2}).run_once(install_signals=False)
    assert store.counts()[State.PUBLISHED] == 24
    assert publisher.most_per_platform["linkedin"] == 2
    assert publisher.most_per_platform["mastodon"] > 2  # the cap is LinkedIn's alone
    assert publisher.twice == []


def test_the_registry_caps_linkedin_and_bluesky():
    from scheduler.running import platform_caps

    assert platform_caps() == {"linkedin": 2, "bluesky": 4}


def test_a_stop_finishes_each_post_in_flight_and_hands_the_others_back(store: Store):
    _queue(store, {"mastodon": [f"team{n}" for n in range(6)]}, per_account=4)
    publisher = Recording(seconds=0.2)
    daemon = _daemon(store, publisher, concurrency=3)
    result: list[object] = []
    runner = threading.Thread(target=lambda: result.append(daemon.run_once(install_signals=False)))
    runner.start()
    wait_for(lambda: publisher.most == 3)  # three posts in flight
    daemon.stop()
    runner.join(30)
    assert not runner.is_alive()
    counts = store.counts()
    assert counts[State.PUBLISHING] == 0  # nothing left in publishing
    assert counts[State.PUBLISHED] == sum(len(spans) for spans in publisher.spans.values())  # each one sent, recorded
    assert 3 <= counts[State.PUBLISHED] < 24
    assert counts[State.SCHEDULED] == 24 - counts[State.PUBLISHED]
    for post in store.list_posts():
        if post.state == State.SCHEDULED:
            assert post.attempts == 0  # handed back: no attempt spent


def test_a_bug_in_one_lane_marks_its_post_and_stops_no_other_lane(store: Store):
    _queue(store, {"mastodon": ["a", "b", "c"]}, per_account=3)
    publisher = Recording(fail={"b-0"})
    _daemon(store, publisher, concurrency=3).run_once(install_signals=False)
    states = {post.item_id: post.state for post in store.list_posts()}
    assert states.pop("b-0") == State.NEEDS_ATTENTION  # for a person to look at
    assert set(states.values()) == {State.PUBLISHED}  # a and c in full, and b's later posts


def test_a_transient_error_retries_that_post_later_while_the_account_goes_on(store: Store):
    class Flaky(Recording):
        def publish(self, post: QueuedPost) -> PublishResult:
            if post.item_id == "a-0" and post.attempts == 1:
                raise TransientError("503 Service Unavailable")
            return super().publish(post)

    _queue(store, {"mastodon": ["a", "b"]}, per_account=2)
    _daemon(store, Flaky(), concurrency=2).run_once(install_signals=False)
    states = {post.item_id: (post.state, post.attempts) for post in store.list_posts()}
    assert states["a-0"] == (State.SCHEDULED, 1)  # due again after the backoff
    assert states["a-1"] == states["b-0"] == states["b-1"] == (State.PUBLISHED, 1)


def _write_while_a_request_is_in_flight(path: Path) -> None:
    """No write lock is held during a request: another process (a `queue edit`) can write at once."""
    connection = sqlite3.connect(path, timeout=2, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")  # "database is locked" after 2 s if a lane held the lock
        connection.execute("ROLLBACK")
    finally:
        connection.close()


def test_scheduler_run_publishes_to_several_accounts_at_once_a_slow_one_holds_up_no_other(tmp_path: Path):
    """The real `scheduler run --once` with three Mastodon accounts, each on its own server: while
    the first account's server holds its first request, the other accounts' posts all go out; then
    the first account's posts follow, in order, each exactly once. Meanwhile the database can be
    written to: the held request holds no write lock."""
    url = f"sqlite:///{tmp_path / 'q.sqlite3'}"
    names = ("erste", "zweite", "dritte")
    store = Store.open(url)
    store.add(
        [
            NewPost(f"{name}-{n}", "mastodon", name, NOW + dt.timedelta(seconds=n), Content((f"{name} {n}",), "de"))
            for n in range(3)
            for name in names
        ],
        state=State.SCHEDULED,
        now=NOW,
        reason="lanes test",
    )
    with ExitStack() as stack:
        fakes = {name: stack.enter_context(MastodonFake(token=f"token-{name}", latency=0.05)) for name in names}
        env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEDULER_")}
        env.update(SCHEDULER_DATABASE_URL=url, SCHEDULER_OUTBOX=str(tmp_path / "out.jsonl"))
        for name, fake in fakes.items():
            env[f"SCHEDULER_ACCOUNTS__MASTODON__{name.upper()}__BASE_URL"] = fake.url
            env[f"SCHEDULER_ACCOUNTS__MASTODON__{name.upper()}__TOKEN"] = f"token-{name}"
        held = fakes["erste"].hold("/api/v1/statuses", stage="before")
        run = subprocess.Popen(
            [sys.executable, "-m", "scheduler", "run", "--once"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert held.reached.wait(60), "the first account's first post never went out"
            wait_for(lambda: len(fakes["zweite"].statuses) == 3 and len(fakes["dritte"].statuses) == 3, timeout=60)
            assert fakes["erste"].statuses == []  # still held: the others did not wait for it
            _write_while_a_request_is_in_flight(tmp_path / "q.sqlite3")
            held.release()
            _, err = run.communicate(timeout=60)
        finally:
            if run.poll() is None:
                run.kill()
        assert run.returncode == 0, err
        for name, fake in fakes.items():
            assert [status["content"] for status in fake.statuses] == [f"<p>{name} {n}</p>" for n in range(3)]
    assert store.counts()[State.PUBLISHED] == 9


def test_posts_whose_account_another_worker_is_serving_are_not_claimed_in_a_busy_loop(tmp_path: Path):
    """A due post whose account has a post in flight at another (live) worker waits: the daemon
    looks again about once a second, not thousands of times, and takes it once the other is done."""

    class Counting(Store):
        claims = 0

        def claim_due(self, **kwargs):  # type: ignore[no-untyped-def]  # reason: a test double; the interface's signature is not repeated
            type(self).claims += 1
            return super().claim_due(**kwargs)

    store = Counting.open(f"sqlite:///{tmp_path / 'q.sqlite3'}")
    _queue(store, {"mastodon": ["team"]}, per_account=2)
    now = dt.datetime.now(dt.UTC)
    store.heartbeat("elsewhere", now=now - dt.timedelta(seconds=1), starting=True)
    (theirs,) = store.claim_due(now=now, worker="elsewhere", limit=1)
    dispatcher = Dispatcher(store, Recording(seconds=0), worker="here")
    daemon = Daemon(store, dispatcher, concurrency=4, exclusive=False)
    beating = threading.Event()

    def beat() -> None:  # the other worker is alive, and its heartbeats change the queue's file all along
        while not beating.wait(0.2):
            store.heartbeat("elsewhere", now=dt.datetime.now(dt.UTC))

    threading.Thread(target=beat, daemon=True).start()
    runner = threading.Thread(target=daemon.run_forever, kwargs={"install_signals": False}, daemon=True)
    runner.start()
    try:
        time.sleep(3)
        assert Counting.claims <= 12  # about one look a second (and one per change), not a busy loop
        assert store.counts()[State.PUBLISHED] == 0
        store.transition(
            theirs.id,
            State.PUBLISHED,
            reason="sent",
            now=dt.datetime.now(dt.UTC),
            allowed_from={State.PUBLISHING},
            fence=theirs,
        )
        # then the account's next post is ours, though every change re-arms the dispatch
        wait_for(lambda: store.counts()[State.PUBLISHED] == 2)
    finally:
        beating.set()
        daemon.stop()
        runner.join(30)


def test_sigterm_to_scheduler_run_finishes_every_request_in_flight_and_leaves_nothing_publishing(tmp_path: Path):
    """The real daemon (`scheduler run`) publishing for three accounts at once is stopped with
    SIGTERM while each account's first request is held at its server: each of the three requests is
    finished and recorded, the posts not yet started go back to scheduled without an attempt spent,
    nothing is left in publishing, and it exits 0."""
    url = f"sqlite:///{tmp_path / 'q.sqlite3'}"
    names = ("erste", "zweite", "dritte")
    store = Store.open(url)
    store.add(
        [
            NewPost(f"{name}-{n}", "mastodon", name, NOW + dt.timedelta(seconds=n), Content((f"{name} {n}",), "de"))
            for n in range(3)
            for name in names
        ],
        state=State.SCHEDULED,
        now=NOW,
        reason="lanes test",
    )
    with ExitStack() as stack:
        fakes = {name: stack.enter_context(MastodonFake(token=f"token-{name}")) for name in names}
        env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEDULER_")}
        env.update(SCHEDULER_DATABASE_URL=url, SCHEDULER_OUTBOX=str(tmp_path / "out.jsonl"))
        for name, fake in fakes.items():
            env[f"SCHEDULER_ACCOUNTS__MASTODON__{name.upper()}__BASE_URL"] = fake.url
            env[f"SCHEDULER_ACCOUNTS__MASTODON__{name.upper()}__TOKEN"] = f"token-{name}"
        holds = {name: fake.hold("/api/v1/statuses", stage="before") for name, fake in fakes.items()}
        run = subprocess.Popen(
            [sys.executable, "-m", "scheduler", "run"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            for name, hold in holds.items():
                assert hold.reached.wait(60), f"{name}'s first post never went out"
            run.send_signal(signal.SIGTERM)  # three requests in flight
            for hold in holds.values():
                hold.release()
            _, err = run.communicate(timeout=60)
        finally:
            if run.poll() is None:
                run.kill()
        assert run.returncode == 0, err
        for name, fake in fakes.items():
            assert [status["content"] for status in fake.statuses] == [f"<p>{name} 0</p>"]  # finished, no more
    states = {post.item_id: (post.state, post.attempts) for post in store.list_posts()}
    for name in names:
        assert states[f"{name}-0"] == (State.PUBLISHED, 1)  # the request in flight, recorded
        assert states[f"{name}-1"] == states[f"{name}-2"] == (State.SCHEDULED, 0)  # handed back unsent
    assert store.counts()[State.PUBLISHING] == 0
