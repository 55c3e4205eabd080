"""Publishing due posts exactly once: claim, send, record; retry what may be retried; reconcile
what may have gone out.

Depends on the `Publisher` interface and the `Store`, never on a concrete platform client.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass

from scheduler.errors import (
    AmbiguousError,
    AuthorisationError,
    DatabaseUnavailable,
    DuplicateError,
    NoticeError,
    PublishError,
    QueueError,
    RateLimitedError,
    RejectedError,
    SystemFault,
    TransientError,
)
from scheduler.models import QueuedPost, State
from scheduler.platforms.base import Outcome, Publisher, Reconciliation
from scheduler.storage import Store
from scheduler.wording import plural

log = logging.getLogger(__name__)

Notify = Callable[[QueuedPost], None]

#: Asking the platform whether a post went out is repeated this often, within this many seconds,
#: when the question itself meets a passing fault, before the post is left to a person.
RECONCILE_TRIES = 4
RECONCILE_PATIENCE = 30.0


@dataclass(frozen=True, slots=True)
class Unrecorded:
    """A platform's answer about a claimed post that the database could not take (it was
    unavailable): kept in memory and recorded when the database is back."""

    post: QueuedPost
    state: str
    now: dt.datetime
    reason: str
    values: dict[str, object]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with full jitter: wait uniform(0, min(cap, base × 2^(attempt−1))),
    but never less than the platform's hint."""

    max_attempts: int = 6
    base: float = 2.0
    cap: float = 900.0

    def delay(self, attempt: int, hint: float | None, rng: random.Random) -> float:
        backoff = rng.uniform(0, min(self.cap, self.base * 2 ** max(attempt - 1, 0)))
        return max(hint or 0.0, backoff)


def _account(post: QueuedPost) -> str:
    return f"{post.platform}:{post.account}"


def _log_outcome(post: QueuedPost, reason: str) -> None:
    """The daemon's one line per outcome: published (with its address), a retry or a post held back
    (INFO), failed or needing a person (WARNING)."""
    if post.state == State.PUBLISHED:
        log.info(
            "post %s (%s) published%s%s",
            post.id,
            _account(post),
            f" at {post.remote_url}" if post.remote_url else "",
            "" if reason == "published" else f" ({reason})",
        )
    elif post.state in (State.FAILED, State.NEEDS_ATTENTION):
        log.warning("post %s (%s) %s: %s", post.id, _account(post), post.state.replace("_", " "), reason)
    else:
        log.info("post %s (%s) %s", post.id, _account(post), reason)


