"""The daemon through database faults: while the database cannot be written (a full disk, a
server restarting, connections terminated) it backs off with one log line per change, keeps
running, and when the database is back it records what it sent meanwhile, hands back what it did
not send and publishes everything exactly once, without a restart.

SQLite: an injected fault makes every write fail as a full disk does (reads keep working), at the
driver, so the engine's own translation is exercised (chmod does not stop root). PostgreSQL: the
daemon's connections are terminated by the server (`pg_terminate_backend`) while it runs.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import re
import socket
import sqlite3
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import event

from scheduler.daemon import HEARTBEAT_SECONDS, Daemon
from scheduler.errors import DatabaseUnavailable
from scheduler.models import Content, QueuedPost, State
from scheduler.outage import MAX_WAIT
from scheduler.platforms.base import Reconciliation
from scheduler.platforms.dryrun import DryRunPublisher, sent_keys
from scheduler.publishing import Dispatcher
from scheduler.storage import NewPost, Store
from tests.storage.conftest import PG_HOST, PG_PORT, PG_USER, postgresql_url  # noqa: F401  # reason: a fixture
from tests.waiting import wait_for

WRITES = ("INSERT", "UPDATE", "DELETE")


class FullDisk:
    """While `full`, every write through `store` fails as SQLite fails on a full disk."""

    def __init__(self, store: Store) -> None:
        self.full = False
        self.failures = 0
        event.listen(store.engine, "before_cursor_execute", self._check)

    def _check(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if self.full and statement.lstrip().upper().startswith(WRITES):
            self.failures += 1
            error = sqlite3.OperationalError("database or disk is full")
            error.sqlite_errorcode = 13  # type: ignore[attr-defined]  # SQLITE_FULL, as SQLite sets it
            raise error


class FillsTheDisk(DryRunPublisher):
    """Sends as the dry run does; right after sending post `at`, the disk is full (until the test
    frees it: `disk.full = False`)."""

    def __init__(self, outbox: Path, disk: FullDisk, *, at: int) -> None:
        super().__init__(outbox)
        self.disk, self.at = disk, at
        self.asked: list[int] = []  # posts the platform was asked about (reconcile)

    def publish(self, post: QueuedPost):  # type: ignore[no-untyped-def]  # reason: a test double; the interface's signature is not repeated
        result = super().publish(post)
        if post.id == self.at:
            self.disk.full = True
        return result

    def reconcile(self, post: QueuedPost) -> Reconciliation:
        self.asked.append(post.id)
        return super().reconcile(post)


def _posts(n: int, at: dt.datetime, prefix: str = "i") -> list[NewPost]:
    return [NewPost(f"{prefix}{k}", "mastodon", "default", at, Content((f"Post {prefix}{k}",), "de")) for k in range(n)]


def _retry_waits(caplog: pytest.LogCaptureFixture) -> list[float]:
    """The back-off the daemon announced for each failed try ("retrying in 2 s"), in seconds: none
    above MAX_WAIT means publishing resumes at most that long after the database is back."""
    return [
        float(match[1])
        for record in caplog.records
        if record.name.startswith("scheduler") and (match := re.search(r"retrying in ([0-9.]+) s", record.getMessage()))
    ]


def _running(store: Store, worker: str = "w") -> bool:
    """Whether the daemon `worker` has started (its first heartbeat is written)."""
    return any(name == worker for name, *_ in store.daemons())


def _run(daemon: Daemon) -> threading.Thread:
    thread = threading.Thread(target=daemon.run_forever, kwargs={"install_signals": False}, daemon=True)
    thread.start()
    return thread


def _lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        r
        for r in caplog.records
        if r.name.startswith("scheduler") and r.levelno >= logging.INFO and "database" in r.getMessage()
    ]


def test_full_disk_right_after_a_send_backs_off_then_records_it_and_publishes_the_rest_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG, logger="scheduler")  # the back-off's "still unavailable" lines too
    store = Store.open(f"sqlite:///{tmp_path / 'q.sqlite3'}")
    now = dt.datetime.now(dt.UTC)
    store.add(_posts(12, now), state=State.SCHEDULED, now=now, reason="test")
    disk = FullDisk(store)
    outbox = tmp_path / "outbox.jsonl"
    publisher = FillsTheDisk(outbox, disk, at=3)  # post 3 is sent, then nothing can be written
    daemon = Daemon(store, Dispatcher(store, publisher, worker="w"), batch=10)
    thread = _run(daemon)
    try:
        wait_for(lambda: disk.full, what="post 3 is sent")
        time.sleep(3.0)  # the daemon meets the full disk for 3 s
        assert thread.is_alive()
        assert store.counts()[State.PUBLISHED] == 2  # 1 and 2 recorded; 3 sent, its answer kept in memory
        disk.full = False  # space is back
        off = time.monotonic()
        wait_for(lambda: store.counts()[State.PUBLISHED] == 12, what="the rest is published")
        recovered = time.monotonic() - off
    finally:
        daemon.stop()
        thread.join(15)
    assert not thread.is_alive()
    counts = store.counts()
    assert counts[State.PUBLISHED] == 12 and counts[State.NEEDS_ATTENTION] == 0 and counts[State.PUBLISHING] == 0
    sent = Counter(sent_keys(outbox))
    assert len(sent) == 12 and max(sent.values()) == 1  # none lost, none twice
    assert publisher.asked == []  # the kept answer was recorded; unsent claims handed back, no guessing
    assert store.get(3).remote_id  # post 3's answer from the platform, recorded after the outage
    messages = [r.getMessage() for r in _lines(caplog)]
    assert len(messages) == 2, messages  # one line when it went away, one when it came back
    assert messages[0].startswith("database unavailable: database or disk is full; retrying in ")
    assert messages[1].startswith("database back after ")
    assert not [r for r in caplog.records if r.exc_info], "no tracebacks for a full disk"
    assert disk.failures < 15, disk.failures  # backed off: a few tries in 3 s, not thousands
    assert 0 < max(_retry_waits(caplog)) <= MAX_WAIT  # the next try is at most MAX_WAIT (2 s) away
    print(f"\nfull disk 3 s: {disk.failures} failed writes, publishing resumed {recovered:.2f} s after it cleared")


def test_full_disk_when_claiming_backs_off_and_the_daemon_publishes_when_space_returns(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG, logger="scheduler")  # the back-off's "still unavailable" lines too
    store = Store.open(f"sqlite:///{tmp_path / 'q.sqlite3'}")
    disk = FullDisk(store)
    outbox = tmp_path / "outbox.jsonl"
    daemon = Daemon(store, Dispatcher(store, DryRunPublisher(outbox), worker="w"), batch=10)
    thread = _run(daemon)
    try:
        wait_for(lambda: _running(store), what="the daemon starts")
        now = dt.datetime.now(dt.UTC)
        Store.open(store.engine.url.render_as_string(hide_password=False)).add(
            _posts(25, now + dt.timedelta(seconds=0.5)), state=State.SCHEDULED, now=now, reason="test"
        )
        disk.full = True  # the posts come due while nothing can be written
        time.sleep(6.0)
        assert thread.is_alive() and store.counts()[State.PUBLISHED] == 0
        failures = disk.failures
        disk.full = False  # space is back
        off = time.monotonic()
        wait_for(lambda: store.counts()[State.PUBLISHED] == 25, what="the posts are published")
        waited = time.monotonic() - off
    finally:
        daemon.stop()
        thread.join(15)
    assert Counter(sent_keys(outbox)).most_common(1)[0][1] == 1 and len(sent_keys(outbox)) == 25
    messages = [r.getMessage() for r in _lines(caplog)]
    assert len(messages) == 2, messages
    assert failures < 15, failures  # today: thousands (the dispatch job re-armed itself at once)
    assert 0 < max(_retry_waits(caplog)) <= MAX_WAIT  # the next try is at most MAX_WAIT (2 s) away
    print(f"\nfull disk 6 s: {failures} failed writes, publishing resumed {waited:.2f} s after it cleared")


def test_sigterm_during_an_outage_leaves_the_posts_to_the_next_start_which_reconciles_them(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'q.sqlite3'}"
    store = Store.open(url)
    now = dt.datetime.now(dt.UTC)
    store.add(_posts(6, now), state=State.SCHEDULED, now=now, reason="test")
    disk = FullDisk(store)
    outbox = tmp_path / "outbox.jsonl"
    daemon = Daemon(store, Dispatcher(store, FillsTheDisk(outbox, disk, at=2), worker="w"), batch=10)
    thread = _run(daemon)
    wait_for(lambda: disk.full, what="post 2 is sent")
    time.sleep(0.5)
    daemon.stop()  # while the disk is still full: the run ends, the posts stay claimed
    thread.join(15)
    assert not thread.is_alive()
    disk.full = False
    again = Store.open(url)
    assert again.counts()[State.PUBLISHING] == 5  # 2 sent (answer lost with the process), 3–6 never sent
    publisher = FillsTheDisk(outbox, FullDisk(again), at=0)
    Daemon(again, Dispatcher(again, publisher, worker="w2")).run_once(install_signals=False)
    assert sorted(publisher.asked) == [2, 3, 4, 5, 6]  # each reconciled with the platform first
    assert again.counts()[State.PUBLISHED] == 6
    assert Counter(sent_keys(outbox)).most_common(1)[0][1] == 1 and len(sent_keys(outbox)) == 6


def test_the_engine_tells_a_database_fault_from_a_bug(tmp_path: Path):
    store = Store.open(f"sqlite:///{tmp_path / 'q.sqlite3'}")
    disk = FullDisk(store)
    disk.full = True
    with pytest.raises(DatabaseUnavailable, match=r"^database unavailable: database or disk is full; check the disk"):
        store.heartbeat("w", now=dt.datetime.now(dt.UTC))
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    with pytest.raises(OperationalError, match="no such table"), store.engine.connect() as connection:
        connection.execute(text("SELECT * FROM no_such_table"))  # a bug stays a bug


# -- PostgreSQL: the server terminates the daemon's connections -------------------------------


def _admin() -> psycopg.Connection[Any]:
    """A connection to the server's own database, outside the daemon's: the test's view of the
    server. One for the whole test: polling through new connections would start a server process
    for each poll."""
    return psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", autocommit=True)


def _listening(admin: psycopg.Connection[Any], url: str) -> set[int]:
    """The server processes LISTENing for queue changes on `url`'s database (the daemon's watch)."""
    dbname = url.rsplit("/", 1)[1]
    rows = admin.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = %s AND query LIKE 'LISTEN %%'", (dbname,)
    ).fetchall()
    return {pid for (pid,) in rows}


def _terminate(admin: psycopg.Connection[Any], url: str) -> int:
    """Terminate every connection to `url`'s database (the admin connection is to another one)."""
    dbname = url.rsplit("/", 1)[1]
    rows = admin.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
        (dbname,),
    ).fetchall()
    return len(rows)


