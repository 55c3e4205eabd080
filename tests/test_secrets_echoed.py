"""A platform server that echoes the request in its error answer (some proxies and PDS versions do)
must not carry a credential into the queue: every error text is scrubbed of the client's secrets
before it is stored, logged, exported or sent as a notice."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from scheduler.errors import PublishError
from scheduler.models import Content, State
from scheduler.platforms.http import HttpClient, scrub
from scheduler.storage import NewPost, Store
from tests.conftest import Result
from tests.fakes.serving import serving_thread

MASTODON_TOKEN = "tok-MASTODON-echo-s3cr3t-4711"
APP_PASSWORD = "app-BLUESKY-echo-s3cr3t-0815"


@pytest.fixture
def cli_clock() -> None:
    """The machine's clock, as the `scheduler` processes this file once started had: the posts are due now."""
    return None


class EchoServer:
    """Answers every API request with an error whose text repeats the request's credentials as they
    came (the token without "Bearer", the JSON body's values), so only knowing the secrets can remove
    them; keeps the notices posted to /hook."""

    def __init__(self) -> None:
        self.hooks: list[str] = []
        self.seen: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
                if self.path.startswith("/hook"):
                    server.hooks.append(body)
                    self.send_response(204)
                    self.end_headers()
                    return
                auth = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
                server.seen.append(auth + body)
                values = " ".join(str(v) for v in json.loads(body).values()) if body.startswith("{") else body
                if "createSession" in self.path:  # Bluesky: JSON error naming what it got
                    answer = json.dumps(
                        {"error": "AuthenticationRequired", "message": f"Invalid identifier or password: {values}"}
                    ).encode()
                    self.send_response(401)
                    self.send_header("Content-Type", "application/json")
                else:  # Mastodon: a plain-text 422 from a proxy that repeats the request
                    answer = f"refused key {auth} for {values[:80]}".encode()
                    self.send_response(422)
                    self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            do_GET = do_POST = _answer  # noqa: N815  # reason: the method name the server library calls

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = serving_thread(self._server)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def __enter__(self) -> EchoServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def test_an_echoing_server_puts_no_secret_into_the_queue_exports_logs_or_notices(
    tmp_path: Path, run_fresh: Callable[..., Result], scheduler_env: Callable[..., None], monkeypatch, recwarn
):
    url = f"sqlite:///{tmp_path / 'q.sqlite3'}"
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    store = Store.open(url)
    store.add(
        [
            NewPost(f"i{n}", platform, "default", now, Content((f"Beitrag {n} #Familie",), "de"))
            for n, platform in enumerate(["mastodon", "bluesky"])
        ],
        state=State.SCHEDULED,
        now=now,
        reason="echo test",
    )
    store.close()
    with EchoServer() as echo:
        scheduler_env(
            SCHEDULER_DATABASE_URL=url,
            SCHEDULER_MASTODON_BASE_URL=echo.url,
            SCHEDULER_MASTODON_TOKEN=MASTODON_TOKEN,
            SCHEDULER_BLUESKY_BASE_URL=echo.url,
            SCHEDULER_BLUESKY_HANDLE="comms.test",
            SCHEDULER_BLUESKY_APP_PASSWORD=APP_PASSWORD,
            SCHEDULER_NOTIFY_WEBHOOK_URL=f"{echo.url}/hook",
            SCHEDULER_MAX_ATTEMPTS="1",
            SCHEDULER_TOKEN_STORE=str(tmp_path / "tokens.json"),
            SCHEDULER_OUTBOX=str(tmp_path / "o.jsonl"),
        )
        monkeypatch.chdir(tmp_path)
        runs = {
            args: run_fresh(*args)
            for args in (
                ("run", "--once"),
                ("queue", "list", "--format", "json"),
                ("queue", "show", "1"),
                ("queue", "show", "2"),
                ("queue", "export", "--format", "csv"),
                ("queue", "export", "--format", "ics"),
                ("status",),
            )
        }
    assert any(MASTODON_TOKEN in seen for seen in echo.seen) and any(APP_PASSWORD in seen for seen in echo.seen)
    posts = {post.platform: post for post in Store.open(url).list_posts()}
    assert posts["mastodon"].state == State.FAILED and "refused key" in posts["mastodon"].error  # the echo, scrubbed
    assert posts["bluesky"].state == State.NEEDS_ATTENTION and "Invalid identifier" in posts["bluesky"].error
    assert echo.hooks  # the notices went out
    csv = runs[("queue", "export", "--format", "csv")].out
    assert "refused key" in csv
    for args, run in runs.items():
        assert run.code == (1 if args[-1] == "status" else 0), (args, run.err)  # 1: posts need attention
        for secret in (MASTODON_TOKEN, APP_PASSWORD):
            assert secret not in run.out + run.err, (args, run.out, run.err)
    for secret in (MASTODON_TOKEN, APP_PASSWORD):
        assert not [w for w in recwarn if secret in str(w.message)]  # a process prints Python's warnings too
        assert not [hook for hook in echo.hooks if secret in hook]
        raw = b"".join(f.read_bytes() for f in tmp_path.glob("q.sqlite3*"))  # with the WAL
        assert secret.encode() not in raw
    database = sqlite3.connect(tmp_path / "q.sqlite3")
    reasons = " ".join(str(row) for row in database.execute("SELECT reason FROM transitions"))
    assert "[redacted]" in reasons


