"""Credentials belong to one identity: a token or session in the token store is used only while the
settings name the server and identity it was made for; otherwise it is set aside with a warning and
the configured credentials are used. Each platform's real client publishes to its fake, which accepts
only the configured token, so a post made with the stored one would fail."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from scheduler.models import Content, State
from scheduler.storage import NewPost, Store
from tests.clocks import PinnedClock
from tests.conftest import Result

NEW = "tok-configured-2026"
OLD = "tok-stored-earlier"


@dataclass
class Case:
    fake: Any
    settings: Callable[[str], dict[str, str]]  # from the fake's URL: the identity the settings name now
    stored: Callable[[str], dict[str, str]]  # what the token store kept for another identity
    posts: Callable[[], int]  # how many posts the fake holds


def _cases() -> dict[str, Callable[[], Case]]:
    from tests.fakes.bluesky_server import BlueskyFake
    from tests.fakes.linkedin_server import LinkedInFake
    from tests.fakes.mastodon_server import MastodonFake
    from tests.fakes.meta_server import MetaFake
    from tests.fakes.x_server import XFake

    def mastodon() -> Case:
        fake = MastodonFake(token=NEW)
        return Case(
            fake,
            lambda url: {"SCHEDULER_MASTODON_BASE_URL": url, "SCHEDULER_MASTODON_TOKEN": NEW},
            lambda url: {"base_url": "https://social.earlier.example", "token": OLD},
            lambda: len(fake.statuses),
        )

    def bluesky() -> Case:
        fake = BlueskyFake(handle="comms.test", password=NEW)
        return Case(
            fake,
            lambda url: {
                "SCHEDULER_BLUESKY_BASE_URL": url,
                "SCHEDULER_BLUESKY_HANDLE": "comms.test",
                "SCHEDULER_BLUESKY_APP_PASSWORD": NEW,
            },
            lambda url: {
                "base_url": url,
                "handle": "earlier.test",
                "session_access": OLD,
                "session_refresh": OLD,
                "session_did": "did:plc:earlierearlierearlier",
            },
            lambda: len(fake.records),
        )

    def x() -> Case:
        pytest.importorskip("twitter_text")
        fake = XFake(token=NEW)
        return Case(
            fake,
            lambda url: {"SCHEDULER_X_BASE_URL": url, "SCHEDULER_X_TOKEN": NEW},
            lambda url: {"base_url": "https://api.earlier.example", "token": OLD},
            lambda: len(fake.tweets),
        )

    def linkedin() -> Case:
        fake = LinkedInFake(token=NEW)
        return Case(
            fake,
            lambda url: {
                "SCHEDULER_LINKEDIN_BASE_URL": url,
                "SCHEDULER_LINKEDIN_TOKEN": NEW,
                "SCHEDULER_LINKEDIN_AUTHOR": "urn:li:organization:1",
            },
            lambda url: {"base_url": url, "token": OLD, "author": "urn:li:organization:999"},
            lambda: len(fake.posts),
        )

    def threads() -> Case:
        fake = MetaFake(token=NEW, user_id="me")
        return Case(
            fake,
            lambda url: {
                "SCHEDULER_THREADS_BASE_URL": url,
                "SCHEDULER_THREADS_TOKEN": NEW,
                "SCHEDULER_THREADS_USER_ID": "me",
            },
            lambda url: {"base_url": url, "token": OLD, "user_id": "17841400000000001"},
            lambda: len(fake.threads),
        )

    def facebook() -> Case:
        fake = MetaFake(token=NEW, page_id="1234")
        return Case(
            fake,
            lambda url: {
                "SCHEDULER_FACEBOOK_BASE_URL": url,
                "SCHEDULER_FACEBOOK_TOKEN": NEW,
                "SCHEDULER_FACEBOOK_PAGE_ID": "1234",
            },
            lambda url: {"base_url": url, "token": OLD, "page_id": "5678"},
            lambda: len(fake.feed),
        )

    return {f.__name__: f for f in (mastodon, bluesky, x, linkedin, threads, facebook)}


def _store(path: Path, entries: dict[str, dict[str, str]]) -> None:
    path.write_text(json.dumps(entries))
    path.chmod(0o600)


@pytest.fixture
def cli_clock() -> None:
    """The machine's clock: the posts these tests queue are due now, and the fakes' sessions are the machine's."""
    return None


