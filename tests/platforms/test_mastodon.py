"""The Mastodon client against the fake Mastodon server (real HTTP on 127.0.0.1)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from scheduler.errors import AmbiguousError, AuthorisationError, RateLimitedError, RejectedError
from scheduler.models import Content, QueuedPost
from scheduler.platforms.base import Outcome
from scheduler.platforms.mastodon import MastodonPublisher
from tests.fakes.mastodon_server import MastodonFake

NOW = dt.datetime.now(dt.UTC)


@pytest.fixture
def fake() -> Iterator[MastodonFake]:
    with MastodonFake(token="good-token") as server:
        yield server


def _post(*parts: str, key: str = "post-1", claimed: dt.datetime = NOW, spoiler_text: str = "") -> QueuedPost:
    return QueuedPost(
        id=1,
        item_id="i",
        platform="mastodon",
        account="default",
        state="publishing",
        publish_at=NOW,
        content=Content(parts, "de", spoiler_text=spoiler_text),
        idempotency_key=key,
        claimed_at=claimed,
    )


def _client(fake: MastodonFake, token: str = "good-token") -> MastodonPublisher:
    return MastodonPublisher(fake.url, SecretStr(token))


def test_publish_sends_the_status_with_language_and_idempotency_key(fake):
    result = _client(fake).publish(_post("Grüße aus Köln https://example.org/a #Familie", spoiler_text="CW"))
    (request,) = fake.requests
    assert request["body"] == {
        "status": "Grüße aus Köln https://example.org/a #Familie",
        "visibility": "public",
        "language": "de",
        "spoiler_text": "CW",
    }
    assert request["headers"]["idempotency-key"] == "post-1:0"
    assert request["headers"]["authorization"] == "Bearer good-token"
    assert result.remote_id == fake.statuses[0]["id"] and result.remote_url.endswith(result.remote_id)


def test_thread_parts_reply_to_the_previous_part(fake):
    result = _client(fake).publish(_post("Teil eins 1/3", "Teil zwei 2/3", "Teil drei 3/3"))
    ids = [status["id"] for status in fake.statuses]
    assert [status["in_reply_to_id"] for status in fake.statuses] == [None, ids[0], ids[1]]
    assert result.remote_id == ids[0]


def test_every_part_of_a_thread_has_the_configured_visibility(fake):
    client = MastodonPublisher(fake.url, SecretStr("good-token"), visibility="unlisted")
    client.publish(_post("Nicht in der öffentlichen Zeitleiste 1/2", "Teil zwei 2/2"))
    assert [status["visibility"] for status in fake.statuses] == ["unlisted", "unlisted"]


def test_an_unknown_visibility_is_refused_before_anything_is_sent(fake):
    with pytest.raises(ValueError, match="'friends' is not one of public, unlisted, private, direct"):
        MastodonPublisher(fake.url, SecretStr("good-token"), visibility="friends")
    assert fake.requests == []


def test_resending_the_same_post_creates_nothing_new(fake):
    client = _client(fake)
    first = client.publish(_post("Nur einmal"))
    again = client.publish(_post("Nur einmal"))
    assert first == again and len(fake.statuses) == 1


def test_reconcile_within_the_hour_is_an_idempotent_replay(fake):
    client = _client(fake)
    client.publish(_post("Schon da", "Fehlt noch"))
    fake.statuses.pop()  # the second part never arrived
    fake.idempotency.pop("post-1:1")
    found = client.reconcile(_post("Schon da", "Fehlt noch"))
    assert found.outcome == Outcome.PUBLISHED
    assert [s["content"] for s in fake.statuses] == ["<p>Schon da</p>", "<p>Fehlt noch</p>"]


def test_reconcile_after_the_hour_reads_the_account_back(fake):
    client = _client(fake)
    long_ago = NOW - dt.timedelta(hours=3)
    client.publish(_post("Alter Beitrag\n\nmit zwei Absätzen", claimed=long_ago))
    fake.requests.clear()
    found = client.reconcile(_post("Alter Beitrag\n\nmit zwei Absätzen", claimed=long_ago))
    assert found.outcome == Outcome.PUBLISHED and found.result.remote_id == fake.statuses[0]["id"]
    assert all(r for r in fake.requests) and not fake.requests  # reading back sent no POST


def test_reconcile_after_the_hour_without_a_match_is_unknown_or_not_published(fake):
    client = _client(fake)
    assert client.reconcile(_post("Nie gesendet", claimed=NOW - dt.timedelta(hours=3))).outcome == Outcome.UNKNOWN
    client.publish(_post("Etwas anderes", key="post-9"))  # newest status is older than... nothing: still unknown
    old = _post("Nie gesendet", claimed=NOW + dt.timedelta(hours=1))  # the list reaches back past the attempt
    client.clock = lambda: NOW + dt.timedelta(hours=3)
    assert client.reconcile(old).outcome == Outcome.NOT_PUBLISHED


def test_wrong_token_is_an_authorisation_error(fake):
    with pytest.raises(AuthorisationError) as info:
        _client(fake, "expired").publish(_post("x"))
    assert (info.value.status, info.value.endpoint) == (401, "POST /api/v1/statuses")


def test_over_the_limit_is_rejected_with_the_platform_message(fake):
    with pytest.raises(RejectedError, match="character limit of 500") as info:  # the platform's words, for people
        _client(fake).publish(_post("ä" * 501))
    assert (info.value.status, info.value.endpoint) == (422, "POST /api/v1/statuses")
    _client(fake).publish(_post("ä" * 470 + " https://example.org/" + "x" * 200))  # URL counts 23: fits


def test_rate_limit_uses_the_iso_reset_header(fake):
    fake.rate_limit = 0
    with pytest.raises(RateLimitedError) as info:
        _client(fake).publish(_post("zu viel"))
    assert 25 <= info.value.retry_after <= 30


def test_server_error_on_create_is_ambiguous(fake):
    fake.fail_next(500, {"error": "Internal server error"})
    with pytest.raises(AmbiguousError):
        _client(fake).publish(_post("vielleicht"))


def test_repr_never_shows_the_token(fake):
    assert "good-token" not in repr(_client(fake))
