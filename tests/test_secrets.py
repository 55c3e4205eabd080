"""Secrets never leave the environment: a full publish cycle with recognisable token values, then a
search of every log line, outbox line, error message, repr and database row for them."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from scheduler.models import Content, State
from scheduler.storage import NewPost, Store
from tests.conftest import Result
from tests.fakes.mastodon_server import MastodonFake

SECRETS = {
    "SCHEDULER_MASTODON_TOKEN": "tok-MASTODON-s3cr3t-4711",
    "SCHEDULER_BLUESKY_APP_PASSWORD": "app-BLUESKY-s3cr3t-0815",
    "SCHEDULER_SMTP_PASSWORD": "pw-SMTP-s3cr3t-1234",
    "SCHEDULER_NOTIFY_WEBHOOK_URL": "http://127.0.0.1:9/hooks/WEBHOOK-s3cr3t-9999",
    "SCHEDULER_X_TOKEN": "tok-X-s3cr3t-2024",
    "SCHEDULER_LINKEDIN_TOKEN": "tok-LINKEDIN-s3cr3t-77",
    "SCHEDULER_THREADS_TOKEN": "tok-THREADS-s3cr3t-31",
    "SCHEDULER_FACEBOOK_TOKEN": "tok-FACEBOOK-s3cr3t-63",
}


@pytest.fixture
def cli_clock() -> None:
    """The machine's clock, as the `scheduler` processes these tests once started had: the posts are due now."""
    return None


def _leaks(text: str) -> list[str]:
    fragments = ["s3cr3t", *SECRETS.values()]
    return [fragment for fragment in fragments if fragment in text]


def test_no_secret_in_logs_outbox_errors_reprs_or_database(
    tmp_path: Path, run_fresh: Callable[..., Result], scheduler_env: Callable[..., None], monkeypatch, recwarn
):
    url = f"sqlite:///{tmp_path / 'q.sqlite3'}"
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    store = Store.open(url)
    store.add(
        [
            NewPost(f"i{n}", platform, "default", now, Content((f"Post {n} #Familie",), "de"))
            for n, platform in enumerate(["mastodon", "mastodon", "bluesky", "x"])
        ],
        state=State.SCHEDULED,
        now=now,
        reason="secrets test",
    )
    with MastodonFake(token=SECRETS["SCHEDULER_MASTODON_TOKEN"]) as fake:
        fake.fail_next(500, {"error": "Internal server error"})  # an ambiguous answer on the way
        scheduler_env(
            **SECRETS,
            SCHEDULER_DATABASE_URL=url,
            SCHEDULER_MASTODON_BASE_URL=fake.url,
            SCHEDULER_BLUESKY_BASE_URL="http://127.0.0.1:9",
            SCHEDULER_BLUESKY_HANDLE="comms.test",
            SCHEDULER_X_BASE_URL="http://127.0.0.1:9",
            SCHEDULER_THREADS_BASE_URL="http://127.0.0.1:9",
            SCHEDULER_FACEBOOK_BASE_URL="http://127.0.0.1:9",
            SCHEDULER_FACEBOOK_PAGE_ID="1",
            SCHEDULER_LINKEDIN_AUTHOR="urn:li:organization:1",
            SCHEDULER_LINKEDIN_BASE_URL="http://127.0.0.1:9",
            SCHEDULER_SMTP_HOST="127.0.0.1",
            SCHEDULER_SMTP_PORT="9",
            SCHEDULER_NOTIFY_EMAIL_TO="a@example.org",
            SCHEDULER_OUTBOX=str(tmp_path / "outbox.jsonl"),
            SCHEDULER_MAX_ATTEMPTS="1",
        )
        monkeypatch.chdir(tmp_path)
        runs = {
            args: run_fresh(*args)
            for args in (
                ("run", "--once"),
                ("queue", "list", "--format", "json"),
                ("status",),
                ("run", "--once", "--dry-run"),
            )
        }
        monkeypatch.setenv("SCHEDULER_NOTIFY_WEBHOOK_URL", "ftp://WEBHOOK-s3cr3t-bad")
        bad = run_fresh("status")
    states = {post.platform + str(post.id): post.state for post in Store.open(url).list_posts()}
    assert states["mastodon1"] == State.PUBLISHED  # the cycle really ran against the fake
    assert states["bluesky3"] == states["x4"] == State.FAILED  # and failed where the server is unreachable
    assert fake.requests and fake.requests[0]["headers"]["authorization"].endswith("4711")  # the token was used
    assert bad.code == 2 and "SCHEDULER_NOTIFY_WEBHOOK_URL=***" in bad.err
    for args, run in [*runs.items(), (("status",), bad)]:
        assert not _leaks(run.out + run.err), (args, run.out, run.err)
    # a process would have printed Python's warnings on its stderr too
    assert not _leaks(" ".join(str(warning.message) for warning in recwarn))
    outbox = tmp_path / "outbox.jsonl"
    assert not outbox.exists() or not _leaks(outbox.read_text())
    database = sqlite3.connect(tmp_path / "q.sqlite3")
    for table in ("posts", "transitions", "notices", "daemons"):
        for row in database.execute(f"SELECT * FROM {table}"):
            assert not _leaks(repr(row)), (table, row)
    assert not _leaks("".join(f.read_bytes().decode("latin-1") for f in tmp_path.glob("q.sqlite3*")))  # with the WAL


