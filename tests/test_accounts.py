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
    with MastodonFake(token="m", max_characters=1000) as mastodon, XFake(token="x") as x, \
            LinkedInFake(token="l") as linkedin, MetaFake(token="meta", page_id="1234") as meta:
        for name, value in {
            "MASTODON_BASE_URL": mastodon.url, "MASTODON_TOKEN": "m", "X_BASE_URL": x.url, "X_TOKEN": "x",
            "LINKEDIN_BASE_URL": linkedin.url, "LINKEDIN_TOKEN": "l", "LINKEDIN_AUTHOR": "urn:li:organization:9",
            "THREADS_BASE_URL": meta.url, "THREADS_TOKEN": "meta", "FACEBOOK_BASE_URL": meta.url,
            "FACEBOOK_TOKEN": "meta", "FACEBOOK_PAGE_ID": "1234",
        }.items():
            monkeypatch.setenv(f"SCHEDULER_{name}", value)
        result = run("accounts", "check")
    assert result.code == 0, result
    lines = {line.split()[0]: line for line in result.out.splitlines()}
    assert set(lines) == {"mastodon:default", "x:default", "linkedin:default", "threads:default", "facebook:default"}
    assert "ok      @comms" in lines["mastodon:default"]
    assert "the instance allows 1000 characters, SCHEDULER_MASTODON_MAX_CHARACTERS says 500" in lines["mastodon:default"]
    assert "ok      @comms" in lines["x:default"]
    assert "Comms Team posting as urn:li:organization:9" in lines["linkedin:default"]
    assert "page Vernetzungsstelle" in lines["facebook:default"]


def test_a_failing_account_is_reported_and_exits_1(run, monkeypatch):
    with MastodonFake(token="right") as mastodon:
        monkeypatch.setenv("SCHEDULER_MASTODON_BASE_URL", mastodon.url)
        monkeypatch.setenv("SCHEDULER_MASTODON_TOKEN", "wrong-token-value")
        result = run("accounts", "check")
    assert result.code == 1
    assert "mastodon:default   FAILED" in result.out and "access token is invalid" in result.out
    assert "wrong-token-value" not in result.out + result.err