def test_terminated_postgresql_connections_are_opened_again_and_every_post_goes_out_once(
    postgresql_url: str,  # noqa: F811  # reason: the fixture imported above
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
):
    from tests.storage.conftest import _empty

    _empty(postgresql_url)
    caplog.set_level(logging.INFO, logger="scheduler")
    store = Store.open(postgresql_url)
    outbox = tmp_path / "outbox.jsonl"
    daemon = Daemon(store, Dispatcher(store, DryRunPublisher(outbox, delay=0.01), worker="w"), batch=10)
    thread = _run(daemon)
    rounds, per_round, wakes, terminated = 6, 15, [], 0
    admin = _admin()
    try:
        wait_for(lambda: _listening(admin, postgresql_url), what="the daemon listens for changes")
        for n in range(rounds):
            other = Store.open(postgresql_url)  # another process queueing posts
            now = dt.datetime.now(dt.UTC)
            other.add(_posts(per_round, now, prefix=f"r{n}-"), state=State.SCHEDULED, now=now, reason="test")
            time.sleep(0.05 * n)  # terminated at different moments: idle, claiming, sending
            before = _listening(admin, postgresql_url)
            terminated += _terminate(admin, postgresql_url)
            # the watch notices the drop (it checks every 0.5 s) and listens again on a new connection
            wait_for(lambda before=before: _listening(admin, postgresql_url) - before, what="the daemon listens again")
            now = dt.datetime.now(dt.UTC)
            (late,) = other.add(_posts(1, now, prefix=f"late{n}-"), state=State.SCHEDULED, now=now, reason="test")
            added = time.monotonic()
            wait_for(
                lambda other=other, late=late: other.get(late).state == State.PUBLISHED,
                what="the post queued after the drop",
            )
            wakes.append(time.monotonic() - added)
            other.close()
        total = rounds * (per_round + 1)
        wait_for(lambda: store.counts()[State.PUBLISHED] == total, what="every post is published")
    finally:
        admin.close()
        daemon.stop()
        thread.join(15)
    assert not thread.is_alive()
    counts = store.counts()
    assert counts[State.PUBLISHED] == total and counts[State.PUBLISHING] == 0 and counts[State.NEEDS_ATTENTION] == 0
    sent = Counter(sent_keys(outbox))
    assert len(sent) == total and max(sent.values()) == 1  # none lost, none twice
    assert max(wakes) < 3 * HEARTBEAT_SECONDS, wakes  # NOTIFY works again: not the 15 s fallback (orphans job)
    noisy = [
        r
        for r in caplog.records
        if r.name.startswith("scheduler") and r.levelno >= logging.INFO and "published" not in r.getMessage()
    ]
    assert len(noisy) <= 3 * rounds + 2, [r.getMessage() for r in noisy]
    assert not [r for r in caplog.records if r.exc_info], [r.getMessage() for r in caplog.records if r.exc_info]
    print(
        f"\nPostgreSQL: {rounds} rounds, {terminated} connections terminated, {total} posts, "
        f"{len(noisy)} log lines besides 'published', wake after a drop: max {max(wakes):.2f} s"
    )
    store.close()


