"""Threads after a crash: the container ids noted in the queue's store (a real SQLite file) let
reconcile ask Threads about exactly those containers (`GET /{container}?fields=status`) — the
fake Graph API on 127.0.0.1 keeps each container's status."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from scheduler.errors import AmbiguousError
from scheduler.models import Content, QueuedPost, State
from scheduler.platforms.base import Outcome
from scheduler.platforms.threads import ThreadsPublisher
from scheduler.storage import NewPost, Store
from tests.fakes.journal import CrashingJournal, Killed
from tests.fakes.meta_server import MetaFake

NOW = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def fake() -> Iterator[MetaFake]:
    with MetaFake(token="meta") as server:
        yield server


def _claimed(store: Store, *parts: str) -> QueuedPost:
    store.add(
        [NewPost(item_id="i", platform="threads", account="default", publish_at=NOW, content=Content(parts, "de"))],
        state=State.SCHEDULED,
        now=NOW,
        reason="test",
    )
    (post,) = store.claim_due(now=NOW, worker="w")
    return post


def _client(fake: MetaFake, journal) -> ThreadsPublisher:  # type: ignore[no-untyped-def]  # reason: a test double; the interface's signature is not repeated
    return ThreadsPublisher(fake.url, SecretStr("meta"), journal=journal)


def test_a_container_that_was_never_published_is_reused_not_duplicated(fake, store):
    post = _claimed(store, "Ein Beitrag")
    fake.fail_next(500, {"error": {"message": "An unexpected error has occurred.", "code": 2}})  # nothing published
    with pytest.raises(AmbiguousError):
        _client(fake, store).publish(post)
    found = _client(fake, store).reconcile(post)
    assert found.outcome == Outcome.NOT_PUBLISHED and fake.threads == []
    _client(fake, store).publish(post)  # the retry publishes the container made the first time
    assert [t["text"] for t in fake.threads] == ["Ein Beitrag"] and len(fake.containers) == 1


def test_a_container_published_before_the_answer_was_lost_is_found(fake, store):
    post = _claimed(store, "Schon draußen")
    fake.fail_next(500, {"error": {"message": "An unexpected error has occurred.", "code": 2}}, created=True)
    with pytest.raises(AmbiguousError):
        _client(fake, store).publish(post)
    found = _client(fake, store).reconcile(post)
    assert found.outcome == Outcome.PUBLISHED and found.result.remote_id == fake.threads[0]["id"]
    assert len(fake.threads) == 1 and len(fake.containers) == 1  # nothing sent again


@pytest.mark.parametrize("before", [True, False], ids=["killed before noting", "killed after noting"])
def test_a_thread_killed_between_parts_is_finished_once(fake, store, before: bool):
    post = _claimed(store, "Teil eins 1/3", "Teil zwei 2/3", "Teil drei 3/3")
    with pytest.raises(Killed):  # part 2 went out (or only its container was made); then the process died
        _client(fake, CrashingJournal(store, "part:1" if before else "container:1", before=before)).publish(post)
    found = _client(fake, store).reconcile(post)
    assert found.outcome == Outcome.PUBLISHED and found.result.remote_id == fake.threads[0]["id"]
    assert [t["text"] for t in fake.threads] == ["Teil eins 1/3", "Teil zwei 2/3", "Teil drei 3/3"]
    assert fake.threads[1]["reply_to_id"] == fake.threads[0]["id"]
    assert fake.threads[2]["reply_to_id"] == fake.threads[1]["id"]
    assert len(fake.containers) == 3  # no part's container made twice


def test_an_expired_container_is_given_up_and_made_again(fake, store):
    post = _claimed(store, "Nach einem Tag")
    with pytest.raises(Killed):
        _client(fake, CrashingJournal(store, "container:0", before=False)).publish(post)
    (container,) = fake.containers
    fake.containers[container]["status"] = "EXPIRED"  # containers expire 24 h after creation
    assert _client(fake, store).reconcile(post).outcome == Outcome.NOT_PUBLISHED
    result = _client(fake, store).publish(post)
    assert [t["text"] for t in fake.threads] == ["Nach einem Tag"] and result.remote_id == fake.threads[0]["id"]
    assert len(fake.containers) == 2
