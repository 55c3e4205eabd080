"""Opening the database: SQLite (WAL, one writer at a time) or PostgreSQL (psycopg 3), with the
schema migrated to the newest revision on start."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.engine.url import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

from scheduler.errors import DatabaseDriverMissing, DatabaseUnavailable, StorageError
from scheduler.storage.faults import Where, file_error, first_line, translate_faults, when_opening
from scheduler.storage.revision import head  # start-up compares it before importing Alembic
from scheduler.storage.urls import masked, sqlite_path

_MIGRATIONS = Path(__file__).with_name("migrations")
_LOCK_KEY = 7_316_2024  # pg_advisory_xact_lock key that serialises migrations between workers


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (see _sqlite_begin)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    # BEGIN IMMEDIATE takes the write lock up front, so two writers never deadlock on an upgrade.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def create(url: str, **options: Any) -> Engine:
    """An engine for `url` (`sqlite:///path` or `postgresql+psycopg://…`); the SQLite folder is created."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:  # ValueError: a port that is no number, an unclosed [
        problem = "its host or port cannot be read" if "int()" in str(exc) else "it cannot be read"
        raise StorageError(
            f"database URL {masked(url)!r} is not valid ({problem}); use sqlite:///path/to/file.sqlite3 or "
            "postgresql+psycopg://user@host:5432/db"
        ) from None
    if "\x00" in url:
        raise StorageError(f"database URL {masked(url)!r} contains a NUL byte; write it without")
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    try:
        if parsed.get_backend_name() == "sqlite":
            if (path := sqlite_path(url)) is not None:
                try:
                    path.parent.mkdir(parents=True, exist_ok=True)
                except OSError as error:  # a read-only folder, a file where a folder should be
                    raise file_error(path, error, url=masked(url)) from None
                parsed = parsed.set(database=str(path))  # `~` expanded, as every reader of the URL sees it
            engine = create_engine(parsed, connect_args={"timeout": 30}, **options)
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "begin", _sqlite_begin)
        elif parsed.get_backend_name() == "postgresql":
            engine = create_engine(parsed, pool_pre_ping=True, **options)
        else:
            raise StorageError(
                f"database {parsed.get_backend_name()!r} is not supported; use sqlite or postgresql", url=masked(url)
            )
    except NoSuchModuleError:
        raise StorageError(
            f"no driver for {parsed.drivername!r}; use sqlite:/// or postgresql+psycopg://", url=masked(url)
        ) from None
    except ImportError as error:  # the dialect is known, its driver module is not installed
        raise driver_missing(parsed.drivername, error, url=masked(url)) from None
    translate_faults(engine, url)
    return engine


#: Package extras that install a database driver, by the driver's module.
EXTRAS = {"psycopg": "postgres"}


def driver_missing(drivername: str, error: ImportError, *, url: str) -> StorageError:
    module = (error.name or "").split(".", 1)[0]
    extra = EXTRAS.get(module)
    if extra is None:
        return StorageError(
            f"no driver for {drivername!r} (module {module or '?'} is not installed); "
            "use sqlite:/// or postgresql+psycopg://",
            url=url,
            reason=first_line(error),
        )
    return DatabaseDriverMissing(
        f"PostgreSQL support is not installed (no module {module!r}); install it with "
        f"pip install 'newsletter-scheduler[{extra}]'",
        url=url,
        extra=extra,
    )


def _current(connection: Connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision. Cheap when it is there (one query, Alembic not imported).

    The engine's own faults arrive as the package's errors already (faults.py); what is left to
    word here is a database that is no queue of ours, or one written by a newer version."""
    where = Where.of(engine.url.render_as_string(hide_password=True))
    try:
        with engine.connect() as connection:
            current = _current(connection)
        if current == head():
            return
        from alembic import command
        from alembic.config import Config
        from alembic.util import CommandError

        with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
            current = _current(connection)
            if current == head():  # another worker migrated while we waited
                return
            config = Config()
            config.set_main_option("script_location", str(_MIGRATIONS))
            config.attributes["connection"] = connection
            try:
                command.upgrade(config, "head")
            except CommandError as error:  # a revision our migrations do not know: written by a newer version
                raise StorageError(
                    f"the database {where.path or where.url} is at schema revision {current!r}, which this version "
                    f"does not know (its newest is {head()!r}); run the version that wrote it, or restore a backup",
                    url=where.url,
                    path=where.path,
                    reason=first_line(error),
                ) from None
    except DatabaseUnavailable as error:
        raise when_opening(error, where) from None
    except OperationalError as error:  # not a passing fault (faults.py): e.g. a database that is no queue of ours
        reason = first_line(error.orig or error)
        raise StorageError(
            f"cannot open the database {where.path or where.url}: {reason}",
            url=where.url,
            path=where.path,
            reason=reason,
        ) from None
