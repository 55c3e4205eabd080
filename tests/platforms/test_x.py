"""The X client against the fake X API (real HTTP on 127.0.0.1)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from scheduler.errors import AmbiguousError, AuthorisationError, DuplicateError, RateLimitedError, RejectedError
from scheduler.models import Content, QueuedPost
from scheduler.platforms.base import Outcome
from scheduler.platforms.x import XPublisher
from tests.fakes.x_server import XFake

NOW = dt.datetime.now(dt.UTC)


@pytest.fixture
def fake() -> Iterator[XFake]:
    pytest.importorskip("twitter_text")
    with XFake(token="x-good") as server:
        yield server


def _post(*parts: str, claimed: dt.datetime = NOW) -> QueuedPost:
    return QueuedPost(
        id=1,
        item_id="i",
        platform="x",
        account="default",
        state="publishing",
        publish_at=NOW,
        content=Content(parts, "de"),
        idempotency_key="k",
        claimed_at=claimed,
    )


def test_publish_and_thread(fake):
    client = XPublisher(fake.url, SecretStr("x-good"))
    result = client.publish(_post("Teil eins 1/2", "Teil zwei 2/2"))
    assert [r["body"] for r in fake.requests] == [
        {"text": "Teil eins 1/2"},
        {"text": "Teil zwei 2/2", "reply": {"in_reply_to_tweet_id": fake.tweets[0]["id"]}},
    ]
    assert (
        result.remote_id == fake.tweets[0]["id"] and result.remote_url == f"https://x.com/i/status/{result.remote_id}"
    )


def test_limit_is_the_reference_weighted_length(fake):
    client = XPublisher(fake.url, SecretStr("x-good"))
    client.publish(_post("中" * 140))  # 280 weighted: fits
    with pytest.raises(RejectedError, match="too long"):
        client.publish(_post("中" * 141))


def test_duplicate_content_is_reconciled_by_reading_back(fake):
    client = XPublisher(fake.url, SecretStr("x-good"))
    client.publish(_post("Schon gepostet"))
    with pytest.raises(DuplicateError):
        client.publish(_post("Schon gepostet"))
    found = client.reconcile(_post("Schon gepostet"))
    assert found.outcome == Outcome.PUBLISHED and found.result.remote_id == fake.tweets[0]["id"]


def test_a_5xx_that_created_the_post_is_found_by_reconcile(fake):
    client = XPublisher(fake.url, SecretStr("x-good"))
    fake.fail_next(500, {"title": "Internal Server Error", "status": 500}, created=True)
    with pytest.raises(AmbiguousError):
        client.publish(_post("Trotz Fehler da"))
    assert client.reconcile(_post("Trotz Fehler da")).outcome == Outcome.PUBLISHED


def test_reconcile_of_a_post_never_sent(fake):
    client = XPublisher(fake.url, SecretStr("x-good"))
    assert client.reconcile(_post("Nie gesendet")).outcome == Outcome.UNKNOWN  # nothing to compare with
    client.publish(_post("Ein anderer Beitrag"))
    later = _post("Nie gesendet", claimed=NOW + dt.timedelta(hours=1))
    assert client.reconcile(later).outcome == Outcome.NOT_PUBLISHED


def test_auth_and_rate_limit(fake):
    with pytest.raises(AuthorisationError):
        XPublisher(fake.url, SecretStr("expired")).publish(_post("x"))
    fake.rate_limit = 0
    with pytest.raises(RateLimitedError) as info:
        XPublisher(fake.url, SecretStr("x-good")).publish(_post("zu viele"))
    assert 50 <= info.value.retry_after <= 60
