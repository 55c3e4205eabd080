"""A full outbox or log disk pauses publishing; it does not condemn posts. The fault (an OSError the
disk would raise: ENOSPC, EDQUOT, EROFS, EACCES) is injected, since root ignores chmod. No post
changes for it, the pause is said once (log line, notice, `scheduler status`), tried again with
back-off, and publishing resumes by itself (said once) when the outbox or log can be written."""

from __future__ import annotations

import datetime as dt
import errno
import io
import logging
import os
import threading
import time
from pathlib import Path

import pytest

from scheduler.daemon import Daemon
from scheduler.models import Content, State
from scheduler.pause import LOG, Pause
from scheduler.platforms.base import PublishResult
from scheduler.platforms.dryrun import DryRunPublisher, outbox_lines
from scheduler.publishing import Dispatcher
from scheduler.rehearsal import Rehearsal
from scheduler.storage import NewPost, Store
from scheduler.storage.pauses import current_pauses, record_pause
from tests.waiting import wait_for

NOW = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
POSTS = 12


class FullDisk:
    """The disk under the outbox or log: raises `error` on every write while `full`; counts tries."""

    def __init__(self, code: int = errno.ENOSPC) -> None:
        self.full = True
        self.code = code
        self.tries = 0

    def check(self) -> None:
        self.tries += 1
        if self.full:
            raise OSError(self.code, os.strerror(self.code))


class FullOutbox(DryRunPublisher):
    def __init__(self, outbox: Path, disk: FullDisk) -> None:
        super().__init__(outbox)
        self.disk = disk

    def _append(self, line):  # type: ignore[no-untyped-def]  # reason: a test double; the interface's signature is not repeated
        self.disk.check()
        super()._append(line)


class FullStream(io.StringIO):
    def __init__(self, disk: FullDisk) -> None:
        super().__init__()
        self.disk = disk

    def write(self, text: str) -> int:
        self.disk.check()
        return super().write(text)


class Published:
    """A real account's publisher that always succeeds."""

    def __init__(self) -> None:
        self.sent: list[int] = []

    def publish(self, post):  # type: ignore[no-untyped-def]  # reason: a test double; the interface's signature is not repeated
        self.sent.append(post.id)
        return PublishResult(remote_id=f"r{post.id}")

    def reconcile(self, post):  # type: ignore[no-untyped-def]  # reason: a test double; the interface's signature is not repeated
        raise AssertionError("nothing to reconcile")


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]  # reason: a test double; the interface's signature is not repeated
    opened = Store.open(f"sqlite:///{tmp_path / 'q.sqlite3'}")
    opened.add(
        [
            NewPost(f"i{n}", "mastodon" if n % 2 else "bluesky", "default", NOW, Content((f"Post {n}",), "de"))
            for n in range(POSTS)
        ],
        state=State.SCHEDULED,
        now=NOW,
        reason="test",
    )
    yield opened
    opened.close()


def _pause(store: Store, worker: str, notices: list[str]) -> Pause:
    return Pause(
        record=lambda why, since: record_pause(store, worker, why, since), announce=notices.append, first=0.05, cap=0.4
    )


def _lines(caplog: pytest.LogCaptureFixture, text: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if text in r.getMessage()]


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES])
def test_dry_run_daemon_pauses_on_a_full_outbox_and_resumes_by_itself(store: Store, tmp_path: Path, caplog, code: int):
    caplog.set_level(logging.INFO)
    disk, notices = FullDisk(code), []
    outbox = FullOutbox(tmp_path / "out.jsonl", disk)
    daemon = Daemon(store, None, rehearsal=Rehearsal(store, outbox), pause=_pause(store, "dry", notices))
    thread = threading.Thread(target=daemon.run_forever, kwargs={"install_signals": False}, daemon=True)
    thread.start()
    try:
        wait_for(lambda: notices, what="the pause is announced")
        time.sleep(1.5)  # backing off meanwhile
        assert store.counts()[State.SCHEDULED] == POSTS  # no post changed for the machine's fault
        assert disk.tries <= 12  # backing off (0.05 s doubling to 0.4 s), not a tight loop
        assert len(_lines(caplog, "publishing paused")) == 1
        assert os.strerror(code) in _lines(caplog, "publishing paused")[0]
        assert len(notices) == 1 and "Publishing is paused: cannot write the outbox" in notices[0]
        (paused,) = current_pauses(store)
        assert paused.worker == "dry" and paused.why.startswith("cannot write the outbox")
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]  # no traceback per try
        disk.full = False  # space is back
        wait_for(lambda: len(outbox_lines(tmp_path / "out.jsonl")) == POSTS)
        wait_for(lambda: not current_pauses(store))
    finally:
        daemon.stop()
        thread.join(10)
    assert len(_lines(caplog, "publishing resumed")) == 1
    assert len(notices) == 1
    assert store.counts()[State.SCHEDULED] == POSTS  # a dry run changes no post


def test_real_run_publishes_its_accounts_and_pauses_only_the_outbox_part(store: Store, tmp_path: Path, caplog):
    disk, notices, real = FullDisk(), [], Published()
    live = {("mastodon", "default")}  # bluesky has no credentials: its posts go to the outbox
    daemon = Daemon(
        store,
        Dispatcher(store, real, worker="w"),
        accounts=live,
        pause=_pause(store, "w", notices),
        rehearsal=Rehearsal(store, FullOutbox(tmp_path / "out.jsonl", disk), skip=live),
    )
    summary = daemon.run_once(install_signals=False)
    counts = store.counts()
    assert counts[State.PUBLISHED] == POSTS // 2 and len(real.sent) == POSTS // 2
    assert counts[State.SCHEDULED] == POSTS // 2  # bluesky's: left queued, not condemned
    assert counts[State.NEEDS_ATTENTION] == counts[State.FAILED] == 0
    assert summary.paused and summary.paused.startswith("cannot write the outbox")
    assert len(notices) == 1


