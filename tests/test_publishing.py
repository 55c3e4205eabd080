"""The Dispatcher: what each publishing outcome does to a post, retries, reconciling, shutdown and
notices. A hand-written fake `Publisher` (scripted answers, every call recorded) over a real SQLite
queue; one group of tests uses the real `DryRunPublisher` and its outbox file. Time is passed in."""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import random
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from scheduler.errors import (
    AmbiguousError,
    AuthorisationError,
    DuplicateError,
    NoticeError,
    PublishError,
    RateLimitedError,
    RejectedError,
    TransientError,
)
from scheduler.models import Content, QueuedPost, State, Transition
from scheduler.platforms.base import Outcome, Publisher, PublishResult, Reconciliation
from scheduler.platforms.dryrun import DryRunPublisher, sent_keys
from scheduler.publishing import RECONCILE_PATIENCE, RECONCILE_TRIES, Dispatcher, RetryPolicy
from scheduler.storage import NewPost, Store

NOW = dt.datetime(2025, 3, 10, 9, 0, tzinfo=dt.UTC)
SECOND = dt.timedelta(seconds=1)
POLICY = RetryPolicy(max_attempts=3, base=2.0, cap=900.0)

Answer = PublishResult | PublishError | Callable[[QueuedPost], PublishResult]


class ScriptedPublisher:
    """A `Publisher` that answers each call with the next scripted outcome (a result, an error to
    raise, or a function of the post) and records every post it was given."""

    def __init__(self, *publish: Answer, reconcile: tuple[Reconciliation | PublishError, ...] = ()) -> None:
        self._publish = list(publish)
        self._reconcile = list(reconcile)
        self.published: list[QueuedPost] = []
        self.reconciled: list[QueuedPost] = []

    def __repr__(self) -> str:
        return f"ScriptedPublisher(publish={len(self._publish)} left, reconcile={len(self._reconcile)} left)"

    def publish(self, post: QueuedPost) -> PublishResult:
        self.published.append(post)
        if not self._publish:
            raise AssertionError(f"publish called for post {post.id}, which the test did not expect")
        answer = self._publish.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer(post) if callable(answer) else answer

    def reconcile(self, post: QueuedPost) -> Reconciliation:
        self.reconciled.append(post)
        if not self._reconcile:
            raise AssertionError(f"reconcile called for post {post.id}, which the test did not expect")
        answer = self._reconcile.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer


class Clock:
    """`now` for the dispatcher; a test moves it."""

    def __init__(self, at: dt.datetime = NOW) -> None:
        self.at = at

    def __call__(self) -> dt.datetime:
        return self.at


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(f"sqlite:///{tmp_path / 'queue.sqlite3'}")
    yield opened
    opened.close()


@pytest.fixture
def notices() -> list[tuple[int, str]]:
    return []


def dispatcher(
    store: Store,
    publisher: Publisher,
    notices: list[tuple[int, str]] | None = None,
    *,
    worker: str = "w1",
    notify: Callable[[QueuedPost], None] | None = None,
) -> Dispatcher:
    if notify is None and notices is not None:

        def notify(post: QueuedPost) -> None:
            notices.append((post.id, post.state))

    return Dispatcher(
        store, publisher, worker=worker, policy=POLICY, notify=notify, rng=random.Random(7), sleep=SLEPT.append
    )


SLEPT: list[float] = []  # what dispatchers were told to wait (nobody really waits in these tests)


def queue(
    store: Store,
    *items: str,
    at: dt.datetime = NOW - SECOND,
    platform: str = "mastodon",
    account: str = "main",
    parts: tuple[str, ...] = ("Hallo Welt",),
    spoiler_text: str = "",
) -> list[int]:
    ids = store.add(
        [NewPost(item, platform, account, at, Content(parts, "de", spoiler_text=spoiler_text)) for item in items],
        state=State.SCHEDULED,
        now=NOW - dt.timedelta(hours=1),
        reason="imported",
    )
    assert len(ids) == len(items)
    return ids


