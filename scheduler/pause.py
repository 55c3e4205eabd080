"""Publishing paused by a fault of the machine, not of a post: the dry-run outbox or the log cannot
be written (disk full, quota exceeded, read-only file system, no permission).

Such a fault says nothing about the posts, so none of them changes for it: the daemon pauses,
says so once (a log line, a notice through the configured channels, `scheduler status`), tries
again with back-off (doubling from FIRST_WAIT up to MAX_WAIT seconds) and resumes by itself when
the fault is gone, saying that once too. `LogWatch` notices a log that cannot be written: Python's
logging swallows such errors (printing a traceback per line), so the daemon asks it between batches.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterable

from scheduler.errors import SystemFault
from scheduler.wording import seconds

log = logging.getLogger("scheduler.daemon")

FIRST_WAIT = 1.0
MAX_WAIT = 60.0

Record = Callable[[str | None, dt.datetime | None], None]  # (why, since); None: no longer paused
Announce = Callable[[str], None]


class Pause:
    """Whether publishing is paused, why, since when and when to try again; thread-safe.

    `record` keeps the state where `scheduler status` reads it; `announce` sends the notice. A
    failing record or notice is logged and does not stop the daemon."""

    def __init__(
        self,
        *,
        record: Record | None = None,
        announce: Announce | None = None,
        first: float = FIRST_WAIT,
        cap: float = MAX_WAIT,
    ) -> None:
        self.record, self.announce = record, announce
        self.first, self.cap = first, cap
        self.why: str | None = None
        self.since: dt.datetime | None = None
        self.retry_at: dt.datetime | None = None
        self._wait = first
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Pause(why={self.why!r}, since={self.since!r}, first={self.first}, cap={self.cap})"

    @property
    def paused(self) -> bool:
        return self.why is not None

    def fault(self, error: SystemFault, *, now: dt.datetime) -> dt.datetime:
        """Publishing met `error`: pause (said once), or stay paused and wait longer. When to try again."""
        why = str(error)
        with self._lock:
            first = self.why is None
            self._wait = self.first if first else min(self._wait * 2, self.cap)
            self.why, self.since = why, self.since if not first else now
            self.retry_at = now + dt.timedelta(seconds=self._wait)
            retry_at = self.retry_at
        if first:
            log.warning(
                "publishing paused: %s; no post is changed for it; trying again in %s s, resuming by "
                "itself once it can be written",
                why,
                seconds(self._wait),
            )
            self._tell(
                why,
                now,
                f"Publishing is paused: {why}. No post was changed for it; the daemon tries "
                "again by itself and resumes once it can be written (free space or fix the "
                "permissions). 'scheduler status' shows the pause.",
            )
        else:
            log.debug("still paused: %s; trying again in %s s", why, seconds(self._wait))
        return retry_at

    def clear(self, *, now: dt.datetime, quiet: bool = False) -> None:
        """Publishing worked again: resume (said once; `quiet` when the caller has said it already)."""
        with self._lock:
            if self.why is None:
                return
            why, since = self.why, self.since or now
            self.why = self.since = self.retry_at = None
            self._wait = self.first
        if not quiet:
            log.info("publishing resumed after %s s (paused: %s)", seconds((now - since).total_seconds()), why)
        self._tell(None, None, None)

    def close(self) -> None:
        """The daemon stops: whatever it was, its pause is over for `scheduler status`."""
        if self.why is not None:
            self._tell(None, None, None)

    def _tell(self, why: str | None, since: dt.datetime | None, notice: str | None) -> None:
        if self.record is not None:
            try:
                self.record(why, since)
            except Exception as error:  # noqa: BLE001  # reason: the database may sit on the same full disk; whatever fails, pausing goes on
                log.warning("could not record the pause for 'scheduler status': %s", error)
        if notice is not None and self.announce is not None:
            try:
                self.announce(notice)
            except Exception as error:  # noqa: BLE001  # reason: a broken notice channel must not stop the daemon
                log.warning("could not send the notice that publishing is paused: %s", error)


class LogWatch:
    """Notices when the log's handlers cannot write (a full log disk). Logging would print a traceback
    for each line that failed; instead the handler's last write is remembered: `failure` is the
    error of a handler whose last line could not be written, until a line gets through again."""

    def __init__(self) -> None:
        self._failures: dict[int, str] = {}  # id(handler) → why its last write failed
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"LogWatch(failures={list(self._failures.values())!r})"

    def watch(self, handlers: Iterable[logging.Handler]) -> None:
        for handler in handlers:
            if getattr(handler, "_scheduler_log_watch", None) is self:
                continue
            emit = handler.emit

            def guarded(
                record: logging.LogRecord,
                handler: logging.Handler = handler,
                emit: Callable[[logging.LogRecord], None] = emit,
            ) -> None:
                with self._lock:  # optimistic: a write that fails puts it back (in handleError, below)
                    self._failures.pop(id(handler), None)
                emit(record)

            def failed(
                record: logging.LogRecord, handler: logging.Handler = handler
            ) -> None:  # reason: logging calls handleError(record)
                import sys

                error = sys.exc_info()[1]
                fault = SystemFault.of(error, "the log")
                with self._lock:
                    self._failures[id(handler)] = str(fault) if fault else f"cannot write the log: {error}"

            handler.emit = guarded  # type: ignore[method-assign]  # reason: wrapping a handler we do not own
            handler.handleError = failed  # type: ignore[method-assign]  # reason: the same wrapping
            handler._scheduler_log_watch = self  # type: ignore[attr-defined]  # reason: a mark that it is wrapped

    def failure(self) -> SystemFault | None:
        """Why the log cannot be written (a handler's last line failed), or None."""
        with self._lock:
            failure = next(iter(self._failures.values()), None)
        return SystemFault(failure) if failure else None


#: The daemon's log (see `cli.daemon_logging`, which watches its handlers).
LOG = LogWatch()
