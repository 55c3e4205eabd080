"""Images in the queue: stored and read back on both backends, and carried over from revision 0001."""

from __future__ import annotations

import datetime as dt
import sqlite3
import uuid
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import text

from scheduler.models import Content, Image, State
from scheduler.storage import NewPost, Store
from scheduler.storage import engine as engines
from scheduler.storage.sqlite_read import list_posts

NOW = dt.datetime(2030, 1, 1, 8, tzinfo=dt.UTC)
IMAGES = (Image("/srv/img/a.png", "Erstes Bild"), Image("https://example.org/b.jpg", "Zweites | Bild"))


def test_images_are_stored_in_order_with_their_alt_text(store: Store):
    (with_images, without) = store.add(
        [
            NewPost("i1", "mastodon", "default", NOW, Content(("Hallo",), "de", images=IMAGES)),
            NewPost("i2", "mastodon", "default", NOW, Content(("Hallo",), "de")),
        ],
        state=State.SCHEDULED,
        now=NOW,
        reason="test",
    )
    assert store.get(with_images).images == IMAGES
    assert store.get(without).images == ()
    (claimed, _) = store.claim_due(now=NOW, worker="w")
    assert claimed.images == IMAGES


def test_the_sqlite_fast_path_reads_images_too(tmp_path: Path):
    path = tmp_path / "q.sqlite3"
    store = Store.open(f"sqlite:///{path}")
    store.add(
        [NewPost("i1", "x", "default", NOW, Content(("Hallo",), "de", images=IMAGES))],
        state=State.DRAFT,
        now=NOW,
        reason="test",
    )
    store.close()
    (post,) = list_posts(path) or []
    assert post.images == IMAGES


def _at_0001(url: str) -> None:
    engine = engines.create(url)
    with engine.begin() as connection:
        config = Config()
        config.set_main_option("script_location", str(engines._MIGRATIONS))
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        values = {
            "item_id": "old",
            "platform": "mastodon",
            "account": "default",
            "state": "draft",
            "publish_at": NOW.replace(tzinfo=None),
            "due_at": NOW.replace(tzinfo=None),
            "parts": '["Hallo"]',
            "language": "de",
            "section": "",
            "title": "",
            "source": "/data/posts/extra.csv",
            "spoiler_text": "",
            "image": "img/photo.png",
            "alt": "Ein Foto",
            "attempts": 0,
            "created_at": NOW.replace(tzinfo=None),
            "updated_at": NOW.replace(tzinfo=None),
        }
        connection.execute(
            text(f"INSERT INTO posts ({', '.join(values)}) VALUES ({', '.join(':' + k for k in values)})"), values
        )
        connection.execute(
            text(f"INSERT INTO posts ({', '.join(values)}) VALUES ({', '.join(':' + k for k in values)})"),
            {**values, "item_id": "plain", "image": None, "alt": None},
        )
    engine.dispose()


def _check_migrated(url: str) -> None:
    store = Store.open(url)  # migrates 0001 → head
    try:
        posts = {post.item_id: post for post in store.list_posts()}
        # the CSV stored the path relative to itself; it is carried over relative to that file
        assert posts["old"].images == (Image("/data/posts/img/photo.png", "Ein Foto"),)
        assert posts["plain"].images == ()
        with store.engine.connect() as connection:
            columns = {
                row[0]
                for row in connection.execute(
                    text(
                        "SELECT name FROM pragma_table_info('posts')"
                        if store.dialect == "sqlite"
                        else "SELECT column_name FROM information_schema.columns WHERE table_name = 'posts'"
                    )
                )
            }
        assert "images" in columns and not {"image", "alt"} & columns
    finally:
        store.close()


def test_migration_0002_carries_image_and_alt_over_on_sqlite(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    _at_0001(url)
    _check_migrated(url)
    with sqlite3.connect(tmp_path / "old.sqlite3") as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        indexes = {row[1] for row in connection.execute("PRAGMA index_list('posts')")}
    assert {"ix_posts_state_due", "ix_posts_state_publish"} <= indexes


def test_migration_0002_carries_image_and_alt_over_on_postgresql():
    from tests.storage.conftest import PG_HOST, PG_PORT, PG_USER, _admin

    name = f"scheduler_test_m_{uuid.uuid4().hex[:8]}"
    with _admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = f"postgresql+psycopg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
        _at_0001(url)
        _check_migrated(url)
    finally:
        with _admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.parametrize("dialect", ["sqlite"])
def test_downgrade_keeps_the_first_image(tmp_path: Path, dialect: str):
    url = f"sqlite:///{tmp_path / 'q.sqlite3'}"
    store = Store.open(url)
    store.add(
        [NewPost("i1", "x", "default", NOW, Content(("Hallo",), "de", images=IMAGES))],
        state=State.DRAFT,
        now=NOW,
        reason="test",
    )
    with store.engine.begin() as connection:
        config = Config()
        config.set_main_option("script_location", str(engines._MIGRATIONS))
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
        row = connection.execute(text("SELECT image, alt FROM posts")).one()
    store.close()
    assert tuple(row) == ("/srv/img/a.png", "Erstes Bild")
