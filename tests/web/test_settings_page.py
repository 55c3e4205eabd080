"""The Settings page (admins only): every setting in its group with its value in words, its
variable and where it is set; secrets only as set or not set; the next posting slots and the days
without posts; a value changed in .env since the start marked; a wrong setting said in one line;
editors and approvers get 403 and no link; the German page has no English."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path
from typing import get_args

import pytest
from babel.messages.extract import extract_from_file
from flask import Flask
from flask.testing import FlaskClient
from pydantic import SecretStr

from scheduler.config import Settings, env_name
from scheduler.web import i18n
from scheduler.web.settings_page import LEFT_OUT
from scheduler.wiring import Wiring
from tests.web.conftest import english, sign_in

WEB = Path(i18n.__file__).parent
GROUPS = (
    "Zeitplan",
    "Freigabe",
    "Beiträge",
    "Plattformen",
    "Quellen und Abruf",
    "Benachrichtigungen",
    "Veröffentlichen",
    "Datenbank und Dateien",
    "Dashboard",
)


def _page(client: FlaskClient, path: str = "/settings") -> str:
    answer = client.get(path)
    assert answer.status_code == 200, answer.status_code
    return answer.get_data(as_text=True)


def _rows(page: str) -> dict[str, tuple[str, str, str]]:
    """Each setting's row by its variable: (label, value, where it is set), as read."""
    found = {}
    for label, variable, value, origin in re.findall(
        r'<th scope="row">(.*?)<br><code class="hint">(SCHEDULER_\w+)</code></th>\s*<td>(.*?)</td>\s*<td>(.*?)</td>',
        page,
        re.DOTALL,
    ):
        found[variable] = (html.unescape(label), html.unescape(re.sub(r"<[^>]+>", "", value)).strip(), origin)
    return found


def _alerts(page: str) -> list[str]:
    return [html.unescape(text) for text in re.findall(r'<p class="error" role="alert">(.*?)</p>', page, re.DOTALL)]


