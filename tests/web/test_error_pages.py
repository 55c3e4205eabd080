"""Error pages in the reader's language with a way on — a wrong method (405), a failure of the
dashboard itself (500, its traceback in the server's log and nothing of it on the page), a body too
large (413), an expired form — and an import step's address opened after signing in again."""

from __future__ import annotations

import html
import logging

import pytest
from flask import Flask

from scheduler import team
from scheduler.cli import WARNING_LINES
from scheduler.models import State
from scheduler.storage import Store
from tests.web.conftest import NOW, english, queue_posts, sign_in, token

EXAMPLE_TEXT = """# Newsletter der Vernetzungsstelle, 13. Dezember 2024

## Termine

### Sommerfest im Familienzentrum

Am Samstag feiern wir das Sommerfest im Familienzentrum. Mehr unter https://example.org/sommerfest
"""


def _text(answer) -> str:
    return html.unescape(answer.get_data(as_text=True))


def test_a_form_address_opened_in_the_browser_is_a_german_page_with_the_navigation(app: Flask):
    client = app.test_client()
    sign_in(client, "erika")
    answer = client.get("/calendar/move", headers={"Referer": "http://localhost/calendar"})
    page = _text(answer)
    assert answer.status_code == 405
    assert "Hier nicht möglich" in page and "Method Not Allowed" not in page and "not allowed for" not in page
    assert '<a href="http://localhost/calendar">Zurück zur vorigen Seite</a>' in page
    assert 'href="/queue">Zurück zur Warteschlange' in page
    assert "Abmelden" in page  # the navigation of a signed-in user


def test_the_405_page_is_english_for_an_english_reader(app: Flask):
    client = english(app.test_client())
    sign_in(client, "erika")
    page = _text(client.get("/queue/bulk"))
    assert "Not possible here" in page and "Go back, or start again from the queue." in page
    assert "Method Not Allowed" not in page


def test_a_failure_of_the_dashboard_is_a_calm_page_and_its_traceback_is_in_the_servers_log(
    app: Flask, store: Store, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    (post_id,) = queue_posts(store, 1, state=State.SCHEDULED)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the inner detail nobody should see")

    monkeypatch.setattr("scheduler.web.calendar.reschedule_to_day", broken)
    app.testing = False  # as served: an unexpected error is answered, not raised into the test
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [*root.handlers, WARNING_LINES])  # as `scheduler serve` logs
    client = app.test_client()
    csrf = sign_in(client, "erika")
    capsys.readouterr()
    answer = client.post("/calendar/move", data={"post": str(post_id), "day": "2030-01-09", "csrf_token": csrf})
    page = _text(answer)
    assert answer.status_code == 500
    assert "Etwas ist schiefgegangen" in page and "Protokoll des Servers" in page
    assert "inner detail" not in page and "Traceback" not in page and "Internal Server Error" not in page
    assert 'href="/queue">Zurück zur Warteschlange' in page
    logged = capsys.readouterr().err
    assert "error: Exception on /calendar/move [POST]" in logged
    assert "Traceback (most recent call last):" in logged
    assert "RuntimeError: the inner detail nobody should see" in logged


def test_a_failing_call_of_the_calendars_script_gets_the_calm_words_as_its_error(
    app: Flask, store: Store, monkeypatch: pytest.MonkeyPatch
):
    (post_id,) = queue_posts(store, 1, state=State.SCHEDULED)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the inner detail")

    monkeypatch.setattr("scheduler.web.calendar.reschedule_to_day", broken)
    app.testing = False
    client = english(app.test_client())
    csrf = sign_in(client, "erika")
    answer = client.post(f"/api/posts/{post_id}/move", json={"day": "2030-01-09"}, headers={"X-CSRF-Token": csrf})
    assert answer.status_code == 500
    assert answer.get_json()["error"].startswith("The dashboard could not finish this.")


