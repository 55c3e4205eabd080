"""The Accounts page: connected or dry run, whom each posts as, when its token ends (a warning seven
days ahead), sign-in buttons for admins only — and no secret anywhere."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from flask import Flask

from scheduler.config import AccountSetup
from scheduler.tokenstore import TokenStore
from scheduler.wiring import Wiring
from tests.web.conftest import NOW, PASSWORD, english, sign_in, token

SECRETS = ("mastodon-secret-token-123", "linkedin-access-secret", "linkedin-refresh-secret", "client-secret-xyz")


@pytest.fixture(autouse=True)
def accounts(web_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Mastodon connected from the settings, LinkedIn from the token store (its token ends in three
    days, its sign-in in 300), Bluesky without credentials: a dry run."""
    monkeypatch.setenv("SCHEDULER_PLATFORMS", "mastodon,linkedin,bluesky")
    monkeypatch.setenv("SCHEDULER_MASTODON_BASE_URL", "https://social.example")
    monkeypatch.setenv("SCHEDULER_MASTODON_TOKEN", SECRETS[0])
    TokenStore(Path(os.environ["SCHEDULER_TOKEN_STORE"])).save(
        "linkedin:default",
        {
            "token": SECRETS[1],
            "refresh_token": SECRETS[2],
            "client_id": "app-123",
            "client_secret": SECRETS[3],
            "author": "urn:li:organization:42",
            "expires_at": (NOW + dt.timedelta(days=3)).isoformat(),
            "refresh_expires_at": (NOW + dt.timedelta(days=300)).isoformat(),
        },
    )


def test_each_account_says_whether_it_is_connected_whom_it_posts_as_and_when_its_token_ends(app: Flask):
    client = english(app.test_client())
    sign_in(client, "erika")
    page = client.get("/accounts").get_data(as_text=True)
    linkedin = page[page.index('id="account-linkedin-default"') : page.index('id="account-mastodon-default"')]
    mastodon = page[page.index('id="account-mastodon-default"') : page.index('id="account-bluesky-default"')]
    assert "connected" in mastodon and "posts as the account of the token" in mastodon
    assert "at https://social.example" in mastodon
    assert "posts as urn:li:organization:42" in linkedin
    assert "Its token ends Thu 10 Jan 2030, 09:00 +01:00 (in 3 days)" in linkedin
    assert "re-authorise it soon" in linkedin and "scheduler auth linkedin --client-id … --author …" in linkedin
    assert "Its sign-in ends" in linkedin and "sign in again soon" not in linkedin  # 300 days: no warning
    bluesky = page[page.index('id="account-bluesky-default"') :]
    assert "dry run" in bluesky and "its posts are written to the outbox and stay queued" in bluesky


def test_no_secret_reaches_the_page_or_the_sign_in_address(app: Flask):
    client = english(app.test_client())
    csrf = sign_in(client, "ada")
    pages = [client.get("/accounts").get_data(as_text=True)]
    answer = client.post("/accounts/oauth/linkedin/start", data={"account": "default", "csrf_token": csrf})
    assert answer.status_code == 302 and "client_id=app-123" in answer.headers["Location"]
    for secret in SECRETS:
        assert secret not in answer.headers["Location"]  # the platform's sign-in address
    for page in pages:
        assert "urn:li:organization:42" in page  # the page shows the accounts …
        for secret in SECRETS:
            assert secret not in page  # … and none of their secrets


def test_an_admin_gets_the_sign_in_command_and_an_editor_only_sees_who_may(app: Flask):
    admin = english(app.test_client())
    csrf = sign_in(admin, "ada")
    page = admin.get("/accounts").get_data(as_text=True)
    assert "Sign in to LinkedIn again" in page  # connected: sign in again
    assert "scheduler auth bluesky" in page  # a pasted secret: the command, no button
    assert 'action="/accounts/oauth/linkedin/start"' in page
    assert "this redirect URI registered with that app: <code>http://localhost/accounts/oauth/callback</code>" in page
    answer = admin.post("/accounts/oauth/linkedin/start", data={"account": "default", "csrf_token": csrf})
    assert answer.status_code == 302 and answer.headers["Location"].startswith(
        "https://www.linkedin.com/oauth/v2/authorization?"
    )  # the app of the last sign-in, kept in the token store
    not_oauth = admin.post("/accounts/oauth/mastodon/start", data={"account": "default", "csrf_token": csrf})
    assert not_oauth.status_code == 404

    editor = english(app.test_client())
    csrf = sign_in(editor, "erika")
    page = editor.get("/accounts").get_data(as_text=True)
    assert "/accounts/oauth/" not in page and "scheduler auth bluesky" not in page
    assert "An admin connects it by signing in with LinkedIn." in page
    forged = editor.post("/accounts/oauth/linkedin/start", data={"account": "default", "csrf_token": csrf})
    assert forged.status_code == 403


