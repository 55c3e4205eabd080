"""Posts running late: what `scheduler status` says about them, and who is told when a post waits
too long.

A post's lateness is how long after its due time it went out, or has been waiting so far. Its due
time is `due_at`: its publish time, unless a retry after a transient error or a hold-back of the
platform's pacing moved it. So lateness measures whether the workers keep up with the queue — a
burst at a posting slot, slow platform APIs, too few workers — not how long a platform's errors
kept a post back (those are in its history).

A post is late while it is due more than `TOLERANCE` ago and still `scheduled` or `publishing`
(`report`), and the worst lateness of the last `WINDOW` is that of the posts a worker published
in it. A post still waiting more than SCHEDULER_LATE_NOTICE after its due time is told about once:
a WARNING line in the daemon's log and a notice through the notice channels (`LateNotices`, which
the daemon calls every `daemon.LATE_SECONDS`), one notice per check naming every post newly found
late, so that a burst of late posts makes one message rather than hundreds. A post that goes out
between two checks is told about by none: it needs no one any more, and `status` shows it.

Everything here is told the current instant (`now`); nothing reads a clock.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from scheduler.errors import NoticeError
from scheduler.models import State
from scheduler.storage.lateness import Overdue, WentOut
from scheduler.wording import plural, seconds

if TYPE_CHECKING:
    from scheduler.notify import Notifier
    from scheduler.storage import Store

log = logging.getLogger(__name__)

#: A post due less than this long ago is not late: a worker claims due posts in batches, and a
#: burst at a posting slot takes it some seconds to work through even when it keeps up; several
#: machines' clocks may differ by a few seconds too. A minute is well beyond both, so a post counted
#: late is one that waits, and `status` does not call every post of a slot late while it goes out.
TOLERANCE = dt.timedelta(seconds=60)

#: How far back `status` looks for the worst lateness of the posts published.
WINDOW = dt.timedelta(hours=1)

#: Posts one notice names; the others are counted ("and 12 more"), each still told about only once.
NAMED = 5

ADVICE = (
    "See 'scheduler status'; if posts keep running late, run more workers (PostgreSQL) or raise SCHEDULER_CONCURRENCY."
)


def how_long(span: dt.timedelta) -> str:
    """A lateness as a person says it: `2.3 s`, `45 s`, `4 min 10 s`, `2 h 5 min`, `3 days 2 h`."""
    whole = round(max(span.total_seconds(), 0.0))
    if whole < 60:
        return f"{seconds(max(span.total_seconds(), 0.0))} s"
    minutes, rest = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{plural(days, 'day')} {hours} h" if hours else plural(days, "day")


def _local(moment: dt.datetime, timezone: str) -> str:
    """An instant in the team's time zone with its offset, e.g. 2030-01-07T09:00+01:00."""
    return moment.astimezone(ZoneInfo(timezone)).isoformat(timespec="minutes")


def _waiting(post: Overdue) -> str:
    return "being sent" if post.state == State.PUBLISHING else "waiting for a worker"


@dataclass(frozen=True, slots=True)
class LateReport:
    """How late the queue runs at `now`: posts due more than `TOLERANCE` ago and not yet out (how
    many, and the one waiting longest), and the posts published in the last `WINDOW` (how many, and
    the one that went out latest after its due time)."""

    now: dt.datetime
    waiting: int
    oldest: Overdue | None
    published: int
    worst: WentOut | None

    def lines(self, timezone: str) -> list[str]:
        """The report's two lines for `scheduler status`, times in `timezone`."""
        due = f"due more than {how_long(TOLERANCE)} ago"
        if self.oldest is None:
            late = f"late: none (no post {due} is still waiting)"
        else:
            post = self.oldest
            said = (
                f"#{post.post_id} ({post.platform}:{post.account}) due {_local(post.due_at, timezone)}, "
                f"{how_long(self.now - post.due_at)} late"
            )
            late = (
                f"late: 1 post {due} not yet out: {said}"
                if self.waiting == 1
                else f"late: {self.waiting} posts {due} not yet out; the oldest {said}"
            )
        if self.worst is None:
            worst = "worst lateness in the last hour: none (no post published)"
        else:
            went = self.worst
            worst = (
                f"worst lateness in the last hour: {how_long(went.published_at - went.due_at)} "
                f"(#{went.post_id} {went.platform}:{went.account}; {plural(self.published, 'post')} published)"
            )
        return [late, worst]


def report(store: Store, *, now: dt.datetime) -> LateReport:
    """How late the queue runs at `now` (see `LateReport`)."""
    oldest = store.overdue(due_before=now - TOLERANCE, limit=1)
    waiting = store.count_overdue(due_before=now - TOLERANCE) if oldest else 0
    published = store.published_since(now - WINDOW)
    worst = max(published, key=lambda went: (went.published_at - went.due_at, -went.post_id), default=None)
    return LateReport(now, waiting, oldest[0] if oldest else None, len(published), worst)


class LateNotices:
    """Tells about each post still waiting more than `after` past its due time, once: a WARNING
    line and a notice through `notifier` (when there is one). With `accounts`, only posts of those
    (platform, account)s: the ones the daemon publishes for (posts of an account without
    credentials stay queued on purpose)."""

    def __init__(
        self,
        store: Store,
        notifier: Notifier | None,
        *,
        after: dt.timedelta,
        timezone: str,
        accounts: Collection[tuple[str, str]] | None = None,
    ) -> None:
        self.store = store
        self.notifier = notifier
        self.after = after
        self.timezone = timezone
        self.accounts = None if accounts is None else frozenset(accounts)

    def __repr__(self) -> str:
        return f"LateNotices(after={self.after}, notifier={self.notifier!r})"

    def __call__(self, now: dt.datetime) -> list[Overdue]:
        """Tell about the posts found late at `now` that no notice named yet; returns them. Several
        workers checking at once tell about each post once (the store records who told first)."""
        found = self.store.overdue(due_before=now - self.after, accounts=self.accounts, untold=True)
        if not found:
            return []
        first = set(self.store.first_late_notices([post.post_id for post in found], now=now))
        told = [post for post in found if post.post_id in first]
        for post in told:
            log.warning(
                "post %s (%s:%s) is %s late: due %s, still %s",
                post.post_id,
                post.platform,
                post.account,
                how_long(now - post.due_at),
                _local(post.due_at, self.timezone),
                _waiting(post),
            )
        if told and self.notifier is not None:
            try:
                self.notifier.announce(self.text(told, now=now))
            except NoticeError as error:  # a notice that cannot be sent never stops publishing
                log.warning("the notice of late posts was not sent: %s", error)
        return told

    def text(self, late: Sequence[Overdue], *, now: dt.datetime) -> str:
        """The notice about `late` (the longest waiting first): which posts, how late, due when
        (local time), and what to do."""

        def said(post: Overdue) -> str:
            return (
                f"#{post.post_id} ({post.platform}:{post.account}) is {how_long(now - post.due_at)} late: "
                f"due {_local(post.due_at, self.timezone)}, {_waiting(post)}"
            )

        if len(late) == 1:
            return f"Post {said(late[0])}. {ADVICE}"
        named = "; ".join(said(post) for post in late[:NAMED])
        more = f"; and {len(late) - NAMED} more" if len(late) > NAMED else ""
        return f"{len(late)} posts are more than {how_long(self.after)} late. {named}{more}. {ADVICE}"