class Dispatcher:
    """Publishes claimed posts through one publisher and records every outcome."""

    def __init__(
        self,
        store: Store,
        publisher: Publisher,
        *,
        worker: str,
        policy: RetryPolicy | None = None,
        notify: Notify | None = None,
        rng: random.Random | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.store = store
        self.sleep = sleep
        self.publisher = publisher
        self.worker = worker
        self.policy = policy or RetryPolicy()
        self.notify = notify
        self.rng = rng or random.Random()  # noqa: S311  # reason: jitter of retry times, not a secret
        # Several workers (PostgreSQL) can take over a post from a worker they think dead: check the
        # claim just before sending. One daemon per SQLite file has no one to take it over.
        self.touch_before_send = store.dialect != "sqlite"
        # What a database outage kept from being recorded: answers by post id, and claims not yet sent.
        self._unrecorded: dict[int, Unrecorded] = {}
        self._unsent: dict[int, QueuedPost] = {}
        self._memory = threading.Lock()  # guards the two above: posts are published on several threads

    def __repr__(self) -> str:
        return f"Dispatcher(worker={self.worker!r}, publisher={self.publisher!r}, policy={self.policy!r})"

    def _finish(self, post: QueuedPost, state: str, *, now: dt.datetime, reason: str, **values: object) -> QueuedPost:
        try:
            done = self.store.transition(
                post.id,
                state,
                reason=reason,
                now=now,
                values=dict(values),
                allowed_from={post.state},
                fence=post if post.state == State.PUBLISHING else None,
            )
        except QueueError as error:  # changed or claimed again by someone else meanwhile: theirs stands, ours is logged
            log.warning("post %s: could not record %s (%s): %s", post.id, state, reason, error)
            return self.store.get(post.id)
        except DatabaseUnavailable:  # the answer is kept, and recorded when the database is back (settle)
            with self._memory:
                self._unrecorded[post.id] = Unrecorded(post, state, now, reason, dict(values))
            raise
        with self._memory:
            self._unrecorded.pop(post.id, None)
        _log_outcome(done, reason)
        if state in (State.FAILED, State.NEEDS_ATTENTION) and self.notify is not None:
            if self.store.first_notice(post.id, state, now=now):
                try:
                    self.notify(done)
                except NoticeError as error:  # a notice that cannot be sent never stops publishing
                    log.warning("post %s: notice not sent: %s", post.id, error)
                except Exception:  # a bug in a notice channel: not the post's fault either
                    log.exception("could not send the notice for post %s", post.id)
        return done

    def _retry_or_fail(self, post: QueuedPost, error: PublishError, *, now: dt.datetime) -> QueuedPost:
        if post.attempts >= self.policy.max_attempts:
            return self._finish(
                post,
                State.FAILED,
                now=now,
                error=str(error),
                reason=f"gave up after {plural(post.attempts, 'attempt')}: {error}",
            )
        wait = self.policy.delay(post.attempts, error.retry_after, self.rng)
        due = now + dt.timedelta(seconds=wait)
        return self._finish(
            post,
            State.SCHEDULED,
            now=now,
            error=str(error),
            due_at=due,
            reason=f"attempt {post.attempts} failed ({error}); retry in {wait:.0f} s",
        )

    def publish(self, post: QueuedPost, *, now: Callable[[], dt.datetime]) -> QueuedPost:
        """Send one claimed post and record what happened; nothing is sent when the claim was taken
        over meanwhile (a worker that thought this one dead decides about the post instead)."""
        if self.touch_before_send:
            try:
                held = self.store.touch(post, now=now())
            except DatabaseUnavailable:
                with self._memory:
                    self._unsent[post.id] = post  # nothing was sent: handed back when the database returns
                raise
            if not held:
                log.warning("post %s: its claim was taken over by another worker before sending; not sent", post.id)
                return self.store.get(post.id)
        try:
            result = self.publisher.publish(post)
        except AuthorisationError as error:
            return self._finish(
                post,
                State.NEEDS_ATTENTION,
                now=now(),
                error=str(error),
                reason=f"re-authorise account {_account(post)}: {error}",
            )
        except RejectedError as error:
            return self._finish(post, State.FAILED, now=now(), error=str(error), reason=f"rejected: {error}")
        except RateLimitedError as error:
            if error.unsent:  # held back by our pacing before any request: no attempt spent
                due = now() + dt.timedelta(seconds=error.retry_after or self.policy.base)
                return self._finish(
                    post,
                    State.SCHEDULED,
                    now=now(),
                    due_at=due,
                    attempts=max(post.attempts - 1, 0),
                    reason=f"held back: {error}",
                )
            return self._retry_or_fail(post, error, now=now())
        except TransientError as error:
            return self._retry_or_fail(post, error, now=now())
        except DuplicateError as error:
            return self.reconcile(post, now=now(), cause=str(error), duplicate=True)
        except AmbiguousError as error:
            return self.reconcile(post, now=now(), cause=str(error))
        return self._finish(
            post,
            State.PUBLISHED,
            now=now(),
            remote_id=result.remote_id,
            remote_url=result.remote_url,
            error=None,
            reason=result.note or "published",
        )

    def reconcile(
        self, post: QueuedPost, *, now: dt.datetime, cause: str, interrupted: bool = False, duplicate: bool = False
    ) -> QueuedPost:
        """Ask the platform whether `post` went out; never blindly send it again. A post an
        interrupted daemon never delivered is due again at once, keeping its place before its account's
        later posts; after an error answer, it backs off."""
        try:
            found = self._ask(post)
        except PublishError as error:
            return self._finish(
                post,
                State.NEEDS_ATTENTION,
                now=now,
                error=f"{cause}; reconcile failed: {error}",
                reason=f"outcome unknown ({cause}); check {_account(post)} by hand",
            )
        if found.outcome == Outcome.PUBLISHED and found.result is not None:
            return self._finish(
                post,
                State.PUBLISHED,
                now=now,
                remote_id=found.result.remote_id,
                remote_url=found.result.remote_url,
                error=None,
                reason=f"reconciled after {cause}",
            )
        if found.outcome == Outcome.NOT_PUBLISHED and duplicate:  # the platform says it exists; we cannot see it
            return self._finish(
                post,
                State.NEEDS_ATTENTION,
                now=now,
                error=cause,
                reason=f"the platform calls it a duplicate but it was not found; check {_account(post)}",
            )
        if found.outcome == Outcome.NOT_PUBLISHED:
            if interrupted:
                return self._finish(
                    post,
                    State.SCHEDULED,
                    now=now,
                    due_at=min(post.due_at or now, now),  # due at once, and still before its account's later posts
                    reason=f"not published ({cause}); due again",
                )
            return self._retry_or_fail(post, TransientError(f"not published ({cause})"), now=now)
        return self._finish(
            post,
            State.NEEDS_ATTENTION,
            now=now,
            error=cause,
            reason=f"outcome unknown ({cause}); check {_account(post)} by hand",
        )

    def _ask(self, post: QueuedPost) -> Reconciliation:
        """`publisher.reconcile`, asked again when the question itself meets a passing fault (a 5xx, a
        429, a dropped connection): up to RECONCILE_TRIES times within RECONCILE_PATIENCE seconds."""
        waited = 0.0
        for attempt in range(1, RECONCILE_TRIES + 1):
            try:
                return self.publisher.reconcile(post)
            except (TransientError, RateLimitedError, AmbiguousError) as error:
                wait = self.policy.delay(attempt, error.retry_after, self.rng)
                if attempt == RECONCILE_TRIES or waited + wait > RECONCILE_PATIENCE:
                    raise
                log.info("post %s: reconcile met %s; asking again in %.1f s", post.id, error, wait)
                self.sleep(wait)
                waited += wait
        raise AssertionError("unreachable")

    def reconcile_in_flight(
        self, *, now: dt.datetime, alive_since: dt.datetime | None = None, grace: float = 0.0
    ) -> list[QueuedPost]:
        """Posts left in publishing by a crashed or killed daemon: take over each one's claim, then
        reconcile it. With `alive_since`, posts of workers with a heartbeat since then are theirs to
        finish. A post whose claim another worker took over first is left to that worker: two workers
        never both decide about one post (a stale "due again" would let a third send it twice).
        `grace`: a post its worker touched (just before sending) less than this many seconds ago is
        left for a later pass — a worker that only seemed dead (a stalled heartbeat) may still be
        sending it, and "not published" would then be decided too early."""
        done = []
        for orphan in self.store.in_flight(alive_since=alive_since):
            if grace and orphan.updated_at is not None and (now - orphan.updated_at).total_seconds() < grace:
                continue
            post = self.store.take_over(
                orphan,
                worker=self.worker,
                now=now,
                reason=f"taken over by {self.worker} from {orphan.claimed_by} to reconcile",
            )
            if post is None:
                log.info("post %s: another worker took it over first", orphan.id)
                continue
            done.append(self.reconcile(post, now=now, cause="interrupted while publishing", interrupted=True))
        return done

    def dispatch_due(
        self,
        *,
        now: Callable[[], dt.datetime],
        limit: int = 50,
        stop: threading.Event | None = None,
        accounts: Collection[tuple[str, str]] | None = None,
    ) -> list[QueuedPost]:
        """Claim due posts (with `accounts`, only theirs) and publish them one by one (see
        `publish_in_order`); `scheduler.lanes` publishes several accounts' posts at once."""
        claimed = self.store.claim_due(now=now(), worker=self.worker, limit=limit, accounts=accounts)
        return self.publish_in_order(claimed, now=now, stop=stop)

    def publish_in_order(
        self, claimed: list[QueuedPost], *, now: Callable[[], dt.datetime], stop: threading.Event | None = None
    ) -> list[QueuedPost]:
        """Publish claimed posts one after another. When `stop` is set, posts not yet started go
        back to scheduled; the one in flight is finished first. A fault of the database or the
        machine, or a bug, is raised after the claims not yet started are handed back (or, the
        database being unavailable, kept to hand back)."""
        done: list[QueuedPost] = []
        for index, post in enumerate(claimed):
            if stop is not None and stop.is_set():
                self.release(claimed[index:], now=now())
                break
            try:
                done.append(self.publish(post, now=now))
            except DatabaseUnavailable:  # a full disk, a lost connection: not the post's fault, nor a bug
                with self._memory:
                    self._unsent.update((later.id, later) for later in claimed[index + 1 :])
                raise  # the daemon waits for the database, then settles what this left open
            except SystemFault:  # the outbox cannot be written, nothing was sent: not the post's fault
                self.release(claimed[index:], now=now(), reason="released unsent: publishing paused")
                raise  # the daemon pauses and tries again later
            except Exception as error:  # a bug: not a platform answer
                self.release(claimed[index + 1 :], now=now())
                self._finish(
                    post,
                    State.NEEDS_ATTENTION,
                    now=now(),
                    error=f"{type(error).__name__}: {error}",
                    reason=f"unexpected error while publishing ({type(error).__name__}); check by hand",
                )
                raise
        return done

    def release(
        self, claimed: list[QueuedPost], *, now: dt.datetime, reason: str = "released unsent at shutdown"
    ) -> None:
        for index, post in enumerate(claimed):
            try:
                self.store.transition(
                    post.id,
                    State.SCHEDULED,
                    now=now,
                    reason=reason,
                    allowed_from={State.PUBLISHING},
                    fence=post,
                    values={"attempts": max(post.attempts - 1, 0)},
                )
            except QueueError:
                log.warning("post %s changed while being released", post.id)
            except DatabaseUnavailable:
                with self._memory:
                    self._unsent.update((unsent.id, unsent) for unsent in claimed[index:])
                raise
            with self._memory:
                self._unsent.pop(post.id, None)

    @property
    def unsettled(self) -> int:
        """How many posts a database outage left open in memory (answers not recorded, claims not released)."""
        return len(self._unrecorded) + len(self._unsent)

    def settle(self, *, now: dt.datetime) -> list[QueuedPost]:
        """After a database outage, what it left in publishing: record the platforms' answers kept
        in memory, hand back claims never sent, and reconcile with the platform this worker's other
        posts still in publishing (their outcome is unknown: the fault came mid-request). Raises
        DatabaseUnavailable (keeping what is left) if the database fails again."""
        with self._memory:
            unrecorded, unsent = list(self._unrecorded.values()), list(self._unsent.values())
        done = [
            self._finish(kept.post, kept.state, now=kept.now, reason=kept.reason, **kept.values) for kept in unrecorded
        ]
        self.release(unsent, now=now)
        done.extend(
            self.reconcile(post, now=now, cause="database unavailable while publishing", interrupted=True)
            for post in self.store.in_flight()
            if post.claimed_by == self.worker
        )
        return done
