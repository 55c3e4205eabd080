"""Workers' claims on due posts: taking them exactly once, checking a claim just before sending,
taking over the claims of a worker that died, and finding posts left in publishing.

Claiming is exactly-once: in one transaction the due posts are chosen and a conditional
UPDATE … RETURNING moves them from `scheduled` to `publishing` (SQLite serialises writers;
PostgreSQL takes a transaction-level advisory lock first, so claims of several workers follow one
another and each sees the others' claims). An account with a post in publishing gets no second
claim: one worker serves an account at a time. The idempotency key is stored in the same
statement, before any request is sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence

from sqlalchemy import and_, exists, func, insert, select, update
from sqlalchemy.sql.elements import ColumnElement

from scheduler.models import QueuedPost, State
from scheduler.storage.base import StoreBase, aware, of_accounts, post_of
from scheduler.storage.schema import daemons, posts, transitions

#: pg_advisory_xact_lock key that serialises claims between workers (see `Claims.claim_due`).
_CLAIM_LOCK = 7_316_2025
#: The most due rows one claim looks at.
_SCAN_CAP = 2_000


def _accounts_in_order(
    rows: Sequence[tuple[str, str]], *, most: int, platform_room: Mapping[str, int]
) -> list[tuple[str, str]]:
    """The accounts of `rows` (due posts in due order) in the order of their first due post: at most
    `most`, and `platform_room[platform]` of a platform."""
    chosen: dict[tuple[str, str], None] = {}
    per_platform: dict[str, int] = {}
    for platform, account in rows:
        if len(chosen) >= most:
            break
        if (platform, account) in chosen:
            continue
        if platform in platform_room and per_platform.get(platform, 0) >= platform_room[platform]:
            continue
        per_platform[platform] = per_platform.get(platform, 0) + 1
        chosen[(platform, account)] = None
    return list(chosen)


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
        self,
        *,
        now: dt.datetime,
        worker: str,
        limit: int = 50,
        accounts: Collection[tuple[str, str]] | None = None,
        per_account: int | None = None,
        max_accounts: int | None = None,
        platform_room: Mapping[str, int] | None = None,
    ) -> list[QueuedPost]:
        """Atomically move up to `limit` due posts from scheduled to publishing for `worker`, in
        due order; with `accounts`, only posts of those (platform, account)s (the ones it can
        publish for).

        An account is served by one worker at a time: no post is claimed of an account that has a
        post in publishing (this worker's or another's), so each account's posts go out one after
        another in due order, whichever worker sends them. Claims are serialised (SQLite's single
        writer; on PostgreSQL a transaction-level advisory lock), so two workers never claim posts
        of one account at once. `per_account` caps the posts taken of one account, `max_accounts`
        the accounts, and `platform_room` the accounts per platform (those with no room are skipped).

        The idempotency key (stable per post, so a platform that honours it de-duplicates a resend)
        is recorded in the same statement, before anything is sent."""
        busy = posts.alias("busy")
        account_busy = exists().where(
            busy.c.platform == posts.c.platform,
            busy.c.account == posts.c.account,
            busy.c.state == State.PUBLISHING,
        )
        due: list[ColumnElement[bool]] = [posts.c.state == State.SCHEDULED, posts.c.due_at <= now, ~account_busy]
        if accounts is not None:
            due.append(of_accounts(accounts))
        full = sorted(platform for platform, room in (platform_room or {}).items() if room <= 0)
        if full:
            due.append(posts.c.platform.not_in(full))
        in_order = (posts.c.due_at, posts.c.id)
        key = func.coalesce(posts.c.idempotency_key, "post-" + func.cast(posts.c.id, posts.c.idempotency_key.type))
        with self.engine.begin() as connection:
            if self.dialect == "postgresql":
                connection.execute(select(func.pg_advisory_xact_lock(_CLAIM_LOCK)))
            if per_account is None:  # the next `limit` due posts of free accounts, whichever they are
                chosen = list(connection.scalars(select(posts.c.id).where(*due).order_by(*in_order).limit(limit)))
            else:  # the free accounts first due, then each one's next `per_account` posts
                most = max_accounts or limit
                # enough rows to find `most` accounts when some have several posts due; bounded, so
                # that a claim costs the same with 10 or 1,000,000 posts due
                head = select(posts.c.platform, posts.c.account).where(*due).order_by(*in_order)
                heads = _accounts_in_order(
                    [(row.platform, row.account) for row in connection.execute(head.limit(min(4 * most, _SCAN_CAP)))],
                    most=most,
                    platform_room=platform_room or {},
                )
                if not heads:
                    return []
                nth = func.row_number().over(partition_by=(posts.c.platform, posts.c.account), order_by=in_order)
                theirs = (
                    select(posts.c.id, posts.c.due_at, nth.label("nth"))
                    .where(posts.c.state == State.SCHEDULED, posts.c.due_at <= now, of_accounts(heads))
                    .subquery()
                )
                chosen = list(
                    connection.scalars(
                        select(theirs.c.id)
                        .where(theirs.c.nth <= per_account)
                        .order_by(theirs.c.due_at, theirs.c.id)
                        .limit(limit)
                    )
                )
            if not chosen:
                return []
            rows = connection.execute(
                update(posts)
                .where(posts.c.id.in_(chosen), posts.c.state == State.SCHEDULED)
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
