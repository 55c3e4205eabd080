"""The daemon: sleeps until the next due post, notices other processes' changes, stops cleanly."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from scheduler.cli import Clock
from scheduler.daemon import Daemon
from scheduler.models import Content, State
from scheduler.platforms.dryrun import DryRunPublisher, sent_keys
from scheduler.publishing import Dispatcher
from scheduler.storage import NewPost, Store
from tests.conftest import ROOT, Result
from tests.fakes.mastodon_server import MastodonFake
from tests.waiting import wait_for


def _post(item: str, at: dt.datetime, platform: str = "mastodon") -> NewPost:
    return NewPost(
        item_id=item, platform=platform, account="default", publish_at=at, content=Content((f"Text {item}",), "de")
    )


class CountingStore(Store):
    """A real store that counts how often the daemon asks for due posts."""

    claims = 0

    def claim_due(self, **kwargs):  # type: ignore[no-untyped-def]  # reason: a test double; the interface's signature is not repeated
        type(self).claims += 1
        return super().claim_due(**kwargs)


def _start(url: str, outbox: Path) -> tuple[Daemon, threading.Thread, Store]:
    store = CountingStore.open(url)
    daemon = Daemon(store, Dispatcher(store, DryRunPublisher(outbox), worker="test-worker"))
    thread = threading.Thread(target=daemon.run_forever, kwargs={"install_signals": False}, daemon=True)
    thread.start()
    return daemon, thread, store


def _running(store: Store, worker: str = "test-worker") -> bool:
    """Whether the daemon `worker` has started (its first heartbeat is written)."""
    return any(name == worker for name, *_ in store.daemons())


def test_daemon_publishes_a_post_queued_by_another_process_at_its_time(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'q.sqlite3'}"
    outbox = tmp_path / "outbox.jsonl"
    daemon, thread, _ = _start(url, outbox)
    try:
        other = Store.open(url)  # another process's view of the same file
        wait_for(lambda: _running(other), what="the daemon starts")
        due = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1.2)
        (post_id,) = other.add([_post("a", due)], state=State.SCHEDULED, now=dt.datetime.now(dt.UTC), reason="test")
        wait_for(lambda: other.get(post_id).state == State.PUBLISHED, what="the post is published")
        published_at = next(t.at for t in other.history(post_id) if t.to_state == State.PUBLISHED)
        assert published_at >= due  # at its time, not before (woken for it: nothing else would publish it)
    finally:
        daemon.stop()
        thread.join(10)
    assert not thread.is_alive()
    assert sent_keys(outbox) == [Store.open(url).get(1).idempotency_key]


def test_daemon_sleeps_instead_of_polling_for_due_posts(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'q.sqlite3'}"
    CountingStore.claims = 0
    daemon, thread, store = _start(url, tmp_path / "outbox.jsonl")
    try:
        far = dt.datetime.now(dt.UTC) + dt.timedelta(hours=5)
        Store.open(url).add([_post("later", far)], state=State.SCHEDULED, now=dt.datetime.now(dt.UTC), reason="t")
        wait_for(lambda: _running(store))
        time.sleep(2.5)  # five of the watch's half-second checks
        assert CountingStore.claims == 0  # nothing due: no claim queries at all
        # moving it to now through another process wakes the daemon (its timer says five hours)
        other = Store.open(url)
        other.update_fields(
            1,
            now=dt.datetime.now(dt.UTC),
            reason="moved",
            allowed_from={State.SCHEDULED},
            action="move",
            values={"due_at": dt.datetime.now(dt.UTC), "publish_at": dt.datetime.now(dt.UTC)},
        )
        wait_for(lambda: other.get(1).state == State.PUBLISHED, what="the moved post is published")
    finally:
        daemon.stop()
        thread.join(10)


def test_stop_leaves_nothing_in_publishing(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'q.sqlite3'}"
    store = Store.open(url)
    now = dt.datetime.now(dt.UTC)
    store.add([_post(f"i{n}", now) for n in range(30)], state=State.SCHEDULED, now=now, reason="t")
    slow = DryRunPublisher(tmp_path / "outbox.jsonl", delay=0.05)
    daemon = Daemon(store, Dispatcher(store, slow, worker="w"), batch=30)
    thread = threading.Thread(target=daemon.run_forever, kwargs={"install_signals": False}, daemon=True)
    thread.start()
    wait_for(lambda: store.counts()[State.PUBLISHED] >= 3)
    daemon.stop()
    thread.join(10)
    counts = store.counts()
    assert counts[State.PUBLISHING] == 0
    assert counts[State.PUBLISHED] + counts[State.SCHEDULED] == 30
    assert counts[State.PUBLISHED] == len(sent_keys(tmp_path / "outbox.jsonl"))
    assert 0 < counts[State.PUBLISHED] < 30


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEDULER_")}
    env.update(
        SCHEDULER_DATABASE_URL=f"sqlite:///{tmp_path / 'q.sqlite3'}",
        SCHEDULER_OUTBOX=str(tmp_path / "out.jsonl"),
        SCHEDULER_TEMPLATES_DIR=str(ROOT / "templates"),
    )
    return env


@pytest.fixture
def cli_clock() -> Clock | None:
    """`scheduler status` compares the daemon's heartbeat with the machine's clock."""
    return None


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_real_daemon_stops_cleanly_on_signal_and_status_follows(
    tmp_path: Path, sig: int, monkeypatch: pytest.MonkeyPatch, run: Callable[..., Result]
):
    """The real `scheduler run` process; `scheduler status` (in this process, on the same database)
    sees it alive while it runs and down once it stopped."""
    for name, value in _env(tmp_path).items():
        if name.startswith("SCHEDULER_"):
            monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    store = Store.open(f"sqlite:///{tmp_path / 'q.sqlite3'}")
    with MastodonFake(token="m", max_characters=500) as mastodon:
        env = {**_env(tmp_path), "SCHEDULER_MASTODON_BASE_URL": mastodon.url, "SCHEDULER_MASTODON_TOKEN": "m"}
        daemon = subprocess.Popen(
            [sys.executable, "-m", "scheduler", "run"],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            wait_for(
                lambda: daemon.poll() is not None or any(stopped is None for *_, stopped in store.daemons()),
                what="the daemon writes its first heartbeat",
            )
            assert daemon.poll() is None, daemon.communicate()[1]
            alive = run("status")
            assert alive.code == 0 and f":{daemon.pid} alive" in alive.out, alive
            second = subprocess.run(
                [sys.executable, "-m", "scheduler", "run"],
                capture_output=True,
                text=True,
                env=env,
                cwd=tmp_path,
                timeout=60,
            )  # a second daemon on the same SQLite file
            assert second.returncode == 2, second.stderr
            assert "another 'scheduler run'" in second.stderr and "is already using" in second.stderr
            daemon.send_signal(sig)
            _, err = daemon.communicate(timeout=30)
            assert daemon.returncode == 0, err
            assert "Traceback" not in err, err
        finally:
            if daemon.poll() is None:
                daemon.kill()
    status = run("status")
    assert status.code == 1 and "daemon down" in status.out, status
    store.close()
