"""`scheduler run` with some accounts configured: their posts go out, a post for an account without
credentials goes to the dry-run outbox and says so; none is sent through another account."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from pydantic import SecretStr

from scheduler.errors import AuthorisationError, RejectedError
from scheduler.models import Content, QueuedPost
from scheduler.platforms.mastodon import MastodonPublisher
from scheduler.platforms.routing import Router
from tests.conftest import EXAMPLE
from tests.fakes.mastodon_server import MastodonFake


def test_mastodon_posts_go_out_with_the_configured_visibility(run, monkeypatch, tmp_path):
    monkeypatch.setenv("SCHEDULER_DATABASE_URL", f"sqlite:///{tmp_path / 'queue.sqlite3'}")
    monkeypatch.setenv("SCHEDULER_TOKEN_STORE", str(tmp_path / "tokens.json"))
    monkeypatch.setenv("SCHEDULER_MASTODON_VISIBILITY", "private")
    with MastodonFake(token="m", max_characters=500) as mastodon:
        monkeypatch.setenv("SCHEDULER_MASTODON_BASE_URL", mastodon.url)
        monkeypatch.setenv("SCHEDULER_MASTODON_TOKEN", "m")
        assert run("queue", "add", str(EXAMPLE), "-p", "mastodon", "--approve").code == 0
        for post in json.loads(run("queue", "list", "--format", "json").out):
            assert run("queue", "reschedule", str(post["id"]), "now").code == 0
        assert run("run", "--once").code == 0
        visibilities = [status["visibility"] for status in mastodon.statuses]
    assert visibilities == ["private"] * 6


def test_posts_of_an_account_without_credentials_are_shown_in_the_outbox_and_stay_queued(run, monkeypatch, tmp_path):
    monkeypatch.setenv("SCHEDULER_DATABASE_URL", f"sqlite:///{tmp_path / 'queue.sqlite3'}")
    monkeypatch.setenv("SCHEDULER_OUTBOX", str(tmp_path / "outbox.jsonl"))
    monkeypatch.setenv("SCHEDULER_TOKEN_STORE", str(tmp_path / "tokens.json"))
    with MastodonFake(token="m", max_characters=500) as mastodon:
        monkeypatch.setenv("SCHEDULER_MASTODON_BASE_URL", mastodon.url)
        monkeypatch.setenv("SCHEDULER_MASTODON_TOKEN", "m")
        assert run("queue", "add", str(EXAMPLE), "-p", "mastodon", "-p", "linkedin", "--approve").code == 0
        posts = json.loads(run("queue", "list", "--format", "json").out)
        for post in posts:
            assert run("queue", "reschedule", str(post["id"]), "now").code == 0
        ran = run("run", "--once")
        again = run("run", "--once")  # cron's next minute: still waiting, said again, nothing sent twice
        statuses = len(mastodon.statuses)
    assert ran.code == 0, ran
    after = {post["id"]: post for post in json.loads(run("queue", "list", "--format", "json").out)}
    assert statuses == 6  # the Mastodon posts went to Mastodon, and only they
    assert {p["state"] for p in after.values() if p["platform"] == "mastodon"} == {"published"}
    assert {p["state"] for p in after.values() if p["platform"] == "linkedin"} == {"scheduled"}  # not published
    assert all(p["remote_id"] is None for p in after.values() if p["platform"] == "linkedin")
    waiting = "linkedin:default has no credentials: 6 posts due, left queued"
    assert waiting in ran.err and waiting in again.err
    outbox = [json.loads(line) for line in (tmp_path / "outbox.jsonl").read_text().splitlines()]
    assert sorted(line["platform"] for line in outbox) == ["linkedin"] * 6  # written once, not again
    assert {line["as"] for line in outbox} == {"no credentials configured"}
    linkedin = next(post for post in after.values() if post["platform"] == "linkedin")
    shown = run("queue", "show", str(linkedin["id"]))
    assert "dry run: linkedin:default has no credentials" in shown.out and "the post stays queued" in shown.out


def test_an_error_through_the_router_names_platform_account_status_and_endpoint():
    now = dt.datetime(2030, 1, 7, 8, 0, tzinfo=dt.UTC)

    def post(account: str, text: str) -> QueuedPost:
        return QueuedPost(
            id=1,
            item_id="i",
            platform="mastodon",
            account=account,
            state="publishing",
            publish_at=now,
            content=Content((text,), "de"),
            idempotency_key="k",
            claimed_at=now,
        )

    with MastodonFake(token="m", max_characters=500) as mastodon:
        router = Router(
            {
                ("mastodon", "regional"): MastodonPublisher(mastodon.url, SecretStr("m")),
                ("mastodon", "old"): MastodonPublisher(mastodon.url, SecretStr("revoked")),
            }
        )
        with pytest.raises(RejectedError) as rejected:
            router.publish(post("regional", "ä" * 501))
        with pytest.raises(AuthorisationError) as revoked:
            router.publish(post("old", "Hallo"))
    with pytest.raises(AuthorisationError) as unknown:
        router.publish(post("nobody", "Hallo"))
    fields = [(e.platform, e.account, e.status, e.endpoint) for e in (rejected.value, revoked.value, unknown.value)]
    assert fields == [
        ("mastodon", "regional", 422, "POST /api/v1/statuses"),
        ("mastodon", "old", 401, "POST /api/v1/statuses"),
        ("mastodon", "nobody", None, None),
    ]  # no request was made: no credentials
