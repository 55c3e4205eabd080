"""Items and rewrites in the queue on both backends, and revision 0004 over a queue of 0003."""

from __future__ import annotations

import datetime as dt
import sqlite3
import uuid
from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from scheduler.models import Content, KnownItem, State
from scheduler.storage import NewPost, Store
from scheduler.storage import engine as engines
from scheduler.storage.items import Rewrite, known_items, posts_of, queued, rewrite
from scheduler.storage.schema import metadata
from scheduler.storage.sqlite_read import list_posts

NOW = dt.datetime(2030, 1, 1, 8, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(hours=1)
ITEM = KnownItem(id="a1", issue="2024-12-13-info", number=1, section="Vernetzt", body="Erster Text.", fingerprint="a1")


def _rewrite(post_id: int, state: str, text_: str) -> Rewrite:
    return Rewrite(
        post_id=post_id,
        state=state,
        content=Content((text_,), "de", title="T"),
        section="Vernetzt",
        rendered="r2",
        reason="updated from test: template changed",
    )


def test_items_are_saved_with_their_posts_and_found_by_issue_id_or_fingerprint(store: Store):
    other = KnownItem(id="b1", issue="2025-01-10-info", number=1, section="", body="Anderer Text.", fingerprint="b9")
    store.add(
        [NewPost("a1", "x", "default", NOW, Content(("Erster Text.",), "de"), rendered="r1")],
        state=State.DRAFT,
        now=NOW,
        reason="test",
        items=[ITEM, other],
    )
    assert known_items(store, issues=["2024-12-13-info"], fingerprints=[]) == [ITEM]
    assert known_items(store, issues=[], fingerprints=["b9"]) == [other]  # by fingerprint
    assert known_items(store, issues=[], fingerprints=["b1", "a1"]) == [ITEM, other]  # by id
    assert known_items(store, issues=["nothing"], fingerprints=["zz"]) == []
    (post,) = queued(store, [("a1", "x", "default"), ("zz", "x", "default")]).values()
    assert post.rendered == "r1" and post.item_id == "a1"


def test_rewrite_changes_text_keeps_time_and_state_and_records_why(store: Store):
    (post_id,) = store.add(
        [NewPost("a1", "x", "default", NOW, Content(("Alt",), "de"), rendered="r1")],
        state=State.SCHEDULED,
        now=NOW,
        reason="test",
    )
    moved = KnownItem(id="a1", issue=ITEM.issue, number=2, section="Vernetzt", body="Korrigiert.", fingerprint="c3")
    assert rewrite(store, [_rewrite(post_id, State.SCHEDULED, "Neu")], known=[moved], now=LATER) == [post_id]
    post = store.get(post_id)
    assert post.parts == ("Neu",) and post.state == State.SCHEDULED and post.publish_at == NOW
    assert post.rendered == "r2" and post.title == "T"
    assert store.history(post_id)[-1].reason == "updated from test: template changed"
    assert known_items(store, issues=[ITEM.issue], fingerprints=[]) == [moved]


def test_rewrite_leaves_a_post_claimed_meanwhile_alone(store: Store, open_store: Callable[[], Store]):
    (post_id,) = store.add(
        [NewPost("a1", "x", "default", NOW, Content(("Alt",), "de"))], state=State.SCHEDULED, now=NOW, reason="test"
    )
    assert [p.id for p in open_store().claim_due(now=NOW, worker="daemon")] == [post_id]  # another process
    assert rewrite(store, [_rewrite(post_id, State.SCHEDULED, "Neu")], known=[], now=LATER) == []
    post = store.get(post_id)
    assert post.parts == ("Alt",) and post.state == State.PUBLISHING
    assert [t.reason for t in store.history(post_id)][-1].startswith("attempt 1")


def test_posts_of_items_by_state(store: Store):
    ids = store.add(
        [NewPost("a1", p, "default", NOW, Content(("Text",), "de")) for p in ("x", "mastodon", "bluesky")],
        state=State.DRAFT,
        now=NOW,
        reason="test",
    )
    store.transition(ids[1], State.CANCELLED, reason="cancelled by hand", now=NOW)
    found = posts_of(store, ["a1", "zz"], states={State.DRAFT, State.SCHEDULED})
    assert list(found) == ["a1"] and [p.id for p in found["a1"]] == [ids[0], ids[2]]


# -- revision 0004 --------------------------------------------------------------------------------


def _config(connection) -> Config:  # type: ignore[no-untyped-def]  # reason: a test double; the interface's signature is not repeated
    config = Config()
    config.set_main_option("script_location", str(engines._MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _at_0003(url: str) -> None:
    engine = engines.create(url)
    with engine.begin() as connection:
        command.upgrade(_config(connection), "0003")
        naive = NOW.replace(tzinfo=None)
        values = {
            "item_id": "old",
            "platform": "mastodon",
            "account": "default",
            "state": "scheduled",
            "publish_at": naive,
            "due_at": naive,
            "parts": '["Hallo aus 0003"]',
            "language": "de",
            "section": "Vernetzt",
            "title": "Hallo",
            "source": "posts/a.txt",
            "spoiler_text": "",
            "images": "[]",
            "attempts": 0,
            "created_at": naive,
            "updated_at": naive,
        }
        connection.execute(
            text(f"INSERT INTO posts ({', '.join(values)}) VALUES ({', '.join(':' + k for k in values)})"), values
        )
    engine.dispose()


def _check_migrated(url: str) -> None:
    store = Store.open(url)  # migrates 0003 → head
    try:
        (post,) = store.list_posts()
        assert post.item_id == "old" and post.parts == ("Hallo aus 0003",) and post.rendered is None
        assert post.state == State.SCHEDULED and post.publish_at == NOW
        assert known_items(store, issues=["x"], fingerprints=["old"]) == []
        with store.engine.connect() as connection:  # the migrated schema is the one the code declares
            assert compare_metadata(MigrationContext.configure(connection), metadata) == []
        store.add(
            [NewPost("new", "x", "default", NOW, Content(("Neu",), "de"), rendered="r")],
            state=State.DRAFT,
            now=NOW,
            reason="test",
            items=[ITEM],
        )
        assert known_items(store, issues=[ITEM.issue], fingerprints=[]) == [ITEM]
    finally:
        store.close()


def test_migration_0004_keeps_the_queue_on_sqlite(tmp_path: Path):
    path = tmp_path / "old.sqlite3"
    _at_0003(f"sqlite:///{path}")
    _check_migrated(f"sqlite:///{path}")
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert [post.item_id for post in list_posts(path) or []] == ["old", "new"]  # the fast path reads 0004


def test_migration_0004_keeps_the_queue_on_postgresql():
    from tests.storage.conftest import PG_HOST, PG_PORT, PG_USER, _admin

    name = f"scheduler_test_m4_{uuid.uuid4().hex[:8]}"
    with _admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        _at_0003(f"postgresql+psycopg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}")
        _check_migrated(f"postgresql+psycopg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}")
    finally:
        with _admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_downgrade_to_0003_keeps_the_posts(store: Store):
    store.add(
        [NewPost("a1", "x", "default", NOW, Content(("Hallo",), "de"), rendered="r1")],
        state=State.DRAFT,
        now=NOW,
        reason="test",
        items=[ITEM],
    )
    try:
        with store.engine.begin() as connection:
            command.downgrade(_config(connection), "0003")
            rows = connection.execute(text("SELECT item_id, parts FROM posts")).all()
            tables = set(connection.dialect.get_table_names(connection))
        assert [row[0] for row in rows] == ["a1"] and "items" not in tables
    finally:
        with store.engine.begin() as connection:
            command.upgrade(_config(connection), "head")  # the module's PostgreSQL database is shared
