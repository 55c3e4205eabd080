"""The Sources page: the watched sources with their last and next check and errors (as text), and
adding, pausing, resuming and removing one — admins only, through the same use cases as
`scheduler sources`."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from flask import Flask

from scheduler.models import WatchedSource
from scheduler.storage import Store
from scheduler.wiring import Wiring
from tests.web.conftest import NOW, english, sign_in

ISSUE = Path(__file__).parents[1] / "fixtures" / "newsletters" / "markdown" / "list-entries-de.md"


def _folder(tmp_path: Path, *, with_issue: bool = False) -> Path:
    folder = tmp_path / "ausgaben"
    folder.mkdir()
    if with_issue:
        shutil.copy(ISSUE, folder)
    return folder


def test_the_sources_are_listed_with_their_checks_and_an_error_with_markup_is_shown_as_text(app: Flask, store: Store):
    store.add_source(WatchedSource(name="kaputt", kind="feed", location="https://example.org/feed.xml"), now=NOW)
    store.source_checked(
        "kaputt", now=NOW, next_check_at=NOW + dt.timedelta(minutes=15), error="<script>alert(1)</script> 503"
    )
    client = app.test_client()
    sign_in(client, "erika")
    page = client.get("/sources", headers={"Accept-Language": "de-DE"}).get_data(as_text=True)
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; 503" in page
    assert "Feed: https://example.org/feed.xml" in page  # what it is, in words
    assert "scheitert (1 Prüfung in Folge)" in page
    assert "Mo. 7. Jan. 2030, 09:00 +01:00" in page and "Mo. 7. Jan. 2030, 09:15 +01:00" in page  # last, next
    assert "als Entwürfe, die auf Freigabe warten" in page
    assert "/sources/kaputt/pause" not in page and 'action="/sources"' not in page  # an editor changes nothing


def test_an_admin_adds_a_folder_and_the_issues_in_it_now_count_as_seen(app: Flask, store: Store, tmp_path: Path):
    folder = _folder(tmp_path, with_issue=True)
    client = english(app.test_client())
    csrf = sign_in(client, "ada")
    answer = client.post("/sources", data={"location": str(folder), "name": "ordner", "csrf_token": csrf})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    page = client.get("/sources").get_data(as_text=True)
    assert "Source ordner added. 1 issue in it now counts as seen; new ones are queued when they appear." in page
    state = store.source("ordner")
    assert state is not None and state.source.kind == "folder" and state.source.location == str(folder.resolve())
    assert store.list_posts() == []


def test_an_approver_cannot_add_pause_or_remove_a_source(app: Flask, store: Store, tmp_path: Path):
    folder = _folder(tmp_path)
    store.add_source(WatchedSource(name="ordner", kind="folder", location=str(folder)), now=NOW)
    client = app.test_client()
    csrf = sign_in(client, "anton")
    added = client.post("/sources", data={"location": str(folder), "name": "zweiter", "csrf_token": csrf})
    assert added.status_code == 403 and store.source("zweiter") is None
    assert client.post("/sources/ordner/pause", data={"csrf_token": csrf}).status_code == 403
    assert client.post("/sources/ordner/remove", data={"csrf_token": csrf}).status_code == 403
    state = store.source("ordner")
    assert state is not None and state.paused_at is None


def test_a_source_that_cannot_be_added_is_said_in_one_line_and_the_form_keeps_what_was_typed(app: Flask, store: Store):
    client = english(app.test_client())
    csrf = sign_in(client, "ada")
    answer = client.post(
        "/sources", data={"location": "/nosuch/folder", "name": "meine-quelle", "approve": "on", "csrf_token": csrf}
    )
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert "/nosuch/folder: no such folder; a source is a folder of issue files, a feed or an archive page" in page
    assert 'value="meine-quelle"' in page and 'name="approve" checked' in page
    bad = client.post("/sources", data={"location": "/nosuch/folder", "backfill": "-1", "csrf_token": csrf})
    assert bad.status_code == 400 and "Queue the newest 0 to 100 issues it holds now." in bad.get_data(as_text=True)
    links = client.post(
        "/sources", data={"location": "https://example.org/archiv", "links": "(unclosed", "csrf_token": csrf}
    )
    assert links.status_code == 400 and "is no regular expression" in links.get_data(as_text=True)
    assert store.sources() == []


def test_a_paused_source_is_not_checked_until_it_is_resumed(app: Flask, store: Store, wiring: Wiring, tmp_path: Path):
    folder = _folder(tmp_path)
    client = english(app.test_client())
    csrf = sign_in(client, "ada")
    assert (
        client.post("/sources", data={"location": str(folder), "name": "ordner", "csrf_token": csrf}).status_code == 302
    )
    assert client.post("/sources/ordner/pause", data={"csrf_token": csrf}).status_code == 302
    state = store.source("ordner")
    assert state is not None and state.paused_at == NOW
    page = client.get("/sources").get_data(as_text=True)
    assert "Source ordner paused: it is not checked until you resume it." in page
    assert "since Mon 7 Jan 2030, 09:00 +01:00" in page and "/sources/ordner/resume" in page

    shutil.copy(ISSUE, folder)  # a new issue appears while the source is paused
    report = wiring.watcher("test").check(now=NOW + dt.timedelta(hours=1), force=True)
    assert [(result.name, result.paused, result.checked) for result in report.results] == [("ordner", True, False)]
    assert store.list_posts() == []

    assert client.post("/sources/ordner/resume", data={"csrf_token": csrf}).status_code == 302
    state = store.source("ordner")
    assert state is not None and state.paused_at is None
    report = wiring.watcher("test").check(now=NOW + dt.timedelta(hours=2))
    assert report.results[0].checked and report.results[0].posts > 0
    assert store.list_posts() != []


def test_an_admin_removes_a_source_and_an_unknown_one_is_named(app: Flask, store: Store, tmp_path: Path):
    store.add_source(WatchedSource(name="ordner", kind="folder", location=str(_folder(tmp_path))), now=NOW)
    client = english(app.test_client())
    csrf = sign_in(client, "ada")
    answer = client.post("/sources/ordner/remove", data={"csrf_token": csrf}, follow_redirects=True)
    assert "Source ordner removed; its queued posts stay." in answer.get_data(as_text=True)
    assert store.sources() == []
    again = client.post("/sources/ordner/pause", data={"csrf_token": csrf}, follow_redirects=True)
    assert "no source named &#39;ordner&#39;; the sources are: none" in again.get_data(as_text=True)


def test_each_kind_of_source_is_named_in_the_readers_words(app: Flask, store: Store, tmp_path: Path):
    for source in (
        WatchedSource(name="netz", kind="feed", location="https://example.org/feed.xml"),
        WatchedSource(name="archiv", kind="page", location="https://example.org/archiv", pattern="re:/ausgabe-"),
        WatchedSource(name="ordner", kind="folder", location=str(tmp_path)),
        WatchedSource(name="post", kind="imap", location="imaps://presse@mail.example.org/INBOX"),
    ):
        store.add_source(source, now=NOW)
    client = app.test_client()
    sign_in(client, "erika")
    page = client.get("/sources").get_data(as_text=True)
    for words in ("Feed: https://example.org/feed.xml", "Archivseite: https://example.org/archiv"):
        assert words in page
    assert f"Ordner: {tmp_path}" in page and "Postfach: imaps://presse@mail.example.org/INBOX" in page
    assert "folder:" not in page and "imap:" not in page and "page: https" not in page
    page = english(client).get("/sources").get_data(as_text=True)
    assert "Archive page: https://example.org/archiv" in page and f"Folder: {tmp_path}" in page
    assert "Mailbox: imaps://presse@mail.example.org/INBOX" in page
