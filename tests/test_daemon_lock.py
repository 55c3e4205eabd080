"""One `scheduler run` per SQLite file, whatever path names it: a second daemon reached through a
symlink or another spelling of the path is refused (exit 2, one line naming the holder)."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from scheduler.daemon import SingleDaemonLock
from scheduler.models import Content, State
from scheduler.storage import NewPost, Store
from tests.conftest import ROOT
from tests.fakes.mastodon_server import MastodonFake
from tests.waiting import wait_for


def _env(url: str, tmp_path: Path, mastodon: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEDULER_")}
    env.update(
        SCHEDULER_DATABASE_URL=url,
        SCHEDULER_OUTBOX=str(tmp_path / "out.jsonl"),
        SCHEDULER_TEMPLATES_DIR=str(ROOT / "templates"),
        SCHEDULER_MASTODON_BASE_URL=mastodon,
        SCHEDULER_MASTODON_TOKEN="m",
    )
    return env


def _running(url: str) -> int:
    """How many daemons on `url` have started and not stopped (their heartbeat rows)."""
    store = Store.open(url)
    try:
        return sum(1 for *_, stopped in store.daemons() if stopped is None)
    finally:
        store.close()


def test_a_second_daemon_through_a_symlink_or_another_spelling_is_refused(tmp_path: Path):
    real = tmp_path / "data" / "q.sqlite3"
    Store.open(f"sqlite:///{real}").add(
        [
            NewPost(
                "later",
                "mastodon",
                "default",
                dt.datetime.now(dt.UTC) + dt.timedelta(hours=2),
                Content(("Later",), "de"),
            )
        ],
        state=State.SCHEDULED,
        now=dt.datetime.now(dt.UTC),
        reason="test",
    )
    (tmp_path / "alias.sqlite3").symlink_to(real)
    os.link(real, tmp_path / "hard.sqlite3")
    (tmp_path / "x").mkdir()
    other_urls = [
        f"sqlite:///{tmp_path / 'alias.sqlite3'}",  # a symlink to the file
        f"sqlite:///{tmp_path / 'hard.sqlite3'}",  # a hard link: another name, the same file
        "sqlite:///./x/../data/q.sqlite3",
    ]  # relative, another spelling (cwd is tmp_path)
    with MastodonFake(token="m", max_characters=500) as mastodon:
        first = subprocess.Popen(
            [sys.executable, "-m", "scheduler", "run"],
            cwd=tmp_path,
            text=True,
            env=_env(f"sqlite:///{real}", tmp_path, mastodon.url),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            wait_for(lambda: first.poll() is not None or _running(f"sqlite:///{real}"), what="the first daemon starts")
            assert first.poll() is None
            for url in other_urls:
                second = subprocess.Popen(
                    [sys.executable, "-m", "scheduler", "run"],
                    cwd=tmp_path,
                    text=True,
                    env=_env(url, tmp_path, mastodon.url),
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                )
                # refused, it exits; let through, it would write a heartbeat beside the first one's
                wait_for(
                    lambda second=second: second.poll() is not None or _running(f"sqlite:///{real}") > 1,
                    what=f"the second daemon through {url} exits or starts",
                )
                if second.poll() is None:
                    second.kill()
                    second.communicate()
                    pytest.fail(f"a second daemon runs on the same file through {url}")
                _, err = second.communicate()
                assert second.returncode == 2, (url, err)
                lines = err.strip().splitlines()
                assert len(lines) == 1 and lines[0].startswith("error: another 'scheduler run' (")
                named = Path(
                    os.path.realpath(tmp_path / url.removeprefix("sqlite:///"))
                ).name  # hard.sqlite3 is its own name
                assert f":{first.pid})" in lines[0] and f"is already using {named};" in lines[0], lines
            assert first.poll() is None  # the first daemon runs on, undisturbed
        finally:
            first.terminate()
            _, err = first.communicate(timeout=30)
    assert first.returncode == 0, err


def test_sqlite_keeps_reading_and_writing_while_the_lock_is_held(tmp_path: Path):
    path = tmp_path / "new" / "q.sqlite3"  # does not exist yet: the lock creates it
    lock = SingleDaemonLock(path)
    lock.acquire()
    try:
        store = Store.open(f"sqlite:///{path}")
        now = dt.datetime.now(dt.UTC)
        store.add(
            [NewPost(f"i{n}", "mastodon", "default", now, Content(("x",), "de")) for n in range(3)],
            state=State.SCHEDULED,
            now=now,
            reason="test",
        )
        assert len(store.claim_due(now=now, worker="w")) == 3
        with sqlite3.connect(path) as other:  # another process's connection: locks of SQLite's own
            assert other.execute("SELECT count(*) FROM posts WHERE state = 'publishing'").fetchone() == (3,)
        store.close()
        with pytest.raises(Exception, match=r"already using q\.sqlite3"):
            SingleDaemonLock(Path(os.path.relpath(path))).acquire()  # the same file, spelled relatively
    finally:
        lock.release()
    SingleDaemonLock(path).acquire()  # released: the next daemon may run
