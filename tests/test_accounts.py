"""`scheduler accounts check` against the fake platform servers."""

from __future__ import annotations

import pytest

from tests.fakes.linkedin_server import LinkedInFake
from tests.fakes.mastodon_server import MastodonFake
from tests.fakes.meta_server import MetaFake
from tests.fakes.x_server import XFake


def test_no_accounts_means_dry_run(run):
    result = run("accounts", "check")
    assert result.code == 0 and "no accounts configured" in result.out


def test_every_configured_account_answers_as_whom(run, monkeypatch):
    pytest.importorskip("twitter_text")
    with (
        MastodonFake(token="m", max_characters=1000) as mastodon,
        XFake(token="x") as x,
        LinkedInFake(token="l") as linkedin,
        MetaFake(token="meta", page_id="1234") as meta,
    ):
        for name, value in {
            "MASTODON_BASE_URL": mastodon.url,
            "MASTODON_TOKEN": "m",
            "X_BASE_URL": x.url,
            "X_TOKEN": "x",
            "LINKEDIN_BASE_URL": linkedin.url,
            "LINKEDIN_TOKEN": "l",
            "LINKEDIN_AUTHOR": "urn:li:organization:9",
            "THREADS_BASE_URL": meta.url,
            "THREADS_TOKEN": "meta",
            "FACEBOOK_BASE_URL": meta.url,
            "FACEBOOK_TOKEN": "meta",
            "FACEBOOK_PAGE_ID": "1234",
        }.items():
            monkeypatch.setenv(f"SCHEDULER_{name}", value)
        meta.quota_used = 246
        result = run("accounts", "check")
    assert result.code == 0, result
    lines = {line.split()[0]: line for line in result.out.splitlines()}
    assert set(lines) == {"mastodon:default", "x:default", "linkedin:default", "threads:default", "facebook:default"}
    assert (
        "ok      @comms" in lines["threads:default"]
        and "4 posts left in its 24-hour publishing quota" in lines["threads:default"]
    )
    assert "ok      @comms" in lines["mastodon:default"]
    assert (
        "the instance allows 1000 characters, SCHEDULER_MASTODON_MAX_CHARACTERS says 500" in lines["mastodon:default"]
    )
    assert "ok      @comms" in lines["x:default"]
    assert "Comms Team posting as urn:li:organization:9" in lines["linkedin:default"]
    assert "page Vernetzungsstelle" in lines["facebook:default"]


def test_a_threads_quota_that_cannot_be_read_does_not_fail_the_account(run, monkeypatch):
    with MetaFake(token="meta") as meta:
        meta.quota_readable = False
        monkeypatch.setenv("SCHEDULER_THREADS_BASE_URL", meta.url)
        monkeypatch.setenv("SCHEDULER_THREADS_TOKEN", "meta")
        result = run("accounts", "check")
    assert result.code == 0, result
    (line,) = [line for line in result.out.splitlines() if line.startswith("threads:default")]
    assert "ok      @comms" in line and "publishing quota not readable" in line and "code 10" in line


def test_a_failing_account_is_reported_and_exits_1(run, monkeypatch):
    with MastodonFake(token="right") as mastodon:
        monkeypatch.setenv("SCHEDULER_MASTODON_BASE_URL", mastodon.url)
        monkeypatch.setenv("SCHEDULER_MASTODON_TOKEN", "wrong-token-value")
        result = run("accounts", "check")
    assert result.code == 1
    assert "mastodon:default   FAILED" in result.out and "access token is invalid" in result.out
    assert "wrong-token-value" not in result.out + result.err