def last(store: Store, post_id: int) -> Transition:
    return store.history(post_id)[-1]


# -- one outcome each ---------------------------------------------------------------------------------


def test_success_records_published_with_remote_id_and_url(store: Store, notices: list[tuple[int, str]]):
    (post_id,) = queue(store, "a")
    clock = Clock()

    def slow_success(post: QueuedPost) -> PublishResult:
        clock.at = NOW + 5 * SECOND  # the request took five seconds
        return PublishResult("109", "https://mastodon.social/@main/109")

    publisher = ScriptedPublisher(slow_success)
    done = dispatcher(store, publisher, notices).dispatch_due(now=clock)

    post = store.get(post_id)
    assert done == [post]
    assert (post.state, post.remote_id, post.remote_url, post.error) == (
        State.PUBLISHED,
        "109",
        "https://mastodon.social/@main/109",
        None,
    )
    assert last(store, post_id) == Transition(post_id, State.PUBLISHING, State.PUBLISHED, NOW + 5 * SECOND, "published")
    (sent,) = publisher.published
    assert (sent.id, sent.state, sent.attempts) == (post_id, State.PUBLISHING, 1)
    assert sent.idempotency_key  # stored before the request went out
    assert notices == []


def test_authorisation_error_asks_to_reauthorise_the_account(store: Store, notices: list[tuple[int, str]]):
    (post_id,) = queue(store, "a", platform="linkedin", account="vernetzungsstelle")
    publisher = ScriptedPublisher(AuthorisationError("token expired"))
    dispatcher(store, publisher, notices).dispatch_due(now=Clock())
    post = store.get(post_id)
    assert (post.state, post.error) == (State.NEEDS_ATTENTION, "token expired")
    assert "re-authorise account linkedin:vernetzungsstelle" in last(store, post_id).reason
    assert notices == [(post_id, State.NEEDS_ATTENTION)]


def test_rejected_post_fails_with_the_platforms_message(store: Store, notices: list[tuple[int, str]]):
    (post_id,) = queue(store, "a")
    message = "Validation failed: Text character limit of 500 exceeded"
    dispatcher(store, ScriptedPublisher(RejectedError(message)), notices).dispatch_due(now=Clock())
    post = store.get(post_id)
    assert (post.state, post.error) == (State.FAILED, message)
    assert message in last(store, post_id).reason
    assert notices == [(post_id, State.FAILED)]


@pytest.mark.parametrize("error_type", [TransientError, RateLimitedError])
def test_a_retryable_error_reschedules_no_earlier_than_the_hint(
    store: Store, notices: list[tuple[int, str]], error_type: type[PublishError]
):
    (post_id,) = queue(store, "a")
    publisher = ScriptedPublisher(error_type("429 Too Many Requests", retry_after=120), PublishResult("110"))
    run = dispatcher(store, publisher, notices)
    run.dispatch_due(now=Clock())

    post = store.get(post_id)
    assert (post.state, post.attempts, post.error) == (State.SCHEDULED, 1, "429 Too Many Requests")
    assert post.due_at is not None
    assert NOW + 120 * SECOND <= post.due_at <= NOW + 120 * SECOND + 2 * SECOND  # hint, or backoff ≤ 2 s
    assert post.publish_at == NOW - SECOND  # the planned time stays what it was
    assert run.dispatch_due(now=Clock(NOW + 119 * SECOND)) == []  # not before the hint

    (retried,) = run.dispatch_due(now=Clock(post.due_at))
    assert (retried.state, retried.attempts, retried.remote_id) == (State.PUBLISHED, 2, "110")
    assert [p.idempotency_key for p in publisher.published] == [post.idempotency_key] * 2
    assert notices == []


def test_without_a_hint_the_first_retry_waits_at_most_the_base_delay(store: Store):
    (post_id,) = queue(store, "a")
    dispatcher(store, ScriptedPublisher(TransientError("connection reset"))).dispatch_due(now=Clock())
    post = store.get(post_id)
    assert post.state == State.SCHEDULED
    assert post.due_at is not None and NOW <= post.due_at <= NOW + 2 * SECOND


