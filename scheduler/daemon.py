"""`scheduler run`: APScheduler as the clock, our tables as the truth.

One `date` job fires at the next due post; a light watch job (SQLite data_version, PostgreSQL
LISTEN/NOTIFY) moves it when another process queues or reschedules posts; a heartbeat job lets
`scheduler status` see the daemon is alive. SIGTERM/SIGINT: the post in flight is finished, claimed
posts not yet sent go back to scheduled, nothing is left in publishing, exit 0.

When the database is unavailable for a while (a full disk, a server restart, a dropped connection)
the jobs stop touching it; the watch job alone tries it again, backing off (see `outage`), and once
it answers the dispatcher settles what the outage left in publishing and the dispatch job is re-armed.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import logging
import os
import signal
import socket
import threading
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from apscheduler.schedulers.background import BackgroundScheduler

from scheduler.errors import DatabaseUnavailable, StorageError, SystemFault
from scheduler.lanes import Lanes
from scheduler.outage import Outage
from scheduler.pause import LOG, Pause
from scheduler.publishing import Dispatcher
from scheduler.rehearsal import Rehearsal, Rehearsed
from scheduler.storage import Store

if TYPE_CHECKING:
    from scheduler.models import QueuedPost
    from scheduler.storage.watch import ChangeWatch

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 5.0
#: A dead-looking worker's post touched (just before sending) this recently may still be in flight:
#: its reconciliation waits for a later pass (longer than a request may take, see platforms/http.py).
IN_FLIGHT_GRACE_SECONDS = 60.0
TOKENS_SECONDS = 3600.0  # how often OAuth tokens are checked for a refresh
WATCH_SECONDS = 0.5
#: When the posts due could not be claimed (their accounts' posts are in flight elsewhere), the
#: dispatch looks again this much later — or sooner, when the queue changes (the watch job).
BLOCKED_SECONDS = 1.0
LATE_SECONDS = 30.0  # how often posts running late are looked for (see `late`)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


#: Descriptors of database files this process flocked. They are never closed: closing any
#: descriptor of a file drops every POSIX lock the process holds on it, SQLite's included (SQLite
#: keeps such descriptors open for the same reason). The process's exit closes them.
_KEPT_OPEN: list[int] = []


def _flock_holder(fd: int) -> str | None:
    """Who holds a flock on the file of `fd`, from Linux's /proc/locks (as hostname:pid)."""
    info = os.fstat(fd)
    try:
        lines = Path("/proc/locks").read_text(encoding="ascii", errors="replace").splitlines()
    except OSError:
        return None
    for line in lines:
        fields = line.split()  # "1: FLOCK  ADVISORY  WRITE 12174 08:01:123456 0 EOF"
        if len(fields) >= 6 and fields[1] == "FLOCK" and fields[3] == "WRITE":
            device = f"{os.major(info.st_dev):02x}:{os.minor(info.st_dev):02x}:{info.st_ino}"
            if fields[5] == device and fields[4].isdigit():
                return f"{socket.gethostname()}:{fields[4]}"
    return None


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError:
        return ""


#: What `signal.signal` takes and `signal.getsignal` gives back.
SignalHandler = Callable[[int, FrameType | None], Any] | int | None


class SingleDaemonLock:
    """An exclusive flock on the SQLite database file itself: one `scheduler run` per file, whatever
    path names it (a symlink, a hard link, another spelling). On Linux flock locks are independent of
    the POSIX locks SQLite takes on the same file, so SQLite works on while it is held. The holder's
    name is written beside the real file (`<file>.daemon.lock`), for the error message only. The OS
    drops the lock when the process dies, so a killed daemon never blocks its restart."""

    def __init__(self, database: Path) -> None:
        self.database = database
        self._fd: int | None = None

    def acquire(self) -> None:
        real = Path(os.path.realpath(self.database))
        try:
            real.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(real, os.O_RDWR | os.O_CREAT, 0o644)  # an empty file is an empty SQLite database
        except OSError as error:  # a read-only file or folder: the same one-line error as opening the store
            from scheduler.storage.faults import file_error

            raise file_error(self.database, error) from None
        _KEPT_OPEN.append(fd)
        holder_file = real.with_name(real.name + ".daemon.lock")
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _flock_holder(fd) or _read(holder_file) or "another process"
            raise StorageError(
                f"another 'scheduler run' ({holder}) is already using {real.name}; "
                "stop it first, or use PostgreSQL for several workers"
            ) from None
        holder_file.write_text(worker_name(), encoding="utf-8")
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            self._fd = None


