"""Changing a post's state, each change recorded as a transition (the post's history).

A change is one conditional UPDATE (the post is still in the state it was read in, and with a
`fence` still under the claim a worker holds) plus one INSERT into `transitions`; a change that
finds the post changed meanwhile makes none and says so (QueueError). Each change may name its
`actor`, who made it (a user of the dashboard, the system user of a command); a daemon's changes
name none, their reason names the worker.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy import and_, bindparam, insert, select, true, update
from sqlalchemy.engine import Connection, Engine

from scheduler.errors import QueueError
from scheduler.models import TRANSITIONS, QueuedPost, State
from scheduler.storage.base import IDS, StoreBase, aware, no_post, post_of
from scheduler.storage.schema import posts, transitions

#: The states in which a person may still change a post's text or time.
EDITABLE = frozenset({State.DRAFT, State.SCHEDULED, State.FAILED, State.NEEDS_ATTENTION})

Claim = tuple[str | None, dt.datetime | None]  # (claimed_by, claimed_at) of a worker's claim


class Transitions(StoreBase):
    """State changes and notes in a post's history."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self._updates: dict[
            tuple[tuple[str, ...], bool], Any
        ] = {}  # prepared conditional UPDATEs by value keys, fenced
        self._record = insert(transitions)

    def note(self, post_id: int, reason: str, *, now: dt.datetime, actor: str | None = None) -> None:
        """Add a line to a post's history without changing the post (a dry run, for instance)."""
        aware(now)
        if post_id not in IDS:
            raise no_post(post_id)
        with self.engine.begin() as connection:
            state = connection.execute(select(posts.c.state).where(posts.c.id == post_id)).scalar()
            if state is None:
                raise no_post(post_id)
            connection.execute(
                insert(transitions).values(
                    post_id=post_id, from_state=state, to_state=state, at=now, reason=reason, actor=actor
                )
            )

    def _change(
        self,
        connection: Connection,
        post: QueuedPost,
        to_state: str,
        *,
        reason: str,
        now: dt.datetime,
        values: dict[str, Any] | None = None,
        claim: Claim | None = None,
        actor: str | None = None,
    ) -> QueuedPost:
        if to_state not in TRANSITIONS[post.state]:
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
            insert(transitions).values(
                post_id=post.id, from_state=post.state, to_state=to_state, at=now, reason=reason, actor=actor
            )
        )
        if to_state in (State.SCHEDULED, State.CANCELLED):
            self._notify(connection)
        return post_of(row)

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
        actor: str | None = None,
    ) -> QueuedPost:
        """Move one post to `to_state` if its current state allows it; record the transition.

        `fence`: the post as a worker claimed it. The change is made only while that claim
        (claimed_by, claimed_at) still holds, in the same conditional UPDATE: a worker acting on a
        claim that another worker has since taken over or re-claimed changes nothing (QueueError).
        `actor`: who made the change, recorded in the history (None: a daemon)."""
        aware(now, *(values or {}).values())
        if post_id not in IDS:
            raise no_post(post_id)
        claim = (fence.claimed_by, fence.claimed_at) if fence is not None else None
        if allowed_from is not None and len(allowed_from) == 1:
            (expected,) = allowed_from
            if to_state in TRANSITIONS[expected]:
                done = self._transition_from(
                    post_id, expected, to_state, reason=reason, now=now, values=values or {}, claim=claim, actor=actor
                )
                if done is not None:
                    return done
        with self.engine.begin() as connection:
            row = connection.execute(select(posts).where(posts.c.id == post_id)).first()
            if row is None:
                raise no_post(post_id)
            post = post_of(row)
            if allowed_from is not None and post.state not in allowed_from:
                verb = action or f"become {to_state}"
                raise QueueError(
                    f"post {post_id} is {post.state}; only {', '.join(sorted(allowed_from))} posts can {verb}"
                )
            if claim is not None and (post.claimed_by, post.claimed_at) != claim:
                raise QueueError(
                    f"post {post_id} was claimed again by {post.claimed_by} since this worker's claim; "
                    "its change is not made"
                )
            return self._change(
                connection, post, to_state, reason=reason, now=now, values=values, claim=claim, actor=actor
            )

    def _transition_from(
        self,
        post_id: int,
        expected: str,
        to_state: str,
        *,
        reason: str,
        now: dt.datetime,
        values: dict[str, Any],
        claim: Claim | None = None,
        actor: str | None = None,
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
                .values(
                    state=bindparam("b_to"),
                    updated_at=bindparam("b_now"),
                    **{key: bindparam(f"v_{key}") for key in keys},
                )
                .returning(*posts.c)
            )
            self._updates[(keys, claim is not None)] = statement
        parameters = {
            "b_id": post_id,
            "b_from": expected,
            "b_to": to_state,
            "b_now": now,
            **{f"v_{key}": value for key, value in values.items()},
        }
        if claim is not None:
            parameters.update(f_by=claim[0], f_at=claim[1])
        with self.engine.begin() as connection:
            row = connection.execute(statement, parameters).first()
            if row is None:
                return None
            connection.execute(
                self._record,
                {
                    "post_id": post_id,
                    "from_state": expected,
                    "to_state": to_state,
                    "at": now,
                    "reason": reason,
                    "actor": actor,
                },
            )
            if to_state in (State.SCHEDULED, State.CANCELLED):
                self._notify(connection)
        return post_of(row)

    def update_fields(
        self,
        post_id: int,
        *,
        now: dt.datetime,
        reason: str,
        allowed_from: Collection[str],
        action: str,
        values: dict[str, Any],
        actor: str | None = None,
        demote: Mapping[str, str] | None = None,
    ) -> QueuedPost:
        """Change fields of a post without changing its state (recorded as a transition to itself,
        with its `actor`) — or, where `demote` maps its state to another (an approved post edited
        goes back to draft), moving it there in the same statement."""
        aware(now, *values.values())
        if post_id not in IDS:
            raise no_post(post_id)
        with self.engine.begin() as connection:
            row = connection.execute(select(posts).where(posts.c.id == post_id)).first()
            if row is None:
                raise no_post(post_id)
            post = post_of(row)
            if post.state not in allowed_from:
                raise QueueError(
                    f"post {post_id} is {post.state}; only {', '.join(sorted(allowed_from))} posts can {action}"
                )
            to_state = (demote or {}).get(post.state, post.state)
            updated = connection.execute(
                update(posts)
                .where(and_(posts.c.id == post_id, posts.c.state == post.state))
                .values(updated_at=now, state=to_state, **values)
                .returning(*posts.c)
            ).first()
            if updated is None:
                raise QueueError(f"post {post_id} changed while this command ran; look at it again and retry")
            connection.execute(
                insert(transitions).values(
                    post_id=post_id, from_state=post.state, to_state=to_state, at=now, reason=reason, actor=actor
                )
            )
            self._notify(connection)
            return post_of(updated)