@pytest.fixture
def team_settings(web_env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Settings the dashboard starts with: one in the environment, two in .env (the working folder)."""
    monkeypatch.setenv("SCHEDULER_MIN_GAP_MINUTES", "90")
    dotenv = Path(".env")
    dotenv.write_text("SCHEDULER_SLOTS=mon,wed,fri 10:00,15:30\nSCHEDULER_HOLIDAYS_REGION=BY\n", encoding="utf-8")
    return dotenv


# -- what an admin sees -------------------------------------------------------------------------


def test_an_admin_sees_each_setting_in_its_group_in_words_with_where_it_is_set(team_settings: Path, app: Flask):
    client = app.test_client()
    sign_in(client, "ada")
    page = _page(client)
    headings = re.findall(r"<h2 [^>]*>(.*?)</h2>", page)
    assert [heading for heading in headings if heading in GROUPS] == list(GROUPS)
    rows = _rows(page)
    assert rows["SCHEDULER_MIN_GAP_MINUTES"] == (
        "Abstand zwischen zwei Beiträgen eines Kontos, mindestens",
        "1 Stunde 30 Minuten",
        "Umgebungsvariable",
    )
    assert rows["SCHEDULER_SLOTS"] == ("Sendeplätze", "Mo, Mi, Fr 10:00, 15:30", ".env-Datei")
    assert rows["SCHEDULER_HOLIDAYS_REGION"][1:] == ("BY", ".env-Datei")
    assert rows["SCHEDULER_HOLIDAYS_COUNTRY"][1:] == ("Deutschland (DE)", "Voreinstellung")
    assert rows["SCHEDULER_TIMEZONE"][1:] == ("Europe/Berlin", "Voreinstellung")
    assert rows["SCHEDULER_FOUR_EYES"][1] == rows["SCHEDULER_REQUIRE_APPROVAL"][1] == "Ja"
    assert rows["SCHEDULER_SERVE_HTTPS"][1] == "Nein"
    assert rows["SCHEDULER_WATCH_INTERVAL"][1] == "15 Minuten"
    assert rows["SCHEDULER_RETRY_CAP_SECONDS"][1] == "15 Minuten"
    assert rows["SCHEDULER_LATE_NOTICE"][1] == "10 Minuten"
    assert rows["SCHEDULER_MAX_ISSUE_BYTES"][1] == "5 MB"
    assert rows["SCHEDULER_MAX_ITEMS"][1] == "1.000"
    assert rows["SCHEDULER_LANGUAGES"][1] == "Deutsch, Englisch"
    assert rows["SCHEDULER_PLATFORMS"][1] == "LinkedIn, Mastodon, Bluesky, X, Threads, Facebook"
    assert rows["SCHEDULER_MASTODON_VISIBILITY"][1] == "alle"
    assert rows["SCHEDULER_BLUESKY_BASE_URL"][1] == "die der Plattform (https://bsky.social)"
    assert rows["SCHEDULER_DATABASE_URL"][1].startswith("SQLite-Datei ")
    assert "geändert" not in page  # nothing changed since the start
    assert "So ändern Sie eine Einstellung" in page and f"{Path.cwd() / '.env'}" in page
    assert 'href="/settings" aria-current="page"' in page


def test_every_setting_is_on_the_page_but_the_named_accounts_and_the_replaced_one(app: Flask):
    client = app.test_client()
    sign_in(client, "ada")
    rows = _rows(_page(client))
    assert set(rows) == {env_name(name) for name in Settings.model_fields} - {env_name(name) for name in LEFT_OUT}
    assert all(label and value and origin for label, value, origin in rows.values())


def test_the_next_slots_and_the_days_without_posts_are_shown(
    app: Flask, wiring: Wiring, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("SCHEDULER_BLACKOUT_DATES", "12-24..12-31")
    monkeypatch.setattr(wiring, "clock", lambda: dt.datetime(2030, 12, 20, 8, 0, tzinfo=dt.UTC))  # a Friday, 09:00
    client = app.test_client()
    sign_in(client, "ada")
    page = _page(client)
    slots = re.search(r"Die nächsten Sendeplätze</h3>.*?<ul>(.*?)</ul>", page, re.DOTALL)
    assert slots is not None
    assert re.findall(r"<li>(.*?)</li>", slots.group(1)) == [
        "Fr. 20. Dez. 2030, 09:00 +01:00",
        "Fr. 20. Dez. 2030, 12:30 +01:00",
        "Fr. 20. Dez. 2030, 16:00 +01:00",
        "Mo. 23. Dez. 2030, 09:00 +01:00",
        "Mo. 23. Dez. 2030, 12:30 +01:00",
        "Mo. 23. Dez. 2030, 16:00 +01:00",
    ]
    days = re.search(r"Tage ohne Beiträge in den nächsten 60 Tagen</h3>\s*<ul>(.*?)</ul>", page, re.DOTALL)
    assert days is not None
    assert re.findall(r"<li>(.*?)</li>", days.group(1)) == [
        "Di. 24. Dez.: Tag ohne Beiträge",
        "Mi. 25. Dez.: Erster Weihnachtstag",
        "Do. 26. Dez.: Zweiter Weihnachtstag",
        "Fr. 27. Dez. – Di. 31. Dez.: Tag ohne Beiträge",
        "Mi. 1. Jan.: Neujahr",
    ]


# -- secrets ------------------------------------------------------------------------------------


#: What the platforms' accounts need besides their secrets.
COMPLETE = {
    "SCHEDULER_LINKEDIN_AUTHOR": "urn:li:organization:123456",
    "SCHEDULER_MASTODON_BASE_URL": "https://social.example",
    "SCHEDULER_BLUESKY_HANDLE": "comms.bsky.social",
    "SCHEDULER_FACEBOOK_PAGE_ID": "123456",
}


def _secret_fields() -> list[str]:
    return [
        name
        for name, info in Settings.model_fields.items()
        if info.annotation is SecretStr or SecretStr in get_args(info.annotation)
    ]


def _secret_value(name: str) -> str:
    value = f"S3cr3t-{name.replace('_', '-')}-0123456789"
    return f"https://hooks.example/{value}" if name == "notify_webhook_url" else value


@pytest.fixture
def secrets_given(web_env: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every secret setting given in the environment before the dashboard starts (with what makes
    the platforms' accounts complete)."""
    names = _secret_fields()
    for name in names:
        monkeypatch.setenv(env_name(name), _secret_value(name))
    for variable, value in COMPLETE.items():
        monkeypatch.setenv(variable, value)
    return names


def test_no_secret_is_ever_shown_only_whether_it_is_set(
    secrets_given: list[str], app: Flask, monkeypatch: pytest.MonkeyPatch
):
    assert {"mastodon_token", "x_client_secret", "smtp_password", "webhook_secret"} <= set(secrets_given)
    client = app.test_client()
    sign_in(client, "ada")
    monkeypatch.setenv("SCHEDULER_DATABASE_URL", "postgresql+psycopg://redaktion:S3cr3t-db-pw@db.example:5432/queue")
    page = _page(client)
    assert "S3cr3t" not in page and "0123456789" not in page
    rows = _rows(page)
    for name in secrets_given:
        assert rows[env_name(name)][1:] == ("gesetzt", "Umgebungsvariable"), name
    assert rows["SCHEDULER_LINKEDIN_TOKEN"][0] == "Zugangstoken"
    assert rows["SCHEDULER_DATABASE_URL"][1] == (
        "postgresql+psycopg://redaktion@db.example:5432/queue, Passwort: gesetzt geändert: gilt nach einem Neustart"
    )


def test_a_secret_that_is_not_set_says_so(app: Flask):
    client = app.test_client()
    sign_in(client, "ada")
    rows = _rows(_page(client))
    assert rows["SCHEDULER_MASTODON_TOKEN"][1:] == ("nicht gesetzt", "Voreinstellung")
    assert rows["SCHEDULER_SMTP_PASSWORD"][1] == "nicht gesetzt"


# -- changed since the start, and wrong settings -------------------------------------------------


def test_a_value_changed_in_dotenv_since_the_start_takes_effect_after_a_restart(app: Flask):
    client = app.test_client()
    sign_in(client, "ada")
    Path(".env").write_text("SCHEDULER_FOUR_EYES=false\n", encoding="utf-8")
    page = _page(client)
    rows = _rows(page)
    assert rows["SCHEDULER_FOUR_EYES"][1:] == ("Nein geändert: gilt nach einem Neustart", ".env-Datei")
    assert page.count("geändert: gilt nach einem Neustart") == 1


def test_a_wrong_setting_is_said_in_one_line_and_the_settings_in_use_are_shown(
    secrets_given: list[str], app: Flask, monkeypatch: pytest.MonkeyPatch
):
    client = app.test_client()
    sign_in(client, "ada")
    monkeypatch.setenv("SCHEDULER_MIN_GAP_MINUTES", "zwei Stunden")
    page = _page(client)
    assert _alerts(page) == [
        "Eine Einstellung in .env oder der Umgebung ist falsch: SCHEDULER_MIN_GAP_MINUTES=zwei Stunden is invalid "
        "(Input should be a valid integer, unable to parse string as an integer): expected minutes from 0 to 10080, "
        "e.g. 120"
    ]
    assert _rows(page)["SCHEDULER_MIN_GAP_MINUTES"][1] == "2 Stunden"  # the dashboard's, until a restart
    assert "S3cr3t" not in page


def test_a_wrong_secret_is_said_without_its_value(app: Flask, monkeypatch: pytest.MonkeyPatch):
    client = app.test_client()
    sign_in(client, "ada")
    monkeypatch.setenv("SCHEDULER_WEBHOOK_SECRET", "S3cr3t-short")
    page = _page(client)
    assert len(_alerts(page)) == 1 and "SCHEDULER_WEBHOOK_SECRET=***" in _alerts(page)[0]
    assert "S3cr3t" not in page


def test_slots_that_cannot_be_planned_are_said_in_one_line(app: Flask):
    client = app.test_client()
    sign_in(client, "ada")
    Path(".env").write_text("SCHEDULER_SLOTS=sometimes 09:00\n", encoding="utf-8")
    page = _page(client)
    alerts = _alerts(page)
    assert len(alerts) == 1 and alerts[0].startswith("Mit diesem Zeitplan lässt sich nicht planen: SCHEDULER_SLOTS: ")
    assert "\n" not in alerts[0]
    assert _rows(page)["SCHEDULER_SLOTS"][1] == "sometimes 09:00 geändert: gilt nach einem Neustart"
    assert "Die nächsten Sendeplätze" not in page


# -- who may see it -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["erika", "anton"])
def test_editors_and_approvers_may_not_see_the_settings_nor_a_link_to_them(app: Flask, name: str):
    client = app.test_client()
    sign_in(client, name)
    assert client.get("/settings").status_code == 403
    assert 'href="/settings"' not in _page(client, "/queue")


def test_an_admin_finds_the_settings_in_the_navigation(app: Flask):
    client = app.test_client()
    sign_in(client, "ada")
    assert '<a href="/settings">Einstellungen</a>' in _page(client, "/queue")


def test_signed_out_the_settings_ask_to_sign_in(app: Flask):
    answer = app.test_client().get("/settings")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


# -- languages ----------------------------------------------------------------------------------


def _english_pieces() -> set[str]:
    """The English texts of the Settings page whose German differs, cut at their placeholders
    (pieces of 8 characters or more)."""
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2)}
    pieces: set[str] = set()
    for path, method in ((WEB / "settings_page.py", "python"), (WEB / "templates" / "settings.html", "jinja2")):
        for _line, message, _comments, _context in extract_from_file(method, str(path), keywords=keywords):
            for text in message if isinstance(message, tuple) else (message,):
                if i18n.translations("de").gettext(text) != text:
                    pieces.update(p.strip() for p in re.split(r"%\(\w+\)[sd]", text) if len(p.strip()) >= 8)
    return pieces