def test_a_half_configured_account_says_what_is_missing(app: Flask, wiring: Wiring):
    wiring.__dict__["setup"] = AccountSetup(
        broken={
            ("mastodon", "regional"): "mastodon:regional is half-configured: SCHEDULER_ACCOUNTS__…__TOKEN is missing"
        }
    )
    client = english(app.test_client())
    login = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"name": "anton", "password": PASSWORD, "csrf_token": token(login), "next": ""})
    page = client.get("/accounts").get_data(as_text=True)
    assert "half-configured" in page and "SCHEDULER_ACCOUNTS__…__TOKEN is missing" in page


def _main_sentences(page: str) -> list[str]:
    """The page's paragraphs but the hints for the administration."""
    return [text for tag, text in re.findall(r"<p([^>]*)>(.*?)</p>", page, re.DOTALL) if "for-admins" not in tag]


def test_what_the_administration_must_do_is_said_in_plain_words_the_settings_only_in_its_hint(
    app: Flask, wiring: Wiring
):
    wiring.__dict__["setup"] = AccountSetup(
        broken={
            ("mastodon", "regional"): "mastodon:regional is half-configured: SCHEDULER_ACCOUNTS__…__TOKEN is missing"
        }
    )
    client = app.test_client()
    login = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"name": "erika", "password": PASSWORD, "csrf_token": token(login), "next": ""})
    page = client.get("/accounts", headers={"Accept-Language": "de-DE"}).get_data(as_text=True)
    regional = page[page.index('id="account-mastodon-regional"') :]
    assert "<h2>Mastodon · regional</h2>" in regional
    assert (
        "Es ist noch nicht vollständig eingerichtet: Ihre Administration muss das Fehlende auf dem Server ergänzen."
        in regional
    )
    assert (
        '<p class="hint for-admins"><strong>Für die Administration:</strong> '
        "mastodon:regional is half-configured: SCHEDULER_ACCOUNTS__…__TOKEN is missing</p>" in regional
    )
    for sentence in _main_sentences(page):
        assert "SCHEDULER_" not in sentence and "scheduler " not in sentence, sentence


def test_a_sign_in_that_is_not_set_up_says_so_before_anyone_tries_it(app: Flask):
    client = app.test_client()
    sign_in(client, "ada")
    TokenStore(Path(os.environ["SCHEDULER_TOKEN_STORE"])).save(
        "linkedin:default", {"token": SECRETS[1], "author": "urn:li:organization:42"}
    )  # connected, but with no app to sign in again with
    page = client.get("/accounts", headers={"Accept-Language": "de-DE"}).get_data(as_text=True)
    linkedin = page[page.index('id="account-linkedin-default"') : page.index('id="account-mastodon-default"')]
    assert (
        "Die Anmeldung bei LinkedIn ist noch nicht eingerichtet: Ihre Administration muss sie auf dem Server einrichten."
        in linkedin
    )
    assert (
        "Für die Administration:</strong> Es fehlt SCHEDULER_LINKEDIN_CLIENT_ID: auf dem Server setzen, "
        "scheduler serve neu starten, dann hier anmelden." in linkedin
    )
    assert "/accounts/oauth/linkedin/start" not in linkedin  # no button that can only fail
    for sentence in _main_sentences(page):
        assert "SCHEDULER_" not in sentence, sentence


def test_without_a_platform_the_page_says_the_administration_chooses_them(
    app: Flask, wiring: Wiring, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(wiring, "settings", wiring.settings.model_copy(update={"platforms": []}))
    wiring.__dict__["setup"] = AccountSetup()
    client = app.test_client()
    sign_in(client, "anton")
    page = client.get("/accounts", headers={"Accept-Language": "de-DE"}).get_data(as_text=True)
    assert (
        "<p>Es ist noch keine Plattform eingerichtet: Ihre Administration muss festlegen, "
        "auf welchen Plattformen veröffentlicht wird.</p>" in page
    )
    assert "Für die Administration:</strong> Setzen Sie SCHEDULER_PLATFORMS auf dem Server" in page
    for sentence in _main_sentences(page):
        assert "SCHEDULER_" not in sentence, sentence
