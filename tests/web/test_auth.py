"""Signing in and out: every page needs it, the session cookie is safe, a forged or foreign request
changes nothing, and who may do what is checked on the server."""

from __future__ import annotations

import re

from flask import Flask

from scheduler.models import State
from scheduler.storage import Store
from tests.web.conftest import PASSWORD, english, queue_posts, sign_in, token


def test_every_page_needs_a_sign_in_and_the_webhook_and_the_style_sheet_do_not(app: Flask):
    client = app.test_client()
    for path in ("/", "/queue", "/queue?state=draft"):
        answer = client.get(path)
        assert answer.status_code == 302 and "/login" in answer.headers["Location"], path
    assert client.get("/static/app.css").status_code == 200
    assert client.post("/hooks/issue", data=b"x").status_code == 404  # off without a secret, but no sign-in asked
    assert client.get("/login").status_code == 200


def test_signing_in_lands_on_the_page_asked_for_and_never_on_another_site(app: Flask):
    client = app.test_client()
    login = client.get("/queue?state=draft")
    assert "next=/queue?state%3Ddraft" in login.headers["Location"] or "next=%2Fqueue" in login.headers["Location"]
    page = client.get("/login").get_data(as_text=True)
    answer = client.post(
        "/login",
        data={"name": "erika", "password": PASSWORD, "csrf_token": token(page), "next": "/queue?state=draft"},
    )
    assert answer.headers["Location"] == "/queue?state=draft"
    client.post("/logout", data={"csrf_token": token(client.get("/queue").get_data(as_text=True))})
    for evil in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        page = client.get("/login").get_data(as_text=True)
        answer = client.post(
            "/login", data={"name": "erika", "password": PASSWORD, "csrf_token": token(page), "next": evil}
        )
        assert answer.headers["Location"] == "/queue", evil
        client.post("/logout", data={"csrf_token": token(client.get("/queue").get_data(as_text=True))})


def test_a_wrong_password_or_name_is_refused_alike_and_the_session_stays_signed_out(app: Flask):
    client = english(app.test_client())
    answers = []
    for name, password in (("erika", "falsch falsch falsch"), ("niemand", PASSWORD)):
        page = client.get("/login").get_data(as_text=True)
        answer = client.post("/login", data={"name": name, "password": password, "csrf_token": token(page)})
        answers.append((answer.status_code, "not right" in answer.get_data(as_text=True)))
    assert answers == [(401, True), (401, True)]
    assert client.get("/queue").status_code == 302


def test_the_session_cookie_is_httponly_and_samesite_lax_and_signing_in_starts_a_new_session(app: Flask):
    client = app.test_client()
    page = client.get("/login")
    before = token(page.get_data(as_text=True))
    answer = client.post("/login", data={"name": "erika", "password": PASSWORD, "csrf_token": before})
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # served over plain HTTP here (SCHEDULER_SERVE_HTTPS is false)
    after = token(client.get("/queue").get_data(as_text=True))
    assert after != before  # no session fixation: the signed-out session's token is gone


def test_behind_https_the_session_cookie_is_secure(wiring, monkeypatch):
    from scheduler.config import load_settings
    from scheduler.web import create_app
    from scheduler.wiring import Wiring

    monkeypatch.setenv("SCHEDULER_SERVE_HTTPS", "true")
    app = create_app(Wiring(load_settings(), clock=wiring.clock))
    client = app.test_client()
    page = client.get("/login", base_url="https://scheduler.example")
    answer = client.post(
        "/login",
        base_url="https://scheduler.example",
        data={"name": "erika", "password": PASSWORD, "csrf_token": token(page.get_data(as_text=True))},
    )
    assert "Secure" in answer.headers["Set-Cookie"]


def test_a_form_without_its_csrf_token_changes_nothing(app: Flask, store: Store):
    ids = queue_posts(store, 2)
    client = english(app.test_client())
    sign_in(client, "anton")
    for data in ({}, {"csrf_token": "forged"}):
        answer = client.post("/queue/bulk", data={"action": "approve", "post": [str(i) for i in ids], **data})
        assert answer.status_code == 400
        assert "Form expired" in answer.get_data(as_text=True)
    assert {store.get(i).state for i in ids} == {State.DRAFT}


def test_a_removed_user_is_signed_out_at_the_next_request(app: Flask, wiring):
    from scheduler import team

    client = app.test_client()
    sign_in(client, "erika")
    team.remove_user(wiring.store, "erika")
    assert client.get("/queue").status_code == 302


def test_signing_out_ends_the_session(app: Flask):
    client = app.test_client()
    csrf = sign_in(client, "erika")
    assert client.post("/logout", data={"csrf_token": csrf}).status_code == 302
    assert client.get("/queue").status_code == 302


def test_failed_sign_ins_are_slowed_down_for_the_account(app: Flask):
    client = app.test_client()
    for _ in range(6):
        page = client.get("/login").get_data(as_text=True)
        client.post("/login", data={"name": "erika", "password": "falsch falsch falsch", "csrf_token": token(page)})
    page = client.get("/login").get_data(as_text=True)
    answer = client.post("/login", data={"name": "erika", "password": PASSWORD, "csrf_token": token(page)})
    assert answer.status_code == 429  # even the right password waits now: a wait, not a wrong password
    assert client.get("/queue").status_code == 302


def test_a_slowed_down_sign_in_says_in_german_how_long_to_wait_and_tells_the_browser_too(app: Flask):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "de-DE,de;q=0.9"
    for _ in range(6):
        page = client.get("/login").get_data(as_text=True)
        client.post("/login", data={"name": "erika", "password": "falsch falsch falsch", "csrf_token": token(page)})
    page = client.get("/login").get_data(as_text=True)
    answer = client.post("/login", data={"name": "erika", "password": PASSWORD, "csrf_token": token(page)})
    assert answer.status_code == 429
    wait = int(answer.headers["Retry-After"])
    words = answer.get_data(as_text=True)
    assert "Zu viele fehlgeschlagene Anmeldungen für diesen Namen oder von dieser Adresse." in words
    said = re.search(r"Versuchen Sie es in (\d+) Sekunden? wieder\.", words)
    assert said is not None and int(said.group(1)) == wait > 0  # the page and the header say the same wait


def test_the_session_key_is_made_once_kept_in_the_token_store_and_is_no_account(app: Flask, wiring, web_env):
    import stat

    from scheduler.config import load_settings
    from scheduler.web import create_app
    from scheduler.wiring import Wiring

    client = app.test_client()
    sign_in(client, "erika")
    tokens = web_env.parent / "tokens.json"
    assert stat.S_IMODE(tokens.stat().st_mode) == 0o600
    again = create_app(Wiring(load_settings(), clock=wiring.clock))  # a restart: the same key
    restarted = again.test_client()
    restarted.set_cookie("scheduler_session", client.get_cookie("scheduler_session").value)
    assert restarted.get("/queue").status_code == 200  # still signed in
    assert Wiring(load_settings(), clock=wiring.clock).accounts == {}  # the key is no account
