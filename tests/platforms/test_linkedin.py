"""The LinkedIn client against the fake Posts API (real HTTP on 127.0.0.1)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from scheduler.errors import AuthorisationError, DuplicateError, RejectedError
from scheduler.models import Content, QueuedPost
from scheduler.platforms.base import Outcome
from scheduler.platforms.linkedin import LinkedInPublisher
from tests.fakes.linkedin_server import LinkedInFake, published_text

NOW = dt.datetime.now(dt.UTC)
ORG = "urn:li:organization:4711"


@pytest.fixture
def fake() -> Iterator[LinkedInFake]:
    with LinkedInFake(token="li-good") as server:
        yield server


def _client(
    fake: LinkedInFake, *, author: str = ORG, version: str = "202601", token: str = "li-good"
) -> LinkedInPublisher:
    return LinkedInPublisher(fake.url, SecretStr(token), author=author, version=version)


def _post(text: str) -> QueuedPost:
    return QueuedPost(
        id=1,
        item_id="i",
        platform="linkedin",
        account="default",
        state="publishing",
        publish_at=NOW,
        content=Content((text,), "de"),
        idempotency_key="k",
        claimed_at=NOW,
    )


def test_the_example_issue_text_is_published_whole(fake, example_issue):
    text = example_issue.items[1].body + "\n\n#AktifPlus #ESFPlus"  # Mitstreiter*innen, Vertreter*innen …
    result = _client(fake).publish(_post(text))
    (stored,) = fake.posts
    assert stored["text"] == text  # escaped, so nothing was cut at the first '*'
    assert result.remote_id == stored["id"] and result.remote_url.endswith(stored["id"])
    headers = fake.requests[0]["headers"]
    assert headers["linkedin-version"] == "202601" and headers["x-restli-protocol-version"] == "2.0.0"


def test_the_fake_really_cuts_unescaped_text():
    assert published_text("Akti(F) Plus") == "Akti"
    assert published_text("Akti\\(F\\) Plus {hashtag|\\#|Familie}") == "Akti(F) Plus #Familie"


def test_sunset_version_names_the_setting(fake):
    with pytest.raises(RejectedError, match="SCHEDULER_LINKEDIN_VERSION"):
        _client(fake, version="202301").publish(_post("Hallo"))


def test_too_long_and_unauthorised(fake):
    with pytest.raises(RejectedError) as too_long:
        _client(fake).publish(_post("a" * 3001))
    with pytest.raises(AuthorisationError) as unauthorised:
        _client(fake, token="expired").publish(_post("Hallo"))
    assert [(e.status, e.endpoint) for e in (too_long.value, unauthorised.value)] == [
        (400, "POST /rest/posts"),
        (401, "POST /rest/posts"),
    ]


def test_duplicate_carries_the_original_urn_and_member_reconcile_uses_it(fake):
    member = _client(fake, author="urn:li:person:abc")
    first = member.publish(_post("Einmal (nur)"))
    with pytest.raises(DuplicateError) as info:
        member.publish(_post("Einmal (nur)"))
    assert info.value.existing == first.remote_id
    found = member.reconcile(_post("Einmal (nur)"))
    assert found.outcome == Outcome.PUBLISHED and found.result.remote_id == first.remote_id
    assert len(fake.posts) == 1


def test_organization_reconcile_lists_the_page_posts(fake):
    client = _client(fake)
    fake.fail_next(500, {"status": 500, "message": "Internal Server Error"}, created=True)
    from scheduler.errors import AmbiguousError

    with pytest.raises(AmbiguousError):
        client.publish(_post("Trotz 500 da"))
    found = client.reconcile(_post("Trotz 500 da"))
    assert found.outcome == Outcome.PUBLISHED and found.result.remote_id == fake.posts[0]["id"]
    assert client.reconcile(_post("Nie gesendet")).outcome == Outcome.NOT_PUBLISHED
    assert len(fake.posts) == 1
