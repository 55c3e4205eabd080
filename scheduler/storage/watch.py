"""Noticing cheaply that another process changed the queue: SQLite's `PRAGMA data_version` on a
connection of its own, PostgreSQL's LISTEN/NOTIFY.

A dropped connection (a server restart, a terminated backend) is opened again at once, and that
counts as a change, since notices may have been missed meanwhile. A database that cannot be
reached raises DatabaseUnavailable; the next call tries to open the connection again.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from sqlalchemy.engine import Engine

from scheduler.errors import DatabaseUnavailable
from scheduler.storage.faults import Where, first_line, is_fault, unavailable

log = logging.getLogger(__name__)


class ChangeWatch:
    """Tells whether the queue changed since the last call."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._postgres = engine.dialect.name == "postgresql"
        self._connection: Any = None
        self._last: int | None = None
        self.changed()

    def __repr__(self) -> str:
        return f"ChangeWatch({self._engine.url.render_as_string(hide_password=True)!r})"

    def _open(self) -> None:
        connection = self._engine.raw_connection()  # DatabaseUnavailable when it cannot connect
        try:
            if self._postgres:
                driver: Any = connection.driver_connection  # psycopg's Connection
                driver.autocommit = True
                driver.execute("LISTEN scheduler_queue")
        except Exception:
            connection.invalidate()
            raise
        self._connection = connection

    def _drop(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):  # already broken: nothing left to close
                self._connection.invalidate()  # closed, never handed out by the pool again
            self._connection = None

    def _poll(self) -> bool:
        if self._postgres:
            return any(True for _ in self._connection.driver_connection.notifies(timeout=0))
        cursor = self._connection.cursor()
        cursor.execute("PRAGMA data_version")
        version: int = cursor.fetchone()[0]
        cursor.close()
        changed, self._last = version != self._last, version
        return changed

    def _fault(self, error: Exception) -> bool:
        return isinstance(error, DatabaseUnavailable) or is_fault(error, self._engine.dialect.loaded_dbapi)

    def changed(self) -> bool:
        try:
            if self._connection is None:
                self._open()
                self._poll()
                return True
            return self._poll()
        except Exception as error:
            if not self._fault(error):
                raise
            self._drop()
            if isinstance(error, DatabaseUnavailable):
                raise
            dropped = error
        try:  # the connection dropped: often only it (a terminated backend), so at once a new one
            self._open()
            self._poll()
        except Exception as error:
            self._drop()
            if isinstance(error, DatabaseUnavailable):
                raise
            if not self._fault(error):
                raise
            raise unavailable(error, Where.of(self._engine.url.render_as_string(hide_password=True))) from error
        log.info("watching the queue again on a new connection (the last one dropped: %s)", first_line(dropped))
        return True

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
