"""The dry run's transport: what it writes of a request (secrets never), what it fetches (nothing),
and a post the client refuses in a dry run."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from scheduler.errors import RejectedError
from scheduler.models import Content, Image, QueuedPost
from scheduler.platforms.dryrun import DryRunPublisher
from scheduler.platforms.fetching import Fetcher
from scheduler.platforms.http import HttpClient
from scheduler.platforms.recording import Recorder

SECRET = "s3cret-value-0042"
NOW = dt.datetime(2030, 1, 7, 8, tzinfo=dt.UTC)


def _recording() -> tuple[Recorder, HttpClient]:
    recorder = Recorder()
    http = HttpClient(transport=recorder, fetch_transport=recorder.fetches)
    recorder.secrets = lambda: http.concealed
    http.conceal(SECRET)
    return recorder, http


def test_every_secret_is_redacted_in_what_is_written():
    recorder, http = _recording()
    http.request(
        "POST",
        f"https://api.example.org/v1/things?access_token={SECRET}&fields=id",
        headers={"Authorization": f"Bearer {SECRET}"},
        data={"password": "another-one", "message": f"the token is {SECRET}"},
    )
    http.request("POST", "https://api.example.org/v1/json", json={"refreshJwt": "jwt-0042", "text": "Hallo"})
    (form, body) = recorder.entries()
    assert form == {
        "method": "POST",
        "url": "https://api.example.org/v1/things?access_token=[redacted]&fields=id",
        "headers": {"Authorization": "Bearer [redacted]", "Content-Type": "application/x-www-form-urlencoded"},
        "body": {"password": "[redacted]", "message": "the token is [redacted]"},
    }
    assert body["body"] == {"refreshJwt": "[redacted]", "text": "Hallo"}
    assert SECRET not in json.dumps([form, body])


def test_files_are_written_as_name_type_and_size_and_other_bytes_as_their_size():
    recorder, http = _recording()
    http.request(
        "POST",
        "https://api.example.org/media",
        data={"description": "Alt-Text"},
        files={"file": ("bild.png", b"\x89PNG" + bytes(96), "image/png")},
    )
    http.request(
        "PUT", "https://upload.example.org/1", data=bytes(2048), headers={"Content-Type": "application/octet-stream"}
    )
    multipart, raw = recorder.entries()
    assert multipart["headers"]["Content-Type"] == "multipart/form-data"  # no random boundary
    assert multipart["body"] == {
        "description": "Alt-Text",
        "file": {"filename": "bild.png", "type": "image/png", "size": 100},
    }
    assert raw["body"] == "<2,048 bytes of application/octet-stream>"


def test_third_party_pages_and_images_are_never_fetched():
    recorder, http = _recording()
    fetcher = Fetcher(transport=http.fetch_transport)  # a host that does not even resolve
    page = fetcher.get("https://nowhere.invalid/artikel", max_bytes=10_000, accept="text/html")
    image = fetcher.get("https://nowhere.invalid/bild.png", max_bytes=10_000, accept="image/*")
    assert b"<title>" not in page.body and image.content_type == "image/png"
    notes = [entry["note"] for entry in recorder.entries()]
    assert "no link card" in notes[0] and "stands in" in notes[1]


def test_a_post_the_client_refuses_is_written_with_why_and_not_published(tmp_path: Path):
    gone = Image(str(tmp_path / "weg.png"), "Weg")
    post = QueuedPost(
        id=1,
        item_id="i",
        platform="mastodon",
        account="default",
        state="scheduled",
        publish_at=NOW,
        content=Content(("Hallo",), "de", images=(gone,)),
        idempotency_key="k",
    )
    outbox = tmp_path / "outbox.jsonl"
    assert DryRunPublisher(outbox).write(post, identity="no credentials configured")
    (line,) = [json.loads(raw) for raw in outbox.read_text().splitlines()]
    assert "cannot be read" in line["error"] and str(gone.path) in line["error"]
    assert [r["url"] for r in line["requests"]] == ["https://mastodon.social/api/v2/instance"]  # before the upload
    with pytest.raises(RejectedError, match="cannot be read"):
        DryRunPublisher(tmp_path / "other.jsonl").publish(post)
    assert not (tmp_path / "other.jsonl").exists()
