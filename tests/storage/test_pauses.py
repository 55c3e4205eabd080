"""A daemon's pause kept for `scheduler status` (revision 0005) on both backends, and the revision
over a queue of 0004."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import text

from scheduler.storage import Store
from scheduler.storage import engine as engines
from scheduler.storage.pauses import current_pauses, record_pause
from scheduler.storage.schema import metadata

NOW = dt.datetime(2030, 1, 7, 9, tzinfo=dt.UTC)
WHY = "cannot write the outbox /data/out.jsonl: No space left on device"


def test_a_pause_is_shown_while_its_daemon_runs(store: Store):
    store.heartbeat("host:1", now=NOW, starting=True)
    record_pause(store, "host:1", WHY, NOW + dt.timedelta(seconds=5))
    (paused,) = current_pauses(store)
    assert (paused.worker, paused.why, paused.since) == ("host:1", WHY, NOW + dt.timedelta(seconds=5))
    record_pause(store, "host:1", None, None)  # resumed
    assert current_pauses(store) == []


def test_a_stopped_or_restarted_daemon_is_not_paused(store: Store):
    store.heartbeat("host:1", now=NOW, starting=True)
    record_pause(store, "host:1", WHY, NOW)
    store.stopped("host:1", now=NOW + dt.timedelta(seconds=1))
    assert current_pauses(store) == []
    store.heartbeat("host:1", now=NOW + dt.timedelta(seconds=2), starting=True)  # the same name, a new run
    assert current_pauses(store) == []


def test_a_dry_run_without_a_heartbeat_gets_a_row(store: Store):
    record_pause(store, "host:2 (dry run)", WHY, NOW)
    assert [p.worker for p in current_pauses(store)] == ["host:2 (dry run)"]
    record_pause(store, "host:2 (dry run)", None, None)
    assert current_pauses(store) == []


def _upgrade_from_0004(url: str) -> None:
    engine = engines.create(url)
    config = Config()
    config.set_main_option("script_location", str(engines._MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0004")
        connection.execute(
            text("INSERT INTO daemons (worker, started_at, heartbeat_at) VALUES ('old:1', :at, :at)"),
            {"at": NOW.replace(tzinfo=None)},
        )
    engine.dispose()
    store = Store.open(url)  # migrates 0004 → head
    try:
        with store.engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), metadata) == []
        assert [row[0] for row in store.daemons()] == ["old:1"] and current_pauses(store) == []
        record_pause(store, "old:1", WHY, NOW)
        assert [p.why for p in current_pauses(store)] == [WHY]
        with store.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0004")
            command.upgrade(config, "head")
    finally:
        store.close()


def test_migration_0005_on_sqlite(tmp_path: Path):
    _upgrade_from_0004(f"sqlite:///{tmp_path / 'old.sqlite3'}")


def test_migration_0005_on_postgresql():
    from tests.storage.conftest import PG_HOST, PG_PORT, PG_USER, _admin

    name = f"scheduler_test_m5_{uuid.uuid4().hex[:8]}"
    with _admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        _upgrade_from_0004(f"postgresql+psycopg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}")
    finally:
        with _admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