def test_after_max_attempts_the_post_fails(store: Store, notices: list[tuple[int, str]]):
    (post_id,) = queue(store, "a")
    publisher = ScriptedPublisher(*[TransientError("503 Service Unavailable") for _ in range(POLICY.max_attempts)])
    run = dispatcher(store, publisher, notices)
    clock = Clock()
    for attempt in range(1, POLICY.max_attempts + 1):
        (post,) = run.dispatch_due(now=clock)
        assert post.attempts == attempt
        if attempt < POLICY.max_attempts:
            assert post.state == State.SCHEDULED and post.due_at is not None
            clock.at = post.due_at
    assert (post.state, post.error) == (State.FAILED, "503 Service Unavailable")
    assert last(store, post_id).reason.startswith(f"gave up after {POLICY.max_attempts} attempts")
    assert len(publisher.published) == POLICY.max_attempts
    assert notices == [(post_id, State.FAILED)]
    assert run.dispatch_due(now=Clock(NOW + dt.timedelta(days=1))) == []


# -- backoff ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "policy", [RetryPolicy(), RetryPolicy(base=0.5, cap=10.0), RetryPolicy(base=60, cap=3600)], ids=repr
)
def test_retry_delay_stays_within_full_jitter_bounds(policy: RetryPolicy):
    rng = random.Random(2025)
    for attempt in range(1, 40):
        bound = min(policy.cap, policy.base * 2 ** (attempt - 1))
        for _ in range(200):
            assert 0.0 <= policy.delay(attempt, None, rng) <= bound
            for hint in (0.0, bound / 2, bound * 3, 86_400.0):
                delay = policy.delay(attempt, hint, rng)
                assert hint <= delay <= max(hint, bound), (attempt, hint, delay)


def test_retry_delay_is_spread_over_the_whole_range():
    """Full jitter: delays fill 0…bound (not a constant, not only its upper half)."""
    policy, rng = RetryPolicy(base=2.0, cap=900.0), random.Random(11)
    delays = [policy.delay(4, None, rng) for _ in range(2000)]  # bound 16 s
    assert min(delays) < 0.5 and max(delays) > 15.5
    assert 7.0 < sum(delays) / len(delays) < 9.0
    capped = [policy.delay(30, None, rng) for _ in range(500)]  # 2 × 2^29 s, capped at 900 s
    assert max(capped) <= 900 and max(capped) > 850


# -- reconciling ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "error",
    [AmbiguousError("read timeout after sending"), DuplicateError("already posted")],
    ids=["ambiguous", "duplicate"],
)
def test_a_post_that_did_go_out_is_reconciled_to_published_without_resending(store: Store, error: PublishError):
    (post_id,) = queue(store, "a")
    publisher = ScriptedPublisher(
        error, reconcile=(Reconciliation(Outcome.PUBLISHED, PublishResult("111", "https://example.social/111")),)
    )
    run = dispatcher(store, publisher)
    run.dispatch_due(now=Clock())
    post = store.get(post_id)
    assert (post.state, post.remote_id, post.remote_url) == (State.PUBLISHED, "111", "https://example.social/111")
    assert str(error) in last(store, post_id).reason
    assert len(publisher.published) == 1 and [p.id for p in publisher.reconciled] == [post_id]
    assert publisher.reconciled[0].idempotency_key == publisher.published[0].idempotency_key
    assert run.dispatch_due(now=Clock(NOW + dt.timedelta(days=1))) == []  # and never sent again


