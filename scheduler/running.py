"""The use case behind `scheduler run`: a daemon that publishes (or, as a dry run, rehearses) the
queue, built from the wiring."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scheduler.daemon import Daemon, RunSummary, SingleDaemonLock
    from scheduler.wiring import Wiring


def rehearsing_daemon(wiring: Wiring, *, watch: bool = False) -> Daemon:
    """A daemon that publishes nothing: each due post's exact requests go to the outbox, no post
    changes. `watch`: it checks the watched sources too (a run without credentials; never for
    --dry-run, which leaves the queue as it is)."""
    from scheduler.daemon import Daemon, worker_name
    from scheduler.rehearsal import Rehearsal

    store = wiring.store
    rehearsal = Rehearsal(store, wiring.outbox(), identities=wiring.identities())
    return Daemon(
        store,
        None,
        rehearsal=rehearsal,
        pause=wiring.pause(f"{worker_name()} (dry run)"),
        clock=wiring.clock,
        sources=_sources(wiring) if watch else None,
        sources_every=wiring.settings.watch_interval,
    )


def _sources(wiring: Wiring) -> Callable[[dt.datetime], object]:
    """The daemon's job of checking the watched sources (every SCHEDULER_WATCH_INTERVAL)."""
    from scheduler.daemon import worker_name

    watcher = wiring.watcher(worker_name())
    return lambda now: watcher.check(now=now)


def publishing_daemon(wiring: Wiring) -> Daemon:
    """A daemon that publishes the posts of every account with credentials; those of accounts
    without are rehearsed into the outbox and stay queued."""
    from scheduler.daemon import Daemon, worker_name
    from scheduler.platforms.routing import Router
    from scheduler.publishing import Dispatcher, RetryPolicy
    from scheduler.rehearsal import Rehearsal

    settings, store = wiring.settings, wiring.store
    router = Router(wiring.publishers(journal=store))
    live = set(router.publishers)
    policy = RetryPolicy(settings.max_attempts, settings.retry_base_seconds, settings.retry_cap_seconds)
    dispatcher = Dispatcher(store, router, worker=worker_name(), policy=policy, notify=wiring.notifier)
    return Daemon(
        store,
        dispatcher,
        batch=settings.claim_batch,
        concurrency=settings.concurrency,
        caps=platform_caps(),
        accounts=live,
        rehearsal=Rehearsal(store, wiring.outbox(), skip=live),
        pause=wiring.pause(worker_name()),
        clock=wiring.clock,
        sources=_sources(wiring),
        sources_every=wiring.settings.watch_interval,
        late=_late(wiring, live),
    )


def _late(wiring: Wiring, accounts: Collection[tuple[str, str]]) -> Callable[[dt.datetime], object] | None:
    """The daemon's job of telling about posts of `accounts` running late (SCHEDULER_LATE_NOTICE; off: none)."""
    from scheduler.lateness import LateNotices

    settings = wiring.settings
    if settings.late_notice is None:
        return None
    return LateNotices(
        wiring.store, wiring.notifier, after=settings.late_notice, timezone=settings.timezone, accounts=accounts
    )


def platform_caps() -> dict[str, int]:
    """Each platform's own cap on the accounts published for at the same time (`Platform.parallel`)."""
    from scheduler.platforms import registry

    return {platform.name: platform.parallel for platform in registry.every() if platform.parallel}


def run(wiring: Wiring, daemon: Daemon, *, once: bool, upcoming: int = 0) -> RunSummary:
    """Run `daemon` until stopped (or once, showing the next `upcoming` posts in a dry run); the
    pause it may have said is closed afterwards. A publishing daemon on SQLite holds the
    one-daemon lock of the database file while it runs."""
    from scheduler.daemon import SingleDaemonLock
    from scheduler.storage import sqlite_path

    database = sqlite_path(wiring.settings.database_url) if daemon.dispatcher is not None else None
    lock = SingleDaemonLock(database) if database is not None else None
    if lock is not None:
        lock.acquire()
    try:
        return daemon.run_once(upcoming=upcoming) if once else daemon.run_forever()
    finally:
        daemon.pause.close()
        if lock is not None:
            lock.release()


class Background:
    """A daemon running on a thread of its own beside another front end (`scheduler serve
    --with-scheduler`): started with `in_background`, ended with `stop`, which lets the post in flight
    finish and leaves nothing in publishing, as SIGTERM does to `scheduler run`."""

    def __init__(self, daemon: Daemon, lock: SingleDaemonLock | None) -> None:
        import threading

        self.daemon = daemon
        self._lock = lock
        self.summary: RunSummary | None = None
        self.thread = threading.Thread(target=self._run, name="daemon", daemon=True)

    def _run(self) -> None:
        self.summary = self.daemon.run_forever(install_signals=False)

    def stop(self, timeout: float = 120.0) -> RunSummary | None:
        self.daemon.stop()
        self.thread.join(timeout)
        self.daemon.pause.close()
        if self._lock is not None:
            self._lock.release()
        return self.summary


def in_background(wiring: Wiring) -> Background:
    """The daemon `scheduler run` would be — publishing for the accounts with credentials, or a
    dry run when there are none — started on a thread; on SQLite it holds the database's one-daemon
    lock (a `scheduler run` already running is said before anything starts)."""
    from scheduler.daemon import SingleDaemonLock
    from scheduler.storage import sqlite_path

    daemon = publishing_daemon(wiring) if wiring.accounts else rehearsing_daemon(wiring, watch=True)
    database = sqlite_path(wiring.settings.database_url) if daemon.dispatcher is not None else None
    lock = SingleDaemonLock(database) if database is not None else None
    if lock is not None:
        lock.acquire()
    background = Background(daemon, lock)
    background.thread.start()
    return background
