"""Which workers run: each daemon's row, with its start, its last heartbeat and when it stopped
(a worker whose heartbeat is old has died; `Claims.in_flight` then finds its posts). Its pause
is kept in the same row (see `storage.pauses`)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select, update

from scheduler.storage.base import StoreBase
from scheduler.storage.schema import daemons


class Heartbeats(StoreBase):
    """The daemons' rows."""

    def heartbeat(self, worker: str, *, now: dt.datetime, starting: bool = False) -> None:
        """`worker` is alive at `now` (`starting`: its run starts now; posts it claimed in an
        earlier run are no longer its own)."""
        with self.engine.begin() as connection:
            changed = connection.execute(
                update(daemons)
                .where(daemons.c.worker == worker)
                .values(heartbeat_at=now, stopped_at=None, **({"started_at": now} if starting else {}))
            ).rowcount
            if not changed:
                connection.execute(insert(daemons).values(worker=worker, started_at=now, heartbeat_at=now))

    def stopped(self, worker: str, *, now: dt.datetime) -> None:
        """`worker` stopped at `now` (its posts in flight are then anyone's to reconcile)."""
        with self.engine.begin() as connection:
            connection.execute(
                update(daemons).where(daemons.c.worker == worker).values(stopped_at=now, heartbeat_at=now)
            )

    def daemons(self) -> list[tuple[str, dt.datetime, dt.datetime, dt.datetime | None]]:
        """Every worker seen: (name, started, last heartbeat, stopped or None), latest heartbeat first."""
        with self.engine.connect() as connection:
            rows = connection.execute(select(daemons).order_by(daemons.c.heartbeat_at.desc()))
            return [(r.worker, r.started_at, r.heartbeat_at, r.stopped_at) for r in rows]
