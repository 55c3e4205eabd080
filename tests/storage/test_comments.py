"""Comments on posts, and what a post said before an updated issue rewrote it — on SQLite and
PostgreSQL (`store`, see conftest.py); and migration 0010 from a queue of revision 0009."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from scheduler.errors import QueueError
from scheduler.models import Comment, Content, State
from scheduler.storage import NewPost, Store
from scheduler.storage import engine as engines
from scheduler.storage.items import Rewrite, rewrite
from scheduler.storage.schema import metadata
from tests.storage.conftest import blank_postgresql_url, migrations

NOW = dt.datetime(2030, 1, 7, 9, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)


def _post(store: Store, *parts: str) -> int:
    [post_id] = store.add(
        [NewPost("item-1", "mastodon", "main", NOW + dt.timedelta(days=1), Content(parts, "de"))],
        state=State.DRAFT,
        now=NOW,
        reason="imported",
    )
    return post_id


def test_comments_are_kept_in_order_with_author_text_and_time(store: Store):
    post_id = _post(store, "Hallo")
    first = store.add_comment(post_id, author="anna", text="Bitte <b>kürzer</b>.\nDanke", now=NOW)
    store.add_comment(post_id, author="ben", text="Erledigt.", now=NOW + MINUTE)
    assert first == Comment(first.id, post_id, "anna", "Bitte <b>kürzer</b>.\nDanke", NOW)
    assert [(c.author, c.text, c.at) for c in store.comments(post_id)] == [
        ("anna", "Bitte <b>kürzer</b>.\nDanke", NOW),
        ("ben", "Erledigt.", NOW + MINUTE),
    ]
    assert store.comments(post_id + 1) == []


def test_a_comment_on_a_post_that_is_not_there_is_refused(store: Store):
    with pytest.raises(QueueError, match="no post with id 7"):
        store.add_comment(7, author="anna", text="Hallo", now=NOW)


def test_a_rewrite_keeps_what_the_post_said_before(store: Store):
    post_id = _post(store, "Am 12. Juli", "Zweiter Teil")
    content = dataclasses.replace(store.get(post_id).content, parts=("Am 19. Juli",))
    done = rewrite(
        store,
        [Rewrite(post_id, State.DRAFT, content, "", "hash", "updated from a.md: the item's text changed")],
        known=[],
        now=NOW + MINUTE,
        actor="anna",
    )
    assert done == [post_id]
    [rewritten] = store.rewrites(post_id)
    assert rewritten.previous == ("Am 12. Juli", "Zweiter Teil")
    assert (rewritten.at, rewritten.reason, rewritten.actor) == (
        NOW + MINUTE,
        "updated from a.md: the item's text changed",
        "anna",
    )
    assert store.get(post_id).parts == ("Am 19. Juli",)
    store.note(post_id, "dry run", now=NOW + 2 * MINUTE)  # other lines of the history keep nothing
    assert len(store.rewrites(post_id)) == 1


# -- migration 0010 -----------------------------------------------------------------------------


def _upgrade_from_0009(url: str) -> None:
    engine = engines.create(url)
    at = NOW.replace(tzinfo=None).isoformat(sep=" ")
    with engine.begin() as connection:
        command.upgrade(migrations(connection), "0009")
        connection.execute(
            text(
                "INSERT INTO posts (id, item_id, platform, account, state, publish_at, due_at, parts, language, "
                "section, title, source, spoiler_text, links, images, attempts, created_at, updated_at) VALUES "
                "(1, 'i', 'mastodon', 'main', 'draft', :at, :at, '[\"Hallo\"]', 'de', '', '', '', '', '[]', '[]', "
                "0, :at, :at)"
            ),
            {"at": at},
        )
        connection.execute(
            text(
                "INSERT INTO transitions (post_id, from_state, to_state, at, reason, actor) "
                "VALUES (1, 'draft', 'draft', :at, 'updated from a.md: template or options changed', 'anna')"
            ),
            {"at": at},
        )
    engine.dispose()
    store = Store.open(url)  # migrates 0009 → head
    try:
        with store.engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), metadata) == []
        assert [(t.reason, t.actor) for t in store.history(1)] == [
            ("updated from a.md: template or options changed", "anna")
        ]
        assert store.rewrites(1) == [] and store.comments(1) == []  # rewrites before 0010 kept no text
        store.add_comment(1, author="anna", text="Hallo", now=NOW)
        with store.engine.begin() as connection:
            command.downgrade(migrations(connection), "0009")
            command.upgrade(migrations(connection), "head")
        assert len(store.history(1)) == 1 and store.comments(1) == []
    finally:
        store.close()


def test_migration_0010_on_sqlite(tmp_path: Path):
    _upgrade_from_0009(f"sqlite:///{tmp_path / 'old.sqlite3'}")


def test_migration_0010_on_postgresql():
    with blank_postgresql_url("scheduler_test_m10") as url:
        _upgrade_from_0009(url)
