"""One contract, every client with a fake server: what the queue relies on when it publishes and
reconciles. (Bluesky also runs against the real reference PDS in test_bluesky_pds.py.)"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import SecretStr

from scheduler.errors import AmbiguousError, AuthorisationError
from scheduler.models import Content, QueuedPost
from scheduler.platforms.base import Outcome
from scheduler.platforms.bluesky import BlueskyPublisher
from scheduler.platforms.facebook import FacebookPublisher
from scheduler.platforms.linkedin import LinkedInPublisher
from scheduler.platforms.mastodon import MastodonPublisher
from scheduler.platforms.threads import ThreadsPublisher
from scheduler.platforms.x import XPublisher
from tests.fakes.bluesky_server import BlueskyFake
from tests.fakes.linkedin_server import LinkedInFake
from tests.fakes.mastodon_server import MastodonFake
from tests.fakes.meta_server import MetaFake
from tests.fakes.x_server import XFake

NOW = dt.datetime.now(dt.UTC)
TOKEN = "contract-token-0042"


@dataclass
class Case:
    platform: str
    fake: Any
    client: Callable[[str], Any]
    texts: Callable[[], list[str]]  # what the fake holds, as plain text
    server_error: dict[str, Any]


def _mastodon() -> tuple[Any, Case]:
    fake = MastodonFake(token=TOKEN)
    from scheduler.platforms.mastodon import _plain

    return fake, Case(
        "mastodon",
        fake,
        lambda token: MastodonPublisher(fake.url, SecretStr(token)),
        lambda: [_plain(s["content"]) for s in fake.statuses],
        {"error": "Internal server error"},
    )


def _x() -> tuple[Any, Case]:
    pytest.importorskip("twitter_text")
    fake = XFake(token=TOKEN)
    return fake, Case(
        "x",
        fake,
        lambda token: XPublisher(fake.url, SecretStr(token)),
        lambda: [t["text"] for t in fake.tweets],
        {"title": "Internal Server Error", "status": 500},
    )


def _linkedin() -> tuple[Any, Case]:
    fake = LinkedInFake(token=TOKEN)
    return fake, Case(
        "linkedin",
        fake,
        lambda token: LinkedInPublisher(fake.url, SecretStr(token), author="urn:li:organization:1", version="202601"),
        lambda: [p["text"] for p in fake.posts],
        {"status": 500, "message": "Internal Server Error"},
    )


def _threads() -> tuple[Any, Case]:
    fake = MetaFake(token=TOKEN)
    return fake, Case(
        "threads",
        fake,
        lambda token: ThreadsPublisher(fake.url, SecretStr(token)),
        lambda: [t["text"] for t in fake.threads],
        {"error": {"message": "An unknown error occurred", "code": 2}},
    )


def _facebook() -> tuple[Any, Case]:
    fake = MetaFake(token=TOKEN, page_id="1234")
    return fake, Case(
        "facebook",
        fake,
        lambda token: FacebookPublisher(fake.url, SecretStr(token), page_id="1234"),
        lambda: [p["message"] for p in fake.feed],
        {"error": {"message": "An unexpected error has occurred.", "code": 2}},
    )


def _bluesky() -> tuple[Any, Case]:
    fake = BlueskyFake(handle="comms.test", password=TOKEN)
    return fake, Case(
        "bluesky",
        fake,
        lambda token: BlueskyPublisher(fake.url, "comms.test", SecretStr(token)),
        lambda: [r["value"]["text"] for r in fake.records.values()],
        {"error": "InternalServerError", "message": "Internal Server Error"},
    )


@pytest.fixture(params=[_mastodon, _bluesky, _x, _linkedin, _threads, _facebook], ids=lambda f: f.__name__.strip("_"))
def case(request: pytest.FixtureRequest) -> Iterator[Case]:
    fake, built = request.param()
    with fake:
        yield built


def _post(platform: str, text: str, key: str = "contract-1") -> QueuedPost:
    return QueuedPost(
        id=1,
        item_id="i",
        platform=platform,
        account="default",
        state="publishing",
        publish_at=NOW,
        content=Content((text,), "de"),
        idempotency_key=key,
        claimed_at=NOW,
    )


def test_publish_returns_the_remote_id_and_creates_one_post(case: Case):
    result = case.client(TOKEN).publish(_post(case.platform, "Grüße aus Köln – Akti(F) Plus #Familie"))
    assert result.remote_id
    assert case.texts() == ["Grüße aus Köln – Akti(F) Plus #Familie"]


def test_reconcile_after_publishing_finds_it_without_a_second_copy(case: Case):
    client = case.client(TOKEN)
    published = client.publish(_post(case.platform, "Einmal und nicht öfter"))
    found = client.reconcile(_post(case.platform, "Einmal und nicht öfter"))
    assert found.outcome == Outcome.PUBLISHED and found.result.remote_id == published.remote_id
    assert case.texts() == ["Einmal und nicht öfter"]


def test_reconcile_of_a_post_never_sent_leaves_at_most_one_copy(case: Case):
    found = case.client(TOKEN).reconcile(_post(case.platform, "Nie gesendet", key="contract-2"))
    copies = case.texts().count("Nie gesendet")
    if found.outcome == Outcome.PUBLISHED:  # Mastodon: an idempotent replay publishes it exactly once
        assert copies == 1
    else:
        assert copies == 0


def test_a_server_error_that_still_created_the_post_ends_published_once(case: Case):
    client = case.client(TOKEN)
    case.fake.fail_next(500, case.server_error, created=True)
    try:  # Bluesky settles it inside publish (it knows the record key); the others say "ambiguous"
        client.publish(_post(case.platform, "Trotz Fehler angekommen"))
    except AmbiguousError:
        found = client.reconcile(_post(case.platform, "Trotz Fehler angekommen"))
        assert found.outcome == Outcome.PUBLISHED
    assert case.texts().count("Trotz Fehler angekommen") == 1


def test_a_wrong_token_is_an_authorisation_error_and_creates_nothing(case: Case):
    with pytest.raises(AuthorisationError):
        case.client("not-the-token").publish(_post(case.platform, "Unbefugt"))
    assert case.texts() == []


def test_repr_never_shows_the_token(case: Case):
    assert TOKEN not in repr(case.client(TOKEN))


def test_bluesky_refreshes_an_expired_session_and_rotates_both_tokens():
    with BlueskyFake(password=TOKEN) as fake:
        client = BlueskyPublisher(fake.url, "comms.test", SecretStr(TOKEN))
        client.publish(_post("bluesky", "Vor dem Ablauf", key="b-1"))
        first = dict(client.session())
        fake.expire_access_tokens()  # the PDS answers 400 ExpiredToken from now on
        client.publish(_post("bluesky", "Nach dem Ablauf", key="b-2"))
        second = client.session()
        assert fake.refreshes == 1 and fake.sessions == 1  # refreshed, not logged in again
        assert second["accessJwt"] != first["accessJwt"] and second["refreshJwt"] != first["refreshJwt"]
        assert sorted(r["value"]["text"] for r in fake.records.values()) == ["Nach dem Ablauf", "Vor dem Ablauf"]
