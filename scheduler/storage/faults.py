"""The one place where a database's own exceptions become the package's errors.

Every engine the package opens (`engine.create`) sends each driver exception here first:

- a passing fault — a full disk, a read-only or locked file or folder, a PostgreSQL server that
  restarts, refuses connections or terminated ours — becomes `DatabaseUnavailable`, which a
  daemon waits out (its connections are still invalidated as SQLAlchemy does for a disconnect);
- a file that is not a SQLite database, or a damaged one, becomes `DatabaseCorrupt`;
- anything else — a query the database cannot run (SQLite's generic SQLITE_ERROR: no such table,
  a syntax error; PostgreSQL's ProgrammingError) or a broken constraint — stays what it is: a bug
  to report, with its traceback.

Each error says what failed, where (`url` with the password hidden, the SQLite `path`) and what
to do, in one line; `reason` keeps the driver's own first line. Errors of the file system around
a SQLite file (a folder that cannot be made) are worded here too (`file_error`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine, ExceptionContext

from scheduler.errors import DatabaseCorrupt, DatabaseUnavailable, StorageError
from scheduler.storage.urls import masked, sqlite_path

#: SQLite's primary result codes of a file that cannot be used for now (https://sqlite.org/rescode.html).
SQLITE_FAULTS = frozenset(
    {
        3,  # SQLITE_PERM: access denied
        5,  # SQLITE_BUSY: another writer past the busy timeout
        6,  # SQLITE_LOCKED
        7,  # SQLITE_NOMEM
        8,  # SQLITE_READONLY: the file or its folder cannot be written
        10,  # SQLITE_IOERR: the disk failed a read or write
        13,  # SQLITE_FULL: the disk is full
        14,  # SQLITE_CANTOPEN
        15,  # SQLITE_PROTOCOL
    }
)
#: SQLite's result codes of a file that is not a database or is damaged.
SQLITE_CORRUPT = frozenset(
    {
        11,  # SQLITE_CORRUPT: the database disk image is malformed
        26,  # SQLITE_NOTADB: file is not a database
    }
)


@dataclass(frozen=True, slots=True)
class Where:
    """Which database an engine opened: its URL with the password hidden, and its SQLite file."""

    url: str
    path: Path | None

    @classmethod
    def of(cls, url: str) -> Where:
        return cls(masked(url), sqlite_path(url))


def first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def _sqlite_code(error: BaseException) -> int | None:
    if isinstance(error, sqlite3.Error):
        return int(getattr(error, "sqlite_errorcode", 0)) & 0xFF
    return None


def is_fault(error: BaseException, dbapi: Any) -> bool:
    """Whether the driver's `error` means the database cannot be used for now (not a bug)."""
    code = _sqlite_code(error)
    if code is not None:
        return code in SQLITE_FAULTS
    if (getattr(error, "sqlstate", None) or "").startswith("40"):  # a deadlock or serialization failure:
        return False  # a race with another transaction, for its caller to retry (storage.adding)
    faults = tuple(getattr(dbapi, name) for name in ("OperationalError", "InterfaceError") if hasattr(dbapi, name))
    return bool(faults) and isinstance(error, faults)


def _fix(error: BaseException, where: Where, *, named: bool) -> str:
    """What a person can do about the passing fault `error` (`named`: the message names the
    database already)."""
    code = _sqlite_code(error)
    if code is None:
        return f"check that the database server{'' if named else f' of {where.url}'} is running and reachable"
    file = "the file" if named else str(where.path)
    if code == 13:
        return f"check the disk: free space for {file}"
    if code in (3, 8, 14):
        return f"check that {file} and its folder exist and this user may write both"
    if code in (5, 6, 15):
        return f"another process holds {file} locked; wait for it"
    return f"check the disk holding {file}"


def unavailable(error: BaseException, where: Where, *, opening: bool = False) -> DatabaseUnavailable:
    """The package's error for the passing fault `error` (`opening`: met while opening the database)."""
    reason = first_line(error)
    message = (
        f"cannot open the database {where.path or where.url}: {reason}; {_fix(error, where, named=True)}"
        if opening
        else f"database unavailable: {reason}; {_fix(error, where, named=False)}, then try again"
    )
    return DatabaseUnavailable(message, url=where.url, path=where.path, reason=reason)


def when_opening(error: DatabaseUnavailable, where: Where) -> DatabaseUnavailable:
    """`error` (raised by the engine) worded as met while opening the database."""
    cause = error.__cause__
    original = getattr(cause, "orig", None) or cause or error
    return unavailable(original, where, opening=True)


def corrupt(error: BaseException, where: Where) -> DatabaseCorrupt:
    """The package's error for a file that is not a SQLite database, or a damaged one."""
    reason = first_line(error)
    return DatabaseCorrupt(
        f"the database file {where.path} is not a SQLite database or is damaged ({reason}); restore it from a "
        "backup, or set SCHEDULER_DATABASE_URL to another file (a new one is created)",
        url=where.url,
        path=where.path,
        reason=reason,
    )


def translated(error: BaseException, where: Where, dbapi: Any, *, disconnect: bool = False) -> StorageError | None:
    """The package's error for the driver's `error` (`disconnect`: SQLAlchemy saw the connection
    drop); None when it is a bug, to be left as it is."""
    if _sqlite_code(error) in SQLITE_CORRUPT:
        return corrupt(error, where)
    if disconnect or is_fault(error, dbapi):
        return unavailable(error, where)
    return None


def file_error(path: Path, error: OSError, *, url: str | None = None) -> StorageError:
    """The database file `path` (or its folder) cannot be made or opened: `error` in one line."""
    what = error.strerror or type(error).__name__
    failed = Path(error.filename) if error.filename else path
    return StorageError(
        f"cannot use the database file {path} ({failed}: {what}); let this user write it and its "
        "folder, or set SCHEDULER_DATABASE_URL to a file in a folder it can write",
        url=url,
        path=path,
        reason=what,
    )


def _translator(where: Where) -> Callable[[ExceptionContext], None]:
    def translate(context: ExceptionContext) -> None:
        if context.is_pre_ping:  # the pool is testing a connection; it reconnects by itself
            return
        original = context.original_exception
        failure = translated(original, where, context.dialect.loaded_dbapi, disconnect=context.is_disconnect)
        if failure is not None:
            raise failure from context.sqlalchemy_exception or original

    return translate


def translate_faults(engine: Engine, url: str) -> None:
    """Make `engine` raise the package's errors for passing faults and damaged files (see above)."""
    event.listen(engine, "handle_error", _translator(Where.of(url)))
