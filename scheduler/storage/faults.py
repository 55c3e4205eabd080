"""Telling a database that is unavailable for now from a bug, once, where SQLAlchemy raises.

A full disk, a read-only or locked file, a PostgreSQL server restarting or a connection it
terminated are passing faults: the engine turns them into `DatabaseUnavailable`, which a daemon
waits out. A query the database cannot run (SQLite's generic SQLITE_ERROR: no such table, a syntax
error; PostgreSQL's ProgrammingError) or a broken constraint stays what it is: a bug to report.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine, ExceptionContext

from scheduler.errors import DatabaseUnavailable

#: SQLite's primary result codes of a file that cannot be used for now (https://sqlite.org/rescode.html).
SQLITE_FAULTS = frozenset({
    5,   # SQLITE_BUSY: another writer past the busy timeout
    6,   # SQLITE_LOCKED
    7,   # SQLITE_NOMEM
    8,   # SQLITE_READONLY: the file or its folder cannot be written
    10,  # SQLITE_IOERR: the disk failed a read or write
    13,  # SQLITE_FULL: the disk is full
    14,  # SQLITE_CANTOPEN
    15,  # SQLITE_PROTOCOL
})


def first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def is_fault(error: BaseException, dbapi: Any) -> bool:
    """Whether the driver's `error` means the database cannot be used for now (not a bug)."""
    if isinstance(error, sqlite3.Error):
        return (getattr(error, "sqlite_errorcode", 0) & 0xFF) in SQLITE_FAULTS
    if (getattr(error, "sqlstate", None) or "").startswith("40"):  # a deadlock or serialization failure:
        return False  # a race with another transaction, for its caller to retry (storage.adding)
    faults = tuple(getattr(dbapi, name) for name in ("OperationalError", "InterfaceError") if hasattr(dbapi, name))
    return bool(faults) and isinstance(error, faults)


def unavailable(error: BaseException) -> DatabaseUnavailable:
    failure = DatabaseUnavailable(f"database unavailable: {first_line(error)}; "
                                  "check the disk and the database server, then try again")
    failure.reason = first_line(error)  # type: ignore[attr-defined]
    return failure


def _translate(context: ExceptionContext) -> None:
    if context.is_pre_ping:  # the pool is testing a connection; it reconnects by itself
        return
    original = context.original_exception
    if context.is_disconnect or is_fault(original, context.dialect.loaded_dbapi):
        raise unavailable(original) from context.sqlalchemy_exception or original


def translate_faults(engine: Engine) -> None:
    """Make `engine` raise DatabaseUnavailable for passing faults (its connections are still
    invalidated as SQLAlchemy does for a disconnect)."""
    event.listen(engine, "handle_error", _translate)
