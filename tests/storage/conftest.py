"""The `store` fixture: one real queue per backend, so one contract suite runs against each.

SQLite: a fresh file under `tmp_path` per test. PostgreSQL: one database per test module,
created and migrated once, emptied before every test (TRUNCATE … RESTART IDENTITY, so ids start
at 1 again) and dropped at the end of the module; creating a database per test would cost about
0.3 s each. Without a reachable server the PostgreSQL variant skips, saying why.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from alembic.config import Config
from sqlalchemy.engine import Connection

from scheduler.storage import Store

PG_HOST = os.environ.get("TEST_POSTGRESQL_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("TEST_POSTGRESQL_PORT", "5432"))
PG_USER = os.environ.get("TEST_POSTGRESQL_USER", "postgres")
PG_ADMIN_DB = os.environ.get("TEST_POSTGRESQL_DB", "test")  # only used to CREATE/DROP our own databases
TABLES = (
    "steps",
    "transitions",
    "notices",
    "daemons",
    "posts",
    "items",
    "sources",
    "seen_issues",
    "leases",
    "users",
    "login_failures",
)


def _admin() -> psycopg.Connection:
    try:
        return psycopg.connect(
            host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=PG_ADMIN_DB, autocommit=True, connect_timeout=3
        )
    except psycopg.Error as error:
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        pytest.skip(f"PostgreSQL at {PG_HOST}:{PG_PORT} unreachable: {first}")


@pytest.fixture(scope="module")
def postgresql_url() -> Iterator[str]:
    """A migrated database of our own for this module, dropped afterwards."""
    name = f"scheduler_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with _admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+psycopg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
    try:
        Store.open(url).close()  # migrate once; every test then opens an already migrated database
        yield url
    finally:
        with _admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def blank_postgresql_url(prefix: str) -> Iterator[str]:
    """The address of a new, empty PostgreSQL database (no schema), dropped afterwards: for a test
    that migrates step by step. Skips, saying why, when PostgreSQL is unreachable."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with _admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        with _admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def migrations(connection: Connection) -> Config:
    """Alembic's configuration of our migrations, working on `connection` (for `command.upgrade`)."""
    from scheduler.storage import engine as engines

    config = Config()
    config.set_main_option("script_location", str(engines._MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _empty(url: str) -> None:
    dbname = url.rsplit("/", 1)[1]
    with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=dbname, autocommit=True) as conn:
        conn.execute("SET lock_timeout = '5s'")  # a connection a test forgot to close fails loudly, no hang
        conn.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty, migrated queue on a real database: a SQLite file, or a PostgreSQL database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'queue.sqlite3'}"
    else:
        url = request.getfixturevalue("postgresql_url")
        _empty(url)
    opened = Store.open(url)
    yield opened
    opened.close()


@pytest.fixture
def open_store(store: Store) -> Iterator[Callable[[], Store]]:
    """Open further Store instances on `store`'s database (to the queue, another process); each is
    closed after the test."""
    url = store.engine.url.render_as_string(hide_password=False)
    opened: list[Store] = []

    def open_() -> Store:
        opened.append(Store.open(url))
        return opened[-1]

    yield open_
    for other in opened:
        other.close()