@pytest.mark.parametrize("platform", ["mastodon", "bluesky", "x", "linkedin", "threads", "facebook"])
def test_credentials_kept_for_another_identity_are_set_aside_and_never_used(
    tmp_path: Path, platform: str, run_fresh: Callable[..., Result], scheduler_env: Callable[..., None], monkeypatch
):
    case = _cases()[platform]()
    url = f"sqlite:///{tmp_path / 'q.sqlite3'}"
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    (post_id,) = Store.open(url).add(
        [NewPost("item", platform, "default", now, Content(("Neues aus dem Netzwerk",), "de"))],
        state=State.SCHEDULED,
        now=now,
        reason="identity test",
    )
    with case.fake as fake:
        tokens = tmp_path / "tokens.json"
        _store(tokens, {f"{platform}:default": case.stored(fake.url)})
        scheduler_env(
            SCHEDULER_DATABASE_URL=url,
            SCHEDULER_TOKEN_STORE=str(tokens),
            SCHEDULER_OUTBOX=str(tmp_path / "out.jsonl"),
            **case.settings(fake.url),
        )
        monkeypatch.chdir(tmp_path)
        ran = run_fresh("run", "--once")
        checked = run_fresh("accounts", "check")
        shown = run_fresh("queue", "show", str(post_id))
        made = case.posts()
    assert ran.code == 0, ran.err
    assert Store.open(url).get(post_id).state == State.PUBLISHED, ran.err  # with the configured credentials
    assert made == 1
    warning = f"the credentials kept for {platform}:default are set aside"
    assert warning in ran.err
    # a Bluesky login keeps its new session, for the identity it belongs to: nothing is set aside any more
    assert (warning in checked.err) == (platform != "bluesky")
    assert checked.code == 0, checked.out + checked.err
    assert f"{platform}:default" in checked.out and "posting as" in checked.out
    assert "posts as" in shown.out
    assert OLD not in ran.err + checked.out + checked.err + shown.out


def _bluesky_env(scheduler_env: Callable[..., None], tmp_path: Path, url: str, fake_url: str, password: str) -> None:
    scheduler_env(
        SCHEDULER_DATABASE_URL=url,
        SCHEDULER_TOKEN_STORE=str(tmp_path / "tokens.json"),
        SCHEDULER_OUTBOX=str(tmp_path / "out.jsonl"),
        SCHEDULER_BLUESKY_BASE_URL=fake_url,
        SCHEDULER_BLUESKY_HANDLE="comms.test",
        SCHEDULER_BLUESKY_APP_PASSWORD=password,
    )


