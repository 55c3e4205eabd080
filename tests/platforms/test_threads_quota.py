"""Threads' publishing quota (250 posts in a moving 24 hours, replies apart) and its answer to
publishing a container it has not found yet (subcode 4279009), against the fake Graph API on
127.0.0.1; the container ids are noted in a real SQLite queue."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from scheduler.errors import RateLimitedError, TransientError
from scheduler.models import Content, QueuedPost, State
from scheduler.platforms.threads import NOT_FOUND_PAUSE, QUOTA_RETRY, ThreadsPublisher
from scheduler.publishing import Dispatcher, RetryPolicy
from scheduler.storage import NewPost, Store
from tests.fakes.meta_server import MetaFake

NOW = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def fake() -> Iterator[MetaFake]:
    with MetaFake(token="meta") as server:
        yield server


def _queue(store: Store, *parts: str) -> None:
    store.add(
        [NewPost(item_id="i", platform="threads", account="default", publish_at=NOW, content=Content(parts, "de"))],
        state=State.SCHEDULED,
        now=NOW,
        reason="test",
    )


def _claimed(store: Store, *parts: str) -> QueuedPost:
    _queue(store, *parts)
    (post,) = store.claim_due(now=NOW, worker="w")
    return post


def _client(fake: MetaFake, store: Store, pauses: list[float] | None = None) -> ThreadsPublisher:
    return ThreadsPublisher(
        fake.url, SecretStr("meta"), journal=store, sleep=(pauses.append if pauses is not None else lambda _: None)
    )


def test_a_post_beyond_the_quota_is_held_back_before_any_request(fake, store):
    fake.quota_used = 250
    with pytest.raises(RateLimitedError, match="used its publishing quota for the last 24 hours") as raised:
        _client(fake, store).publish(_claimed(store, "Ein Beitrag zu viel"))
    assert raised.value.unsent and raised.value.retry_after == QUOTA_RETRY
    assert fake.requests == [] and fake.containers == {}  # nothing created, nothing published


def test_the_queue_retries_a_held_back_post_an_hour_later_without_spending_an_attempt(fake, store):
    fake.quota_used = 250
    _queue(store, "Morgen wieder")
    dispatcher = Dispatcher(store, _client(fake, store), worker="w", policy=RetryPolicy(max_attempts=2))
    (post,) = dispatcher.dispatch_due(now=lambda: NOW)
    assert post.state == State.SCHEDULED and post.attempts == 0
    assert post.due_at == NOW + dt.timedelta(seconds=QUOTA_RETRY)
    fake.quota_used = 0  # a day's posts have aged out of the window
    later = post.due_at
    (post,) = dispatcher.dispatch_due(now=lambda: later)
    assert post.state == State.PUBLISHED and [t["text"] for t in fake.threads] == ["Morgen wieder"]


def test_one_post_left_is_enough_for_a_whole_thread_replies_count_apart(fake, store):
    fake.quota_used = 249
    _client(fake, store).publish(_claimed(store, "Teil 1/3", "Teil 2/3", "Teil 3/3"))
    assert [t["text"] for t in fake.threads] == ["Teil 1/3", "Teil 2/3", "Teil 3/3"]
    assert fake.quota_usage() == 250


def test_a_quota_that_cannot_be_read_does_not_stop_publishing(fake, store, caplog):
    fake.quota_readable = False  # e.g. a token without the permission
    result = _client(fake, store).publish(_claimed(store, "Trotzdem veröffentlicht"))
    assert [t["id"] for t in fake.threads] == [result.remote_id]
    assert "could not read the Threads publishing quota" in caplog.text


def test_a_container_threads_has_not_found_yet_is_published_again_after_a_pause(fake, store):
    fake.not_found_publishes = 2
    pauses: list[float] = []
    result = _client(fake, store, pauses).publish(_claimed(store, "Gleich da"))
    assert pauses == [NOT_FOUND_PAUSE, NOT_FOUND_PAUSE]
    assert [t["id"] for t in fake.threads] == [result.remote_id] and len(fake.containers) == 1


def test_a_container_still_not_found_is_retried_later_with_the_same_container(fake, store):
    fake.not_found_publishes = 3
    post = _claimed(store, "Später da")
    with pytest.raises(TransientError, match="not found the new container"):
        _client(fake, store).publish(post)
    assert fake.threads == []
    _client(fake, store).publish(post)  # the queue's retry
    assert [t["text"] for t in fake.threads] == ["Später da"] and len(fake.containers) == 1