def test_a_post_that_did_not_go_out_is_scheduled_again(store: Store, notices: list[tuple[int, str]]):
    (post_id,) = queue(store, "a")
    publisher = ScriptedPublisher(
        AmbiguousError("502 Bad Gateway"), PublishResult("112"), reconcile=(Reconciliation(Outcome.NOT_PUBLISHED),)
    )
    run = dispatcher(store, publisher, notices)
    run.dispatch_due(now=Clock())
    post = store.get(post_id)
    assert (post.state, post.attempts) == (State.SCHEDULED, 1)
    assert len(publisher.published) == 1
    assert post.due_at is not None
    (again,) = run.dispatch_due(now=Clock(post.due_at))
    assert (again.state, again.attempts, again.remote_id) == (State.PUBLISHED, 2, "112")
    assert notices == []


def test_an_unknown_outcome_needs_attention(store: Store, notices: list[tuple[int, str]]):
    first, second = queue(store, "a", "b")
    publisher = ScriptedPublisher(
        AmbiguousError("read timeout"),
        AmbiguousError("read timeout"),
        reconcile=(Reconciliation(Outcome.UNKNOWN), *[TransientError("search API down")] * RECONCILE_TRIES),
    )
    dispatcher(store, publisher, notices).dispatch_due(now=Clock())
    for post_id in (first, second):
        post = store.get(post_id)
        assert post.state == State.NEEDS_ATTENTION
        assert "check mastodon:main by hand" in last(store, post_id).reason
    assert "reconcile failed: search API down" in (store.get(second).error or "")
    assert len(publisher.published) == 2  # never resent
    assert notices == [(first, State.NEEDS_ATTENTION), (second, State.NEEDS_ATTENTION)]


def test_a_post_held_back_by_pacing_costs_no_attempt(store: Store, notices: list[tuple[int, str]]):
    (_post_id,) = queue(store, "a")
    held = [
        RateLimitedError("2 left in the window, the post needs 3", retry_after=30.0, unsent=True)
        for _ in range(POLICY.max_attempts + 2)
    ]
    publisher = ScriptedPublisher(*held, PublishResult("114"))
    run, clock = dispatcher(store, publisher, notices), Clock()
    for _ in held:  # more often than max_attempts: it never fails for it
        (post,) = run.dispatch_due(now=clock)
        assert (post.state, post.attempts, post.due_at) == (State.SCHEDULED, 0, clock.at + 30 * SECOND)
        clock.at = post.due_at
    (post,) = run.dispatch_due(now=clock)
    assert (post.state, post.remote_id, post.attempts) == (State.PUBLISHED, "114", 1) and notices == []


def test_a_reconcile_that_meets_a_passing_fault_asks_again(store: Store, notices: list[tuple[int, str]]):
    (post_id,) = queue(store, "a")
    publisher = ScriptedPublisher(
        AmbiguousError("502 Bad Gateway"),
        reconcile=(
            TransientError("503 from the search"),
            RateLimitedError("429", retry_after=7.0),
            Reconciliation(Outcome.PUBLISHED, PublishResult("113")),
        ),
    )
    SLEPT.clear()
    dispatcher(store, publisher, notices).dispatch_due(now=Clock())
    post = store.get(post_id)
    assert (post.state, post.remote_id) == (State.PUBLISHED, "113") and notices == []
    assert len(publisher.published) == 1 and len(publisher.reconciled) == 3
    assert len(SLEPT) == 2 and SLEPT[1] >= 7.0  # the platform's hint is honoured


def test_a_reconcile_is_not_asked_again_beyond_its_patience(store: Store):
    (post_id,) = queue(store, "a")
    publisher = ScriptedPublisher(
        AmbiguousError("502 Bad Gateway"), reconcile=(RateLimitedError("429", retry_after=RECONCILE_PATIENCE + 1),)
    )
    dispatcher(store, publisher).dispatch_due(now=Clock())
    assert store.get(post_id).state == State.NEEDS_ATTENTION and len(publisher.reconciled) == 1


