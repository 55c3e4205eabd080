"""The Users page (admins only) and My account (everyone): listing, adding, roles, new passwords and
removing through the same use cases as `scheduler users`; the last admin stays; forged requests
get 403, requests without the CSRF token 400; a new password ends the user's other sessions; the
German pages have no English."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from flask import Flask, g
from flask.testing import FlaskClient

from scheduler import team
from scheduler.errors import TeamError
from scheduler.models import Role
from scheduler.storage import Store
from scheduler.web import i18n
from scheduler.web.users import words
from tests.web.conftest import PASSWORD, english, sign_in, token

WEB = Path(i18n.__file__).parent
NEW = "ein ganz neues Passwort"


def _signs_in(app: Flask, name: str, password: str) -> bool:
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    answer = client.post("/login", data={"name": name, "password": password, "csrf_token": token(page), "next": ""})
    return answer.status_code == 302


def _roles(store: Store) -> dict[str, Role]:
    return {user.name: user.role for user in store.list_users()}


def _page(client: FlaskClient, path: str = "/users") -> str:
    answer = client.get(path)
    assert answer.status_code == 200, answer.status_code
    return answer.get_data(as_text=True)


# -- the list -----------------------------------------------------------------------------------


def test_an_admin_sees_every_user_with_their_german_role(app: Flask):
    client = app.test_client()
    sign_in(client, "ada")
    page = _page(client)
    rows = {
        name: row
        for row in re.findall(r"<tr>.*?</tr>", page, re.DOTALL)
        for name in ("ada", "anton", "erika")
        if f"<td>{name}" in row
    }
    assert set(rows) == {"ada", "anton", "erika"}
    assert "Administration" in rows["ada"] and "(Sie)" in rows["ada"]
    assert 'value="approver" selected>Freigabe' in rows["anton"]
    assert 'value="editor" selected>Redaktion' in rows["erika"]
    assert "3 Personen" in page
    assert "/users/ada/remove" not in page and "/users/erika/remove" in page  # no button to remove oneself
    assert 'href="/users"' in page and 'href="/account"' in page


@pytest.mark.parametrize("name", ["erika", "anton"])
def test_only_an_admin_is_shown_the_users_page_in_the_navigation(app: Flask, name: str):
    client = app.test_client()
    sign_in(client, name)
    page = _page(client, "/queue")
    assert 'href="/users"' not in page and 'href="/account"' in page


# -- adding -------------------------------------------------------------------------------------


def test_an_admin_adds_a_user_with_a_typed_password_who_can_then_sign_in(app: Flask, store: Store):
    client = app.test_client()
    csrf = sign_in(client, "ada")
    answer = client.post(
        "/users", data={"name": " Berta ", "role": "approver", "password": NEW, "repeat": NEW, "csrf_token": csrf}
    )
    assert answer.status_code == 302
    assert _roles(store)["berta"] == Role.APPROVER
    page = _page(client)
    assert "berta hinzugefügt, mit der Rolle Freigabe." in page and NEW not in page
    assert _signs_in(app, "berta", NEW)


def test_a_made_up_password_is_shown_once_and_lets_the_user_sign_in(app: Flask, store: Store):
    client = app.test_client()
    csrf = sign_in(client, "ada")
    answer = client.post("/users", data={"name": "carl", "role": "editor", "generate": "on", "csrf_token": csrf})
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    shown = re.search(r"<code>([^<]+)</code>", page)
    assert shown is not None and "Das Passwort für carl" in page
    assert len(shown.group(1)) >= team.MIN_PASSWORD
    assert _roles(store)["carl"] == Role.EDITOR
    assert _signs_in(app, "carl", shown.group(1))
    assert shown.group(1) not in _page(client)  # only this once


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "anna schmidt"}, "Der Name „anna schmidt“ ist nicht erlaubt: Verwenden Sie 1 bis 40 Buchstaben"),
        ({"name": "jürgen"}, "Der Name „jürgen“ ist nicht erlaubt"),
        ({"name": ""}, "Geben Sie einen Namen ein: 1 bis 40 Buchstaben (a–z), Ziffern und . _ - @"),
        ({"name": "ERIKA"}, "Es gibt schon eine Person mit dem Namen erika. Wählen Sie einen anderen Namen."),
        ({"password": "kurz-geheim", "repeat": "kurz-geheim"}, "Das Passwort ist zu kurz: Verwenden Sie mindestens 12"),
        ({"repeat": NEW + "!"}, "Die beiden Passwörter sind verschieden."),
        ({"role": "boss"}, "Wählen Sie eine dieser Rollen: Redaktion, Freigabe, Administration."),
    ],
)
def test_a_user_who_cannot_be_added_is_one_german_sentence_and_nothing_is_added(
    app: Flask, store: Store, fields: dict[str, str], message: str
):
    client = app.test_client()
    csrf = sign_in(client, "ada")
    data = {"name": "berta", "role": "approver", "password": NEW, "repeat": NEW, "csrf_token": csrf, **fields}
    answer = client.post("/users", data=data)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert message in page, page
    assert "Traceback" not in page and NEW not in page and "kurz-geheim" not in page  # a password is never echoed
    assert f'value="{data["name"]}"' in page  # the name stays in the form
    assert _roles(store) == {"ada": Role.ADMIN, "anton": Role.APPROVER, "erika": Role.EDITOR}


# -- changing and removing ----------------------------------------------------------------------


def test_an_admin_changes_a_role_and_the_user_may_do_what_it_allows(app: Flask, store: Store):
    client = app.test_client()
    csrf = sign_in(client, "ada")
    assert client.post("/users/erika/role", data={"role": "approver", "csrf_token": csrf}).status_code == 302
    assert _roles(store)["erika"] == Role.APPROVER
    assert "erika hat jetzt die Rolle Freigabe." in _page(client)
    bad = client.post("/users/erika/role", data={"role": "boss", "csrf_token": csrf})
    assert bad.status_code == 302 and _roles(store)["erika"] == Role.APPROVER
    assert "Wählen Sie eine dieser Rollen" in _page(client)


def test_the_last_admin_stays_and_an_admin_cannot_remove_or_demote_themselves(app: Flask, store: Store):
    client = app.test_client()
    csrf = sign_in(client, "ada")
    client.post("/users/ada/role", data={"role": "editor", "csrf_token": csrf})
    assert "ada ist die einzige Person mit der Rolle Administration" in _page(client)
    client.post("/users/ada/remove", data={"csrf_token": csrf})
    assert "Geben Sie zuerst einer anderen Person die Rolle Administration." in _page(client)
    assert _roles(store)["ada"] == Role.ADMIN

    client.post("/users/anton/role", data={"role": "admin", "csrf_token": csrf})
    client.post("/users/ada/remove", data={"csrf_token": csrf})
    assert "Sie können sich nicht selbst entfernen" in _page(client)
    client.post("/users/ada/role", data={"role": "approver", "csrf_token": csrf})
    assert "Sie können sich nicht selbst entfernen" in _page(client)
    assert _roles(store) == {"ada": Role.ADMIN, "anton": Role.ADMIN, "erika": Role.EDITOR}

    other = app.test_client()
    other_csrf = sign_in(other, "anton")
    assert other.post("/users/ada/role", data={"role": "editor", "csrf_token": other_csrf}).status_code == 302
    assert _roles(store)["ada"] == Role.EDITOR  # another admin may


def test_an_admin_removes_a_user_who_is_signed_out_at_once(app: Flask, store: Store):
    erika = app.test_client()
    sign_in(erika, "erika")
    client = app.test_client()
    csrf = sign_in(client, "ada")
    assert client.post("/users/erika/remove", data={"csrf_token": csrf}).status_code == 302
    assert "erika" not in _roles(store)
    assert "erika entfernt; der Name bleibt im Verlauf der Beiträge stehen." in _page(client)
    assert erika.get("/queue").status_code == 302  # to the sign-in
    client.post("/users/nobody/remove", data={"csrf_token": csrf})
    assert "Es gibt niemanden mit dem Namen nobody." in _page(client)


def test_an_admin_sets_a_new_password_and_the_users_sessions_end(app: Flask):
    erika = app.test_client()
    sign_in(erika, "erika")
    client = app.test_client()
    csrf = sign_in(client, "ada")
    differ = client.post("/users/erika/password", data={"password": NEW, "repeat": "x" + NEW, "csrf_token": csrf})
    assert differ.status_code == 302 and erika.get("/queue").status_code == 200  # nothing changed
    assert "Die beiden Passwörter sind verschieden." in _page(client)
    answer = client.post("/users/erika/password", data={"password": NEW, "repeat": NEW, "csrf_token": csrf})
    assert answer.status_code == 302
    assert erika.get("/queue").status_code == 302  # signed out
    assert _signs_in(app, "erika", NEW) and not _signs_in(app, "erika", PASSWORD)
    made_up = client.post("/users/anton/password", data={"generate": "on", "csrf_token": csrf})
    shown = re.search(r"<code>([^<]+)</code>", made_up.get_data(as_text=True))
    assert made_up.status_code == 200 and shown is not None
    assert _signs_in(app, "anton", shown.group(1))


# -- who may ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["erika", "anton"])
def test_an_editors_or_approvers_forged_requests_to_the_users_page_get_403(app: Flask, store: Store, name: str):
    client = app.test_client()
    csrf = sign_in(client, name)
    before = {user.name: (user.role, user.password_hash) for user in store.list_users()}
    assert client.get("/users").status_code == 403
    forged = {
        "/users": {"name": "mallory", "role": "admin", "password": NEW, "repeat": NEW},
        f"/users/{name}/role": {"role": "admin"},
        "/users/ada/role": {"role": "editor"},
        "/users/ada/password": {"password": NEW, "repeat": NEW},
        "/users/erika/remove": {},
    }
    for path, data in forged.items():
        assert client.post(path, data={**data, "csrf_token": csrf}).status_code == 403, path
    assert {user.name: (user.role, user.password_hash) for user in store.list_users()} == before


def test_a_change_without_the_csrf_token_is_refused(app: Flask, store: Store):
    client = app.test_client()
    sign_in(client, "ada")
    answer = client.post("/users", data={"name": "mallory", "role": "admin", "password": NEW, "repeat": NEW})
    assert answer.status_code == 400 and "Formular abgelaufen" in answer.get_data(as_text=True)
    assert client.post("/users/erika/remove", data={"csrf_token": "forged"}).status_code == 400
    assert "mallory" not in _roles(store) and "erika" in _roles(store)
    account = client.post("/account", data={"current": PASSWORD, "password": NEW, "repeat": NEW})
    assert account.status_code == 400 and _signs_in(app, "ada", PASSWORD)


# -- my account ---------------------------------------------------------------------------------


def test_a_user_changes_their_password_stays_signed_in_here_and_is_signed_out_elsewhere(app: Flask):
    elsewhere = app.test_client()
    sign_in(elsewhere, "erika")
    client = app.test_client()
    csrf = sign_in(client, "erika")
    page = _page(client, "/account")
    assert "Sie sind als erika angemeldet, mit der Rolle Redaktion." in page
    answer = client.post("/account", data={"current": PASSWORD, "password": NEW, "repeat": NEW, "csrf_token": csrf})
    assert answer.status_code == 302
    assert "Ihr Passwort ist geändert." in _page(client, "/account")  # still signed in here
    assert elsewhere.get("/queue").status_code == 302  # signed out there
    assert _signs_in(app, "erika", NEW) and not _signs_in(app, "erika", PASSWORD)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"current": "nicht mein Passwort"}, "Ihr bisheriges Passwort stimmt nicht. Geben Sie es noch einmal ein."),
        ({"repeat": NEW + " "}, "Die beiden Passwörter sind verschieden."),
        (
            {"password": "zu-kurz", "repeat": "zu-kurz"},
            "Das Passwort ist zu kurz: Verwenden Sie mindestens 12 Zeichen.",
        ),
    ],
)
def test_a_password_change_that_cannot_be_made_says_why_and_changes_nothing(
    app: Flask, fields: dict[str, str], message: str
):
    client = app.test_client()
    csrf = sign_in(client, "anton")
    data = {"current": PASSWORD, "password": NEW, "repeat": NEW, "csrf_token": csrf, **fields}
    answer = client.post("/account", data=data)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400 and message in page
    assert NEW not in page and PASSWORD not in page and "zu-kurz" not in page
    assert _signs_in(app, "anton", PASSWORD)


def test_wrong_current_passwords_count_as_failed_sign_ins(app: Flask):
    client = app.test_client()
    csrf = sign_in(client, "erika")
    data = {"current": "geraten, aber falsch", "password": NEW, "repeat": NEW, "csrf_token": csrf}
    for _ in range(team.PER_ACCOUNT.free):
        assert client.post("/account", data=data).status_code == 400
    answer = client.post("/account", data={**data, "current": PASSWORD})  # even the right one waits now
    assert answer.status_code == 429
    assert "Zu viele fehlgeschlagene Anmeldungen" in answer.get_data(as_text=True)
    assert not _signs_in(app, "erika", NEW)


# -- languages ----------------------------------------------------------------------------------


def _english_pieces() -> set[str]:
    """The English texts of the Users and My account pages whose German differs, cut at their
    placeholders (pieces of 8 characters or more)."""
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2)}
    pieces: set[str] = set()
    for path, method in (
        (WEB / "users.py", "python"),
        (WEB / "templates" / "users.html", "jinja2"),
        (WEB / "templates" / "account.html", "jinja2"),
    ):
        for _line, message, _comments, _context in extract_from_file(method, str(path), keywords=keywords):
            for text in message if isinstance(message, tuple) else (message,):
                if i18n.translations("de").gettext(text) != text:
                    pieces.update(p.strip() for p in re.split(r"%\(\w+\)[sd]", text) if len(p.strip()) >= 8)
    return pieces


def test_the_german_pages_have_no_english(app: Flask):
    pieces = _english_pieces()
    assert len(pieces) > 30  # the texts were found
    client = app.test_client()
    csrf = sign_in(client, "ada")
    pages = [
        client.post("/users", data={"name": "anna schmidt", "role": "editor", "generate": "on", "csrf_token": csrf}),
        client.post("/users", data={"name": "berta", "role": "editor", "generate": "on", "csrf_token": csrf}),
        client.get("/users"),
        client.get("/account"),
        client.post("/account", data={"current": "falsch", "password": NEW, "repeat": NEW, "csrf_token": csrf}),
    ]
    for answer in pages:
        page = answer.get_data(as_text=True)
        assert [piece for piece in pieces if piece in page] == [], answer.request.path


def test_every_rule_broken_has_its_own_sentence_in_german_and_english(app: Flask):
    said: dict[str, set[str]] = {"de": set(), "en": set()}
    for locale in said:
        with app.test_request_context():
            g.locale = locale
            for problem in sorted(team.PROBLEMS):
                said[locale].add(words(TeamError("x", problem=problem, name="anna")))
    assert len(said["de"]) == len(said["en"]) == len(team.PROBLEMS)
    assert said["de"].isdisjoint(said["en"])


def test_an_english_reader_gets_the_pages_in_english(app: Flask):
    client = english(app.test_client())
    csrf = sign_in(client, "ada")
    page = _page(client)
    assert "Users" in page and "3 users" in page and "Add a user" in page and ">approver<" in page
    client.post("/users/ada/remove", data={"csrf_token": csrf})
    assert "ada is the last admin and can be neither removed nor given another role." in _page(client)
