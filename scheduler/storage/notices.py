"""Which notices went out: one per post and state, whichever worker notices it first."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select

from scheduler.storage.base import StoreBase
from scheduler.storage.schema import notices


class Notices(StoreBase):
    """The record of notices sent."""

    def first_notice(self, post_id: int, state: str, *, now: dt.datetime) -> bool:
        """Record that a notice for (post, state) goes out; False if one went out already."""
        with self.engine.begin() as connection:
            sent = connection.execute(
                select(notices.c.post_id).where(notices.c.post_id == post_id, notices.c.state == state)
            ).first()
            if sent:
                return False
            connection.execute(insert(notices).values(post_id=post_id, state=state, sent_at=now))
            return True
