"""Adding posts to the queue and reading them: by id, by filters, by due time, per account."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import func, insert, select, tuple_, type_coerce
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from scheduler.models import STATES, Content, KnownItem, QueuedPost, State, Transition
from scheduler.storage.base import IDS, StoreBase, aware, no_post, of_accounts, post_of
from scheduler.storage.rows import content_columns
from scheduler.storage.schema import posts, transitions

_CHUNK = 300  # keys per IN (…): well below SQLite's and PostgreSQL's parameter limits


@dataclass(frozen=True, slots=True)
class NewPost:
    """A post to queue."""

    item_id: str
    platform: str
    account: str
    publish_at: dt.datetime
    content: Content  # what it says, stored whole (every link, every image with its alt text)
    section: str = ""
    source: str = ""
    rendered: str | None = None  # content_hash of the post as rendered (None: written by hand, e.g. CSV)


def _present(connection: Connection, keys: Collection[tuple[str, str, str]]) -> set[tuple[str, str, str]]:
    """Which of the (item, platform, account) keys are queued already."""
    found: set[tuple[str, str, str]] = set()
    ordered = sorted(keys)
    key = tuple_(posts.c.item_id, posts.c.platform, posts.c.account)
    for start in range(0, len(ordered), _CHUNK):
        rows = connection.execute(
            select(posts.c.item_id, posts.c.platform, posts.c.account).where(key.in_(ordered[start : start + _CHUNK]))
        )
        found.update((r.item_id, r.platform, r.account) for r in rows)
    return found


class Posts(StoreBase):
    """Adding and reading posts."""

    def add(
        self,
        new: Sequence[NewPost],
        *,
        state: str,
        now: dt.datetime,
        reason: str,
        items: Sequence[KnownItem] = (),
        actor: str | None = None,
    ) -> list[int]:
        """Queue `new` in `state`; a post whose (item, platform, account) is queued already is skipped.
        `items` are saved with them (see `storage.items`); `actor`, who queued them, goes into each
        post's history. Returns the ids of the posts added."""
        if state not in (State.DRAFT, State.SCHEDULED):
            raise ValueError(f"new posts start as draft or scheduled, not {state}")
        aware(now, *(post.publish_at for post in new))
        from scheduler.storage.adding import retrying

        # another process adding the same posts at the same moment: theirs stand, ours are skipped
        return retrying(
            lambda: self._add(new, state=state, now=now, reason=reason, items=items, actor=actor), what="adding posts"
        )

    def _add(
        self,
        new: Sequence[NewPost],
        *,
        state: str,
        now: dt.datetime,
        reason: str,
        items: Sequence[KnownItem],
        actor: str | None,
    ) -> list[int]:
        from scheduler.storage.adding import insert_post

        added: list[int] = []
        with self.engine.begin() as connection:
            present = _present(connection, {(p.item_id, p.platform, p.account) for p in new})
            for post in new:
                key = (post.item_id, post.platform, post.account)
                if key in present:
                    continue
                present.add(key)
                post_id = insert_post(
                    connection,
                    {
                        "item_id": post.item_id,
                        "platform": post.platform,
                        "account": post.account,
                        "state": state,
                        "publish_at": post.publish_at,
                        "due_at": post.publish_at,
                        **content_columns(post.content),
                        "section": post.section,
                        "source": post.source,
                        "rendered": post.rendered,
                        "attempts": 0,
                        "created_at": now,
                        "updated_at": now,
                        # random, so a reset database never reuses a key a platform still remembers
                        "idempotency_key": f"sched-{uuid.uuid4().hex[:20]}",
                    },
                )
                if post_id is not None:  # None: queued by another process since we looked
                    added.append(post_id)
            if added:
                self._notify(connection)
                connection.execute(
                    insert(transitions),
                    [
                        {
                            "post_id": i,
                            "from_state": None,
                            "to_state": state,
                            "at": now,
                            "reason": reason,
                            "actor": actor,
                        }
                        for i in added
                    ],
                )
            if items:
                from scheduler.storage.items import save_items

                save_items(connection, items, now=now)
        return added

    def existing(self, keys: Collection[tuple[str, str, str]]) -> set[tuple[str, str, str]]:
        """Which (item, platform, account) keys are queued already."""
        with self.engine.connect() as connection:
            return _present(connection, keys)

    def get(self, post_id: int) -> QueuedPost:
        if post_id not in IDS:
            raise no_post(post_id)
        with self.engine.connect() as connection:
            row = connection.execute(select(posts).where(posts.c.id == post_id)).first()
        if row is None:
            raise no_post(post_id)
        return post_of(row)

    def list_posts(
        self,
        *,
        states: Collection[str] = (),
        platforms: Collection[str] = (),
        start: dt.datetime | None = None,
        end: dt.datetime | None = None,
        limit: int | None = None,
        accounts: Collection[str] = (),
    ) -> list[QueuedPost]:
        """Posts ordered by publish time (then id), filtered (`sqlite_read.list_posts` answers the
        same question for `queue list` without SQLAlchemy); `accounts`: account names."""
        query = select(posts).where(*_filters(states, platforms, start, end, accounts))
        query = query.order_by(posts.c.publish_at, posts.c.id)
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as connection:
            return [post_of(row) for row in connection.execute(query)]

    def count_posts(
        self,
        *,
        states: Collection[str] = (),
        platforms: Collection[str] = (),
        start: dt.datetime | None = None,
        end: dt.datetime | None = None,
        accounts: Collection[str] = (),
    ) -> int:
        """How many posts `list_posts` would give with the same filters and no limit."""
        query = select(func.count()).select_from(posts).where(*_filters(states, platforms, start, end, accounts))
        with self.engine.connect() as connection:
            return int(connection.execute(query).scalar_one())

    def history(self, post_id: int) -> list[Transition]:
        if post_id not in IDS:
            return []
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(transitions).where(transitions.c.post_id == post_id).order_by(transitions.c.id)
            )
            return [Transition(r.post_id, r.from_state, r.to_state, r.at, r.reason, r.actor) for r in rows]

    def latest(self, *, states: Collection[str], platforms: Collection[str] = (), limit: int) -> list[QueuedPost]:
        """The `limit` posts in `states` changed last, the newest change first (a published post's
        last change is its publishing, a failed one's its failure): the dashboard's History."""
        query = select(posts).where(posts.c.state.in_(list(states)))
        if platforms:
            query = query.where(posts.c.platform.in_(list(platforms)))
        query = query.order_by(posts.c.updated_at.desc(), posts.c.id.desc()).limit(limit)
        with self.engine.connect() as connection:
            return [post_of(row) for row in connection.execute(query)]

    def noted(
        self, *, prefix: str, platforms: Collection[str] = (), limit: int
    ) -> list[tuple[QueuedPost, dt.datetime, str]]:
        """The `limit` lines added to posts' histories without a change of state (`note`) whose
        reason starts with `prefix` (a dry run's), the newest first: each with its post, when and the reason."""
        query = (
            select(posts, transitions.c.at.label("noted_at"), transitions.c.reason.label("noted_reason"))
            .join(transitions, transitions.c.post_id == posts.c.id)
            .where(
                transitions.c.from_state == transitions.c.to_state,
                transitions.c.reason.startswith(prefix, autoescape=True),
            )
        )
        if platforms:
            query = query.where(posts.c.platform.in_(list(platforms)))
        query = query.order_by(transitions.c.at.desc(), transitions.c.id.desc()).limit(limit)
        with self.engine.connect() as connection:
            return [(post_of(row), row.noted_at, row.noted_reason) for row in connection.execute(query)]

    def post_times(
        self,
        *,
        states: Collection[str] = (),
        platforms: Collection[str] = (),
        start: dt.datetime | None = None,
        end: dt.datetime | None = None,
        accounts: Collection[str] = (),
    ) -> list[tuple[int, dt.datetime]]:
        """The id and time (due, else publish time) of each post `list_posts` would give, in its
        order, without reading the posts themselves: what a calendar needs to place them."""
        query = (
            select(
                posts.c.id,
                type_coerce(func.coalesce(posts.c.due_at, posts.c.publish_at), posts.c.due_at.type).label("at"),
            )
            .where(*_filters(states, platforms, start, end, accounts))
            .order_by(posts.c.publish_at, posts.c.id)
        )
        with self.engine.connect() as connection:
            return [(row.id, row.at) for row in connection.execute(query)]

    def get_many(self, ids: Collection[int]) -> list[QueuedPost]:
        """The posts with these ids (those that exist), ordered by publish time then id."""
        wanted = sorted({post_id for post_id in ids if post_id in IDS})
        found: list[QueuedPost] = []
        with self.engine.connect() as connection:
            for begin in range(0, len(wanted), _CHUNK):
                query = select(posts).where(posts.c.id.in_(wanted[begin : begin + _CHUNK]))
                found.extend(post_of(row) for row in connection.execute(query))
        return sorted(found, key=lambda post: (post.publish_at, post.id))

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as connection:
            rows = connection.execute(select(posts.c.state, func.count()).group_by(posts.c.state))
            found: dict[str, int] = dict(rows.all())
        return {state: found.get(state, 0) for state in STATES}

    def next_due(self, *, accounts: Collection[tuple[str, str]] | None = None) -> dt.datetime | None:
        """When the next scheduled post is due; with `accounts`, only among those (platform, account)s."""
        query = select(func.min(posts.c.due_at)).where(posts.c.state == State.SCHEDULED)
        if accounts is not None:
            query = query.where(of_accounts(accounts))
        with self.engine.connect() as connection:
            return connection.execute(query).scalar()

    def scheduled(
        self,
        *,
        due_by: dt.datetime | None = None,
        due_after: dt.datetime | None = None,
        touched_since: dt.datetime | None = None,
        skip: Collection[tuple[str, str]] = (),
        limit: int | None = None,
    ) -> list[QueuedPost]:
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
            query = query.where(~of_accounts(skip))
        query = query.order_by(posts.c.due_at, posts.c.id)
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as connection:
            return [post_of(row) for row in connection.execute(query)]

    def next_touched(self, *, since: dt.datetime | None, skip: Collection[tuple[str, str]] = ()) -> dt.datetime | None:
        """The earliest due time among scheduled posts due or changed after `since` (outside `skip`):
        when a dry run has something new to show."""
        query = select(func.min(posts.c.due_at)).where(posts.c.state == State.SCHEDULED)
        if since is not None:
            query = query.where((posts.c.due_at > since) | (posts.c.updated_at > since))
        if skip:
            query = query.where(~of_accounts(skip))
        with self.engine.connect() as connection:
            return connection.execute(query).scalar()

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


def _filters(
    states: Collection[str],
    platforms: Collection[str],
    start: dt.datetime | None,
    end: dt.datetime | None,
    accounts: Collection[str],
) -> list[ColumnElement[bool]]:
    """The conditions of `list_posts` and `count_posts`."""
    conditions: list[ColumnElement[bool]] = []
    if states:
        conditions.append(posts.c.state.in_(list(states)))
    if platforms:
        conditions.append(posts.c.platform.in_(list(platforms)))
    if accounts:
        conditions.append(posts.c.account.in_(list(accounts)))
    if start is not None:
        conditions.append(posts.c.publish_at >= start)
    if end is not None:
        conditions.append(posts.c.publish_at < end)
    return conditions
