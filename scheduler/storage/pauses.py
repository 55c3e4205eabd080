"""A daemon's pause as `scheduler status` reads it: why publishing is paused and since when (see
`scheduler.pause`), kept in the daemon's row beside its heartbeat."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import insert, select, update

from scheduler.storage.schema import daemons

if TYPE_CHECKING:
    from scheduler.storage.store import Store


@dataclass(frozen=True, slots=True)
class Paused:
    worker: str
    why: str
    since: dt.datetime


def record_pause(store: Store, worker: str, why: str | None, since: dt.datetime | None) -> None:
    """Keep `worker`'s pause (`why` None: it publishes again). A worker without a row yet (a dry
    run has no heartbeat) gets one."""
    with store.engine.begin() as connection:
        changed = connection.execute(
            update(daemons).where(daemons.c.worker == worker).values(paused=why, paused_since=since)
        ).rowcount
        if not changed and why is not None and since is not None:
            connection.execute(
                insert(daemons).values(
                    worker=worker, started_at=since, heartbeat_at=since, paused=why, paused_since=since
                )
            )


def current_pauses(store: Store) -> list[Paused]:
    """The pauses of running daemons (not stopped, paused since their current run started)."""
    query = (
        select(daemons.c.worker, daemons.c.paused, daemons.c.paused_since)
        .where(
            daemons.c.paused.is_not(None),
            daemons.c.stopped_at.is_(None),
            daemons.c.paused_since >= daemons.c.started_at,
        )
        .order_by(daemons.c.paused_since)
    )
    with store.engine.connect() as connection:
        return [Paused(row.worker, row.paused, row.paused_since) for row in connection.execute(query)]
