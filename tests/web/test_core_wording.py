"""The core's messages (errors, warnings, history lines: English, written for the command line)
read in the dashboard in the reader's language, with the dashboard's fix instead of a command-line
one; and every template the dashboard knows them by still matches what the core says."""

from __future__ import annotations

import functools
import html
import re
from pathlib import Path

import pytest
from flask import Flask, g

from scheduler.models import State
from scheduler.storage import Store
from scheduler.web import i18n
from scheduler.web.corewords import TEMPLATES
from tests.fakes.pages import PageServer
from tests.web.conftest import NOW, english, queue_posts, sign_in

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "posts" / "2024-12-13-vernetzungsstelle.txt"
GERMAN = {"Accept-Language": "de-DE,de;q=0.9"}

#: Templates the core puts together from pieces, not written out in its source: by
#: `wording.plural`, by `readon._relative`, and a reason with `queueing.AGAIN` added.
COMPOSED = {
    "1 attempt",
    "{count} attempts",
    "link lost: {names} is relative to the issue's web address, which its file does not give; "
    'add url = "https://…" (the issue\'s web address) to {file}',
    "{count} links lost: {names} are relative to the issue's web address, which its file does not give; "
    'add url = "https://…" (the issue\'s web address) to {file}',
    "text edited: approve it again",
    "alt texts edited: approve it again",
}


@functools.cache
def _core_source() -> str:
    """The package's Python source (the templates' own module left out), with the pieces of strings
    Python joins ("…; " "split it …" over two lines) joined."""
    text = "\n".join(
        path.read_text(encoding="utf-8") for path in (ROOT / "scheduler").rglob("*.py") if path.name != "corewords.py"
    )
    return re.sub(r"\"\s*\n\s*f?\"", "", text).replace("\\'", "'")


def _written(clause: str) -> re.Pattern[str]:
    """How the core's source writes `clause`: its slots are an f-string's {expression}, a log
    line's %s or a constant's {NAME}; a setting's name may be such a constant too."""
    pieces = []
    for piece in re.split(r"\{\w+\}", clause):
        literal = re.escape(piece.replace("{{", "{").replace("}}", "}"))
        literal = literal.replace(r"\{", r"\{\{?").replace(r"\}", r"\}\}?")
        pieces.append(re.sub(r"SCHEDULER_[A-Z_]+", r"(?:SCHEDULER_[A-Z_]+|\\{[A-Z_]+\\})", literal))
    return re.compile(r"[^\n]{0,160}?".join(pieces))


@pytest.mark.parametrize("template", [t for t in TEMPLATES if t not in COMPOSED])
def test_each_template_still_matches_what_the_core_says(template: str):
    source = _core_source()
    # a message may be put together by several functions ("…; check the address" added to the
    # fetcher's words): each clause of it is written somewhere
    for clause in template.split("; "):
        # "{url}: " before a message is often put there by the caller (`f"{url}: {error}"`)
        bare = re.sub(r"^\{\w+\}: ", "", clause)
        assert _written(clause).search(source) or _written(bare).search(source), (
            f"the core no longer says {clause!r} of {template!r}: update scheduler/web/corewords.py"
        )


def _said(locale: str, message: str, timezone: str = "Europe/Berlin") -> str:
    app = Flask("wording")
    with app.test_request_context():
        g.locale, g.timezone = locale, timezone
        return i18n.say(message)


def test_a_message_is_said_in_the_readers_language_with_its_parts_put_in():
    message = "pasted text: no newsletter items found; expected section headings followed by paragraphs"
    assert _said("de", message) == (
        "eingefügter Text: Darin sind keine Meldungen zu finden – erwartet werden Überschriften mit Absätzen darunter."
    )
    assert _said("en", message) == message
    # the parts are the core's words too: said in German as well, a day in the reader's words
    why = "2030-01-12 is a Saturday, which has no posting slots (Mon-Fri 09:00,12:00)"
    refused = f"post 7: no free posting slot on 2030-01-12: {why}; give a time, e.g. 2030-01-12T10:00"
    assert _said("de", refused) == (
        "Beitrag 7: kein freier Sendeplatz am 12. Januar 2030: der 12. Januar 2030 ist ein Samstag, an dem es "
        "keine Sendeplätze gibt (Mon-Fri 09:00,12:00); wählen Sie einen anderen Tag"
    )
    assert _said("en", refused) == (
        "post 7: no free posting slot on 12 January 2030: 12 January 2030 is a Saturday, which has no posting "
        "slots (Mon-Fri 09:00,12:00); choose another day"
    )
    assert _said("de", "rescheduled to 2030-01-09T08:00:00+00:00") == "verschoben auf Mi. 9. Jan. 2030, 09:00 +01:00"
    assert _said("de", "gave up after 3 attempts: 503") == "aufgegeben nach 3 Versuchen: 503"


def test_a_message_of_no_known_template_is_shown_as_the_core_wrote_it():
    assert _said("de", "Mastodon said: Validation failed") == "Mastodon said: Validation failed"
    assert _said("de", "") == ""