def test_the_german_page_has_no_english(
    team_settings: Path, app: Flask, wiring: Wiring, monkeypatch: pytest.MonkeyPatch
):
    pieces = _english_pieces()
    assert len(pieces) > 80  # the texts were found
    monkeypatch.setattr(wiring, "clock", lambda: dt.datetime(2030, 12, 20, 8, 0, tzinfo=dt.UTC))  # holidays ahead
    client = app.test_client()
    sign_in(client, "ada")
    page = html.unescape(_page(client))
    assert [piece for piece in pieces if piece in page] == []


def test_an_english_reader_gets_the_page_in_english(app: Flask):
    client = english(app.test_client())
    sign_in(client, "ada")
    page = _page(client)
    assert "<h1>Settings</h1>" in page and "How to change a setting" in page
    rows = _rows(page)
    assert rows["SCHEDULER_SLOTS"] == ("Posting slots", "Mon–Fri 09:00, 12:30, 16:00", "default value")
    assert rows["SCHEDULER_MIN_GAP_MINUTES"][1] == "2 hours"
    assert rows["SCHEDULER_FOUR_EYES"][1] == "Yes"


def test_opening_the_page_repeats_no_warning_about_names_in_the_log(
    app: Flask, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
):
    client = app.test_client()
    sign_in(client, "ada")
    monkeypatch.setenv("SCHEDULER_TIMEZOEN", "UTC")  # warned about when the dashboard starts, not per page
    with caplog.at_level("WARNING"):
        _page(client)
    assert [record.getMessage() for record in caplog.records if "TIMEZOEN" in record.getMessage()] == []
