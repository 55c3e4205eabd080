"""X threads after a crash or a lost answer: X has no idempotency key, so each part's id is noted in
the queue's store (a real SQLite file) as it goes out, and reconcile looks for the rest among the
account's posts (each a reply to the one before) on the fake X API on 127.0.0.1 — a thread is
finished, never repeated."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from scheduler.errors import AmbiguousError
from scheduler.models import Content, QueuedPost, State
from scheduler.platforms.base import Outcome
from scheduler.platforms.x import XPublisher
from scheduler.storage import NewPost, Store
from tests.fakes.journal import CrashingJournal, Killed
from tests.fakes.x_server import XFake

NOW = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
PARTS = ("Teil eins 1/3", "Teil zwei 2/3", "Teil drei 3/3")


@pytest.fixture
def fake() -> Iterator[XFake]:
    pytest.importorskip("twitter_text")
    with XFake(token="x") as server:
        yield server


def _claimed(store: Store, *parts: str) -> QueuedPost:
    store.add(
        [NewPost(item_id="i", platform="x", account="default", publish_at=NOW, content=Content(parts, "de"))],
        state=State.SCHEDULED,
        now=NOW,
        reason="test",
    )
    (post,) = store.claim_due(now=dt.datetime.now(dt.UTC), worker="w")
    return post


def _chain(fake: XFake) -> list[tuple[str, str | None]]:
    return [(t["text"], (t.get("referenced_tweets") or [{}])[0].get("id")) for t in fake.tweets]


@pytest.mark.parametrize("before", [True, False], ids=["killed before noting part 2", "killed after noting part 2"])
def test_a_thread_killed_between_parts_is_finished_once(fake, store, before: bool):
    post = _claimed(store, *PARTS)
    with pytest.raises(Killed):
        XPublisher(fake.url, SecretStr("x"), journal=CrashingJournal(store, "part:1", before=before)).publish(post)
    found = XPublisher(fake.url, SecretStr("x"), journal=store).reconcile(post)
    assert found.outcome == Outcome.PUBLISHED and found.result.remote_id == fake.tweets[0]["id"]
    ids = [t["id"] for t in fake.tweets]
    assert _chain(fake) == [(PARTS[0], None), (PARTS[1], ids[0]), (PARTS[2], ids[1])]  # each part once, in a chain


def test_a_lost_answer_on_the_first_part_is_found_and_the_rest_sent(fake, store):
    post = _claimed(store, *PARTS[:2])
    fake.fail_next(500, {"title": "Internal Server Error", "status": 500}, created=True)
    with pytest.raises(AmbiguousError):
        XPublisher(fake.url, SecretStr("x"), journal=store).publish(post)
    found = XPublisher(fake.url, SecretStr("x"), journal=store).reconcile(post)
    assert found.outcome == Outcome.PUBLISHED
    assert _chain(fake) == [(PARTS[0], None), (PARTS[1], fake.tweets[0]["id"])]


def test_a_part_with_the_same_text_elsewhere_is_not_taken_for_the_reply(fake, store):
    """Part 2's text already stands on the account, but not as a reply to this thread's part 1."""
    fake.tweets.append({"id": "1", "text": PARTS[1], "created_at": "2020-01-01T00:00:00.000Z"})
    post = _claimed(store, PARTS[0], PARTS[1] + " ")
    with pytest.raises(Killed):
        XPublisher(fake.url, SecretStr("x"), journal=CrashingJournal(store, "part:0", before=False)).publish(post)
    XPublisher(fake.url, SecretStr("x"), journal=store).reconcile(post)
    assert [t["text"] for t in fake.tweets].count(PARTS[0]) == 1 and len(fake.tweets) == 3


def test_a_claimed_post_that_was_never_sent_is_known_not_published(fake, store):
    """A daemon killed with a batch claimed: the posts it never started are not out, even on an
    account whose listing cannot reach back to the claim (a new account)."""
    post = _claimed(store, PARTS[0])
    assert XPublisher(fake.url, SecretStr("x"), journal=store).reconcile(post).outcome == Outcome.NOT_PUBLISHED
    assert XPublisher(fake.url, SecretStr("x")).reconcile(post).outcome == Outcome.UNKNOWN  # without the notes
    assert fake.tweets == [] and not [r for r in fake.requests if r.get("body")]
