"""German and English: every text of the dashboard has its German translation, the browser's
language decides unless the reader chose, and times are the team's with their offset."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask import Flask

from scheduler.models import Role, State
from scheduler.web import i18n
from tests.web.conftest import sign_in

WEB = Path(i18n.__file__).parent


def test_every_text_of_the_dashboard_has_a_german_translation():
    with (WEB / "translations" / "de" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="de")
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    missing = []
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(WEB), method_map, keywords={"_": None, "gettext": None, "ngettext": (1, 2)}
    ):
        key = message if isinstance(message, str) else message[0]
        entry = catalog.get(key)
        if entry is None or not entry.string or (isinstance(entry.string, tuple) and not all(entry.string)):
            missing.append(key)
    values = [*(state.value for state in State), *(role.value for role in Role)]  # shown from values
    missing.extend(value for value in values if not (catalog.get(value) and catalog.get(value).string))
    assert missing == []


def test_the_browser_language_decides_unless_the_reader_chose(app: Flask):
    client = app.test_client()
    assert "Anmelden" in client.get("/login", headers={"Accept-Language": "de-DE"}).get_data(as_text=True)
    assert "Sign in" in client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.8"}).get_data(as_text=True)
    assert "Anmelden" in client.get("/login", headers={"Accept-Language": "fr"}).get_data(
        as_text=True
    )  # German otherwise
    sign_in(client, "erika")
    page = client.get("/queue?lang=en", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert "Queue" in page and '<html lang="en">' in page
    assert "Queue" in client.get("/queue", headers={"Accept-Language": "de"}).get_data(as_text=True)  # kept


def test_times_are_the_teams_with_their_offset_in_the_readers_format():
    summer = dt.datetime(2030, 7, 1, 7, 30, tzinfo=dt.UTC)
    assert i18n.when(summer, "de", "Europe/Berlin") == "Mo. 1. Juli 2030, 09:30 +02:00"
    assert i18n.when(summer, "en", "Europe/Berlin") == "Mon 1 Jul 2030, 09:30 +02:00"


def test_pages_write_a_date_in_the_readers_words_not_as_iso(app: Flask):
    from flask import render_template_string

    day = dt.date(2024, 12, 13)
    for language, words in (("de", "13. Dezember 2024"), ("en", "13 December 2024")):
        with app.test_request_context(f"/login?lang={language}"):
            app.preprocess_request()
            assert render_template_string("{{ day_long(day) }}", day=day) == words
