"""A worker that dies mid-lane leaves its account to another worker (PostgreSQL, issue 13 point 3).

Worker A (tests/fakes/takeover_worker.py: the real daemon loop with its lanes) takes an account's
first posts as one lane, publishes two, sends the third — whose answer never comes — and is then
SIGKILLed: one post sent but not recorded, two claimed but not sent, the rest still queued. Worker
B, running all along, must take the account over (its orphans job, once A's heartbeat has stopped)
and publish every post of the account exactly once: the sent one is found in the shared outbox by
its idempotency key and recorded, not sent again. Heartbeats of 0.5 s make the take-over a matter
of seconds; nothing here measures time (the waits end as soon as their condition holds).
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest

from scheduler.models import Content, QueuedPost, State
from scheduler.platforms.dryrun import outbox_lines
from scheduler.storage import NewPost, Store
from tests.conftest import ROOT
from tests.waiting import wait_for

ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=test connect_timeout=3"
POSTS = 12  # of one account; a lane takes 5 at a time (the worker's batch)
HANG_AT = 3  # worker A sends its third post and never hears back
#: Seconds; a worker is taken for dead after three missed heartbeats. Not much shorter: the orphans job
#: (every 3 heartbeats) re-arms the dispatch, and a re-arm while nothing due can be claimed puts the
#: dispatch off by daemon.BLOCKED_SECONDS (1 s) again; more often than that, it never comes.
HEARTBEAT = 0.5


@pytest.fixture
def postgres_url() -> Iterator[str]:
    psycopg = pytest.importorskip("psycopg", reason="the postgres extra is missing: pip install -e '.[test]'")
    name = f"scheduler_takeover_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(ADMIN, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 unreachable: {str(exc).strip().splitlines()[0]}")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Worker:
    """`python -m tests.fakes.takeover_worker`, its output in a file of its own."""

    def __init__(self, url: str, outbox: Path, log: Path, *hang: str) -> None:
        self.log = log
        env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEDULER_")}
        self._out: IO[bytes] = log.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.fakes.takeover_worker", url, str(outbox), str(HEARTBEAT), *hang],
            cwd=ROOT,
            env=env,
            stdout=self._out,
            stderr=subprocess.STDOUT,
        )
        self.name = f"worker-{self.process.pid}"

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self, signum: int) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signum)
        try:
            return self.process.wait(timeout=60)
        finally:
            self._out.close()


def _of_account(store: Store) -> list[QueuedPost]:
    return sorted(store.list_posts(), key=lambda post: post.id)


def test_a_worker_killed_mid_lane_leaves_its_account_to_another_and_each_post_goes_out_once(
    postgres_url: str, tmp_path: Path
):
    start = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    store = Store.open(postgres_url)
    store.add(
        [
            NewPost(f"item{n}", "mastodon", "team", start + dt.timedelta(seconds=n), Content((f"Beitrag {n}",), "de"))
            for n in range(POSTS)
        ],
        state=State.SCHEDULED,
        now=start,
        reason="take-over test",
    )
    outbox = tmp_path / "outbox.jsonl"
    a = Worker(postgres_url, outbox, tmp_path / "a.log", str(HANG_AT))
    b: Worker | None = None
    try:
        wait_for(lambda: "hung" in a.output(), what="worker A sending its third post")
        before = _of_account(store)
        # mid-lane: two out, the third sent and not recorded, the lane's other two claimed, the rest queued
        assert [p.state for p in before[:HANG_AT]] == [State.PUBLISHED] * (HANG_AT - 1) + [State.PUBLISHING]
        assert {p.claimed_by for p in before if p.state == State.PUBLISHING} == {a.name}
        assert sum(1 for p in before if p.state == State.PUBLISHING) == 3
        assert sum(1 for p in before if p.state == State.SCHEDULED) == POSTS - HANG_AT - 2
        b = Worker(postgres_url, outbox, tmp_path / "b.log")
        wait_for(lambda: any(row[0] == b.name for row in store.daemons()), what="worker B running")
        assert a.stop(signal.SIGKILL) == -signal.SIGKILL
        try:
            wait_for(lambda: store.counts()[State.PUBLISHED] == POSTS, timeout=120, what="every post out after A died")
        except AssertionError as error:
            raise AssertionError(f"{error}; B's log ends:\n{b.output()[-3000:]}") from None
        assert b.stop(signal.SIGTERM) == 0, b.output()[-3000:]
    finally:
        a.stop(signal.SIGKILL)
        if b is not None:
            b.stop(signal.SIGKILL)
    after = _of_account(store)
    sent = Counter(line["idempotency_key"] for line in outbox_lines(outbox))
    assert sorted(sent) == sorted(str(p.idempotency_key) for p in after)  # every post went out
    assert max(sent.values()) == 1, sent  # and none twice: the unanswered one was not sent again
    hung = after[HANG_AT - 1]
    history = [t.reason for t in store.history(hung.id)]
    assert any(reason.startswith(f"taken over by {b.name} from {a.name}") for reason in history), history
    assert history[-1] == "reconciled after interrupted while publishing", history
    # B sent the rest itself (the two A had claimed but not sent, and those A had not claimed), and
    # only once A's claims were settled: the account was served by one worker at a time
    assert all(p.claimed_by == b.name for p in after[HANG_AT - 1 :]), [(p.id, p.claimed_by) for p in after]
    events = _history(store)
    held_by_a = {p.id for p in before if p.state == State.PUBLISHING}
    taken_over = {post_id: n for n, post_id, _, reason in events if reason.startswith("taken over by")}
    assert set(taken_over) == held_by_a
    settled = max(  # A's claims settled by B: each one's first change after it was taken over
        min(n for n, post_id, to, _ in events if post_id == held and n > taken_over[held] and to != State.PUBLISHING)
        for held in held_by_a
    )
    first_claim_by_b = min(
        n for n, _, to, reason in events if to == State.PUBLISHING and reason.endswith(f"by {b.name}")
    )
    assert settled < first_claim_by_b
    store.close()


def _history(store: Store) -> list[tuple[int, int, str, str]]:
    """The queue's history in the order it was written: (row, post id, new state, reason)."""
    from sqlalchemy import select

    from scheduler.storage.schema import transitions

    query = select(transitions.c.id, transitions.c.post_id, transitions.c.to_state, transitions.c.reason)
    with store.engine.connect() as connection:
        rows = connection.execute(query.order_by(transitions.c.id))
        return [(row.id, row.post_id, row.to_state, row.reason) for row in rows]
