"""Pausing a watched source on SQLite and PostgreSQL (`store`, see conftest.py), and migration 0011
from a queue of revision 0010: the sources there stay, not paused."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from scheduler.models import WatchedSource
from scheduler.storage import Store
from scheduler.storage import engine as engines
from scheduler.storage.schema import metadata
from tests.storage.conftest import blank_postgresql_url, migrations

NOW = dt.datetime(2030, 1, 7, 9, tzinfo=dt.UTC)
FEED = WatchedSource(name="familiennetz", kind="feed", location="https://familiennetz.example/feed.xml")


def test_a_source_is_paused_since_the_first_time_and_resuming_ends_its_wait(store: Store):
    store.add_source(FEED, now=NOW)
    store.source_checked(FEED.name, now=NOW, next_check_at=NOW + dt.timedelta(hours=1), error="503")
    paused = store.pause_source(FEED.name, now=NOW)
    assert paused is not None and paused.paused_at == NOW
    again = store.pause_source(FEED.name, now=NOW + dt.timedelta(hours=2))
    assert again is not None and again.paused_at == NOW
    resumed = store.resume_source(FEED.name)
    assert resumed is not None and resumed.paused_at is None and resumed.next_check_at is None
    assert resumed.failures == 1 and resumed.error == "503"  # what its checks found stays
    assert store.pause_source("nosuch", now=NOW) is None and store.resume_source("nosuch") is None


def _upgrade_from_0010(url: str) -> None:
    engine = engines.create(url)
    at = NOW.replace(tzinfo=None).isoformat(sep=" ")
    with engine.begin() as connection:
        command.upgrade(migrations(connection), "0010")
        connection.execute(
            text(
                "INSERT INTO sources (name, kind, location, options, created_at, failures, error, validators) "
                "VALUES ('familiennetz', 'feed', 'https://familiennetz.example/feed.xml', '{}', :at, 0, '', '{}')"
            ),
            {"at": at},
        )
    engine.dispose()
    store = Store.open(url)  # migrates 0010 → head
    try:
        with store.engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), metadata) == []
        (state,) = store.sources()
        assert state.source.name == "familiennetz" and state.paused_at is None
        store.pause_source("familiennetz", now=NOW)
        with store.engine.begin() as connection:
            command.downgrade(migrations(connection), "0010")
            command.upgrade(migrations(connection), "head")
        (state,) = store.sources()
        assert state.source.name == "familiennetz" and state.paused_at is None
    finally:
        store.close()


def test_migration_0011_on_sqlite(tmp_path: Path):
    _upgrade_from_0010(f"sqlite:///{tmp_path / 'old.sqlite3'}")


def test_migration_0011_on_postgresql():
    with blank_postgresql_url("scheduler_test_m11") as url:
        _upgrade_from_0010(url)
