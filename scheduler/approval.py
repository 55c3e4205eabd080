"""Approving and cancelling queued posts, one or many at a time: the use case behind `queue approve`,
`queue cancel` and the dashboard's bulk actions, so each front end changes posts the same way."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from scheduler.errors import QueueError
from scheduler.models import State
from scheduler.storage import Store

#: The states a post can be cancelled from (not once it is out, nor while it is being sent).
CANCELLABLE = frozenset({State.DRAFT, State.SCHEDULED, State.FAILED, State.NEEDS_ATTENTION})


@dataclass
class Outcome:
    """Which posts changed, and why the others did not (one line each)."""

    done: list[int] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)


def approve(store: Store, ids: Iterable[int], *, now: dt.datetime, actor: str | None = None) -> Outcome:
    """Approve drafts: each is published at its time. `actor`: who did it (the history says)."""
    outcome = Outcome()
    for post_id in ids:
        try:
            store.transition(
                post_id,
                State.SCHEDULED,
                reason="approved",
                now=now,
                allowed_from={State.DRAFT},
                action="be approved",
                actor=actor,
            )
        except QueueError as error:
            outcome.refused.append((post_id, str(error)))
        else:
            outcome.done.append(post_id)
    return outcome


def cancel(store: Store, ids: Iterable[int], *, now: dt.datetime, actor: str | None = None) -> Outcome:
    """Cancel posts that are not out yet. `actor`: who did it (the history says)."""
    outcome = Outcome()
    for post_id in ids:
        try:
            store.transition(
                post_id,
                State.CANCELLED,
                reason="cancelled by hand",
                now=now,
                allowed_from=set(CANCELLABLE),
                action="be cancelled",
                actor=actor,
            )
        except QueueError as error:
            outcome.refused.append((post_id, str(error)))
        else:
            outcome.done.append(post_id)
    return outcome
