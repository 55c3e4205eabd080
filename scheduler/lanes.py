"""Publishing several accounts' due posts at the same time, each account's one after another.

A burst — every post planned for Monday 09:00 falling due in the same second — is published by a
bounded pool of threads (`SCHEDULER_CONCURRENCY`). Each thread is a *lane*: the due posts of one
account, claimed together (up to `per_account`) and published in due order by
`Dispatcher.publish_in_order`. While a lane runs, its account has a post in publishing, and a claim
never takes posts of such an account (`Claims.claim_due`): so no account ever has two posts in
flight, in this worker or in any other, and its pacer (`platforms.pacing`) sees its requests one
after another. A platform that punishes bursts gets no more lanes at once than its registry entry
allows (`Platform.parallel`).

The coordinator (the thread that calls `drain`) claims for free lanes whenever one finishes and,
while lanes run, every `POLL_SECONDS` at most for posts that have meanwhile fallen due. The state
changes of the lanes are the store's short transactions (SQLite's one writer, PostgreSQL's rows),
none of them held during a request.

`stop` set: no new claims; each lane finishes the post in flight and hands back the ones it has not
started. A fault of the database or the machine in one lane stops the claims too; it is raised
once every lane has finished, as `dispatch_due` raises it.
"""

from __future__ import annotations

import datetime as dt
import logging
import signal
import threading
from collections.abc import Callable, Collection, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from scheduler.errors import DatabaseUnavailable, SystemFault
from scheduler.models import QueuedPost
from scheduler.publishing import Dispatcher

log = logging.getLogger(__name__)

#: While lanes run, how often (at most) the coordinator looks for posts that have fallen due.
POLL_SECONDS = 0.25


def _leave_signals_to_the_main_thread() -> None:
    """A lane thread blocks SIGINT and SIGTERM, so that the kernel delivers them to the main thread,
    whose handler sets `stop` at once (a signal delivered to a lane waiting for a response would be
    noticed only when the main thread next wakes, and the lane might start its next post first)."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})


def lanes_of(claimed: list[QueuedPost]) -> list[list[QueuedPost]]:
    """Claimed posts grouped by account, each group in due order, groups in the order of their
    first post."""
    lanes: dict[tuple[str, str], list[QueuedPost]] = {}
    for post in sorted(claimed, key=lambda p: (p.due_at or p.publish_at, p.id)):
        lanes.setdefault((post.platform, post.account), []).append(post)
    return list(lanes.values())


class Lanes:
    """A bounded pool that publishes due posts of different accounts at the same time."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        *,
        concurrency: int,
        caps: Mapping[str, int] | None = None,
        per_account: int = 10,
    ) -> None:
        """`concurrency`: lanes (threads) at most; `caps`: lanes at most per platform;
        `per_account`: posts of one account claimed for a lane at a time."""
        if concurrency < 1 or per_account < 1:
            raise ValueError("concurrency and per_account are at least 1")
        self.dispatcher = dispatcher
        self.concurrency = concurrency
        self.caps = {platform: max(cap, 1) for platform, cap in (caps or {}).items()}
        self.per_account = per_account

    def __repr__(self) -> str:
        return f"Lanes(concurrency={self.concurrency}, caps={self.caps}, per_account={self.per_account})"

    def drain(
        self,
        *,
        now: Callable[[], dt.datetime],
        stop: threading.Event,
        accounts: Collection[tuple[str, str]] | None = None,
    ) -> list[QueuedPost]:
        """Publish what is due, and what falls due meanwhile, until nothing due can be claimed and
        every lane has finished; the posts it decided about."""
        done: list[QueuedPost] = []
        fault: BaseException | None = None
        running: dict[Future[list[QueuedPost]], str] = {}  # each lane and its platform
        with ThreadPoolExecutor(
            max_workers=self.concurrency, thread_name_prefix="publish", initializer=_leave_signals_to_the_main_thread
        ) as pool:
            while True:
                if fault is None and not stop.is_set() and len(running) < self.concurrency:
                    try:
                        for lane in self._claim(running, now=now, accounts=accounts):
                            future = pool.submit(self.dispatcher.publish_in_order, lane, now=now, stop=stop)
                            running[future] = lane[0].platform
                    except DatabaseUnavailable as error:
                        fault = error
                if not running:
                    break
                full = fault is not None or stop.is_set() or len(running) >= self.concurrency
                finished, _ = wait(running, timeout=None if full else self._poll(now), return_when=FIRST_COMPLETED)
                for future in finished:
                    del running[future]
                    try:
                        done.extend(future.result())
                    except (DatabaseUnavailable, SystemFault) as error:
                        fault = fault or error
                    except Exception:  # a bug; the dispatcher marked the post for a person, the others go on
                        log.exception("publishing failed unexpectedly; the post needs attention")
        if fault is not None:
            raise fault
        return done

    def _poll(self, now: Callable[[], dt.datetime]) -> float:
        """Seconds until the next claim while lanes run: when the next post falls due, at most
        POLL_SECONDS (a post due already waits for its account's lane or a platform's room)."""
        try:
            due = self.dispatcher.store.next_due()
        except DatabaseUnavailable:
            return POLL_SECONDS
        if due is None:
            return POLL_SECONDS
        return min(max((due - now()).total_seconds(), 0.0), POLL_SECONDS) or POLL_SECONDS

    def _claim(
        self,
        running: Mapping[Future[list[QueuedPost]], str],
        *,
        now: Callable[[], dt.datetime],
        accounts: Collection[tuple[str, str]] | None,
    ) -> list[list[QueuedPost]]:
        """Claim due posts for the free lanes: at most one lane per account, `per_account` posts
        each, and no more lanes of a platform than its cap."""
        free = self.concurrency - len(running)
        room = {
            platform: cap - sum(1 for p in running.values() if p == platform) for platform, cap in self.caps.items()
        }
        claimed = self.dispatcher.store.claim_due(
            now=now(),
            worker=self.dispatcher.worker,
            limit=free * self.per_account,
            accounts=accounts,
            per_account=self.per_account,
            max_accounts=free,
            platform_room=room,
        )
        return lanes_of(claimed)