def _stacks() -> str:
    import sys
    import traceback

    return "\n".join(
        f"{thread}:\n{''.join(traceback.format_stack(frame))}" for thread, frame in sys._current_frames().items()
    )


class Proxy:
    """A TCP relay to PostgreSQL that can be taken down (every connection cut, new ones refused)
    and brought back on the same port: the daemon's view of a server restart."""

    def __init__(self, port: int) -> None:
        self.upstream = port
        self.port = 0
        self._sockets: list[socket.socket] = []
        self._listener: socket.socket | None = None

    def up(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def down(self) -> None:
        sockets, self._sockets = self._sockets, []
        if self._listener is not None:
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() blocked on it (close alone does not)
            self._listener.close()
            self._listener = None
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            server = socket.create_connection((PG_HOST, self.upstream))
            self._sockets += [client, server]
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


def test_a_postgresql_restart_mid_publishing_is_ridden_out_and_every_post_goes_out_once(
    postgresql_url: str,  # noqa: F811  # reason: the fixture imported above
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
):
    from tests.storage.conftest import _empty

    _empty(postgresql_url)
    caplog.set_level(logging.DEBUG, logger="scheduler")  # the back-off's "still unavailable" lines too
    proxy = Proxy(PG_PORT)
    proxy.up()
    through_proxy = postgresql_url.replace(f"{PG_HOST}:{PG_PORT}", f"127.0.0.1:{proxy.port}")
    store = Store.open(through_proxy)
    outbox = tmp_path / "outbox.jsonl"
    daemon = Daemon(store, Dispatcher(store, DryRunPublisher(outbox, delay=0.05), worker="w"), batch=5)
    thread = _run(daemon)
    other = Store.open(postgresql_url)  # another process, not behind the proxy
    try:
        now = dt.datetime.now(dt.UTC)
        other.add(_posts(40, now + dt.timedelta(seconds=0.5)), state=State.SCHEDULED, now=now, reason="test")
        wait_for(lambda: other.counts()[State.PUBLISHED] >= 5, what="publishing is under way")
        proxy.down()  # mid-publishing: connections cut, new ones refused
        time.sleep(4.0)
        assert thread.is_alive()
        proxy.up()
        back = time.time()
        wait_for(lambda: other.counts()[State.PUBLISHED] == 40, what="every post is published")
        done = time.time() - back
    finally:
        daemon.stop()
        thread.join(15)
        other.close()
        store.close()
        proxy.down()
    assert not thread.is_alive(), _stacks()
    sent = Counter(sent_keys(outbox))
    assert len(sent) == 40 and max(sent.values()) == 1  # none lost, none twice
    messages = list(_lines(caplog))
    assert [m.getMessage().split(":")[0].split(" after")[0] for m in messages] == [
        "database unavailable",
        "database back",
    ], [m.getMessage() for m in messages]
    recovered = messages[1].created - back
    assert 0 < max(_retry_waits(caplog)) <= MAX_WAIT  # the next try is at most MAX_WAIT (2 s) away
    assert not [r for r in caplog.records if r.exc_info], [r.getMessage() for r in caplog.records if r.exc_info]
    print(
        f"\nPostgreSQL down 4 s mid-publishing: back {recovered:.2f} s after the server was, "
        f"all 40 published {done:.2f} s after; warnings: "
        f"{[r.getMessage()[:90] for r in caplog.records if r.levelno >= logging.WARNING]}"
    )