def test_the_import_page_says_in_german_what_is_missing_and_the_fix_in_the_browser(app: Flask, store: Store):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = GERMAN["Accept-Language"]
    csrf = sign_in(client, "erika")
    text = EXAMPLE.read_text(encoding="utf-8")
    page = client.post("/import/preview", data={"kind": "text", "text": text, "csrf_token": csrf}).get_data(
        as_text=True
    )
    page = html.unescape(page)
    assert "gekürzt, aber ohne Link zum Weiterlesen: geben Sie beim Import die Webseite der Ausgabe an" in page
    assert 'sagt "hier", hat aber keinen Link' in page
    assert "shortened" not in page and ".toml" not in page and "add link" not in page
    refused = client.post("/import/preview", data={"kind": "text", "text": "Hallo", "csrf_token": csrf})
    said = html.unescape(refused.get_data(as_text=True))
    assert refused.status_code == 400 and "eingefügter Text: Darin sind keine Meldungen zu finden" in said
    assert "no newsletter items" not in said


def test_the_english_import_page_gives_the_browsers_fix_not_the_options_file(app: Flask):
    client = english(app.test_client())
    csrf = sign_in(client, "erika")
    text = EXAMPLE.read_text(encoding="utf-8")
    page = html.unescape(
        client.post("/import/preview", data={"kind": "text", "text": text, "csrf_token": csrf}).get_data(as_text=True)
    )
    assert "shortened without a link to read on: give the issue's web page when you import it" in page
    assert ".toml" not in page


def test_a_fetch_that_fails_is_said_in_german(local_fetches: None, site: PageServer, app: Flask, store: Store):
    client = app.test_client()
    csrf = sign_in(client, "erika")
    address = site.url + "/weg"
    answer = client.post("/import/preview", data={"kind": "url", "url": address, "csrf_token": csrf}, headers=GERMAN)
    said = html.unescape(answer.get_data(as_text=True))
    assert answer.status_code == 400
    assert f"{address}: der Server antwortete 404 Not Found; prüfen Sie die Adresse" in said


def test_a_move_to_a_past_day_is_refused_in_the_readers_words_without_a_command_line_flag(app: Flask, store: Store):
    (post_id,) = queue_posts(store, 1, state=State.SCHEDULED)
    client = app.test_client()
    csrf = sign_in(client, "erika")
    answer = client.post(
        f"/api/posts/{post_id}/move", json={"day": "2030-01-02"}, headers={"X-CSRF-Token": csrf, **GERMAN}
    )
    assert answer.status_code == 400
    error = answer.get_json()["error"]
    assert error.startswith(f"Beitrag {post_id}: 2. Januar 2030 liegt in der Vergangenheit (jetzt ist ")
    assert error.endswith("wählen Sie einen späteren Tag") and "--force" not in error
    answer = english(client).post(
        f"/api/posts/{post_id}/move", json={"day": "2030-01-02"}, headers={"X-CSRF-Token": csrf}
    )
    assert answer.get_json()["error"].endswith("choose a later day")


def test_the_history_of_a_post_reads_in_german(app: Flask, store: Store):
    (post_id,) = queue_posts(store, 1, state=State.SCHEDULED)
    (failed,) = queue_posts(store, 1, state=State.SCHEDULED, text="Gescheitert {n}")
    store.transition(failed, State.PUBLISHING, reason="claimed", now=NOW)
    store.transition(failed, State.FAILED, reason="gave up after 5 attempts: 503", now=NOW, values={"error": "503"})
    client = app.test_client()
    csrf = sign_in(client, "erika")
    client.post("/calendar/move", data={"post": str(post_id), "day": "2030-01-09", "csrf_token": csrf})
    page = html.unescape(client.get(f"/posts/{post_id}", headers=GERMAN).get_data(as_text=True))
    assert "verschoben auf Mi. 9. Jan. 2030, 09:00 +01:00" in page and "rescheduled to" not in page
    page = html.unescape(client.get(f"/posts/{failed}", headers=GERMAN).get_data(as_text=True))
    assert "aufgegeben nach 5 Versuchen: 503" in page and "gave up" not in page


def test_what_a_dry_run_rehearsed_reads_in_german(app: Flask, store: Store):
    (post,) = queue_posts(store, 1, state=State.SCHEDULED)
    store.note(post, "dry run: the requests went to outbox.jsonl; nothing was sent", now=NOW)
    client = app.test_client()
    sign_in(client, "erika")
    page = client.get("/history", headers=GERMAN).get_data(as_text=True)
    assert "Probelauf: die Anfragen stehen in outbox.jsonl; nichts wurde gesendet" in page
    assert "nothing was sent" not in page


def test_a_platform_in_a_message_is_called_by_its_name():
    message = "post 3 on mastodon: 515 characters exceeds the limit of 500; shorten the text"
    assert (
        _said("de", message)
        == "Beitrag 3 auf Mastodon: 515 Zeichen sind mehr als die erlaubten 500; kürzen Sie den Text"
    )
    assert _said("en", message) == "post 3 on Mastodon: 515 characters exceeds the limit of 500; shorten the text"


def test_an_account_in_a_message_is_called_as_the_pages_call_it():
    message = (
        "dry run: mastodon:default has no credentials; the requests went to outbox.jsonl and the post stays queued"
    )
    assert _said("de", message) == (
        "Probelauf: Mastodon hat keine Zugangsdaten; die Anfragen stehen in outbox.jsonl, der Beitrag bleibt eingeplant"
    )
    assert _said("en", "outcome unknown (timeout); check linkedin:presse by hand") == (
        "outcome unknown (timeout); check LinkedIn · presse by hand"
    )
