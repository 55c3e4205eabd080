"""The queue: one row per post and account, every state change recorded as a transition.

Claiming is exactly-once: a single conditional UPDATE … RETURNING moves due posts from
`scheduled` to `publishing` (SQLite serialises writers; PostgreSQL adds FOR UPDATE SKIP LOCKED
so several workers take disjoint posts). The idempotency key is stored before any request is sent.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, bindparam, exists, false, func, insert, select, text, true, tuple_, update
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.engine import Connection, Engine, Row

from scheduler.errors import QueueError
from scheduler.models import Image, KnownItem, QueuedPost, State, Transition
from scheduler.storage import engine as engines
from scheduler.storage.rows import post_from
from scheduler.storage.schema import daemons, notices, posts, steps, transitions
from scheduler.storage.watch import ChangeWatch

EDITABLE = frozenset({State.DRAFT, State.SCHEDULED, State.FAILED, State.NEEDS_ATTENTION})


@dataclass(frozen=True, slots=True)
class NewPost:
    """A post to queue."""

    item_id: str
    platform: str
    account: str
    publish_at: dt.datetime
    parts: tuple[str, ...]
    language: str
    section: str = ""
    title: str = ""
    source: str = ""
    spoiler_text: str = ""
    link: str | None = None
    images: tuple[Image, ...] = ()
    rendered: str | None = None  # content_hash of the post as rendered (None: written by hand, e.g. CSV)


def _aware(*values: object) -> None:
    """Refuse naive datetimes before they reach the database (stored times are UTC instants)."""
    for value in values:
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()}: times must carry a time zone")


def _post(row: Row[Any]) -> QueuedPost:
    return post_from(row._mapping)


def _still_claimed(post: QueuedPost) -> ColumnElement[bool]:
    """`post` is still in publishing under the claim it shows (the worker and the moment of the claim)."""
    return and_(posts.c.id == post.id, posts.c.state == State.PUBLISHING,
                posts.c.claimed_by == post.claimed_by, posts.c.claimed_at == post.claimed_at)


def _of_accounts(accounts: Collection[tuple[str, str]]) -> ColumnElement[bool]:
    """Posts of these (platform, account) pairs (none when the collection is empty)."""
    pairs = sorted(set(accounts))
    if not pairs:
        return false()
    return tuple_(posts.c.platform, posts.c.account).in_(pairs)


class Store:
    """The durable queue on one database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._updates: dict[tuple[tuple[str, ...], bool], Any] = {}  # prepared conditional UPDATEs by value keys, fenced
        self._record = insert(transitions)

    @classmethod
    def open(cls, url: str) -> Store:
        """Open (and migrate) the database at `url`."""
        engine = engines.create(url)
        engines.migrate(engine)
        return cls(engine)

    def __repr__(self) -> str:
        return f"Store({self.engine.url.render_as_string(hide_password=True)!r})"

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    # -- adding and reading ------------------------------------------------------------------

    def add(self, new: Sequence[NewPost], *, state: str, now: dt.datetime, reason: str,
            items: Sequence[KnownItem] = ()) -> list[int]:
        """Queue `new` in `state`; a post whose (item, platform, account) is queued already is skipped.
        `items` are saved with them (see `storage.items`). Returns the ids of the posts added."""
        if state not in (State.DRAFT, State.SCHEDULED):
            raise ValueError(f"new posts start as draft or scheduled, not {state}")
        _aware(now, *(post.publish_at for post in new))
        from scheduler.storage.adding import retrying

        # another process adding the same posts at the same moment: theirs stand, ours are skipped
        return retrying(lambda: self._add(new, state=state, now=now, reason=reason, items=items), what="adding posts")

    def _add(self, new: Sequence[NewPost], *, state: str, now: dt.datetime, reason: str,
             items: Sequence[KnownItem]) -> list[int]:
        from scheduler.storage.adding import insert_post

        added: list[int] = []
        with self.engine.begin() as connection:
            keys = {(p.item_id, p.platform, p.account) for p in new}
            present: set[tuple[str, str, str]] = set()
            key_list = sorted(keys)
            for start in range(0, len(key_list), 300):
                chunk = key_list[start : start + 300]
                rows = connection.execute(
                    select(posts.c.item_id, posts.c.platform, posts.c.account).where(
                        tuple_(posts.c.item_id, posts.c.platform, posts.c.account).in_(chunk)
                    )
                )
                present.update((r.item_id, r.platform, r.account) for r in rows)
            for post in new:
                key = (post.item_id, post.platform, post.account)
                if key in present:
                    continue
                present.add(key)
                post_id = insert_post(connection, dict(
                    item_id=post.item_id, platform=post.platform, account=post.account, state=state,
                    publish_at=post.publish_at, due_at=post.publish_at, parts=list(post.parts),
                    language=post.language, section=post.section, title=post.title, source=post.source,
                    spoiler_text=post.spoiler_text, link=post.link,
                    images=[image.as_dict() for image in post.images], rendered=post.rendered,
                    attempts=0, created_at=now, updated_at=now,
                    # random, so a reset database never reuses a key a platform still remembers
                    idempotency_key=f"sched-{uuid.uuid4().hex[:20]}",
                ))
                if post_id is not None:  # None: queued by another process since we looked
                    added.append(post_id)
            if added:
                self._notify(connection)
                connection.execute(
                    insert(transitions),
                    [{"post_id": i, "from_state": None, "to_state": state, "at": now, "reason": reason} for i in added],
                )
            if items:
                from scheduler.storage.items import save_items

                save_items(connection, items, now=now)
        return added

    def existing(self, keys: Collection[tuple[str, str, str]]) -> set[tuple[str, str, str]]:
        """Which (item, platform, account) keys are queued already."""
        present: set[tuple[str, str, str]] = set()
        key_list = sorted(keys)
        with self.engine.connect() as connection:
            for start in range(0, len(key_list), 300):
                rows = connection.execute(
                    select(posts.c.item_id, posts.c.platform, posts.c.account).where(
                        tuple_(posts.c.item_id, posts.c.platform, posts.c.account).in_(key_list[start : start + 300])
                    )
                )
                present.update((r.item_id, r.platform, r.account) for r in rows)
        return present

    def get(self, post_id: int) -> QueuedPost:
        with self.engine.connect() as connection:
            row = connection.execute(select(posts).where(posts.c.id == post_id)).first()
        if row is None:
            raise QueueError(f"no post with id {post_id}; see 'scheduler queue list'")
        return _post(row)

    def list(
        self,
        *,
        states: Collection[str] = (),
        platforms: Collection[str] = (),
        start: dt.datetime | None = None,
        end: dt.datetime | None = None,
        limit: int | None = None,
    ) -> list[QueuedPost]:
        """Posts ordered by publish time (then id), filtered."""
        query = select(posts)
        if states:
            query = query.where(posts.c.state.in_(list(states)))
        if platforms:
            query = query.where(posts.c.platform.in_(list(platforms)))
        if start is not None:
            query = query.where(posts.c.publish_at >= start)
        if end is not None:
            query = query.where(posts.c.publish_at < end)
        query = query.order_by(posts.c.publish_at, posts.c.id)
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as connection:
            return [_post(row) for row in connection.execute(query)]

    def history(self, post_id: int) -> list[Transition]:
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(transitions).where(transitions.c.post_id == post_id).order_by(transitions.c.id)
            )
            return [Transition(r.post_id, r.from_state, r.to_state, r.at, r.reason) for r in rows]

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as connection:
            rows = connection.execute(select(posts.c.state, func.count()).group_by(posts.c.state))
            found = {state: count for state, count in rows}
        return {state: found.get(state, 0) for state in State.ALL}

    def next_due(self, *, accounts: Collection[tuple[str, str]] | None = None) -> dt.datetime | None:
        """When the next scheduled post is due; with `accounts`, only among those (platform, account)s."""
        query = select(func.min(posts.c.due_at)).where(posts.c.state == State.SCHEDULED)
        if accounts is not None:
            query = query.where(_of_accounts(accounts))
        with self.engine.connect() as connection:
            return connection.execute(query).scalar()

    def scheduled(self, *, due_by: dt.datetime | None = None, due_after: dt.datetime | None = None,
                  touched_since: dt.datetime | None = None, skip: Collection[tuple[str, str]] = (),
                  limit: int | None = None) -> list[QueuedPost]:
        """Scheduled posts by due time, read without claiming them (for dry runs): due by `due_by`,
        due after `due_after`; with `touched_since`, only those due or changed since then; never
        those of the (platform, account)s in `skip`."""
        query = select(posts).where(posts.c.state == State.SCHEDULED)
        if due_by is not None:
            query = query.where(posts.c.due_at <= due_by)
        if due_after is not None:
            query = query.where(posts.c.due_at > due_after)
        if touched_since is not None:
            query = query.where((posts.c.due_at > touched_since) | (posts.c.updated_at > touched_since))
        if skip:
            query = query.where(~_of_accounts(skip))
        query = query.order_by(posts.c.due_at, posts.c.id)
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as connection:
            return [_post(row) for row in connection.execute(query)]

    def next_touched(self, *, since: dt.datetime | None, skip: Collection[tuple[str, str]] = ()) -> dt.datetime | None:
        """The earliest due time among scheduled posts due or changed after `since` (outside `skip`):
        when a dry run has something new to show."""
        query = select(func.min(posts.c.due_at)).where(posts.c.state == State.SCHEDULED)
        if since is not None:
            query = query.where((posts.c.due_at > since) | (posts.c.updated_at > since))
        if skip:
            query = query.where(~_of_accounts(skip))
        with self.engine.connect() as connection:
            return connection.execute(query).scalar()

    def note(self, post_id: int, reason: str, *, now: dt.datetime) -> None:
        """Add a line to a post's history without changing the post (a dry run, for instance)."""
        _aware(now)
        with self.engine.begin() as connection:
            state = connection.execute(select(posts.c.state).where(posts.c.id == post_id)).scalar()
            if state is None:
                raise QueueError(f"no post with id {post_id}; see 'scheduler queue list'")
            connection.execute(insert(transitions).values(post_id=post_id, from_state=state, to_state=state, at=now,
                                                          reason=reason))

    def taken(self, accounts: Collection[str], *, since: dt.datetime) -> dict[str, list[dt.datetime]]:
        """Publish times already queued per account, keyed `platform:account` (for the gap rule)."""
        wanted = set(accounts)
        query = select(posts.c.platform, posts.c.account, posts.c.publish_at).where(
            posts.c.platform.in_(sorted({name.split(":", 1)[0] for name in wanted})),
            posts.c.publish_at >= since,
            posts.c.state.in_([State.DRAFT, State.SCHEDULED, State.PUBLISHING]),
        )
        result: dict[str, list[dt.datetime]] = {}
        with self.engine.connect() as connection:
            for platform, account, at in connection.execute(query):
                name = f"{platform}:{account}"
                if name in wanted:
                    result.setdefault(name, []).append(at)
        return result

    # -- changing state ----------------------------------------------------------------------

    def _notify(self, connection: Connection) -> None:
        """Wake daemons listening on PostgreSQL (delivered at commit); SQLite daemons watch data_version."""
        if self.dialect == "postgresql":
            connection.execute(text("NOTIFY scheduler_queue"))

    def watch(self) -> ChangeWatch:
        return ChangeWatch(self.engine)

    def _change(
        self,
        connection: Connection,
        post: QueuedPost,
        to_state: str,
        *,
        reason: str,
        now: dt.datetime,
        values: dict[str, Any] | None = None,
        claim: tuple[str | None, dt.datetime | None] | None = None,
    ) -> QueuedPost:
        if to_state not in State.NEXT[post.state]:
            raise QueueError(f"post {post.id} is {post.state}; it cannot become {to_state}")
        fenced = and_(posts.c.claimed_by == claim[0], posts.c.claimed_at == claim[1]) if claim is not None else true()
        row = connection.execute(
            update(posts)
            .where(and_(posts.c.id == post.id, posts.c.state == post.state, fenced))
            .values(state=to_state, updated_at=now, **(values or {}))
            .returning(*posts.c)
        ).first()
        if row is None:  # someone else changed it since we read it
            raise QueueError(f"post {post.id} changed while this command ran; look at it again and retry")
        connection.execute(
            insert(transitions).values(post_id=post.id, from_state=post.state, to_state=to_state, at=now, reason=reason)
        )
        if to_state in (State.SCHEDULED, State.CANCELLED):
            self._notify(connection)
        return _post(row)

    def transition(
        self,
        post_id: int,
        to_state: str,
        *,
        reason: str,
        now: dt.datetime,
        allowed_from: Collection[str] | None = None,
        values: dict[str, Any] | None = None,
        action: str = "",
        fence: QueuedPost | None = None,
    ) -> QueuedPost:
        """Move one post to `to_state` if its current state allows it; record the transition.

        `fence`: the post as a worker claimed it. The change is made only while that claim
        (claimed_by, claimed_at) still holds, in the same conditional UPDATE: a worker acting on a
        claim that another worker has since taken over or re-claimed changes nothing (QueueError)."""
        _aware(now, *(values or {}).values())
        claim = (fence.claimed_by, fence.claimed_at) if fence is not None else None
        if allowed_from is not None and len(allowed_from) == 1:
            (expected,) = allowed_from
            if to_state in State.NEXT[expected]:
                done = self._transition_from(post_id, expected, to_state, reason=reason, now=now, values=values or {},
                                             claim=claim)
                if done is not None:
                    return done
        with self.engine.begin() as connection:
            row = connection.execute(select(posts).where(posts.c.id == post_id)).first()
            if row is None:
                raise QueueError(f"no post with id {post_id}; see 'scheduler queue list'")
            post = _post(row)
            if allowed_from is not None and post.state not in allowed_from:
                verb = action or f"become {to_state}"
                raise QueueError(
                    f"post {post_id} is {post.state}; only {', '.join(sorted(allowed_from))} posts can {verb}"
                )
            if claim is not None and (post.claimed_by, post.claimed_at) != claim:
                raise QueueError(f"post {post_id} was claimed again by {post.claimed_by} since this worker's claim; "
                                 "its change is not made")
            return self._change(connection, post, to_state, reason=reason, now=now, values=values, claim=claim)

    def _transition_from(self, post_id: int, expected: str, to_state: str, *, reason: str, now: dt.datetime,
                         values: dict[str, Any], claim: tuple[str | None, dt.datetime | None] | None = None,
                         ) -> QueuedPost | None:
        """The daemon's hot path: one conditional UPDATE … RETURNING and one INSERT, with statements
        prepared once per set of changed columns. None when the post is not in `expected` (the
        caller then reads it to word the error)."""
        keys = tuple(sorted(values))
        statement = self._updates.get((keys, claim is not None))
        if statement is None:
            conditions = [posts.c.id == bindparam("b_id"), posts.c.state == bindparam("b_from")]
            if claim is not None:
                conditions += [posts.c.claimed_by == bindparam("f_by"), posts.c.claimed_at == bindparam("f_at")]
            statement = (
                update(posts)
                .where(*conditions)
                .values(state=bindparam("b_to"), updated_at=bindparam("b_now"),
                        **{key: bindparam(f"v_{key}") for key in keys})
                .returning(*posts.c)
            )
            self._updates[(keys, claim is not None)] = statement
        parameters = {"b_id": post_id, "b_from": expected, "b_to": to_state, "b_now": now,
                      **{f"v_{key}": value for key, value in values.items()}}
        if claim is not None:
            parameters.update(f_by=claim[0], f_at=claim[1])
        with self.engine.begin() as connection:
            row = connection.execute(statement, parameters).first()
            if row is None:
                return None
            connection.execute(self._record, {"post_id": post_id, "from_state": expected, "to_state": to_state,
                                              "at": now, "reason": reason})
            if to_state in (State.SCHEDULED, State.CANCELLED):
                self._notify(connection)
        return _post(row)

    def update_fields(self, post_id: int, *, now: dt.datetime, reason: str, allowed_from: Collection[str],
                      action: str, values: dict[str, Any]) -> QueuedPost:
        """Change fields of a post without changing its state (recorded as a transition to itself)."""
        _aware(now, *values.values())
        with self.engine.begin() as connection:
            row = connection.execute(select(posts).where(posts.c.id == post_id)).first()
            if row is None:
                raise QueueError(f"no post with id {post_id}; see 'scheduler queue list'")
            post = _post(row)
            if post.state not in allowed_from:
                raise QueueError(f"post {post_id} is {post.state}; only {', '.join(sorted(allowed_from))} posts can {action}")
            updated = connection.execute(
                update(posts).where(and_(posts.c.id == post_id, posts.c.state == post.state))
                .values(updated_at=now, **values).returning(*posts.c)
            ).first()
            if updated is None:
                raise QueueError(f"post {post_id} changed while this command ran; look at it again and retry")
            connection.execute(insert(transitions).values(
                post_id=post_id, from_state=post.state, to_state=post.state, at=now, reason=reason))
            self._notify(connection)
            return _post(updated)

    def claim_due(self, *, now: dt.datetime, worker: str, limit: int = 50,
                  accounts: Collection[tuple[str, str]] | None = None) -> list[QueuedPost]:
        """Atomically move up to `limit` due posts from scheduled to publishing for `worker`; with
        `accounts`, only posts of those (platform, account)s (the ones it can publish for).

        The idempotency key (stable per post, so a platform that honours it de-duplicates a resend)
        is recorded in the same statement, before anything is sent."""
        due = select(posts.c.id).where(posts.c.state == State.SCHEDULED, posts.c.due_at <= now)
        if accounts is not None:
            due = due.where(_of_accounts(accounts))
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
                    state=State.PUBLISHING, claimed_by=worker, claimed_at=now, attempts=posts.c.attempts + 1,
                    idempotency_key=key, updated_at=now,
                )
                .returning(*posts.c)
            ).all()
            claimed = sorted((_post(row) for row in rows), key=lambda p: (p.due_at or p.publish_at, p.id))
            if claimed:
                connection.execute(
                    insert(transitions),
                    [
                        {"post_id": p.id, "from_state": State.SCHEDULED, "to_state": State.PUBLISHING, "at": now,
                         "reason": f"attempt {p.attempts} by {worker}"}
                        for p in claimed
                    ],
                )
        return claimed

    def touch(self, post: QueuedPost, *, now: dt.datetime) -> bool:
        """Just before sending: True while `post`'s claim still holds (its row then shows this moment
        as its last change, which tells a worker taking over a dead worker's posts that this one may
        still be in flight); False when another worker has taken the claim over — do not send."""
        _aware(now)
        with self.engine.begin() as connection:
            changed = connection.execute(
                update(posts)
                .where(_still_claimed(post))
                .values(updated_at=now)
            ).rowcount
        return changed == 1

    def take_over(self, post: QueuedPost, *, worker: str, now: dt.datetime, reason: str) -> QueuedPost | None:
        """Make `post`'s claim (left by a worker that died or stopped) this worker's, so that only this
        worker's decision about it can be recorded; None when the claim is no longer the one `post`
        shows (another worker took it over, or it was settled meanwhile)."""
        _aware(now)
        with self.engine.begin() as connection:
            row = connection.execute(
                update(posts)
                .where(_still_claimed(post))
                .values(claimed_by=worker, claimed_at=now, updated_at=now)
                .returning(*posts.c)
            ).first()
            if row is None:
                return None
            connection.execute(insert(transitions).values(post_id=post.id, from_state=State.PUBLISHING,
                                                          to_state=State.PUBLISHING, at=now, reason=reason))
        return _post(row)

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
            return [_post(row) for row in connection.execute(query.order_by(posts.c.id))]

    # -- daemons and notices -----------------------------------------------------------------

    def heartbeat(self, worker: str, *, now: dt.datetime, starting: bool = False) -> None:
        with self.engine.begin() as connection:
            changed = connection.execute(
                update(daemons).where(daemons.c.worker == worker)
                .values(heartbeat_at=now, stopped_at=None, **({"started_at": now} if starting else {}))
            ).rowcount
            if not changed:
                connection.execute(insert(daemons).values(worker=worker, started_at=now, heartbeat_at=now))

    def stopped(self, worker: str, *, now: dt.datetime) -> None:
        with self.engine.begin() as connection:
            connection.execute(update(daemons).where(daemons.c.worker == worker).values(stopped_at=now, heartbeat_at=now))

    def daemons(self) -> list[tuple[str, dt.datetime, dt.datetime, dt.datetime | None]]:
        with self.engine.connect() as connection:
            rows = connection.execute(select(daemons).order_by(daemons.c.heartbeat_at.desc()))
            return [(r.worker, r.started_at, r.heartbeat_at, r.stopped_at) for r in rows]

    def first_notice(self, post_id: int, state: str, *, now: dt.datetime) -> bool:
        """Record that a notice for (post, state) goes out; False if one went out already."""
        with self.engine.begin() as connection:
            exists = connection.execute(
                select(notices.c.post_id).where(notices.c.post_id == post_id, notices.c.state == state)
            ).first()
            if exists:
                return False
            connection.execute(insert(notices).values(post_id=post_id, state=state, sent_at=now))
            return True

    # -- steps of an attempt (platforms.base.Journal) -----------------------------------------

    def remember(self, post: QueuedPost, name: str, value: str, *, now: dt.datetime) -> None:
        """Note a remote id of the attempt `post` is making (its idempotency key), durably, before
        the next request; noting a name again replaces its value."""
        attempt = post.idempotency_key or f"post-{post.id}"
        with self.engine.begin() as connection:
            done = connection.execute(update(steps).where(
                steps.c.post_id == post.id, steps.c.attempt == attempt, steps.c.name == name,
            ).values(value=value, at=now))
            if not done.rowcount:
                connection.execute(insert(steps).values(post_id=post.id, attempt=attempt, name=name, value=value, at=now))

    def recall(self, post: QueuedPost) -> dict[str, str]:
        """What the attempt `post` is making noted so far."""
        attempt = post.idempotency_key or f"post-{post.id}"
        with self.engine.connect() as connection:
            rows = connection.execute(select(steps.c.name, steps.c.value).where(
                steps.c.post_id == post.id, steps.c.attempt == attempt))
            return {row.name: row.value for row in rows}