def test_reconcile_in_flight_settles_a_dead_workers_posts_without_publishing(store: Store):
    ids = queue(store, "a", "b", "c")
    claimed = store.claim_due(now=NOW, worker="dead-worker")  # then the process was killed
    assert [p.id for p in claimed] == ids
    publisher = ScriptedPublisher(
        PublishResult("later"),
        reconcile=(
            Reconciliation(Outcome.PUBLISHED, PublishResult("113", "https://example.social/113")),
            Reconciliation(Outcome.NOT_PUBLISHED),
            Reconciliation(Outcome.UNKNOWN),
        ),
    )
    run = dispatcher(store, publisher, worker="fresh")
    settled = run.reconcile_in_flight(now=NOW + 60 * SECOND)

    assert [p.id for p in settled] == ids
    assert [store.get(i).state for i in ids] == [State.PUBLISHED, State.SCHEDULED, State.NEEDS_ATTENTION]
    assert store.get(ids[0]).remote_id == "113"
    assert publisher.published == []
    assert [p.idempotency_key for p in publisher.reconciled] == [p.idempotency_key for p in claimed]
    assert store.in_flight() == []
    assert store.get(ids[1]).due_at == claimed[1].due_at < NOW  # never delivered: due again at once, in its place
    (resent,) = run.dispatch_due(now=Clock(NOW + 60 * SECOND))  # and then sent with the same key
    assert (resent.id, resent.state) == (ids[1], State.PUBLISHED)
    assert publisher.published[0].idempotency_key == claimed[1].idempotency_key


def test_reconcile_in_flight_leaves_a_live_workers_posts_alone(store: Store):
    (orphan,) = queue(store, "orphan", account="main")
    (busy,) = queue(store, "busy", account="regional")
    assert [p.id for p in store.claim_due(now=NOW, worker="dead-worker", limit=1)] == [orphan]
    assert [p.id for p in store.claim_due(now=NOW, worker="live-worker", limit=1)] == [busy]
    store.heartbeat("dead-worker", now=NOW - SECOND, starting=True)  # its last beat
    store.heartbeat("live-worker", now=NOW - SECOND, starting=True)
    store.heartbeat("live-worker", now=NOW + 60 * SECOND)
    publisher = ScriptedPublisher(reconcile=(Reconciliation(Outcome.NOT_PUBLISHED),))
    settled = dispatcher(store, publisher, worker="fresh").reconcile_in_flight(
        now=NOW + 60 * SECOND, alive_since=NOW + 45 * SECOND
    )
    assert [p.id for p in settled] == [orphan] == [p.id for p in publisher.reconciled]
    assert store.get(orphan).state == State.SCHEDULED
    assert store.get(busy).state == State.PUBLISHING  # still its live worker's to finish
    assert publisher.published == []


def test_reconcile_in_flight_settles_posts_of_an_earlier_run_of_the_same_worker(store: Store):
    (post_id,) = queue(store, "a")
    store.heartbeat("host:1", now=NOW, starting=True)
    store.claim_due(now=NOW, worker="host:1")  # killed mid-post; the container restarts as host:1 again
    restarted = NOW + dt.timedelta(minutes=5)
    store.heartbeat("host:1", now=restarted, starting=True)
    publisher = ScriptedPublisher(reconcile=(Reconciliation(Outcome.NOT_PUBLISHED),))
    settled = dispatcher(store, publisher, worker="host:1").reconcile_in_flight(
        now=restarted, alive_since=restarted - 15 * SECOND
    )
    assert [p.id for p in settled] == [post_id]
    assert store.get(post_id).state == State.SCHEDULED


# -- a batch, shutdown and notices --------------------------------------------------------------------


def test_dispatch_due_publishes_due_posts_oldest_first_up_to_the_limit(store: Store):
    later, early, future = (
        queue(store, "later", at=NOW - SECOND)[0],
        queue(store, "early", at=NOW - 9 * SECOND)[0],
        queue(store, "future", at=NOW + SECOND)[0],
    )
    publisher = ScriptedPublisher(PublishResult("1"), PublishResult("2"))
    done = dispatcher(store, publisher).dispatch_due(now=Clock(), limit=5)
    assert [p.id for p in done] == [early, later] == [p.id for p in publisher.published]
    assert store.get(future).state == State.SCHEDULED


