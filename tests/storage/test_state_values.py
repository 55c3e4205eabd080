"""States are `StrEnum`s, and what the databases hold stays the plain strings that earlier versions
wrote: `scheduled`, not `State.SCHEDULED` or `SCHEDULED` (run on SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import text

from scheduler.models import STATES, TRANSITIONS, Content, State
from scheduler.platforms.base import Outcome
from scheduler.storage import NewPost, Store

NOW = dt.datetime(2025, 3, 10, 9, 0, tzinfo=dt.UTC)
#: The values stored in `posts.state` and `transitions.from_state`/`to_state` since the first schema.
STORED = ["draft", "scheduled", "publishing", "published", "failed", "needs_attention", "cancelled"]


def test_states_keep_the_strings_the_database_holds():
    assert [state.value for state in STATES] == STORED
    assert [State(value) for value in STORED] == list(STATES)
    assert set(TRANSITIONS) == set(STATES)
    assert [outcome.value for outcome in Outcome] == ["published", "not_published", "unknown"]


def test_a_state_reads_as_its_value_wherever_it_is_written():
    assert f"{State.NEEDS_ATTENTION}" == str(State.NEEDS_ATTENTION) == "needs_attention"
    assert json.dumps({State.DRAFT: State.FAILED}) == '{"draft": "failed"}'


def test_the_database_stores_the_plain_strings(store: Store):
    [post_id] = store.add(
        [
            NewPost(
                item_id="item-1", platform="mastodon", account="main", publish_at=NOW, content=Content(("Hallo",), "de")
            )
        ],
        state=State.DRAFT,
        now=NOW,
        reason="imported",
    )
    store.transition(post_id, State.SCHEDULED, reason="approved", now=NOW)
    with store.engine.connect() as connection:
        stored = connection.execute(text("SELECT state FROM posts WHERE id = :id"), {"id": post_id}).scalar_one()
        moves = connection.execute(
            text("SELECT from_state, to_state FROM transitions WHERE post_id = :id ORDER BY id"), {"id": post_id}
        ).all()
    assert (type(stored), stored) == (str, "scheduled")
    assert [tuple(move) for move in moves] == [(None, "draft"), ("draft", "scheduled")]
    assert store.get(post_id).state == State.SCHEDULED
