"""Workers' claims on due posts: taking them exactly once, checking a claim just before sending,
taking over the claims of a worker that died, and finding posts left in publishing.

Claiming is exactly-once: a single conditional UPDATE … RETURNING moves due posts from
`scheduled` to `publishing` (SQLite serialises writers; PostgreSQL adds FOR UPDATE SKIP LOCKED
so several workers take disjoint posts). The idempotency key is stored in the same statement,
before any request is sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from sqlalchemy import and_, exists, func, insert, select, update
from sqlalchemy.sql.elements import ColumnElement

from scheduler.models import QueuedPost, State
from scheduler.storage.base import StoreBase, aware, of_accounts, post_of
from scheduler.storage.schema import daemons, posts, transitions


def _still_claimed(post: QueuedPost) -> ColumnElement[bool]:
    """`post` is still in publishing under the claim it shows (the worker and the moment of the claim)."""
    return and_(
        posts.c.id == post.id,
        posts.c.state == State.PUBLISHING,
        posts.c.claimed_by == post.claimed_by,
        posts.c.claimed_at == post.claimed_at,
    )


class Claims(StoreBase):
    """Claiming due posts for a worker, and what becomes of claims."""

    def claim_due(
        self, *, now: dt.datetime, worker: str, limit: int = 50, accounts: Collection[tuple[str, str]] | None = None
    ) -> list[QueuedPost]:
        """Atomically move up to `limit` due posts from scheduled to publishing for `worker`; with
        `accounts`, only posts of those (platform, account)s (the ones it can publish for).

        The idempotency key (stable per post, so a platform that honours it de-duplicates a resend)
        is recorded in the same statement, before anything is sent."""
        due = select(posts.c.id).where(posts.c.state == State.SCHEDULED, posts.c.due_at <= now)
        if accounts is not None:
            due = due.where(of_accounts(accounts))
        due = due.order_by(posts.c.due_at, posts.c.id).limit(limit)
        if self.dialect == "postgresql":
            # A materialised CTE locks each chosen row once; `id IN (subquery … SKIP LOCKED)` may be
            # re-evaluated by the planner and claim more than `limit` rows.
            chosen = due.with_for_update(skip_locked=True).cte("due").prefix_with("MATERIALIZED")
            target = posts.c.id == chosen.c.id
        else:  # SQLite runs one writer at a time: the single statement is atomic
            target = posts.c.id.in_(due.scalar_subquery())
        key = func.coalesce(posts.c.idempotency_key, "post-" + func.cast(posts.c.id, posts.c.idempotency_key.type))
        with self.engine.begin() as connection:
            rows = connection.execute(
                update(posts)
                .where(target, posts.c.state == State.SCHEDULED)
                .values(
                    state=State.PUBLISHING,
                    claimed_by=worker,
                    claimed_at=now,
                    attempts=posts.c.attempts + 1,
                    idempotency_key=key,
                    updated_at=now,
                )
                .returning(*posts.c)
            ).all()
            claimed = sorted((post_of(row) for row in rows), key=lambda p: (p.due_at or p.publish_at, p.id))
            if claimed:
                connection.execute(
                    insert(transitions),
                    [
                        {
                            "post_id": p.id,
                            "from_state": State.SCHEDULED,
                            "to_state": State.PUBLISHING,
                            "at": now,
                            "reason": f"attempt {p.attempts} by {worker}",
                        }
                        for p in claimed
                    ],
                )
        return claimed

    def touch(self, post: QueuedPost, *, now: dt.datetime) -> bool:
        """Just before sending: True while `post`'s claim still holds (its row then shows this moment
        as its last change, which tells a worker taking over a dead worker's posts that this one may
        still be in flight); False when another worker has taken the claim over — do not send."""
        aware(now)
        with self.engine.begin() as connection:
            changed = connection.execute(update(posts).where(_still_claimed(post)).values(updated_at=now)).rowcount
        return changed == 1

    def take_over(self, post: QueuedPost, *, worker: str, now: dt.datetime, reason: str) -> QueuedPost | None:
        """Make `post`'s claim (left by a worker that died or stopped) this worker's, so that only this
        worker's decision about it can be recorded; None when the claim is no longer the one `post`
        shows (another worker took it over, or it was settled meanwhile)."""
        aware(now)
        with self.engine.begin() as connection:
            row = connection.execute(
                update(posts)
                .where(_still_claimed(post))
                .values(claimed_by=worker, claimed_at=now, updated_at=now)
                .returning(*posts.c)
            ).first()
            if row is None:
                return None
            connection.execute(
                insert(transitions).values(
                    post_id=post.id, from_state=State.PUBLISHING, to_state=State.PUBLISHING, at=now, reason=reason
                )
            )
        return post_of(row)

    def in_flight(self, *, alive_since: dt.datetime | None = None) -> list[QueuedPost]:
        """Posts left in publishing. With `alive_since`, only those whose worker is gone: no
        heartbeat since then, or stopped — a live peer's posts in flight are left alone."""
        query = select(posts).where(posts.c.state == State.PUBLISHING)
        if alive_since is not None:
            # A post is a live worker's only if that worker claimed it in its current run: a worker
            # restarted under the same name (hostname:pid, PID 1 in a container) does not own the
            # posts its previous run left behind.
            owner_alive = exists().where(
                daemons.c.worker == posts.c.claimed_by,
                daemons.c.heartbeat_at >= alive_since,
                daemons.c.stopped_at.is_(None),
                daemons.c.started_at <= posts.c.claimed_at,
            )
            query = query.where(~owner_alive)
        with self.engine.connect() as connection:
            return [post_of(row) for row in connection.execute(query.order_by(posts.c.id))]
