"""The daemon's view of its database during a fault: available, or unavailable since when, and when
to try it again. One log line when it goes away, one when it is back; the tries in between back off
(doubling from FIRST_WAIT to MAX_WAIT seconds) instead of failing in a tight loop."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from scheduler.wording import seconds

log = logging.getLogger("scheduler.daemon")

FIRST_WAIT = 0.5
MAX_WAIT = 2.0


class Outage:
    """Whether the database is unavailable; thread-safe (the daemon's jobs run on several threads)."""

    def __init__(
        self, *, first: float = FIRST_WAIT, cap: float = MAX_WAIT, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.first, self.cap, self.clock = first, cap, clock
        self._since: float | None = None
        self._wait = first
        self._next_try = 0.0
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Outage(down={self.down}, first={self.first}, cap={self.cap})"

    @property
    def down(self) -> bool:
        return self._since is not None

    def failed(self, error: BaseException) -> None:
        """The database failed an operation (again): wait before the next try."""
        reason = getattr(error, "reason", None) or str(error)
        with self._lock:
            now = self.clock()
            if self._since is None:
                self._since, self._wait = now, self.first
                log.warning("database unavailable: %s; retrying in %s s", reason, seconds(self._wait))
            else:
                self._wait = min(self._wait * 2, self.cap)
                log.debug("database still unavailable: %s; retrying in %s s", reason, seconds(self._wait))
            self._next_try = now + self._wait

    def may_try(self) -> bool:
        """Whether it is time to try the database again (always, while it is available)."""
        return self._since is None or self.clock() >= self._next_try

    def back(self) -> float | None:
        """The database answered again: how long it was away (None if it was not)."""
        with self._lock:
            if self._since is None:
                return None
            away, self._since = self.clock() - self._since, None
        log.info("database back after %s s", seconds(away))
        return away
