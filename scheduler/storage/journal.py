"""The attempt journal (`platforms.base.Journal`): remote ids a client notes between the requests
of one attempt (an uploaded image, a Threads container, the first post of a thread), so that
reconciling after a crash asks the platform about exactly those. An attempt is named by the
post's idempotency key, so a new attempt starts with an empty page."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select, update

from scheduler.models import QueuedPost
from scheduler.storage.base import StoreBase
from scheduler.storage.schema import steps


def _attempt(post: QueuedPost) -> str:
    return post.idempotency_key or f"post-{post.id}"


class AttemptJournal(StoreBase):
    """The steps of each attempt."""

    def remember(self, post: QueuedPost, name: str, value: str, *, now: dt.datetime) -> None:
        """Note a remote id of the attempt `post` is making (its idempotency key), durably, before
        the next request; noting a name again replaces its value."""
        attempt = _attempt(post)
        with self.engine.begin() as connection:
            done = connection.execute(
                update(steps)
                .where(
                    steps.c.post_id == post.id,
                    steps.c.attempt == attempt,
                    steps.c.name == name,
                )
                .values(value=value, at=now)
            )
            if not done.rowcount:
                connection.execute(
                    insert(steps).values(post_id=post.id, attempt=attempt, name=name, value=value, at=now)
                )

    def recall(self, post: QueuedPost) -> dict[str, str]:
        """What the attempt `post` is making noted so far."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(steps.c.name, steps.c.value).where(steps.c.post_id == post.id, steps.c.attempt == _attempt(post))
            )
            return {row.name: row.value for row in rows}
