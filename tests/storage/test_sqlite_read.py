"""The read-only SQLite listing gives exactly what `Store.list_posts` gives, without SQLAlchemy."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scheduler.models import Content, State
from scheduler.storage import NewPost, Store
from scheduler.storage.sqlite_read import list_posts, sqlite_file

NOW = dt.datetime(2030, 1, 7, 8, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


@pytest.fixture
def filled(tmp_path: Path) -> tuple[Store, Path]:
    path = tmp_path / "q.sqlite3"
    store = Store.open(f"sqlite:///{path}")
    posts = [
        NewPost(
            f"i{n}",
            ("x", "mastodon", "bluesky")[n % 3],
            "default",
            NOW + (n % 7) * HOUR,
            Content((f"Text {n} – Grüße", "Teil 2"), "de", links=("https://example.org",)),
        )
        for n in range(40)
    ]
    store.add(posts, state=State.SCHEDULED, now=NOW, reason="t")
    store.transition(3, State.CANCELLED, reason="c", now=NOW)
    store.claim_due(now=NOW + 2 * HOUR, worker="w", limit=4)
    return store, path


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"states": ["scheduled"]},
        {"states": ["publishing", "cancelled"]},
        {"platforms": ["mastodon"]},
        {"start": NOW + 2 * HOUR, "end": NOW + 5 * HOUR},
        {"start": (NOW + HOUR).astimezone(dt.timezone(dt.timedelta(hours=2)))},  # another offset, same instant
        {"states": ["scheduled"], "platforms": ["x", "bluesky"], "limit": 5},
        {"limit": 1},
    ],
)
def test_fast_listing_equals_the_store(filled, filters):
    store, path = filled
    assert list_posts(path, **filters) == store.list_posts(**filters)


def test_times_are_stored_as_one_utc_text_that_both_paths_read(filled):
    store, path = filled
    import sqlite3

    with sqlite3.connect(path) as connection:
        (stored,) = connection.execute("SELECT publish_at FROM posts WHERE id = 1").fetchone()
    assert stored == "2030-01-07 08:00:00.000000"  # UTC, the text SQLAlchemy's DATETIME wrote before (old files)
    assert store.get(1).publish_at == list_posts(path, limit=1)[0].publish_at == NOW


def test_gives_way_when_it_cannot_answer(tmp_path: Path):
    assert list_posts(tmp_path / "missing.sqlite3") is None
    empty = tmp_path / "empty.sqlite3"
    import sqlite3

    sqlite3.connect(empty).close()
    assert list_posts(empty) is None  # no schema yet: the full path migrates first
    assert sqlite_file("postgresql+psycopg://x@h/db") is None
    assert sqlite_file("sqlite:///:memory:") is None
    assert sqlite_file("sqlite:///data/q.sqlite3") == Path("data/q.sqlite3")


def test_queue_list_does_not_import_sqlalchemy(filled, tmp_path: Path):
    _, path = filled
    code = (
        "import sys; from scheduler.cli import main; code = main(['queue', 'list', '--limit', '3']); "
        "print('SQLALCHEMY' if 'sqlalchemy' in sys.modules else 'LEAN', code)"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEDULER_")}
    env["SCHEDULER_DATABASE_URL"] = f"sqlite:///{path}"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert result.stdout.strip().endswith("LEAN 0"), result.stderr
    assert "Text 0 – Grüße" in result.stdout