def test_a_log_that_cannot_be_written_pauses_and_resumes(store: Store, tmp_path: Path, capsys):
    disk = FullDisk()
    handler = logging.StreamHandler(FullStream(disk))
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.INFO)
    LOG.watch([handler])
    notices: list[str] = []
    daemon = Daemon(store, Dispatcher(store, Published(), worker="w"), pause=_pause(store, "w", notices))
    thread = threading.Thread(target=daemon.run_forever, kwargs={"install_signals": False}, daemon=True)
    try:
        thread.start()
        wait_for(lambda: bool(current_pauses(store)))
        published = store.counts()[State.PUBLISHED]
        time.sleep(1.0)
        assert store.counts()[State.PUBLISHED] == published  # paused: nothing more goes out unlogged
        assert store.counts()[State.NEEDS_ATTENTION] == store.counts()[State.FAILED] == 0
        (paused,) = current_pauses(store)
        assert paused.why.startswith("cannot write the log: No space left on device")
        assert len(notices) == 1
        assert "Logging error" not in capsys.readouterr().err  # no traceback per line that could not be written
        disk.full = False
        wait_for(lambda: store.counts()[State.PUBLISHED] == POSTS)
        wait_for(lambda: not current_pauses(store))
    finally:
        daemon.stop()
        thread.join(10)
        root.removeHandler(handler)
        root.setLevel(level)
    written = handler.stream.getvalue()
    assert written.count("publishing resumes: the log can be written again") == 1
    assert len(notices) == 1


def test_run_once_dry_run_on_a_full_outbox_is_one_line_and_exit_75(run, sqlite_queue: Path, monkeypatch):
    import scheduler.platforms.dryrun as dryrun

    store = Store.open(f"sqlite:///{sqlite_queue}")
    store.add(
        [NewPost("a", "mastodon", "default", NOW, Content(("Hallo",), "de"))],
        state=State.SCHEDULED,
        now=NOW,
        reason="test",
    )

    def full(*_args: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(dryrun, "_append_line", full)
    result = run("run", "--once", "--dry-run")
    assert result.code == 75, result
    assert "Traceback" not in result.err
    assert (
        f"paused: cannot write the outbox {sqlite_queue.parent / 'outbox.jsonl'}: No space left on device; no post "
        "was changed for it"
    ) in result.err
    assert store.get(1).state == State.SCHEDULED
    assert not current_pauses(store)  # the command ended: no daemon is paused


def test_status_shows_the_pause_with_its_local_time(run, cli_clock, sqlite_queue: Path, monkeypatch):
    monkeypatch.setenv("SCHEDULER_TIMEZONE", "Europe/Berlin")
    store = Store.open(f"sqlite:///{sqlite_queue}")
    now = cli_clock().replace(microsecond=0)  # the daemon's heartbeat, as status's clock sees it
    store.heartbeat("host:42", now=now, starting=True)
    record_pause(store, "host:42", "cannot write the outbox /data/out.jsonl: No space left on device", now)
    from zoneinfo import ZoneInfo

    local = now.astimezone(ZoneInfo("Europe/Berlin")).isoformat(timespec="minutes")
    result = run("status")
    assert result.code == 0, result
    assert (
        f"paused: cannot write the outbox /data/out.jsonl: No space left on device since {local} (host:42)"
        in result.out
    )
    record_pause(store, "host:42", None, None)
    assert "paused" not in run("status").out


def test_a_publisher_that_cannot_write_hands_its_posts_back(store: Store, tmp_path: Path):
    """The outbox as the publisher (the crash tests' daemon): a full disk while publishing puts the
    claimed posts back as they were (no attempt spent), never in needs_attention."""
    disk, notices = FullDisk(), []
    daemon = Daemon(
        store,
        Dispatcher(store, FullOutbox(tmp_path / "out.jsonl", disk), worker="w"),
        pause=_pause(store, "w", notices),
    )
    summary = daemon.run_once(install_signals=False)
    assert summary.paused and summary.paused.startswith("cannot write the outbox")
    assert store.counts()[State.SCHEDULED] == POSTS
    assert all(post.attempts == 0 for post in store.list_posts())
    assert store.history(1)[-1].reason == "released unsent: publishing paused"
    assert len(notices) == 1
    disk.full = False
    Daemon(store, Dispatcher(store, FullOutbox(tmp_path / "out.jsonl", disk), worker="w")).run_once(
        install_signals=False
    )
    assert store.counts()[State.PUBLISHED] == POSTS and len(outbox_lines(tmp_path / "out.jsonl")) == POSTS


def test_a_daemon_stopped_while_paused_says_why(store: Store, tmp_path: Path):
    daemon = Daemon(
        store,
        None,
        rehearsal=Rehearsal(store, FullOutbox(tmp_path / "out.jsonl", FullDisk())),
        pause=_pause(store, "dry", []),
    )
    summaries = []
    thread = threading.Thread(target=lambda: summaries.append(daemon.run_forever(install_signals=False)), daemon=True)
    thread.start()
    wait_for(lambda: bool(current_pauses(store)))
    daemon.stop()
    thread.join(10)
    (summary,) = summaries
    assert summary.paused and summary.paused.startswith("cannot write the outbox")  # the CLI says it, exit 75