def test_stop_finishes_the_post_in_flight_and_hands_the_rest_back(store: Store):
    ids = queue(store, "a", "b", "c", "d")
    stop = threading.Event()

    def stopped_meanwhile(post: QueuedPost) -> PublishResult:
        stop.set()  # SIGTERM arrives while the first post is being sent
        return PublishResult("114")

    publisher = ScriptedPublisher(stopped_meanwhile)
    run = dispatcher(store, publisher)
    done = run.dispatch_due(now=Clock(), stop=stop)

    assert [p.id for p in done] == ids[:1] and done[0].state == State.PUBLISHED
    assert len(publisher.published) == 1
    assert store.in_flight() == []
    for post_id in ids[1:]:
        post = store.get(post_id)
        assert (post.state, post.attempts) == (State.SCHEDULED, 0)  # the claim's attempt is given back
        assert last(store, post_id).reason == "released unsent at shutdown"
    publisher = ScriptedPublisher(*[PublishResult(str(n)) for n in range(3)])
    again = dispatcher(store, publisher).dispatch_due(now=Clock())  # due at once after a restart
    assert [(p.id, p.attempts) for p in again] == [(i, 1) for i in ids[1:]]


def test_a_notice_goes_out_once_per_post_and_state(store: Store, notices: list[tuple[int, str]]):
    (post_id,) = queue(store, "a")
    publisher = ScriptedPublisher(
        AuthorisationError("token revoked"), AuthorisationError("token revoked"), RejectedError("duplicate content")
    )
    run = dispatcher(store, publisher, notices)
    for _ in range(3):  # fails, the user retries it, it fails the same way, retried again, then rejected
        (post,) = run.dispatch_due(now=Clock())
        store.transition(post_id, State.SCHEDULED, reason="retry", now=NOW, allowed_from={post.state})
    assert len(publisher.published) == 3
    assert notices == [(post_id, State.NEEDS_ATTENTION), (post_id, State.FAILED)]


@pytest.mark.parametrize(
    "failure",
    [
        NoticeError(
            "e-mail to mail.example:587 not sent: connection refused", channel="e-mail", target="mail.example:587"
        ),
        OSError("a channel with a bug"),  # not translated: still not the post's fault
    ],
)
def test_a_failing_notice_channel_does_not_stop_publishing(
    store: Store, caplog: pytest.LogCaptureFixture, failure: Exception
):
    ids = queue(store, "a", "b", "c")
    calls: list[int] = []

    def broken(post: QueuedPost) -> None:
        calls.append(post.id)
        raise failure

    publisher = ScriptedPublisher(RejectedError("no"), AuthorisationError("expired"), PublishResult("115"))
    done = dispatcher(store, publisher, notify=broken).dispatch_due(now=Clock())
    assert [p.state for p in done] == [State.FAILED, State.NEEDS_ATTENTION, State.PUBLISHED]
    assert [store.get(i).state for i in ids] == [State.FAILED, State.NEEDS_ATTENTION, State.PUBLISHED]
    assert calls == ids[:2]
    said = [record for record in caplog.records if "notice" in record.getMessage()]
    assert len(said) == 2  # once per notice
    if isinstance(failure, NoticeError):  # the expected failure: one line each, no traceback
        assert all(
            r.levelname == "WARNING" and r.exc_info is None and "connection refused" in r.getMessage() for r in said
        )


def test_an_unexpected_publisher_error_does_not_strand_the_rest_of_the_batch(store: Store):
    ids = queue(store, "a", "b", "c")
    publisher = ScriptedPublisher(RuntimeError("bug in a platform client"), PublishResult("1"), PublishResult("2"))
    with contextlib.suppress(RuntimeError):
        dispatcher(store, publisher).dispatch_due(now=Clock())
    assert [i for i in ids[1:] if store.get(i).state == State.PUBLISHING] == []


# -- the real dry-run publisher ---------------------------------------------------------------------


