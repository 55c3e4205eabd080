"""Adding rows that another process may add at the same moment.

Several `queue add` or `queue import-csv` processes on one PostgreSQL database race for the same
unique keys: a post's (item, platform, account), an item's id. Reading first and inserting what
was missing leaves a window in which both processes find a key missing and both insert it; the
slower one then failed with an IntegrityError. Here the insert itself decides: `INSERT … ON
CONFLICT DO NOTHING` (posts: the loser learns the post was queued already) and `… DO UPDATE`
(items: the newest reading wins, as before). `retrying` runs a whole transaction again after a
deadlock or serialization failure, or a unique violation on a path not covered above.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from scheduler.errors import StorageError
from scheduler.storage.schema import items, posts

log = logging.getLogger(__name__)

T = TypeVar("T")

#: SQLSTATEs after which the same transaction, run again, can succeed.
RACES = {"40P01": "deadlock", "40001": "serialization failure", "23505": "unique key taken meanwhile"}
TRIES = 5


def _insert(connection: Connection, table: Table) -> Any:
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def insert_post(connection: Connection, values: Mapping[str, Any]) -> int | None:
    """Insert one post; its id, or None when a post with its (item, platform, account) is there
    already (queued by another process since the caller looked)."""
    statement = (
        _insert(connection, posts)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[posts.c.item_id, posts.c.platform, posts.c.account])
        .returning(posts.c.id)
    )
    return connection.execute(statement).scalar()


def upsert_items(connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert the item rows, replacing those whose id is stored already (in the caller's transaction)."""
    if not rows:
        return
    statement = _insert(connection, items)
    statement = statement.on_conflict_do_update(
        index_elements=[items.c.id],
        set_={column.name: statement.excluded[column.name] for column in items.columns if column.name != "id"},
    )
    connection.execute(statement, [dict(row) for row in sorted(rows, key=lambda row: row["id"])])


def retrying(work: Callable[[], T], *, what: str, tries: int = TRIES, sleep: Callable[[float], None] = time.sleep) -> T:
    """`work()` (one whole transaction), run again when it met another process's transaction
    (a deadlock, a serialization failure, a unique key taken meanwhile), up to `tries` times."""
    for attempt in range(1, tries + 1):
        try:
            return work()
        except DBAPIError as error:
            race = RACES.get(getattr(error.orig, "sqlstate", None) or "")
            if race is None:
                raise
            if attempt == tries:
                raise StorageError(
                    f"{what} met other processes changing the same posts {tries} times ({race}); run the command again"
                ) from None
            log.debug("%s met a %s; trying again (%d of %d)", what, race, attempt + 1, tries)
            sleep(0.05 * attempt)
    raise AssertionError("unreachable")
