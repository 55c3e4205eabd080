"""`POST /hooks/issue` through real HTTP requests to `scheduler serve`'s app on waitress: signed
requests queue an issue once; a missing or wrong signature or an old timestamp gets 401 and
changes nothing."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from scheduler.config import load_settings
from scheduler.storage import Store
from scheduler.web import create_app
from scheduler.web.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature
from scheduler.wiring import Wiring
from tests.conftest import ROOT
from tests.fakes.feeds import FeedSite, rss
from tests.watching.conftest import APRIL, MARCH

SECRET = "test-secret-0123456789"
NOW = dt.datetime(2030, 1, 7, 9, 0, tzinfo=dt.UTC)
ISSUE = (ROOT / "tests" / "fixtures" / "newsletters" / "markdown" / "bold-leadins-en.md").read_bytes()


@pytest.fixture
def hook(watched: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The address of the webhook of the app served on 127.0.0.1 (its clock at NOW) by werkzeug's
    threaded server, which stops cleanly from another thread (`scheduler serve` itself, on waitress,
    is tested in a process of its own below)."""
    from werkzeug.serving import make_server

    monkeypatch.setenv("SCHEDULER_WEBHOOK_SECRET", SECRET)
    server = make_server("127.0.0.1", 0, create_app(Wiring(load_settings(), clock=lambda: NOW)), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/hooks/issue"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def _signed(body: bytes, *, at: dt.datetime = NOW, secret: str = SECRET) -> dict[str, str]:
    timestamp = str(int(at.timestamp()))
    return {TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: signature(secret, timestamp, body)}


def _titles(database: Path) -> list[str]:
    store = Store.open(f"sqlite:///{database}")
    try:
        return sorted(post.title for post in store.list_posts())
    finally:
        store.close()


def test_a_signed_issue_is_queued_once_as_drafts(hook: str, watched: Path):
    answer = requests.post(hook, data=ISSUE, headers=_signed(ISSUE), timeout=10)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "issues": 1,
        "queued": ["Open Streets Digest — April 2025"],
        "posts": 5,
        "seen_before": 0,
        "warnings": [],
    }
    titles = _titles(watched)
    assert len(titles) == 5
    again = requests.post(hook, data=ISSUE, headers=_signed(ISSUE), timeout=10)  # the tool retried
    assert again.status_code == 200
    assert again.json()["queued"] == [] and again.json()["seen_before"] == 1
    assert _titles(watched) == titles


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "the request is not signed"),
        (_signed(ISSUE, secret="another-secret-0123456"), "does not match the body"),
        (_signed(ISSUE + b"\n<!-- changed on the way -->"), "does not match the body"),
        (_signed(ISSUE, at=NOW - dt.timedelta(minutes=6)), "more than 5 minutes from the server's clock"),
        ({TIMESTAMP_HEADER: "gestern", SIGNATURE_HEADER: "sha256=00"}, "no Unix time"),
    ],
)
def test_an_unsigned_wrongly_signed_or_old_request_gets_401_and_changes_nothing(
    hook: str, watched: Path, headers: dict[str, str], reason: str
):
    answer = requests.post(hook, data=ISSUE, headers=headers, timeout=10)
    assert answer.status_code == 401
    assert reason in answer.json()["error"]
    assert SECRET not in answer.text
    assert _titles(watched) == []


def test_a_url_in_the_body_is_fetched_and_an_issue_found_in_a_feed_too_is_not_queued_twice(
    hook: str, watched: Path, site: FeedSite, run
):
    feed = site.put("/feed.xml", rss([MARCH]))
    assert run("sources", "add", feed, "--name", "familiennetz").code == 0
    page = site.put("/newsletter/april/", APRIL.page(), "text/html; charset=utf-8")
    body = json.dumps({"url": page}).encode()
    answer = requests.post(hook, data=body, headers={**_signed(body), "Content-Type": "application/json"}, timeout=10)
    assert answer.status_code == 200, answer.text
    assert answer.json()["queued"] == ["Newsletter April 2025"]
    site.put("/feed.xml", rss([APRIL, MARCH]))  # the same issue appears in the feed later
    assert run("watch", "--once").out.strip() == "familiennetz: no new issue (2 read, all seen before)"
    assert _titles(watched) == ["Neue Spielgruppe für Kinder unter drei", "Repair-Café sucht Verstärkung"]


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        (b"", 400, "the body is empty"),
        (b'{"address": "https://example.org"}', 400, 'a JSON body is {"url": "https://…"}'),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, 400, "not a newsletter"),
        (b"x" * 6_000_000, 413, "larger than an issue may be"),
    ],
)
def test_a_body_that_is_no_issue_is_refused_in_one_line(hook: str, watched: Path, body: bytes, status: int, words: str):
    answer = requests.post(hook, data=body, headers=_signed(body), timeout=10)
    assert answer.status_code == status, answer.text
    assert words in answer.json()["error"]
    assert "\n" not in answer.json()["error"]
    assert _titles(watched) == []


def test_without_a_secret_the_webhook_is_off(watched: Path, monkeypatch: pytest.MonkeyPatch):
    app = create_app(Wiring(load_settings(), clock=lambda: NOW))
    answer = app.test_client().post("/hooks/issue", data=ISSUE, headers=_signed(ISSUE))
    assert answer.status_code == 404
    assert "set SCHEDULER_WEBHOOK_SECRET" in answer.get_json()["error"]
    assert app.test_client().get("/hooks/issue").status_code == 405


def test_serve_refuses_a_taken_port_in_one_line(run, watched: Path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = run("serve", "--port", str(taken.getsockname()[1]))
    assert result.code == 2
    assert result.err.startswith("error: cannot listen on 127.0.0.1:") and "choose another --port" in result.err


def test_scheduler_serve_takes_a_signed_issue_and_stops_on_ctrl_c(watched: Path, monkeypatch: pytest.MonkeyPatch):
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {**os.environ, "SCHEDULER_WEBHOOK_SECRET": SECRET}
    server = subprocess.Popen(
        [sys.executable, "-m", "scheduler", "serve", "--port", str(port)],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                answer = requests.post(
                    f"http://127.0.0.1:{port}/hooks/issue",
                    data=ISSUE,
                    headers=_signed(ISSUE, at=dt.datetime.now(dt.UTC)),
                    timeout=10,
                )
                break
            except requests.ConnectionError:
                assert server.poll() is None and time.monotonic() < deadline, (
                    server.stderr.read() if server.stderr else ""
                )
                time.sleep(0.1)
        assert answer.status_code == 200, answer.text
        assert answer.json()["posts"] == 5
    finally:
        server.send_signal(signal.SIGINT)
        out, err = server.communicate(timeout=20)
    assert server.returncode == 0, err
    assert out.splitlines() == [
        f"serving on http://127.0.0.1:{port}/ — webhook POST /hooks/issue on; Ctrl-C stops",
        "no users yet: make the first admin with 'scheduler users add NAME --admin', then sign in",
        "stopped",
    ]
    assert "Traceback" not in err and SECRET not in out + err
