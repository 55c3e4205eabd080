"""What a first visit meets before signing in: the sign-in page in the reader's language with a
switch to the other one, and the dashboard's icon (no 404, no sign-in for it)."""

from __future__ import annotations

from flask import Flask

from tests.web.conftest import PASSWORD, token


def test_the_sign_in_page_switches_language_before_signing_in_and_keeps_it_after(app: Flask):
    client = app.test_client()
    german = client.get("/login?next=/calendar", headers={"Accept-Language": "de-DE"}).get_data(as_text=True)
    assert "<h1>Anmelden</h1>" in german
    assert '<a href="/login?next=/calendar&amp;lang=en" lang="en" hreflang="en">English</a>' in german
    english = client.get("/login?next=/calendar&lang=en", headers={"Accept-Language": "de-DE"}).get_data(as_text=True)
    assert '<html lang="en">' in english and "<h1>Sign in</h1>" in english
    assert '<a href="/login?next=/calendar&amp;lang=de" lang="de" hreflang="de">Deutsch</a>' in english
    answer = client.post(
        "/login",
        data={"name": "erika", "password": PASSWORD, "csrf_token": token(english), "next": "/calendar"},
        headers={"Accept-Language": "de-DE"},
    )
    assert answer.status_code == 302 and answer.location.endswith("/calendar")
    page = client.get("/calendar", headers={"Accept-Language": "de-DE"}).get_data(as_text=True)
    assert '<html lang="en">' in page and "<h1>Calendar</h1>" in page  # the choice outlives the sign-in


def test_the_icon_is_served_without_signing_in_and_every_page_links_it(app: Flask):
    client = app.test_client()
    answer = client.get("/favicon.ico")
    assert answer.status_code == 301 and answer.location.endswith("/static/favicon.svg")  # not to the sign-in
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert icon.get_data(as_text=True).startswith("<svg ")
    page = client.get("/login").get_data(as_text=True)
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
