"""The multi-worker kill test, shared by tests/test_workers_postgres.py and benchmarks/soak_workers.py:
several real worker processes (tests/fakes/worker.py) publish one queue on PostgreSQL while workers are
SIGKILLed at random moments and started again; afterwards every post must be published, and each
exactly once in the outbox they share."""

from __future__ import annotations

import datetime as dt
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from scheduler.models import Content, State
from scheduler.platforms.dryrun import outbox_lines
from scheduler.storage import NewPost, Store

ROOT = Path(__file__).resolve().parent.parent
#: The queue's posts are spread over this many accounts: one worker serves an account at a time.
ACCOUNTS = 12


@dataclass
class KillRun:
    workers: int
    posts: int
    kills: int = 0
    published: int = 0
    duplicates: int = 0  # extra copies in the outbox, summed over posts
    missing: int = 0  # posts never sent
    takeovers: int = 0  # dead workers' posts taken over by a live one
    seconds: float = 0.0

    def __str__(self) -> str:
        return (
            f"{self.workers} workers, {self.posts} posts, {self.kills} SIGKILLs, {self.takeovers} take-overs: "
            f"{self.published} published, {self.duplicates} duplicates, {self.missing} missing, "
            f"{self.seconds:.1f} s"
        )


def kill_run(
    url: str,
    folder: Path,
    *,
    posts: int,
    workers: int = 3,
    heartbeat: float = 0.5,
    kill_every: tuple[float, float] = (0.1, 0.5),
    budget: float = 300.0,
    seed: int = 1,
) -> KillRun:
    """Queue `posts` posts due now, run `workers` workers, SIGKILL one at random every `kill_every`
    seconds (starting it again) until every post is out, then let the rest settle. A kill waits for
    a post to go out since the last one: on a slow or busy machine, where a worker takes longer to
    start than the kill interval, the run still makes progress instead of running into `budget`."""
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    store = Store.open(url)
    for start in range(0, posts, 1000):
        store.add(
            [
                NewPost(f"item{n}", "mastodon", f"team{n % ACCOUNTS}", now, Content((f"Beitrag {n}",), "de"))
                for n in range(start, min(start + 1000, posts))
            ],
            state=State.SCHEDULED,
            now=now,
            reason="kill test",
        )
    outbox = folder / "outbox.jsonl"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEDULER_")}

    def start() -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "tests.fakes.worker", url, str(outbox), str(heartbeat)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    run = KillRun(workers=workers, posts=posts)
    began = time.monotonic()
    running = [start() for _ in range(workers)]
    next_kill = began + rng.uniform(*kill_every)
    published_at_kill = 0  # posts out at the last kill
    try:
        while time.monotonic() - began < budget:
            time.sleep(0.05)
            counts = store.counts()
            if counts[State.PUBLISHED] == posts:
                break
            if counts[State.SCHEDULED] == 0 and counts[State.PUBLISHING] == 0:
                break  # nothing left to publish (some may need attention: counted below)
            if time.monotonic() < next_kill or counts[State.PUBLISHED] == published_at_kill:
                continue
            published_at_kill = counts[State.PUBLISHED]
            next_kill = time.monotonic() + rng.uniform(*kill_every)
            victim = rng.randrange(workers)
            running[victim].send_signal(signal.SIGKILL)
            running[victim].wait()
            run.kills += 1
            running[victim] = start()
    finally:
        for process in running:
            process.send_signal(signal.SIGTERM)
        for process in running:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
    # a last worker settles whatever the killed ones left (as the next start of a daemon would)
    settle = subprocess.run(
        [sys.executable, "-m", "tests.fakes.worker", url, str(outbox), str(heartbeat), "settle"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if settle.returncode != 0:
        raise AssertionError(settle.stderr[-2000:])
    run.seconds = time.monotonic() - began
    sent = Counter(line["idempotency_key"] for line in outbox_lines(outbox))
    keys = {post.idempotency_key for post in store.list_posts()}
    run.duplicates = sum(count - 1 for count in sent.values())
    run.missing = len(keys - set(sent))
    run.published = store.counts()[State.PUBLISHED]
    with store.engine.connect() as connection:
        from sqlalchemy import func, select

        from scheduler.storage.schema import transitions

        run.takeovers = (
            connection.execute(
                select(func.count()).select_from(transitions).where(transitions.c.reason.like("taken over by %"))
            ).scalar()
            or 0
        )
    store.close()
    return run