def test_the_posting_identity_is_named_in_accounts_check_queue_show_and_the_outbox(
    tmp_path: Path, run_fresh: Callable[..., Result], scheduler_env: Callable[..., None], monkeypatch
):
    from tests.fakes.bluesky_server import BlueskyFake

    url = f"sqlite:///{tmp_path / 'q.sqlite3'}"
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    (post_id,) = Store.open(url).add(
        [NewPost("i", "bluesky", "default", now, Content(("Hallo",), "de"))], state=State.SCHEDULED, now=now, reason="t"
    )
    with BlueskyFake(handle="comms.test", password=NEW) as fake:
        _bluesky_env(scheduler_env, tmp_path, url, fake.url, NEW)
        monkeypatch.chdir(tmp_path)
        checked = run_fresh("accounts", "check")
        shown = run_fresh("queue", "show", str(post_id))
        dry = run_fresh("run", "--once", "--dry-run")
    identity = f"@comms.test at {fake.url}"
    assert f"posting as {identity}" in checked.out
    assert f"posts as    {identity}" in shown.out
    (line,) = [json.loads(text) for text in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert line["as"] == identity and dry.code == 0
    assert Store.open(url).get(post_id).state == State.SCHEDULED


def test_a_kept_bluesky_session_the_server_does_not_know_leads_to_one_new_login(
    tmp_path: Path, run_fresh: Callable[..., Result], scheduler_env: Callable[..., None], monkeypatch
):
    from tests.fakes.bluesky_server import BlueskyFake

    url = f"sqlite:///{tmp_path / 'q.sqlite3'}"
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    (post_id,) = Store.open(url).add(
        [NewPost("i", "bluesky", "default", now, Content(("Hallo",), "de"))], state=State.SCHEDULED, now=now, reason="t"
    )
    with BlueskyFake(handle="comms.test", password=NEW) as fake:  # a fresh server: it knows no earlier session
        _store(
            tmp_path / "tokens.json",
            {
                "bluesky:default": {
                    "base_url": fake.url,
                    "handle": "comms.test",
                    "session_access": OLD,
                    "session_refresh": OLD,
                    "session_did": "did:plc:earlierearlierearlier",
                }
            },
        )
        _bluesky_env(scheduler_env, tmp_path, url, fake.url, NEW)
        monkeypatch.chdir(tmp_path)
        ran = run_fresh("run", "--once")
        logins = [r for r in fake.requests if r["path"].endswith("createSession")]
    assert ran.code == 0, ran.err
    assert Store.open(url).get(post_id).state == State.PUBLISHED
    assert len(logins) == 1 and "logging in again" in ran.err
    kept = json.loads((tmp_path / "tokens.json").read_text())["bluesky:default"]
    assert kept["session_did"] == fake.did and kept["handle"] == "comms.test"  # the new session, with whose it is


def test_a_bluesky_login_that_fails_leaves_the_post_needing_attention_not_failed(
    tmp_path: Path, run_fresh: Callable[..., Result], scheduler_env: Callable[..., None], monkeypatch
):
    from tests.fakes.bluesky_server import BlueskyFake

    url = f"sqlite:///{tmp_path / 'q.sqlite3'}"
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    (post_id,) = Store.open(url).add(
        [NewPost("i", "bluesky", "default", now, Content(("Hallo",), "de"))], state=State.SCHEDULED, now=now, reason="t"
    )
    with BlueskyFake(handle="comms.test", password=NEW) as fake:
        _store(
            tmp_path / "tokens.json",
            {
                "bluesky:default": {
                    "base_url": fake.url,
                    "handle": "comms.test",
                    "session_access": OLD,
                    "session_refresh": OLD,
                    "session_did": "did:plc:earlierearlierearlier",
                }
            },
        )
        _bluesky_env(scheduler_env, tmp_path, url, fake.url, "revoked-app-password")
        monkeypatch.chdir(tmp_path)
        ran = run_fresh("run", "--once")
    assert ran.code == 0, ran.err
    post = Store.open(url).get(post_id)
    assert post.state == State.NEEDS_ATTENTION  # nothing is wrong with the post itself
    assert "re-authorise account bluesky:default" in Store.open(url).history(post_id)[-1].reason


def test_credentials_set_aside_are_warned_about_once_per_command(
    tmp_path: Path, run_fresh: Callable[..., Result], scheduler_env: Callable[..., None], monkeypatch
):
    from tests.conftest import EXAMPLE
    from tests.fakes.mastodon_server import MastodonFake

    with MastodonFake(token=NEW) as fake:
        _store(
            tmp_path / "tokens.json", {"mastodon:default": {"base_url": "https://social.earlier.example", "token": OLD}}
        )
        scheduler_env(
            SCHEDULER_DATABASE_URL=f"sqlite:///{tmp_path / 'q.sqlite3'}",
            SCHEDULER_TOKEN_STORE=str(tmp_path / "tokens.json"),
            SCHEDULER_MASTODON_BASE_URL=fake.url,
            SCHEDULER_MASTODON_TOKEN=NEW,
        )
        monkeypatch.chdir(tmp_path)
        # on the tests' clock (see tests.clocks), for the fixed date
        added = run_fresh("queue", "add", str(EXAMPLE), "-p", "mastodon", "--start", "2030-01-07", clock=PinnedClock())
    assert added.code == 0, added.err
    assert added.err.count("the credentials kept for mastodon:default are set aside") == 1
