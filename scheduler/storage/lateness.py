"""Posts running late, as the queue records them: those still waiting past a due time, those that
went out in a while (with the due time of the claim that published them), and which were told about.

Only instants go in; what counts as late, and who is told, is `scheduler.lateness`'s to say.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import exists, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.elements import ColumnElement

from scheduler.models import State
from scheduler.storage.base import StoreBase, aware, of_accounts
from scheduler.storage.schema import notices, posts, transitions

#: What `notices.state` holds for a post's lateness notice: no state a post is ever in, so the
#: notices of its failure (`failed`, `needs_attention`) and of its lateness are recorded apart.
LATE = "late"

#: The states of a post that is due and not yet out: waiting for a worker, or with one.
WAITING = (State.SCHEDULED, State.PUBLISHING)

_CHUNK = 300  # rows per INSERT: well below SQLite's and PostgreSQL's parameter limits


@dataclass(frozen=True, slots=True)
class Overdue:
    """A post due by some instant and not yet out."""

    post_id: int
    platform: str
    account: str
    state: str
    due_at: dt.datetime


@dataclass(frozen=True, slots=True)
class WentOut:
    """A post a worker published: when, and the due time of the claim that published it (its
    `due_at`, which publishing does not change)."""

    post_id: int
    platform: str
    account: str
    due_at: dt.datetime
    published_at: dt.datetime


class Lateness(StoreBase):
    """What lateness is told from: posts overdue, posts published, and the record of notices."""

    def _overdue(
        self, due_before: dt.datetime, accounts: Collection[tuple[str, str]] | None = None
    ) -> list[ColumnElement[bool]]:
        """Due before `due_before` and not out yet (with `accounts`, of those (platform, account)s)."""
        aware(due_before)
        conditions = [posts.c.state.in_(WAITING), posts.c.due_at < due_before]
        return conditions if accounts is None else [*conditions, of_accounts(accounts)]

    def count_overdue(self, *, due_before: dt.datetime) -> int:
        """How many posts were due before `due_before` and are not out yet."""
        with self.engine.connect() as connection:
            return connection.execute(select(func.count()).where(*self._overdue(due_before))).scalar_one()

    def overdue(
        self,
        *,
        due_before: dt.datetime,
        accounts: Collection[tuple[str, str]] | None = None,
        untold: bool = False,
        limit: int | None = None,
    ) -> list[Overdue]:
        """Posts due before `due_before` and not out yet, the longest waiting first; with `accounts`,
        only posts of those (platform, account)s; `untold`: only those no lateness notice named."""
        query = select(posts.c.id, posts.c.platform, posts.c.account, posts.c.state, posts.c.due_at).where(
            *self._overdue(due_before, accounts)
        )
        if untold:
            query = query.where(~exists().where(notices.c.post_id == posts.c.id, notices.c.state == LATE))
        query = query.order_by(posts.c.due_at, posts.c.id)
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as connection:
            return [Overdue(*row) for row in connection.execute(query)]

    def published_since(self, since: dt.datetime) -> list[WentOut]:
        """Posts a worker published at `since` or later: the change from `publishing` to `published`
        in their history (a post a person marked published from `needs_attention` went out by no
        claim), oldest first.

        `posts.updated_at` narrows the search first: a published post changes no more, so its last
        change is its publishing, and the index on its state finds the published posts."""
        aware(since)
        query = (
            select(posts.c.id, posts.c.platform, posts.c.account, posts.c.due_at, transitions.c.at)
            .join(transitions, transitions.c.post_id == posts.c.id)
            .where(
                posts.c.state == State.PUBLISHED,
                posts.c.updated_at >= since,
                transitions.c.from_state == State.PUBLISHING,
                transitions.c.to_state == State.PUBLISHED,
                transitions.c.at >= since,
            )
            .order_by(transitions.c.at, posts.c.id)
        )
        with self.engine.connect() as connection:
            return [WentOut(*row) for row in connection.execute(query)]

    def first_late_notices(self, post_ids: Collection[int], *, now: dt.datetime) -> list[int]:
        """Record that a lateness notice names these posts; the ids recorded now, leaving out those
        a notice named already — also one another worker records at the same moment (the insert
        itself decides: ON CONFLICT DO NOTHING)."""
        aware(now)
        insert = postgresql_insert if self.dialect == "postgresql" else sqlite_insert
        ordered = sorted(set(post_ids))
        told: list[int] = []
        with self.engine.begin() as connection:
            for start in range(0, len(ordered), _CHUNK):
                rows = [{"post_id": i, "state": LATE, "sent_at": now} for i in ordered[start : start + _CHUNK]]
                statement = insert(notices).values(rows).on_conflict_do_nothing().returning(notices.c.post_id)
                told.extend(connection.execute(statement).scalars())
        return sorted(told)
