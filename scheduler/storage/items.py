"""What the queue remembers of items (their identity across corrections, see
`newsletter.identity`), and rewriting queued posts whose item, template or options changed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import and_, insert, or_, select, tuple_, update
from sqlalchemy.engine import Connection

from scheduler.models import Content, KnownItem, QueuedPost
from scheduler.storage.rows import content_columns, post_from
from scheduler.storage.schema import items, posts, transitions

if TYPE_CHECKING:
    from scheduler.storage.store import Store

_CHUNK = 300  # values per IN (…): well below SQLite's and PostgreSQL's parameter limits
T = TypeVar("T")


def _chunks(values: Collection[T]) -> Iterator[list[T]]:
    ordered = sorted(values)  # type: ignore[type-var]  # reason: ids and keys (str or int), each sortable among its kind
    for start in range(0, len(ordered), _CHUNK):
        yield ordered[start : start + _CHUNK]


def _item(row: Any) -> KnownItem:
    return KnownItem(
        id=row.id, issue=row.issue, number=row.number, section=row.section, body=row.body, fingerprint=row.fingerprint
    )


def known_items(store: Store, *, issues: Collection[str], fingerprints: Collection[str]) -> list[KnownItem]:
    """The stored items of `issues`, and those whose id or fingerprint is one of `fingerprints`."""
    found: dict[str, KnownItem] = {}
    with store.engine.connect() as connection:
        for chunk in _chunks(issues):
            found.update(
                (row.id, _item(row)) for row in connection.execute(select(items).where(items.c.issue.in_(chunk)))
            )
        for chunk in _chunks(fingerprints):
            query = select(items).where(or_(items.c.id.in_(chunk), items.c.fingerprint.in_(chunk)))
            found.update((row.id, _item(row)) for row in connection.execute(query))
    return sorted(found.values(), key=lambda item: (item.issue, item.number, item.id))


def save_items(connection: Connection, known: Sequence[KnownItem], *, now: dt.datetime) -> None:
    """Insert or replace the rows of `known` (in the caller's transaction); one statement, so another
    process saving the same items at the same moment cannot make it fail (see `storage.adding`)."""
    from scheduler.storage.adding import upsert_items

    upsert_items(connection, list({item.id: _values(item, now) for item in known}.values()))


def _values(item: KnownItem, now: dt.datetime) -> dict[str, Any]:
    return {
        "id": item.id,
        "issue": item.issue,
        "number": item.number,
        "section": item.section,
        "body": item.body,
        "fingerprint": item.fingerprint,
        "updated_at": now,
    }


def queued(store: Store, keys: Collection[tuple[str, str, str]]) -> dict[tuple[str, str, str], QueuedPost]:
    """The queued posts with these (item, platform, account) keys, in any state."""
    found: dict[tuple[str, str, str], QueuedPost] = {}
    with store.engine.connect() as connection:
        for chunk in _chunks(keys):
            query = select(posts).where(tuple_(posts.c.item_id, posts.c.platform, posts.c.account).in_(chunk))
            for row in connection.execute(query):
                post = post_from(row._mapping)
                found[(post.item_id, post.platform, post.account)] = post
    return found


def posts_of(store: Store, item_ids: Collection[str], *, states: Collection[str]) -> dict[str, list[QueuedPost]]:
    """The posts in `states` of each of `item_ids`, by id."""
    found: dict[str, list[QueuedPost]] = {}
    with store.engine.connect() as connection:
        for chunk in _chunks(item_ids):
            query = (
                select(posts).where(posts.c.item_id.in_(chunk), posts.c.state.in_(sorted(states))).order_by(posts.c.id)
            )
            for row in connection.execute(query):
                post = post_from(row._mapping)
                found.setdefault(post.item_id, []).append(post)
    return found


@dataclass(frozen=True, slots=True)
class Rewrite:
    """New content for a queued post that is still in `state` (its time and state stay)."""

    post_id: int
    state: str
    content: Content
    section: str
    rendered: str
    reason: str


def rewrite(
    store: Store,
    changes: Sequence[Rewrite],
    *,
    known: Sequence[KnownItem],
    now: dt.datetime,
    actor: str | None = None,
) -> list[int]:
    """Apply `changes` and save `known` in one transaction, each recorded in the post's history
    (with `actor`, who made them, and the parts the post had before: `Store.rewrites`).
    A post that left its state meanwhile (a daemon claimed it) is not changed; the ids changed are
    returned."""
    if now.tzinfo is None:
        raise ValueError(f"naive datetime {now.isoformat()}: times must carry a time zone")
    done: list[int] = []
    with store.engine.begin() as connection:
        before: dict[int, Any] = {}  # what each post says now, kept in its history line
        for chunk in _chunks({change.post_id for change in changes}):
            query = select(posts.c.id, posts.c.parts).where(posts.c.id.in_(chunk)).with_for_update()
            before.update((row.id, row.parts) for row in connection.execute(query))
        for change in changes:
            row = connection.execute(
                update(posts)
                .where(and_(posts.c.id == change.post_id, posts.c.state == change.state))
                .values(
                    **content_columns(change.content),
                    section=change.section,
                    rendered=change.rendered,
                    updated_at=now,
                )
                .returning(posts.c.id)
            ).first()
            if row is None:
                continue
            done.append(change.post_id)
            connection.execute(
                insert(transitions).values(
                    post_id=change.post_id,
                    from_state=change.state,
                    to_state=change.state,
                    at=now,
                    reason=change.reason,
                    actor=actor,
                    previous=before.get(change.post_id),
                )
            )
        save_items(connection, known, now=now)
        if done:
            store._notify(connection)
    return done