def test_a_body_larger_than_the_dashboard_takes_is_a_german_page(app: Flask, store: Store):
    (post_id,) = queue_posts(store, 1)
    client = app.test_client()
    csrf = sign_in(client, "erika")
    app.config["MAX_CONTENT_LENGTH"] = 2_000
    answer = client.post(f"/posts/{post_id}", data={"part": "x" * 5_000, "csrf_token": csrf})
    page = _text(answer)
    assert answer.status_code == 413
    assert "Zu groß" in page and "Das Gesendete ist zu groß: höchstens" in page and " MB sind möglich." in page
    assert "Request Entity Too Large" not in page


def test_an_expired_form_links_back_to_the_page_it_came_from_and_to_signing_in(app: Flask):
    client = app.test_client()  # no session: it ended, the cookie is gone
    answer = client.post(
        "/import/queue", data={"csrf_token": "old"}, headers={"Referer": "http://localhost/import/preview"}
    )
    page = _text(answer)
    assert answer.status_code == 400 and "Formular abgelaufen" in page
    assert '<a href="http://localhost/import/preview">Zurück zur vorigen Seite</a>' in page
    assert '<a href="/login?next=/import/preview">Anmelden</a>' in page.replace("%2F", "/")


def test_an_expired_form_from_another_site_links_to_signing_in_only(app: Flask):
    client = app.test_client()
    answer = client.post("/queue/bulk", data={"csrf_token": "x"}, headers={"Referer": "https://elsewhere.example/"})
    page = _text(answer)
    assert answer.status_code == 400 and "Formular abgelaufen" in page
    assert "elsewhere.example" not in page
    assert '<a href="/login">Anmelden</a>' in page


def test_an_expired_form_of_a_signed_in_user_has_the_navigation(app: Flask):
    client = app.test_client()
    sign_in(client, "erika")
    answer = client.post("/queue/bulk", data={"csrf_token": "forged"}, headers={"Referer": "http://localhost/queue"})
    page = _text(answer)
    assert answer.status_code == 400 and "Formular abgelaufen" in page
    assert 'href="/queue">Zurück zur Warteschlange' in page and "Abmelden" in page


@pytest.mark.parametrize("step", ["/import/queue", "/import/preview"])
def test_an_import_steps_address_opened_leads_to_the_import_page_asking_to_read_the_issue_again(app: Flask, step: str):
    client = app.test_client()
    sign_in(client, "erika")
    answer = client.get(step)
    assert answer.status_code == 302 and answer.headers["Location"] == "/import"
    page = _text(client.get("/import"))
    assert "Bitte lesen Sie die Ausgabe noch einmal ein – die Sitzung war abgelaufen." in page
    english_page = _text(english(client).get(step, follow_redirects=True))
    assert "Please read in the issue again – the session had expired." in english_page


def test_an_import_whose_session_ended_before_queueing_returns_to_the_import_page_after_signing_in(
    app: Flask, store: Store
):
    client = app.test_client()
    csrf = sign_in(client, "erika")
    preview = client.post("/import/preview", data={"kind": "text", "text": EXAMPLE_TEXT, "csrf_token": csrf})
    assert preview.status_code == 200
    team.set_password(store, "erika", "ein ganz anderes Passwort 2030", now=NOW)  # elsewhere: this session ends
    sent = client.post(
        "/import/queue",
        data={"csrf_token": token(preview.get_data(as_text=True)), "account": "mastodon:default", "issue": "x"},
    )
    assert sent.status_code == 302 and sent.headers["Location"].startswith("/login?next=")
    login = client.get(sent.headers["Location"]).get_data(as_text=True)
    signed_in = client.post(
        "/login",
        data={
            "name": "erika",
            "password": "ein ganz anderes Passwort 2030",
            "csrf_token": token(login),
            "next": "/import/queue",
        },
    )
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == "/import/queue"
    landed = client.get("/import/queue", follow_redirects=True)
    page = _text(landed)
    assert landed.status_code == 200 and landed.request.path == "/import"
    assert "Bitte lesen Sie die Ausgabe noch einmal ein" in page
    assert store.list_posts() == []  # nothing was queued on the way
