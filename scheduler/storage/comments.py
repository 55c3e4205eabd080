"""Comments on posts, and what a post said before an updated issue rewrote it (both for the
dashboard's post editor; `scheduler.approval` decides what a comment may be).

A comment is a row of `comments`: the post, its author's name (kept when the user is removed, as
the history keeps it), the text as written and when. The text before a rewrite is the `previous`
column of the rewrite's line in the history (`items.rewrite` writes it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence

from sqlalchemy import func, insert, or_, select

from scheduler.models import Comment, Rewritten
from scheduler.storage.base import IDS, StoreBase, aware, no_post
from scheduler.storage.schema import comments, posts, transitions


class Comments(StoreBase):
    """Comments on posts, and the texts rewrites replaced."""

    def add_comment(self, post_id: int, *, author: str, text: str, now: dt.datetime) -> Comment:
        """Store `author`'s comment on post `post_id` (a `QueueError` when there is no such post)."""
        aware(now)
        if post_id not in IDS:
            raise no_post(post_id)
        with self.engine.begin() as connection:
            if connection.execute(select(posts.c.id).where(posts.c.id == post_id)).first() is None:
                raise no_post(post_id)
            row = connection.execute(
                insert(comments).values(post_id=post_id, author=author, text=text, at=now).returning(comments.c.id)
            ).one()
        return Comment(int(row.id), post_id, author, text, now)

    def comments(self, post_id: int) -> list[Comment]:
        """The comments on post `post_id`, oldest first."""
        if post_id not in IDS:
            return []
        query = select(comments).where(comments.c.post_id == post_id).order_by(comments.c.at, comments.c.id)
        with self.engine.connect() as connection:
            return [Comment(r.id, r.post_id, r.author, r.text, r.at) for r in connection.execute(query)]

    def last_reasons(self, post_ids: Collection[int], prefixes: Sequence[str]) -> dict[int, str]:
        """For each of these posts, the reason of its latest history line that starts with one of
        `prefixes` (posts without one are left out): what the review of a draft last said."""
        ids = sorted(set(post_ids))
        if not ids or not prefixes:
            return {}
        found: dict[int, str] = {}
        with self.engine.connect() as connection:
            for begin in range(0, len(ids), 300):
                chunk = ids[begin : begin + 300]
                latest = (
                    select(func.max(transitions.c.id))
                    .where(
                        transitions.c.post_id.in_(chunk),
                        or_(*(transitions.c.reason.startswith(prefix, autoescape=True) for prefix in prefixes)),
                    )
                    .group_by(transitions.c.post_id)
                )
                query = select(transitions.c.post_id, transitions.c.reason).where(
                    transitions.c.id.in_(latest.scalar_subquery())
                )
                found.update((row.post_id, row.reason) for row in connection.execute(query))
        return found

    def rewrites(self, post_id: int) -> list[Rewritten]:
        """The rewrites of post `post_id` from updated issues that recorded what it said before,
        oldest first."""
        if post_id not in IDS:
            return []
        query = (
            select(transitions)
            .where(transitions.c.post_id == post_id, transitions.c.previous.is_not(None))
            .order_by(transitions.c.id)
        )
        with self.engine.connect() as connection:
            return [
                Rewritten(r.post_id, r.at, r.reason, tuple(r.previous), r.actor)
                for r in connection.execute(query)
                if isinstance(r.previous, list)
            ]