def test_reprs_of_configured_objects_hide_secrets(monkeypatch):
    from pydantic import SecretStr

    from scheduler.config import load_settings
    from scheduler.wiring import Wiring

    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SCHEDULER_MASTODON_BASE_URL", "https://social.example")
    monkeypatch.setenv("SCHEDULER_BLUESKY_HANDLE", "comms.example")
    monkeypatch.setenv("SCHEDULER_LINKEDIN_AUTHOR", "urn:li:organization:4711")
    monkeypatch.setenv("SCHEDULER_FACEBOOK_PAGE_ID", "1234")
    monkeypatch.setenv("SCHEDULER_SMTP_HOST", "mail.example")
    monkeypatch.setenv("SCHEDULER_NOTIFY_EMAIL_TO", "comms@example.org")
    settings = load_settings()
    wiring = Wiring(settings)
    shown = repr(settings) + str(settings) + repr(wiring.publishers()) + repr(wiring.notifier) + repr(wiring)
    shown += repr(settings.model_dump())
    assert not _leaks(shown), shown
    assert isinstance(settings.mastodon_token, SecretStr)
    for name in ("LinkedIn", "X", "Mastodon", "Bluesky", "Threads", "Facebook"):
        assert f"{name}Publisher(" in shown


def test_refreshed_tokens_and_kept_sessions_stay_secret_too(
    tmp_path: Path, run_fresh: Callable[..., Result], scheduler_env: Callable[..., None], monkeypatch, recwarn
):
    """A cycle in which X's token is refreshed (a rotated refresh token stored), a Bluesky session is
    kept in the token store and Threads notes its container ids: none of the new secrets appears
    anywhere but the token store."""
    import json

    pytest.importorskip("twitter_text")
    from scheduler.tokenstore import TokenStore
    from tests.fakes.bluesky_server import BlueskyFake
    from tests.fakes.meta_server import MetaFake
    from tests.fakes.oauth_server import OAuthFake
    from tests.fakes.x_server import XFake

    url = f"sqlite:///{tmp_path / 'q.sqlite3'}"
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    store = Store.open(url)
    store.add(
        [
            NewPost(f"i{n}", platform, "default", now, Content((f"Beitrag {n} #Familie",), "de"))
            for n, platform in enumerate(["x", "bluesky", "threads"])
        ],
        state=State.SCHEDULED,
        now=now,
        reason="secrets test",
    )
    store.close()
    fixed = ["tok-X-old-s3cr3t", "refresh-X-s3cr3t", "client-X-s3cr3t", "app-BLUESKY-s3cr3t", "tok-THREADS-s3cr3t"]
    with (
        XFake(token=fixed[0]) as x,
        BlueskyFake(password=fixed[3]) as pds,
        MetaFake(token=fixed[4]) as meta,
        OAuthFake(
            client_id="cid",
            client_secret=fixed[2],
            access_token=fixed[0],
            on_issue=lambda token: setattr(x, "token", token),
        ) as oauth,
    ):
        oauth.refresh_tokens.add(fixed[1])
        tokens = TokenStore(tmp_path / "tokens.json")
        tokens.save(
            "x:default",
            {
                "base_url": x.url,
                "token": fixed[0],
                "refresh_token": fixed[1],
                "client_id": "cid",
                "client_secret": fixed[2],
                "token_url": f"{oauth.url}/token",
                "expires_at": (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=2)).isoformat(),
            },
        )
        tokens.save("bluesky:default", {"base_url": pds.url, "handle": pds.handle, "app_password": fixed[3]})
        scheduler_env(
            SCHEDULER_DATABASE_URL=url,
            SCHEDULER_TOKEN_STORE=str(tokens.path),
            SCHEDULER_THREADS_TOKEN=fixed[4],
            SCHEDULER_THREADS_BASE_URL=meta.url,
            SCHEDULER_OUTBOX=str(tmp_path / "outbox.jsonl"),
        )
        monkeypatch.chdir(tmp_path)
        runs = {
            args: run_fresh(*args)
            for args in (
                ("run", "--once"),
                ("accounts", "check"),
                ("queue", "list", "--format", "json"),
                ("queue", "show", "1"),
                ("status",),
            )
        }
    kept = json.loads(tokens.path.read_text())
    secrets = [
        *fixed,
        kept["x:default"]["token"],
        kept["x:default"]["refresh_token"],
        kept["bluesky:default"]["session_access"],
        kept["bluesky:default"]["session_refresh"],
    ]
    assert kept["x:default"]["token"] != fixed[0] and kept["x:default"]["refresh_token"] != fixed[1]  # refreshed
    states = {post.platform: post.state for post in Store.open(url).list_posts()}
    ran = runs[("run", "--once")]
    assert states == {"x": State.PUBLISHED, "bluesky": State.PUBLISHED, "threads": State.PUBLISHED}, ran.err
    for args, run in runs.items():
        assert not [s for s in secrets if s in run.out + run.err], (args, run.out, run.err)
    assert not [s for s in secrets if s in " ".join(str(warning.message) for warning in recwarn)]  # Python's warnings
    database = sqlite3.connect(tmp_path / "q.sqlite3")
    tables = [name for (name,) in database.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    assert "steps" in tables and database.execute("SELECT count(*) FROM steps").fetchone()[0] > 0
    raw = "".join(f.read_bytes().decode("latin-1") for f in tmp_path.glob("q.sqlite3*"))  # with the WAL
    assert not [s for s in secrets if s in raw]
    outbox = tmp_path / "outbox.jsonl"
    assert not outbox.exists() or not [s for s in secrets if s in outbox.read_text()]
