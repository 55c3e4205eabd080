"""Opening the database: SQLite (WAL, one writer at a time) or PostgreSQL (psycopg 3), with the
schema migrated to the newest revision on start."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.engine.url import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

from scheduler.errors import DatabaseUnavailable, StorageError
from scheduler.storage.faults import first_line, translate_faults
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
                path.parent.mkdir(parents=True, exist_ok=True)
                parsed = parsed.set(database=str(path))  # `~` expanded, as every reader of the URL sees it
            engine = create_engine(parsed, connect_args={"timeout": 30}, **options)
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "begin", _sqlite_begin)
        elif parsed.get_backend_name() == "postgresql":
            engine = create_engine(parsed, pool_pre_ping=True, **options)
        else:
            raise StorageError(f"database {parsed.get_backend_name()!r} is not supported; use sqlite or postgresql")
    except NoSuchModuleError:
        raise StorageError(f"no driver for {parsed.drivername!r}; use sqlite:/// or postgresql+psycopg://") from None
    translate_faults(engine)
    return engine


def _current(connection: Connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision. Cheap when it is there (one query, Alembic not imported)."""
    try:
        with engine.connect() as connection:
            if _current(connection) == head():
                return
        from alembic import command
        from alembic.config import Config

        with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
            if _current(connection) == head():  # another worker migrated while we waited
                return
            config = Config()
            config.set_main_option("script_location", str(_MIGRATIONS))
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except (OperationalError, DatabaseUnavailable) as exc:
        reason = getattr(exc, "reason", None) or first_line(exc.orig if isinstance(exc, OperationalError) else exc)
        raise StorageError(f"cannot open the database {engine.url.render_as_string(hide_password=True)}: "
                           f"{reason}") from None