def test_auth_checks_the_token_then_stores_it_with_mode_600(run, monkeypatch, tmp_path):
    import io
    import json
    import stat
    import sys

    store = tmp_path / "tokens.json"
    monkeypatch.setenv("SCHEDULER_TOKEN_STORE", str(store))
    with MastodonFake(token="regional-token") as mastodon:
        monkeypatch.setattr(sys, "stdin", io.StringIO("wrong-token\n"))
        refused = run("auth", "mastodon", "--account", "regional", "--base-url", mastodon.url)
        assert refused.code == 2 and "access token is invalid" in refused.err and not store.exists()
        monkeypatch.setattr(sys, "stdin", io.StringIO("regional-token\n"))
        stored = run("auth", "mastodon", "--account", "regional", "--base-url", mastodon.url)
        assert stored.code == 0 and "stored mastodon:regional (@comms" in stored.out
        assert stat.S_IMODE(store.stat().st_mode) == 0o600
        assert json.loads(store.read_text()) == {
            "mastodon:regional": {"base_url": mastodon.url, "token": "regional-token"}
        }
        check = run("accounts", "check")
    assert check.code == 0 and "mastodon:regional" in check.out and "ok      @comms" in check.out
    assert "regional-token" not in stored.out + stored.err + check.out + check.err


def test_a_token_store_others_can_read_is_refused(run, monkeypatch, tmp_path):
    store = tmp_path / "tokens.json"
    store.write_text('{"mastodon:main": {"base_url": "http://127.0.0.1:9", "token": "t"}}')
    store.chmod(0o644)
    monkeypatch.setenv("SCHEDULER_TOKEN_STORE", str(store))
    result = run("accounts", "check")
    assert result.code == 2 and f"run: chmod 600 {store}" in result.err


def test_stored_accounts_are_queued_and_routed(run, monkeypatch, tmp_path):
    from scheduler.config import configured_accounts, load_settings
    from scheduler.tokenstore import TokenStore

    store = tmp_path / "tokens.json"
    TokenStore(store).save(
        "bluesky:team", {"base_url": "http://127.0.0.1:9", "handle": "team.test", "app_password": "p"}
    )
    monkeypatch.setenv("SCHEDULER_TOKEN_STORE", str(store))
    accounts = configured_accounts(load_settings())
    assert list(accounts) == [("bluesky", "team")] and accounts[("bluesky", "team")].handle == "team.test"


def test_check_reports_expiry_and_warns_seven_days_ahead(run, cli_clock, monkeypatch, tmp_path):
    import datetime as dt

    from scheduler.tokenstore import TokenStore

    store = tmp_path / "tokens.json"
    soon = (cli_clock() + dt.timedelta(days=3, hours=1)).isoformat(timespec="seconds")
    later = (cli_clock() + dt.timedelta(days=59, hours=1)).isoformat(timespec="seconds")
    monkeypatch.setenv("SCHEDULER_TOKEN_STORE", str(store))
    with MastodonFake(token="a") as first, MastodonFake(token="b") as second:
        TokenStore(store).save("mastodon:soon", {"base_url": first.url, "token": "a", "expires_at": soon})
        TokenStore(store).save("mastodon:later", {"base_url": second.url, "token": "b", "expires_at": later})
        result = run("accounts", "check")
    lines = {line.split()[0]: line for line in result.out.splitlines()}
    assert "(in 3 days) — re-authorise soon: scheduler auth mastodon --account soon" in lines["mastodon:soon"]
    assert "(in 59 days)" in lines["mastodon:later"] and "re-authorise" not in lines["mastodon:later"]


def test_check_warns_seven_days_before_a_linkedin_sign_in_ends(run, cli_clock, monkeypatch, tmp_path):
    import datetime as dt

    from scheduler.tokenstore import TokenStore

    store = tmp_path / "tokens.json"
    now = cli_clock()
    monkeypatch.setenv("SCHEDULER_TOKEN_STORE", str(store))
    with LinkedInFake(token="li") as linkedin:
        TokenStore(store).save(
            "linkedin:team",
            {
                "base_url": linkedin.url,
                "token": "li",
                "author": "urn:li:organization:7",
                "refresh_token": "r",
                "client_id": "app",
                "expires_at": (now + dt.timedelta(days=50, hours=1)).isoformat(timespec="seconds"),
                "refresh_expires_at": (now + dt.timedelta(days=5, hours=1)).isoformat(timespec="seconds"),
            },
        )
        result = run("accounts", "check")
    (line,) = [line for line in result.out.splitlines() if line.startswith("linkedin:team")]
    assert "token expires" in line and "(in 50 days)" in line
    assert (
        "sign-in expires" in line and "(in 5 days) — re-authorise soon: scheduler auth linkedin --account team" in line
    )