def outbox_lines(outbox: Path) -> list[str]:
    return outbox.read_text(encoding="utf-8").split("\n")[:-1]  # every line ends with \n


def test_dry_run_writes_one_line_with_the_exact_request_and_no_secret(store: Store, tmp_path: Path):
    (post_id,) = queue(store, "a", parts=("Teil 1", "Teil 2"), spoiler_text="Politik")
    outbox = tmp_path / "outbox" / "posts.jsonl"
    (post,) = dispatcher(store, DryRunPublisher(outbox, clock=Clock(NOW + 3 * SECOND))).dispatch_due(now=Clock())

    (line,) = outbox_lines(outbox)
    key = post.idempotency_key
    assert key and post.state == State.PUBLISHED and post.remote_id == f"dry-run-{key}"
    written = json.loads(line)
    reply_to = written["requests"][1]["body"].pop("in_reply_to_id")  # the id the rehearsal answered part 1 with
    assert isinstance(reply_to, str) and reply_to

    def headers(part: int) -> dict[str, str]:  # as the Mastodon client sends them: a key per part
        return {
            "Content-Type": "application/json",
            "Authorization": "Bearer [redacted]",
            "Idempotency-Key": f"{key}:{part}",
        }

    url = "https://mastodon.social/api/v1/statuses"
    assert written == {
        "post_id": post_id,
        "item_id": "a",
        "platform": "mastodon",
        "account": "main",
        "idempotency_key": key,
        "at": "2025-03-10T09:00:03+00:00",
        "requests": [
            {
                "method": "POST",
                "url": url,
                "headers": headers(0),
                "body": {"status": "Teil 1", "visibility": "public", "language": "de", "spoiler_text": "Politik"},
            },
            {
                "method": "POST",
                "url": url,
                "headers": headers(1),
                "body": {"status": "Teil 2", "visibility": "public", "language": "de", "spoiler_text": "Politik"},
            },
        ],
    }


def test_dry_run_reconcile_finds_sent_posts_by_their_key(store: Store, tmp_path: Path):
    outbox = tmp_path / "outbox.jsonl"
    publisher = DryRunPublisher(outbox, clock=Clock())
    queue(store, "sent", "unsent")
    sent, unsent = store.claim_due(now=NOW, worker="w1")
    assert publisher.reconcile(sent) == Reconciliation(Outcome.NOT_PUBLISHED)  # no outbox yet
    publisher.publish(sent)  # … and the daemon is killed before recording it

    found = publisher.reconcile(sent)
    assert found == Reconciliation(Outcome.PUBLISHED, PublishResult(remote_id=f"dry-run-{sent.idempotency_key}"))
    assert publisher.reconcile(unsent) == Reconciliation(Outcome.NOT_PUBLISHED)

    # the restarted daemon settles both without sending anything: still one line, for the sent post
    settled = dispatcher(store, publisher, worker="w2").reconcile_in_flight(now=NOW + SECOND)
    assert [(p.id, p.state) for p in settled] == [(sent.id, State.PUBLISHED), (unsent.id, State.SCHEDULED)]
    assert len(outbox_lines(outbox)) == 1


