"""Fenced claims: every change of a claimed post is made only while the claim it was decided under
still holds, so a slow worker's stale decision can never let a post be sent twice.

The interleaving of issue 9, step by step, on SQLite and PostgreSQL: a worker dies holding a post; two
live workers both pick it up; the first decides "not published, due again"; a third worker re-claims it
and starts sending; the slower of the two then applies its stale decision. Unfenced, that decision
returned the post to `scheduled` under the sender's feet, the sender could not record its result, and
the post went out a second time."""

from __future__ import annotations

import datetime as dt

from scheduler.models import Content, QueuedPost, State
from scheduler.platforms.base import Outcome, PublishResult, Reconciliation
from scheduler.publishing import Dispatcher
from scheduler.storage import NewPost, Store

NOW = dt.datetime(2030, 1, 7, 9, 0, tzinfo=dt.UTC)
SECOND = dt.timedelta(seconds=1)


class Platform:
    """One platform all workers publish to: it keeps what was sent, by idempotency key."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    def __repr__(self) -> str:
        return f"Platform(sent={len(self.sent)})"

    def publish(self, post: QueuedPost) -> PublishResult:
        assert post.idempotency_key is not None
        self.sent.append(post.idempotency_key)
        return PublishResult(remote_id=f"remote-{len(self.sent)}")

    def reconcile(self, post: QueuedPost) -> Reconciliation:
        if post.idempotency_key in self.sent:
            return Reconciliation(Outcome.PUBLISHED, PublishResult(remote_id="found"))
        return Reconciliation(Outcome.NOT_PUBLISHED)


def _worker(store: Store, platform: Platform, name: str) -> Dispatcher:
    return Dispatcher(store, platform, worker=name)


def _orphan(store: Store) -> QueuedPost:
    (post_id,) = store.add(
        [NewPost("item", "mastodon", "default", NOW - SECOND, Content(("Hallo",), "de"))],
        state=State.SCHEDULED,
        now=NOW - SECOND,
        reason="fencing test",
    )
    (claimed,) = store.claim_due(now=NOW, worker="w1", limit=1)  # w1 claims it, then dies before sending
    assert claimed.id == post_id
    return claimed


def test_a_stale_decision_of_a_second_reconciler_cannot_send_a_post_twice(store: Store):
    platform = Platform()
    _orphan(store)
    w2, w4, w5 = (_worker(store, platform, name) for name in ("w2", "w4", "w5"))
    seen_by_w3 = store.in_flight()  # both live workers see w1's post in flight …
    w2.reconcile_in_flight(now=NOW + SECOND)  # … w2 decides first: not published, due again
    (reclaimed,) = store.claim_due(now=NOW + 2 * SECOND, worker="w4", limit=1)  # w4 claims it and starts sending

    stale = Store(store.engine)  # w3 acts on what it read before all of this
    stale.in_flight = lambda alive_since=None: seen_by_w3  # type: ignore[method-assign]  # reason: patching a test double
    _worker(stale, platform, "w3").reconcile_in_flight(now=NOW + 3 * SECOND)

    w4.publish(reclaimed, now=lambda: NOW + 4 * SECOND)  # w4's result is recorded: its claim held
    w5.dispatch_due(now=lambda: NOW + 5 * SECOND)  # nothing is due again
    assert len(platform.sent) == 1
    (post,) = store.list_posts()
    assert post.state == State.PUBLISHED and post.remote_id == "remote-1"


def test_a_decision_made_under_an_old_claim_changes_nothing(store: Store):
    platform = Platform()
    orphan = _orphan(store)
    _worker(store, platform, "w2").reconcile_in_flight(now=NOW + SECOND)
    (reclaimed,) = store.claim_due(now=NOW + 2 * SECOND, worker="w4", limit=1)
    # a worker still holding w1's old view of the post decides about it directly
    after = _worker(store, platform, "w3").reconcile(orphan, now=NOW + 3 * SECOND, cause="stale view", interrupted=True)
    assert after.state == State.PUBLISHING and after.claimed_by == "w4"  # w4's claim stands
    history = store.history(orphan.id)
    assert [t.to_state for t in history].count(State.SCHEDULED) == 2  # queued, then w2's decision; not w3's
    assert reclaimed.attempts == 2


def test_taking_over_a_dead_workers_post_happens_once(store: Store):
    platform = Platform()
    orphan = _orphan(store)
    first = store.take_over(orphan, worker="w2", now=NOW + SECOND, reason="test")
    second = store.take_over(orphan, worker="w3", now=NOW + SECOND, reason="test")
    assert first is not None and first.claimed_by == "w2"
    assert second is None  # w3 saw the same dead claim, but w2 holds the post now
    assert platform.sent == []


def test_shutdown_release_is_fenced_too(store: Store):
    platform = Platform()
    orphan = _orphan(store)
    taken = store.take_over(orphan, worker="w2", now=NOW + SECOND, reason="test")
    assert taken is not None
    _worker(store, platform, "w1").release([orphan], now=NOW + 2 * SECOND)  # w1's late release: refused
    (post,) = store.list_posts()
    assert post.state == State.PUBLISHING and post.claimed_by == "w2"


def test_a_worker_that_only_seemed_dead_does_not_send_once_its_claim_was_taken_over(store: Store):
    platform = Platform()
    orphan = _orphan(store)  # w1's heartbeat stalled: it looks dead, but it is about to send
    assert store.take_over(orphan, worker="w2", now=NOW + SECOND, reason="test") is not None
    slow = _worker(store, platform, "w1")
    slow.touch_before_send = True  # as on PostgreSQL, where other workers can take claims over
    after = slow.publish(orphan, now=lambda: NOW + 2 * SECOND)
    assert platform.sent == []  # it checked its claim just before sending, and stood back
    assert after.state == State.PUBLISHING and after.claimed_by == "w2"


def test_a_post_touched_just_before_sending_is_reconciled_only_after_the_grace(store: Store):
    platform = Platform()
    orphan = _orphan(store)
    assert store.touch(orphan, now=NOW + SECOND)  # w1 was about to send when its heartbeat stalled
    w2 = _worker(store, platform, "w2")
    assert w2.reconcile_in_flight(now=NOW + 10 * SECOND, grace=60) == []  # it may still be in flight
    assert store.list_posts()[0].claimed_by == "w1"
    (settled,) = w2.reconcile_in_flight(now=NOW + 62 * SECOND, grace=60)
    assert settled.state == State.SCHEDULED and platform.sent == []  # not out: due again, sent once later
