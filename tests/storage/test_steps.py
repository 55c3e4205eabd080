"""Steps noted during an attempt survive in the store, per attempt (on SQLite and PostgreSQL)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from scheduler.models import Content, State
from scheduler.storage import NewPost, Store

NOW = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)


def _claimed(store: Store):
    store.add(
        [
            NewPost(
                item_id="i", platform="threads", account="default", publish_at=NOW, content=Content(("a", "b"), "de")
            )
        ],
        state=State.SCHEDULED,
        now=NOW,
        reason="test",
    )
    (post,) = store.claim_due(now=NOW, worker="w")
    return post


def test_steps_are_kept_per_attempt_and_replaced_by_name(store: Store):
    post = _claimed(store)
    store.remember(post, "container:0", "c-1", now=NOW)
    store.remember(post, "part:0", "m-1", now=NOW)
    store.remember(post, "container:0", "c-1b", now=NOW)
    assert store.recall(post) == {"container:0": "c-1b", "part:0": "m-1"}
    again = dataclasses.replace(post, idempotency_key="another-attempt")
    assert store.recall(again) == {}  # a new attempt starts clean


def test_steps_outlive_the_process(store: Store):
    post = _claimed(store)
    store.remember(post, "container:0", "c-1", now=NOW)
    url = str(store.engine.url.render_as_string(hide_password=False))
    store.close()
    reopened = Store.open(url)
    try:
        assert reopened.recall(reopened.get(post.id)) == {"container:0": "c-1"}
    finally:
        reopened.close()