def _torn(line: str) -> str:
    return line[: len(line) // 2]  # what a crash in the middle of the write leaves behind


def test_dry_run_ignores_a_torn_last_line(store: Store, tmp_path: Path):
    outbox, scratch = tmp_path / "outbox.jsonl", tmp_path / "scratch.jsonl"
    publisher = DryRunPublisher(outbox, clock=Clock())
    queue(store, "whole", "torn")
    whole, torn = store.claim_due(now=NOW, worker="w1")
    publisher.publish(whole)
    DryRunPublisher(scratch, clock=Clock()).publish(torn)
    with open(outbox, "a", encoding="utf-8") as handle:
        handle.write(_torn(outbox_lines(scratch)[0]))

    assert sent_keys(outbox) == [whole.idempotency_key]
    assert publisher.reconcile(whole).outcome == Outcome.PUBLISHED
    assert publisher.reconcile(torn).outcome == Outcome.NOT_PUBLISHED


def test_dry_run_a_post_sent_after_a_torn_line_is_found_again(store: Store, tmp_path: Path):
    outbox, scratch = tmp_path / "outbox.jsonl", tmp_path / "scratch.jsonl"
    publisher = DryRunPublisher(outbox, clock=Clock())
    queue(store, "torn", "next")
    torn, following = store.claim_due(now=NOW, worker="w1")
    DryRunPublisher(scratch, clock=Clock()).publish(torn)
    outbox.write_text(_torn(outbox_lines(scratch)[0]), encoding="utf-8")  # crashed mid-write
    publisher.publish(following)  # after the restart
    assert publisher.reconcile(following).outcome == Outcome.PUBLISHED
    assert sent_keys(outbox) == [following.idempotency_key]


def _opened(path: Path) -> int:
    """How many file descriptors of this process have `path` open."""
    fds = Path("/proc/self/fd")
    return sum(1 for fd in fds.iterdir() if _target(fd) == str(path))


def _target(fd: Path) -> str | None:
    with contextlib.suppress(OSError):
        return str(fd.readlink())
    return None


def test_dry_run_adds_no_blank_line_when_another_worker_was_mid_write(store: Store, tmp_path: Path):
    # another worker holds the outbox lock and has written half its line when this one opens the file
    outbox = tmp_path / "outbox.jsonl"
    queue(store, "other", "mine")
    other, mine = store.claim_due(now=NOW, worker="w1")
    scratch = tmp_path / "scratch.jsonl"
    DryRunPublisher(scratch, clock=Clock()).publish(other)
    other_line = outbox_lines(scratch)[0] + "\n"
    with open(outbox, "a", encoding="utf-8") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        held.write(other_line[:40])
        held.flush()
        publishing = threading.Thread(target=DryRunPublisher(outbox, clock=Clock()).publish, args=(mine,))
        publishing.start()
        for _ in range(500):  # until the publisher has the file open (and waits for the lock)
            if _opened(outbox) == 2:
                break
            threading.Event().wait(0.01)
        held.write(other_line[40:])
        held.flush()
    publishing.join(timeout=10)

    lines = outbox.read_text(encoding="utf-8").split("\n")
    assert lines[-1] == "" and "" not in lines[:-1], lines  # no blank line, every line whole
    assert [json.loads(line)["post_id"] for line in lines[:-1]] == [other.id, mine.id]
    assert sent_keys(outbox) == [other.idempotency_key, mine.idempotency_key]


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85"], ids=["LS", "PS", "NEL"])
def test_dry_run_finds_a_post_whose_text_contains_a_unicode_line_separator(
    store: Store, tmp_path: Path, separator: str
):
    outbox = tmp_path / "outbox.jsonl"
    publisher = DryRunPublisher(outbox, clock=Clock())
    queue(store, "a", parts=(f"Erste Zeile{separator}zweite Zeile",))
    (post,) = store.claim_due(now=NOW, worker="w1")
    publisher.publish(post)
    assert publisher.reconcile(post).outcome == Outcome.PUBLISHED


def test_a_duplicate_answer_that_reconcile_cannot_find_needs_attention(tmp_path: Path):
    store = Store.open(f"sqlite:///{tmp_path / 'dup.sqlite3'}")
    (post_id,) = queue(store, "dup")
    publisher = ScriptedPublisher(
        DuplicateError("You are not allowed to create a Tweet with duplicate content."),
        reconcile=(Reconciliation(Outcome.NOT_PUBLISHED),),
    )
    (done,) = dispatcher(store, publisher).dispatch_due(now=Clock())
    assert done.state == State.NEEDS_ATTENTION and "duplicate" in done.error
    assert [p.id for p in publisher.published] == [post_id]  # sent once, then reconciled, never resent
    assert [p.id for p in publisher.reconciled] == [post_id]
    assert store.get(post_id).attempts == 1
