"""Several daemon processes on one PostgreSQL database publish each post exactly once."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from scheduler.models import Content, State
from scheduler.storage import NewPost, Store
from tests.conftest import ROOT

ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=test connect_timeout=3"
POSTS = 200
WORKERS = 4
ACCOUNTS = 10


@pytest.fixture
def postgres_url() -> Iterator[str]:
    psycopg = pytest.importorskip("psycopg")
    name = f"scheduler_test_{uuid.uuid4().hex[:10]}"
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


def test_four_workers_share_the_queue_without_duplicates(postgres_url: str, tmp_path: Path):
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    store = Store.open(postgres_url)
    store.add(
        [NewPost(f"item{n}", "x", f"team{n % ACCOUNTS}", now, Content((f"Post {n}",), "de")) for n in range(POSTS)],
        state=State.SCHEDULED,
        now=now,
        reason="workers test",
    )
    store.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEDULER_")}
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.fakes.crashing_daemon", postgres_url, str(tmp_path / f"out{n}.jsonl")],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(WORKERS)
    ]
    for worker in workers:
        _, err = worker.communicate(timeout=180)
        assert worker.returncode == 0, err
    sent: Counter[int] = Counter()
    per_worker = []
    for n in range(WORKERS):
        path = tmp_path / f"out{n}.jsonl"
        lines = [json.loads(line)["post_id"] for line in path.read_text().splitlines()] if path.exists() else []
        per_worker.append(len(lines))
        sent.update(lines)
    assert sorted(sent) == list(range(1, POSTS + 1))  # every post once: none lost
    assert max(sent.values()) == 1  # none twice
    assert sum(1 for count in per_worker if count) >= 2, per_worker  # the work was shared
    store = Store.open(postgres_url)
    assert store.counts()[State.PUBLISHED] == POSTS
    _one_worker_per_account_at_a_time(store)


def _one_worker_per_account_at_a_time(store: Store) -> None:
    """From the queue's history: while a worker held a post of an account (from its claim to its
    outcome), no other worker held one of that account; and each account's posts (all due at the
    same instant) went out in the order they were queued. The history's row numbers order the
    events (a sequence, taken inside each transaction): the workers' clocks are read before a claim
    waits for its lock, so their times may be out of order by a few milliseconds."""
    from sqlalchemy import select

    from scheduler.storage.schema import posts, transitions

    query = (
        select(transitions.c.id, transitions.c.post_id, transitions.c.from_state, transitions.c.to_state)
        .add_columns(transitions.c.reason, posts.c.account)
        .join(posts, posts.c.id == transitions.c.post_id)
        .order_by(transitions.c.id)
    )
    spans: dict[int, list[object]] = {}  # post id: [claimed at (row), settled at (row), worker, account]
    with store.engine.connect() as connection:
        for row in connection.execute(query):
            if row.from_state == State.SCHEDULED and row.to_state == State.PUBLISHING:
                assert row.post_id not in spans  # no crash here: one claim per post
                spans[row.post_id] = [row.id, None, row.reason.rsplit(" by ", 1)[1], row.account]
            elif row.to_state == State.PUBLISHED:
                spans[row.post_id][1] = row.id
    assert len(spans) == POSTS and all(span[1] is not None for span in spans.values())
    accounts: dict[object, list[tuple[int, int, str, int]]] = {}
    for post_id, (start, end, worker, account) in spans.items():
        accounts.setdefault(account, []).append((int(str(start)), int(str(end)), str(worker), post_id))
    assert len(accounts) == ACCOUNTS
    for account, held in accounts.items():
        for start, end, worker, _ in held:
            for other_start, other_end, other, _ in held:
                if other != worker:
                    assert end < other_start or other_end < start, f"{account}: {worker} and {other} at once"
        in_order = sorted(held, key=lambda span: span[1])
        assert [span[3] for span in in_order] == sorted(span[3] for span in held), account