@pytest.mark.parametrize(
    "text, secrets, kept",
    [
        ("Authorization: Bearer eyJhbGciOi.abc.def was refused", (), "Authorization: Bearer [redacted] was refused"),
        ("GET /me?access_token=EAAB123xyz&fields=id failed", (), "GET /me?access_token=[redacted]&fields=id failed"),
        (
            '{"refresh_token": "r-123456", "client_secret":"c-987654"}',
            (),
            '{"refresh_token": "[redacted]", "client_secret":"[redacted]"}',
        ),
        ("password=hunter22&user=a", (), "password=[redacted]&user=a"),
        (
            "login for comms.test with pa ss+wörd/1 failed",
            ("pa ss+wörd/1",),
            "login for comms.test with [redacted] failed",
        ),
        ("form pa%20ss%2Bw%C3%B6rd%2F1 and pa+ss%2Bw%C3%B6rd%2F1", ("pa ss+wörd/1",), "form [redacted] and [redacted]"),
        ('json "say \\"hi\\" now"', ('say "hi" now',), 'json "[redacted]"'),
        ("a short one: ab", ("ab",), "a short one: ab"),  # too short to tell from ordinary words
    ],
)
def test_scrub_removes_known_secrets_and_what_looks_like_one(text, secrets, kept):
    assert scrub(text, secrets) == kept


def test_every_error_of_the_request_helper_is_scrubbed_of_what_the_request_carried():
    """Whatever a classifier or the status mapping makes of an echoing answer, the error leaves the
    helper without the request's token, form secrets or the secrets the client registered."""
    with EchoServer() as echo:
        http = HttpClient(connect_retries=0)
        http.conceal("registered-s3cr3t-77")
        with pytest.raises(PublishError) as info:
            http.request(
                "POST",
                f"{echo.url}/api/v1/statuses",
                headers={"Authorization": "Bearer tok-9f8e7d6c"},
                data={"status": "registered-s3cr3t-77", "client_secret": "form-s3cr3t-55"},
            )
        message = str(info.value)
        assert "refused key" in message and "status=" in message
        for secret in ("tok-9f8e7d6c", "registered-s3cr3t-77", "form-s3cr3t-55"):
            assert secret not in message
        with pytest.raises(PublishError) as info:
            http.request(
                "POST",
                f"{echo.url}/xrpc/com.atproto.server.createSession",
                json={"identifier": "a.test", "password": "pw-3a4b5c6d"},
                classify=lambda response: PublishError(f"classified: {response.text}"),
            )
        assert "classified" in str(info.value) and "pw-3a4b5c6d" not in str(info.value)
    assert requests  # the real transport was used


def test_a_threads_container_error_that_repeats_the_token_is_scrubbed():
    """Threads reports an unusable image in a successful answer (status ERROR, error_message): those
    words are the server's too, and are scrubbed like an error answer."""
    from pydantic import SecretStr

    from scheduler.errors import RejectedError
    from scheduler.platforms.threads import ThreadsPublisher

    token = "tok-THREADS-echo-s3cr3t-31"

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            from urllib.parse import parse_qs, urlsplit

            sent = parse_qs(urlsplit(self.path).query).get("access_token", [""])[0]
            answer = json.dumps({"status": "ERROR", "error_message": f"image not public (asked with {sent})"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    serving_thread(server).start()
    try:
        client = ThreadsPublisher(f"http://127.0.0.1:{server.server_port}", SecretStr(token))
        with pytest.raises(RejectedError) as refused:
            client._wait("container-1")
    finally:
        server.shutdown()
        server.server_close()
    assert "image not public (asked with [redacted])" in str(refused.value) and token not in str(refused.value)
