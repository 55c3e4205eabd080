"""Exactly once through crashes: a real daemon process is SIGKILLed at several points while it
publishes; after restarts no post went out twice and none was lost."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from scheduler.models import State
from scheduler.storage import NewPost, Store
from tests.conftest import ROOT

POSTS = 40


def _queue(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'q.sqlite3'}"
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    Store.open(url).add(
        [NewPost(f"item{n}", "mastodon", "default", now, (f"Post {n}",), "de") for n in range(POSTS)],
        state=State.SCHEDULED, now=now, reason="crash test",
    )
    return url


def _daemon(url: str, outbox: Path, *kill: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "tests.fakes.crashing_daemon", url, str(outbox), *kill],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={k: v for k, v in os.environ.items() if not k.startswith("SCHEDULER_")})


def _complete_lines(outbox: Path) -> Counter[int]:
    counts: Counter[int] = Counter()
    if outbox.exists():
        for line in outbox.read_text(encoding="utf-8").splitlines():
            try:
                counts[json.loads(line)["post_id"]] += 1
            except ValueError:
                pass
    return counts


def _finish_and_check(url: str, outbox: Path) -> None:
    final = _daemon(url, outbox)
    out, err = final.communicate(timeout=120)
    assert final.returncode == 0, err
    store = Store.open(url)
    counts = store.counts()
    assert counts[State.PUBLISHED] == POSTS, counts  # none lost
    assert counts[State.PUBLISHING] == 0
    sent = _complete_lines(outbox)
    assert set(sent) == {post.id for post in store.list()}
    duplicates = {post_id: n for post_id, n in sent.items() if n > 1}
    assert not duplicates, f"sent twice: {duplicates}"  # none went out twice


@pytest.mark.parametrize(
    "kill",
    [("claimed", 1), ("claimed", 3), ("sending", 1), ("sending", 12), ("sent", 1), ("sent", 9), ("sent", 25),
     ("recorded", 5), ("recorded", 30)],
    ids=lambda k: f"{k[0]}-{k[1]}" if isinstance(k, tuple) else str(k),
)
def test_sigkill_at_a_precise_point_then_restart(tmp_path: Path, kill: tuple[str, int]):
    url, outbox = _queue(tmp_path), tmp_path / "outbox.jsonl"
    crashed = _daemon(url, outbox, kill[0], str(kill[1]))
    crashed.communicate(timeout=120)
    assert crashed.returncode == -signal.SIGKILL
    left = Store.open(url).counts()
    assert left[State.PUBLISHED] < POSTS  # it really died mid-way
    _finish_and_check(url, outbox)


def test_repeated_sigkill_at_random_moments(tmp_path: Path):
    url, outbox = _queue(tmp_path), tmp_path / "outbox.jsonl"
    rng = random.Random(20241213)
    for _ in range(6):
        process = _daemon(url, outbox)
        time.sleep(rng.uniform(0.3, 0.9))  # start-up takes ~0.3 s; publishing 40 posts ~0.6 s
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=60)
    _finish_and_check(url, outbox)


def test_sigkill_real_scheduler_run_while_it_publishes_to_a_slow_mastodon(tmp_path: Path):
    """The real `scheduler run` process, a slow fake Mastodon in another process: killed again
    and again mid-request, then finished; each post exists exactly once on the server."""
    created = tmp_path / "created.jsonl"
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.mastodon_server", "--token", "crash-token", "--latency", "0.04",
         "--latency-after-create", "0.04", "--state", str(created)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        base_url = server.stdout.readline().strip()
        url = f"sqlite:///{tmp_path / 'q.sqlite3'}"
        now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
        Store.open(url).add([NewPost(f"item{n}", "mastodon", "default", now, (f"Beitrag Nummer {n}",), "de")
                             for n in range(POSTS)], state=State.SCHEDULED, now=now, reason="crash test")
        env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEDULER_")}
        env.update(SCHEDULER_DATABASE_URL=url, SCHEDULER_MASTODON_BASE_URL=base_url,
                   SCHEDULER_MASTODON_TOKEN="crash-token", SCHEDULER_OUTBOX=str(tmp_path / "outbox.jsonl"))
        rng = random.Random(7)
        kills, progress = 0, []
        for _ in range(6):
            daemon = subprocess.Popen([sys.executable, "-m", "scheduler", "run"], cwd=tmp_path, env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            time.sleep(rng.uniform(0.8, 1.6))
            if daemon.poll() is None:
                daemon.send_signal(signal.SIGKILL)
                kills += 1
            daemon.communicate(timeout=60)
            progress.append(Store.open(url).counts()[State.PUBLISHED])
        assert kills >= 3
        assert 0 < progress[0] < POSTS, progress  # the first kill landed mid-way through the queue
        final = subprocess.run([sys.executable, "-m", "scheduler", "run", "--once"], cwd=tmp_path, env=env,
                               capture_output=True, text=True, timeout=120)
        assert final.returncode == 0, final.stderr
        store = Store.open(url)
        assert store.counts()[State.PUBLISHED] == POSTS  # none lost
        texts = Counter(json.loads(line)["status"] for line in created.read_text().splitlines())
        assert set(texts) == {f"Beitrag Nummer {n}" for n in range(POSTS)}
        assert max(texts.values()) == 1, [t for t, n in texts.items() if n > 1]  # none twice
        assert not (tmp_path / "outbox.jsonl").exists()  # nothing went to the dry-run outbox
    finally:
        server.kill()
        server.communicate(timeout=10)