@dataclass
class RunSummary:
    reconciled: int = 0
    published: int = 0
    other: dict[str, int] = field(default_factory=dict)
    rehearsed: Rehearsed = field(default_factory=Rehearsed)  # shown in the outbox, left as they were
    interrupted: bool = False  # stopped by SIGINT/SIGTERM before everything due was done
    paused: str | None = None  # why publishing paused (run --once: the outbox or log cannot be written)


class Daemon:
    """Publishes due posts at their time until stopped; with a `rehearsal`, shows the posts it does
    not publish in the dry-run outbox instead, leaving them queued."""

    def __init__(
        self,
        store: Store,
        dispatcher: Dispatcher | None,
        *,
        clock: Callable[[], dt.datetime] = utcnow,
        batch: int = 10,
        exclusive: bool | None = None,
        accounts: Collection[tuple[str, str]] | None = None,
        rehearsal: Rehearsal | None = None,
        pause: Pause | None = None,
        sources: Callable[[dt.datetime], object] | None = None,
        sources_every: dt.timedelta = dt.timedelta(minutes=15),
        late: Callable[[dt.datetime], object] | None = None,
        concurrency: int = 1,
        caps: Mapping[str, int] | None = None,
    ) -> None:
        """`exclusive`: no other daemon can be running (SQLite, guarded by SingleDaemonLock), so
        every post left in publishing is an orphan; otherwise only posts of dead workers are.
        `accounts`: the (platform, account)s the dispatcher publishes for (None: all). Without a
        dispatcher nothing is claimed, reconciled or published: a dry run. `pause`: where a fault of
        the machine (the outbox or log cannot be written) is said and recorded (see `scheduler.pause`).
        `sources`: checks the watched sources for new issues at the instant given (`scheduler.watching`),
        every `sources_every` and once at the start of a run. `late`: looks for posts running late at
        the instant given (notices), every LATE_SECONDS. `concurrency`: accounts whose posts are
        published at the same time, `caps` at most per platform (see `scheduler.lanes`)."""
        if dispatcher is None and rehearsal is None:
            raise ValueError("a daemon needs a dispatcher, a rehearsal or both")
        self.exclusive = store.dialect == "sqlite" if exclusive is None else exclusive
        self.store = store
        self.dispatcher = dispatcher
        self.accounts = None if accounts is None else frozenset(accounts)
        self.rehearsal = rehearsal
        self._shown_until: dt.datetime | None = None  # the rehearsal has shown what was due by then
        self.clock = clock
        self.batch = batch
        self.stop_event = threading.Event()
        self._scheduler: BackgroundScheduler | None = None
        self._next_due: dt.datetime | None = None  # as last read; the watch re-arms a lost dispatch job
        # When the last drain decided about no post though posts may be due: no dispatch before then (see _arm).
        self._blocked_until: dt.datetime | None = None
        self._summary = RunSummary()
        self._lock = threading.Lock()
        self.pause = pause or Pause()
        self.sources = sources
        self.sources_every = sources_every
        self.late = late
        self.lanes = (
            Lanes(dispatcher, concurrency=concurrency, caps=caps, per_account=batch)
            if dispatcher is not None and concurrency > 1
            else None
        )
        self.outage = Outage()
        # Held while the dispatch job is armed; at shutdown `_closed` is set under it first, since
        # APScheduler's shutdown(wait=True) holds its job store lock while it waits for running jobs,
        # and a job arming the next dispatch (get_job/add_job) then would wait for that lock forever.
        self._arming = threading.RLock()
        self._closed = False

    def __repr__(self) -> str:
        return f"Daemon(store={self.store!r}, dispatcher={self.dispatcher!r})"

    def _count(self, posts: list[QueuedPost]) -> None:
        for post in posts:
            if post.state == "published":
                self._summary.published += 1
            else:
                self._summary.other[post.state] = self._summary.other.get(post.state, 0) + 1

    def _drain(self, upcoming: int = 0) -> None:
        """Publish everything due now, batch by batch; then show what the rehearsal covers. A fault of
        the machine (`SystemFault`: the outbox or the log cannot be written) stops it and changes no
        post; a drain without one ends a pause."""
        with self._lock:
            probed = self._check_log(probe=True)
            self._drain_locked(upcoming)
            self._check_log()
            self.pause.clear(now=self.clock(), quiet=probed)
            self._summary.paused = None

    def _check_log(self, *, probe: bool = False) -> bool:
        """A log that cannot be written (its last line failed) is a `SystemFault`. While paused for
        one, a line tests it (and says publishing resumes); True when that line was written."""
        probe = probe and self.pause.why is not None and self.pause.why.startswith("cannot write the log")
        if probe:
            log.info(
                "publishing resumes: the log can be written again (paused since %s)",
                self.pause.since.isoformat(timespec="seconds") if self.pause.since else "?",
            )
        fault = LOG.failure()
        if fault is not None:
            raise fault
        return probe

    def _drain_locked(self, upcoming: int) -> None:
        """`_drain`'s work, under its lock."""
        decided = False
        if self.lanes is not None and not self.stop_event.is_set():
            done = self.lanes.drain(now=self.clock, stop=self.stop_event, accounts=self.accounts)
            self._count(done)
            decided = bool(done)
        while self.lanes is None and self.dispatcher is not None and not self.stop_event.is_set():
            done = self.dispatcher.dispatch_due(
                now=self.clock, limit=self.batch, stop=self.stop_event, accounts=self.accounts
            )
            self._count(done)
            if not done:
                break
            decided = True
        # Posts due but not claimable (their account has a post in publishing elsewhere: another
        # worker's, or a dead one's awaiting reconciliation) must not re-arm the dispatch at once.
        blocked = self.dispatcher is not None and not decided
        self._blocked_until = self.clock() + dt.timedelta(seconds=BLOCKED_SECONDS) if blocked else None
        if self.rehearsal is not None and not self.stop_event.is_set():
            now = self.clock()
            shown = self.rehearsal.show(now=now, since=self._shown_until, upcoming=upcoming)
            self._shown_until = now
            self._summary.rehearsed += shown
            for post in shown.written if self._scheduler is not None else ():  # --once lists them itself
                log.info(
                    "post %s (%s:%s) dry run: its requests went to %s",
                    post.id,
                    post.platform,
                    post.account,
                    self.rehearsal.outbox.outbox,
                )

    def _reconcile_orphans(self) -> int:
        if self.dispatcher is None:
            return 0
        now = self.clock()
        alive_since = None if self.exclusive else now - dt.timedelta(seconds=3 * HEARTBEAT_SECONDS)
        grace = 0.0 if self.exclusive else IN_FLIGHT_GRACE_SECONDS
        return len(self.dispatcher.reconcile_in_flight(now=now, alive_since=alive_since, grace=grace))

    def _beating(self, worker: str) -> threading.Event:
        """Heartbeats on a thread of their own until the returned event is set."""
        done = threading.Event()

        def beat() -> None:
            while not done.wait(HEARTBEAT_SECONDS):
                self._heartbeat_job()

        self.store.heartbeat(worker, now=self.clock(), starting=True)
        threading.Thread(target=beat, name="heartbeat", daemon=True).start()
        return done

    def run_once(self, *, upcoming: int = 0, install_signals: bool = True) -> RunSummary:
        """Reconcile interrupted posts, publish everything due, return (for cron and CI). SIGINT
        (Ctrl-C) and SIGTERM finish the request in flight and hand unsent claims back. `upcoming`:
        the rehearsal also shows the next posts not yet due."""
        restore = self._install_signals() if install_signals else {}
        try:
            self._sources_job(arm=False)
            if self.dispatcher is None:
                self._drain_once(upcoming)
            else:
                worker = self.dispatcher.worker
                done = self._beating(worker)
                try:
                    self._summary.reconciled = self._reconcile_orphans()
                    self._drain_once(upcoming)
                finally:
                    done.set()
                    self.store.stopped(worker, now=self.clock())
        finally:
            for signum, handler in restore.items():
                signal.signal(signum, handler)
        self._summary.interrupted = self.stop_event.is_set()
        return self._summary

    def _drain_once(self, upcoming: int) -> None:
        """`_drain` for run_once: a fault of the machine is said (once) and recorded in the summary."""
        try:
            self._drain(upcoming)
        except SystemFault as error:
            self.pause.fault(error, now=self.clock())
            self._summary.paused = str(error)

    def _install_signals(self) -> dict[int, SignalHandler]:
        """SIGTERM/SIGINT set the stop event (no KeyboardInterrupt mid-request); the previous handlers."""
        if threading.current_thread() is not threading.main_thread():
            return {}
        previous: dict[int, SignalHandler] = {}
        for signum in (signal.SIGTERM, signal.SIGINT):
            previous[signum] = signal.getsignal(signum)
            signal.signal(signum, self.stop)
        return previous

    # -- the long-running loop ---------------------------------------------------------------

    def _schedule_next(self) -> None:
        with self._arming:
            self._arm()

    def _arm(self) -> None:
        scheduler = self._scheduler
        if scheduler is None or self._closed or self.stop_event.is_set():
            return
        due = self._next_due = self._next_wake()
        if due is None:
            if scheduler.get_job("dispatch"):
                scheduler.remove_job("dispatch")
            return
        now = self.clock()
        run_at = max(due, now, self.pause.retry_at or due)  # paused: not before the next try
        if self._blocked_until is not None and due <= now:  # what is due waits for another worker's post
            run_at = max(run_at, self._blocked_until)  # a fixed time: re-arming on each change moves it no later
        # max_instances=2: APScheduler drops (and removes) a one-shot run that finds the job still
        # running; a second instance simply waits for _drain's lock instead.
        scheduler.add_job(
            self._dispatch_job,
            "date",
            run_date=run_at,
            id="dispatch",
            replace_existing=True,
            misfire_grace_time=None,
            coalesce=True,
            max_instances=2,
        )

    def _next_wake(self) -> dt.datetime | None:
        """The earliest time something is due: for the dispatcher, or new for the rehearsal."""
        times = []
        if self.dispatcher is not None:
            times.append(self.store.next_due(accounts=self.accounts))
        if self.rehearsal is not None:
            times.append(self.rehearsal.next_due(since=self._shown_until))
        return min((time for time in times if time is not None), default=None)

    def _dispatch_job(self) -> None:
        if self.outage.down:  # the recovery re-arms this job
            return
        try:
            self._drain()
        except SystemFault as error:  # the outbox or log cannot be written: pause, try again later
            self.pause.fault(error, now=self.clock())
            self._summary.paused = str(error)  # said when the daemon stops while paused
        except DatabaseUnavailable as error:
            self.outage.failed(error)
            return
        except Exception:
            log.exception("dispatch failed; retrying at the next due time")
        try:
            self._schedule_next()
        except DatabaseUnavailable as error:
            self.outage.failed(error)

    def _watch_job(self, watch: ChangeWatch) -> None:
        if self.outage.down:
            if self.outage.may_try():
                self._recover(watch)
            return
        try:
            scheduler = self._scheduler
            with self._arming:
                lost = (
                    not self._closed
                    and self._next_due is not None
                    and scheduler is not None
                    and scheduler.get_job("dispatch") is None
                    and not self._lock.locked()
                )
            # A change while a drain runs is the drain's own writes, or a post it will see: the drain
            # re-arms the dispatch when it ends (re-arming now only queued runs APScheduler then skips).
            if (watch.changed() or lost) and not self._lock.locked():
                self._schedule_next()
        except DatabaseUnavailable as error:
            self.outage.failed(error)
        except Exception:
            log.exception("watching the queue failed")

    def _recover(self, watch: ChangeWatch) -> None:
        """Try the database again: a write (the heartbeat) and the watch's connection. When both
        work, settle what the outage left in publishing and re-arm the dispatch job."""
        try:
            if self.dispatcher is not None:
                self.store.heartbeat(self.dispatcher.worker, now=self.clock())
            watch.changed()
            self.outage.back()
            with self._lock:
                if self.dispatcher is not None:
                    settled = self.dispatcher.settle(now=self.clock())
                    self._count(settled)
            self._schedule_next()
        except DatabaseUnavailable as error:
            self.outage.failed(error)
        except Exception:
            log.exception("recovering from the database outage failed")

    def _heartbeat_job(self) -> None:
        if self.dispatcher is None or self.outage.down:
            return
        try:
            self.store.heartbeat(self.dispatcher.worker, now=self.clock())
        except DatabaseUnavailable as error:
            self.outage.failed(error)
        except Exception:
            log.exception("heartbeat failed")

    def _orphans_job(self) -> None:
        if self.dispatcher is None or self.outage.down:
            return
        try:
            with self._lock:
                self._summary.reconciled += self._reconcile_orphans()
            self._schedule_next()
        except DatabaseUnavailable as error:
            self.outage.failed(error)
        except Exception:
            log.exception("reconciling orphaned posts failed")

    def _sources_job(self, *, arm: bool = True) -> None:
        """Check the watched sources; new posts are then due to be armed like any change."""
        if self.sources is None or self.outage.down or self.stop_event.is_set():
            return
        try:
            self.sources(self.clock())
        except DatabaseUnavailable as error:
            self.outage.failed(error)
            return
        except Exception:
            log.exception("checking the sources failed")
            return
        if arm:
            self._schedule_next()

    def _late_job(self) -> None:
        """Look for posts running late (a notice once per post, see `scheduler.lateness`)."""
        if self.late is None or self.outage.down:
            return
        try:
            self.late(self.clock())
        except DatabaseUnavailable as error:
            self.outage.failed(error)
        except Exception:
            log.exception("looking for late posts failed")

    def _tokens_job(self) -> None:
        """Refresh OAuth tokens that run out soon, also in weeks without posts (LinkedIn's 60 days)."""
        keep_fresh = getattr(self.dispatcher.publisher, "keep_fresh", None) if self.dispatcher is not None else None
        if keep_fresh is None:
            return
        try:
            for failure in keep_fresh():
                log.warning("token refresh failed: %s", failure)  # its posts will need attention, saying so
        except Exception:
            log.exception("refreshing tokens failed")

    def stop(self, *_args: object) -> None:
        self.stop_event.set()

    def run_forever(self, *, install_signals: bool = True) -> RunSummary:
        if install_signals:
            signal.signal(signal.SIGTERM, self.stop)
            signal.signal(signal.SIGINT, self.stop)
        worker = self.dispatcher.worker if self.dispatcher is not None else f"{worker_name()} (dry run)"
        if self.dispatcher is not None:
            self.store.heartbeat(worker, now=self.clock(), starting=True)
            self._summary.reconciled = self._reconcile_orphans()
        # The threads started from here on (the change watch's, APScheduler's, the jobs' and the
        # lanes') leave SIGTERM and SIGINT to the main thread, whose wait below they interrupt at
        # once: a signal the kernel gave another thread would be seen only at the next second.
        mask = install_signals and threading.current_thread() is threading.main_thread()
        if mask:
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
        try:
            watch = self.store.watch()
            scheduler = self._start_scheduler(watch)
        finally:
            if mask:
                signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
        self._schedule_next()
        log.info("daemon %s running", worker)
        try:
            while not self.stop_event.wait(1.0):
                pass
        finally:
            with self._arming:  # no job arms the dispatch job from now on (see __init__)
                self._closed = True
            scheduler.shutdown(wait=True)  # lets a dispatch in flight finish its post
            with self._lock:  # and waits for _drain to hand back unsent claims
                pass
            watch.close()
            if self.dispatcher is not None:
                self._stopping(worker)
        return self._summary

    def _start_scheduler(self, watch: ChangeWatch) -> BackgroundScheduler:
        """APScheduler with the daemon's jobs, started."""
        scheduler = BackgroundScheduler(timezone=dt.UTC, job_defaults={"max_instances": 1, "coalesce": True})
        self._scheduler = scheduler
        scheduler.add_job(self._watch_job, "interval", seconds=WATCH_SECONDS, args=[watch], id="watch")
        if self.dispatcher is not None:
            scheduler.add_job(self._heartbeat_job, "interval", seconds=HEARTBEAT_SECONDS, id="heartbeat")
            scheduler.add_job(
                self._tokens_job, "interval", seconds=TOKENS_SECONDS, id="tokens", next_run_time=self.clock()
            )
        if self.sources is not None:
            scheduler.add_job(
                self._sources_job,
                "interval",
                seconds=self.sources_every.total_seconds(),
                id="sources",
                next_run_time=self.clock(),
            )
        if self.late is not None:
            scheduler.add_job(self._late_job, "interval", seconds=LATE_SECONDS, id="late")
        if (
            self.dispatcher is not None and not self.exclusive
        ):  # a peer that died mid-post: a live worker reconciles its posts
            scheduler.add_job(self._orphans_job, "interval", seconds=3 * HEARTBEAT_SECONDS, id="orphans")
        scheduler.start()
        return scheduler

    def _stopping(self, worker: str) -> None:
        """Settle what a database outage left in publishing, and say the daemon stopped; if the
        database is still unavailable, the next start reconciles those posts with the platform."""
        try:
            if self.dispatcher is not None and (self.outage.down or self.dispatcher.unsettled):
                self._count(self.dispatcher.settle(now=self.clock()))
            self.store.stopped(worker, now=self.clock())
        except DatabaseUnavailable as error:
            log.warning(
                "stopped while the database is unavailable (%s): posts left in publishing are reconciled "
                "at the next start",
                getattr(error, "reason", error),
            )
