"""Threads and Facebook Pages clients against the fake Graph API (real HTTP on 127.0.0.1)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from scheduler.errors import AmbiguousError, AuthorisationError, DuplicateError, RejectedError
from scheduler.models import Content, QueuedPost
from scheduler.platforms.base import Outcome
from scheduler.platforms.facebook import FacebookPublisher
from scheduler.platforms.threads import ThreadsPublisher
from tests.fakes.meta_server import MetaFake

NOW = dt.datetime.now(dt.UTC)


@pytest.fixture
def fake() -> Iterator[MetaFake]:
    with MetaFake(token="meta-good") as server:
        yield server


def _post(platform: str, *parts: str, link: str | None = None) -> QueuedPost:
    return QueuedPost(
        id=1,
        item_id="i",
        platform=platform,
        account="default",
        state="publishing",
        publish_at=NOW,
        content=Content(parts, "de", links=(link,) if link else ()),
        idempotency_key="k",
        claimed_at=NOW,
    )


def test_threads_two_steps_and_replies(fake):
    client = ThreadsPublisher(fake.url, SecretStr("meta-good"))
    result = client.publish(_post("threads", "Teil eins 1/2", "Teil zwei 2/2"))
    assert [t["text"] for t in fake.threads] == ["Teil eins 1/2", "Teil zwei 2/2"]
    assert fake.threads[1]["reply_to_id"] == fake.threads[0]["id"] == result.remote_id
    assert [r["path"].rsplit("/", 1)[1] for r in fake.requests] == ["threads", "threads_publish"] * 2
    assert all(r["form"]["access_token"] == "meta-good" for r in fake.requests)


def test_threads_limit_counts_emoji_bytes(fake):
    client = ThreadsPublisher(fake.url, SecretStr("meta-good"))
    client.publish(_post("threads", "😀" * 125))  # 500 bytes of emoji: fits
    with pytest.raises(RejectedError, match="at most 500"):
        client.publish(_post("threads", "😀" * 126))


def test_threads_reconcile_reads_the_profile(fake):
    client = ThreadsPublisher(fake.url, SecretStr("meta-good"))
    assert client.reconcile(_post("threads", "Noch nicht")).outcome == Outcome.NOT_PUBLISHED
    client.publish(_post("threads", "Jetzt da"))
    assert client.reconcile(_post("threads", "Jetzt da")).result.remote_id == fake.threads[0]["id"]


def test_facebook_feed_with_link_duplicate_and_token(fake):
    client = FacebookPublisher(fake.url, SecretStr("meta-good"), page_id="1234")
    result = client.publish(_post("facebook", "Neu im Newsletter", link="https://example.org/n"))
    assert fake.feed[0] == {"id": result.remote_id, "message": "Neu im Newsletter", "link": "https://example.org/n"}
    with pytest.raises(DuplicateError):
        client.publish(_post("facebook", "Neu im Newsletter"))
    with pytest.raises(AuthorisationError) as expired:  # Meta's code 190, told by the body of a 400
        FacebookPublisher(fake.url, SecretStr("expired"), page_id="1234").publish(_post("facebook", "x"))
    assert expired.value.status == 400 and expired.value.endpoint.startswith("POST /")
    assert expired.value.endpoint.endswith("/1234/feed")


def test_facebook_500_that_created_the_post_is_reconciled(fake):
    client = FacebookPublisher(fake.url, SecretStr("meta-good"), page_id="1234")
    fake.fail_next(
        500,
        {
            "error": {
                "message": "An unexpected error has occurred. Please retry your request later.",
                "type": "OAuthException",
                "code": 2,
            }
        },
        created=True,
    )
    with pytest.raises(AmbiguousError):
        client.publish(_post("facebook", "Trotz Fehler"))
    found = client.reconcile(_post("facebook", "Trotz Fehler"))
    assert found.outcome == Outcome.PUBLISHED and found.result.remote_id == fake.feed[0]["id"]
    assert len(fake.feed) == 1


def test_reprs_hide_the_token(fake):
    shown = repr(ThreadsPublisher(fake.url, SecretStr("meta-good"))) + repr(
        FacebookPublisher(fake.url, SecretStr("meta-good"), page_id="1")
    )
    assert "meta-good" not in shown
