"""What every part of the store shares: its engine, waking the daemons that watch the queue, and
the small helpers its queries use (refusing naive times, a row as a `QueuedPost`, posts of
some accounts)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

from sqlalchemy import false, text, tuple_
from sqlalchemy.engine import Connection, Engine, Row
from sqlalchemy.sql.elements import ColumnElement

from scheduler.errors import QueueError
from scheduler.models import QueuedPost
from scheduler.storage.rows import post_from
from scheduler.storage.schema import posts


class StoreBase:
    """The engine every part of `Store` works on."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def _notify(self, connection: Connection) -> None:
        """Wake daemons listening on PostgreSQL (delivered at commit); SQLite daemons watch data_version."""
        if self.dialect == "postgresql":
            connection.execute(text("NOTIFY scheduler_queue"))


def aware(*values: object) -> None:
    """Refuse naive datetimes before they reach the database (stored times are UTC instants)."""
    for value in values:
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()}: times must carry a time zone")


def post_of(row: Row[Any]) -> QueuedPost:
    return post_from(row._mapping)


#: The numbers a post can have: SQLite's INTEGER and PostgreSQL's BIGINT hold none larger. A number
#: outside (typed, or in a forged address) names no post: `no_post`, not a failing query.
IDS = range(1, 2**63)


def no_post(post_id: int) -> QueueError:
    return QueueError(f"no post with id {post_id}; see 'scheduler queue list'")


def of_accounts(accounts: Collection[tuple[str, str]]) -> ColumnElement[bool]:
    """Posts of these (platform, account) pairs (none when the collection is empty)."""
    pairs = sorted(set(accounts))
    if not pairs:
        return false()
    return tuple_(posts.c.platform, posts.c.account).in_(pairs)
