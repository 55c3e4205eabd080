"""Signing in with an OAuth platform from the Accounts page, against the fake authorisation server
and a fake X on 127.0.0.1; the test plays the browser: the admin's start is redirected to the
fake's authorisation address (state and PKCE challenge in it, the verifier not), the fake
redirects back to the dashboard's callback with a code, and the tokens land in the token store
(mode 0600) as `scheduler auth` keeps them — never in a page or a log."""

from __future__ import annotations

import json
import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from scheduler.tokenstore import SESSION, TokenStore
from tests.fakes.oauth_server import OAuthFake
from tests.fakes.x_server import XFake
from tests.web.conftest import sign_in

CLIENT_SECRET = "client-s3cret"
ISSUED = "x-issued-token"
SERVER = "127.0.0.1:8000"  # the fake authorisation server redirects only to 127.0.0.1
CALLBACK = f"http://{SERVER}/accounts/oauth/callback"


@pytest.fixture(autouse=True)
def fakes(web_env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[OAuthFake]:
    """X with its app's client id and secret in the settings; the fake authorisation server stands
    in for x.com (the app's OAUTH_ENDPOINTS, like `scheduler auth --authorize-url --token-url`)."""
    pytest.importorskip("twitter_text")
    with (
        OAuthFake(client_id="cid", client_secret=CLIENT_SECRET, access_token=ISSUED) as oauth,
        XFake(token=ISSUED) as x,
    ):
        monkeypatch.setenv("SCHEDULER_PLATFORMS", "x,mastodon")
        monkeypatch.setenv("SCHEDULER_X_BASE_URL", x.url)
        monkeypatch.setenv("SCHEDULER_X_CLIENT_ID", "cid")
        monkeypatch.setenv("SCHEDULER_X_CLIENT_SECRET", CLIENT_SECRET)
        yield oauth


@pytest.fixture
def site(app: Flask, fakes: OAuthFake) -> Flask:
    app.config["SERVER_NAME"] = SERVER
    app.config["OAUTH_ENDPOINTS"] = {"x": (f"{fakes.url}/authorize", f"{fakes.url}/token")}
    return app


def _client(app: Flask, language: str = "en-GB,en;q=0.9") -> FlaskClient:
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    return client


def _start(client: FlaskClient, csrf: str) -> str:
    answer = client.post("/accounts/oauth/x/start", data={"account": "default", "csrf_token": csrf})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return answer.headers["Location"]


def _store() -> Path:
    return Path(os.environ["SCHEDULER_TOKEN_STORE"])


def _kept() -> set[str]:
    """The accounts the token store keeps (besides the dashboard's own session key)."""
    return set(TokenStore(_store()).load()) - {SESSION}


def test_an_admin_signs_in_with_x_and_the_tokens_are_kept_in_the_token_store(
    site: Flask, fakes: OAuthFake, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG)
    admin = _client(site)
    csrf = sign_in(admin, "ada")
    page = admin.get("/accounts").get_data(as_text=True)
    assert "Sign in with X" in page
    assert f"this redirect URI registered with that app: <code>{CALLBACK}</code>" in page

    address = _start(admin, csrf)
    parts = urlsplit(address)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    assert address.startswith(f"{fakes.url}/authorize?")
    assert query["client_id"] == "cid" and query["redirect_uri"] == CALLBACK
    assert query["state"] and query["code_challenge"] and query["code_challenge_method"] == "S256"
    assert "verifier" not in address and CLIENT_SECRET not in address

    back = requests.get(address, allow_redirects=False, timeout=10)  # the fake signs the admin in
    assert back.status_code == 302 and back.headers["Location"].startswith(CALLBACK + "?")
    done = admin.get(back.headers["Location"].removeprefix(f"http://{SERVER}"))
    assert done.status_code == 302 and done.headers["Location"].endswith("/accounts#account-x-default")
    shown = admin.get("/accounts").get_data(as_text=True)
    assert "Connected as @comms. Publishing uses it after a restart of scheduler serve or scheduler run." in shown

    token_form = fakes.requests[0]["form"]
    assert token_form["code_verifier"] and "client_secret" not in token_form  # PKCE; the secret as Basic
    assert stat.S_IMODE(_store().stat().st_mode) == 0o600
    saved = json.loads(_store().read_text())["x:default"]
    assert saved["token"] == ISSUED and saved["refresh_token"].startswith("refresh-") and saved["expires_at"]
    assert saved["client_id"] == "cid" and saved["client_secret"] == CLIENT_SECRET  # refreshing needs them
    for secret in (ISSUED, saved["refresh_token"], CLIENT_SECRET):
        assert secret not in page + shown and secret not in caplog.text

    replayed = admin.get(back.headers["Location"].removeprefix(f"http://{SERVER}"))
    assert replayed.status_code == 400  # a sign-in is used once


@pytest.mark.parametrize("state", ["wrong", "", "wröng"])
def test_a_callback_without_the_sessions_state_is_refused_and_nothing_is_kept(
    site: Flask, fakes: OAuthFake, state: str
):
    admin = _client(site)
    csrf = sign_in(admin, "ada")
    address = _start(admin, csrf)
    back = requests.get(address, allow_redirects=False, timeout=10)
    code = parse_qs(urlsplit(back.headers["Location"]).query)["code"][0]
    answer = admin.get("/accounts/oauth/callback", query_string={"code": code, "state": state})
    assert answer.status_code == 400
    assert "This sign-in was not started here, or it was already used." in answer.get_data(as_text=True)
    assert not fakes.requests and not _kept()  # the code was not even exchanged

    stranger = _client(site)  # signed in, but never started a sign-in
    sign_in(stranger, "ada")
    real_state = parse_qs(urlsplit(address).query)["state"][0]
    assert stranger.get("/accounts/oauth/callback", query_string={"code": code, "state": real_state}).status_code == 400
    assert not _kept()


def test_a_refusal_at_the_platform_is_one_clear_message(site: Flask):
    admin = _client(site)
    csrf = sign_in(admin, "ada")
    state = parse_qs(urlsplit(_start(admin, csrf)).query)["state"][0]
    answer = admin.get(
        "/accounts/oauth/callback", query_string={"error": "access_denied", "state": state}, follow_redirects=True
    )
    assert answer.status_code == 200
    assert "X did not sign you in (x sign-in refused: access_denied). Nothing was changed." in answer.get_data(
        as_text=True
    )
    assert not _kept()


@pytest.mark.parametrize("name", ["erika", "anton"])
def test_an_editor_or_approver_may_not_sign_in(site: Flask, name: str):
    client = _client(site)
    csrf = sign_in(client, name)
    assert "/accounts/oauth/x/start" not in client.get("/accounts").get_data(as_text=True)
    assert client.post("/accounts/oauth/x/start", data={"account": "default", "csrf_token": csrf}).status_code == 403
    assert client.get("/accounts/oauth/callback", query_string={"code": "c", "state": "s"}).status_code == 403
    assert not _kept()


def test_starting_needs_the_forms_csrf_token(site: Flask):
    admin = _client(site)
    sign_in(admin, "ada")
    answer = admin.post("/accounts/oauth/x/start", data={"account": "default"})
    assert answer.status_code == 400 and "Form expired" in answer.get_data(as_text=True)


def test_an_account_or_platform_without_a_sign_in_is_not_found(site: Flask):
    admin = _client(site)
    csrf = sign_in(admin, "ada")
    for platform, account in (("mastodon", "default"), ("x", "nobody"), ("nothing", "default")):
        answer = admin.post(f"/accounts/oauth/{platform}/start", data={"account": account, "csrf_token": csrf})
        assert answer.status_code == 404


def test_without_the_apps_client_id_the_page_says_which_setting_to_set_in_german(
    monkeypatch: pytest.MonkeyPatch, web_env: Path, fakes: OAuthFake
):
    monkeypatch.delenv("SCHEDULER_X_CLIENT_ID")
    from scheduler import team
    from scheduler.config import load_settings
    from scheduler.models import Role
    from scheduler.web import create_app
    from scheduler.wiring import Wiring
    from tests.web.conftest import NOW, PASSWORD

    wiring = Wiring(load_settings(), clock=lambda: NOW)
    team.add_user(wiring.store, "ada", PASSWORD, Role.ADMIN, now=NOW)
    app = create_app(wiring)
    app.testing = True
    admin = _client(app, "de-DE,de;q=0.9")
    csrf = sign_in(admin, "ada")
    answer = admin.post(
        "/accounts/oauth/x/start", data={"account": "default", "csrf_token": csrf}, follow_redirects=True
    )
    page = answer.get_data(as_text=True)
    assert (
        "Die Anmeldung bei X ist noch nicht eingerichtet: Ihre Administration muss sie auf dem Server einrichten. "
        "Für die Administration: Es fehlt SCHEDULER_X_CLIENT_ID: auf dem Server setzen, scheduler serve neu starten, "
        "dann hier anmelden." in page
    )
    assert not fakes.requests
