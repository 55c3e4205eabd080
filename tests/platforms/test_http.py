"""The request helper against real sockets on 127.0.0.1: what is retried and what never is."""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from scheduler.errors import (
    AmbiguousError,
    AuthorisationError,
    RateLimitedError,
    RejectedError,
    TransientError,
)
from scheduler.platforms.http import USER_AGENT, HttpClient, retry_after
from tests.fakes.serving import serving_thread

NOW = dt.datetime(2030, 1, 7, 8, 0, tzinfo=dt.UTC)


class Scripted(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    answers: ClassVar[list[tuple[int, dict[str, str], bytes, float]]] = []
    seen: ClassVar[list[tuple[str, str, dict[str, str]]]] = []

    def log_message(self, *args: object) -> None:
        pass

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        type(self).seen.append((self.command, self.path, dict(self.headers)))
        status, headers, body, delay = type(self).answers.pop(0) if type(self).answers else (200, {}, b"{}", 0.0)
        time.sleep(delay)
        self.send_response(status)
        for name, value in {"Content-Length": str(len(body)), **headers}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer  # noqa: N815  # reason: the method name the server library calls


@pytest.fixture
def server() -> Iterator[str]:
    Scripted.answers, Scripted.seen = [], []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Scripted)
    serving_thread(httpd).start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()


def _client(timeout: float = 5.0) -> HttpClient:
    return HttpClient(timeout=timeout, clock=lambda: NOW)


def test_sends_user_agent_and_returns_2xx(server):
    response = _client().request("POST", f"{server}/x", json={"a": 1})
    assert response.status_code == 200
    assert Scripted.seen[0][2]["User-Agent"] == USER_AGENT


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (401, b'{"error":"The access token is invalid"}', AuthorisationError),
        (422, b'{"error":"Validation failed: Text can\'t be blank"}', RejectedError),
        (403, b'{"detail":"You are not allowed to create a Tweet with duplicate content."}', RejectedError),
        (500, b'{"error":"boom"}', AmbiguousError),
        (503, b"", AmbiguousError),
    ],
)
def test_status_codes_map_to_the_error_tree_and_post_is_sent_once(server, status, body, error):
    Scripted.answers = [(status, {"Content-Type": "application/json"}, body, 0.0)]
    with pytest.raises(error) as info:
        _client().request("POST", f"{server}/x", json={})
    assert len(Scripted.seen) == 1  # never repeated
    assert (info.value.status, info.value.endpoint) == (status, "POST /x")
    assert "\n" not in str(info.value)


def test_platform_message_is_in_the_error(server):
    Scripted.answers = [(422, {}, b'{"error":"Validation failed: Text character limit of 500 exceeded"}', 0.0)]
    with pytest.raises(RejectedError, match="Text character limit of 500 exceeded"):
        _client().request("POST", f"{server}/x", json={})


def test_5xx_on_get_is_transient(server):
    Scripted.answers = [(502, {}, b"", 0.0)]
    with pytest.raises(TransientError) as info:
        _client().request("GET", f"{server}/x")
    assert (info.value.status, info.value.endpoint) == (502, "GET /x")


def test_the_endpoint_names_method_and_path_never_the_query_or_a_secret(server):
    Scripted.answers = [(403, {}, b'{"error":"no"}', 0.0), (400, {}, b'{"error":"no"}', 0.0)]
    client = _client()
    with pytest.raises(RejectedError) as query:
        client.request("GET", f"{server}/v1/me?fields=id", params={"access_token": "tok-s3cr3t-4711"})
    assert (query.value.status, query.value.endpoint) == (403, "GET /v1/me")
    client.conceal("tok-s3cr3t-4711")
    with pytest.raises(RejectedError) as path:
        client.request("POST", f"{server}/bot/tok-s3cr3t-4711/send")  # a token in the path is scrubbed too
    assert path.value.endpoint == "POST /bot/[redacted]/send"


def test_an_error_a_platform_classifies_keeps_the_status(server):
    from scheduler.errors import DuplicateError

    Scripted.answers = [(409, {}, b'{"error":"exists"}', 0.0)]
    with pytest.raises(DuplicateError) as info:
        _client().request("POST", f"{server}/statuses", classify=lambda response: DuplicateError("exists"))
    assert (info.value.status, info.value.endpoint) == (409, "POST /statuses")


def test_429_with_retry_after_seconds_and_date(server):
    Scripted.answers = [
        (429, {"Retry-After": "120"}, b"", 0.0),
        (429, {"Retry-After": "Mon, 07 Jan 2030 08:05:00 GMT"}, b"", 0.0),
        (429, {}, b"", 0.0),
    ]
    client = _client()
    with pytest.raises(RateLimitedError) as first:
        client.request("POST", f"{server}/x")
    assert first.value.retry_after == 120
    with pytest.raises(RateLimitedError) as second:
        client.request("POST", f"{server}/x")
    assert second.value.retry_after == 300
    with pytest.raises(RateLimitedError) as third:
        client.request("POST", f"{server}/x", reset_header=lambda response: 42.0)
    assert third.value.retry_after == 42.0


def test_read_timeout_after_sending_a_post_is_ambiguous_and_not_repeated(server):
    Scripted.answers = [(200, {}, b"{}", 1.5)]
    with pytest.raises(AmbiguousError) as info:
        _client(timeout=0.5).request("POST", f"{server}/x", json={})
    assert (info.value.status, info.value.endpoint) == (None, "POST /x")  # no answer came
    time.sleep(1.2)
    assert len(Scripted.seen) == 1


def test_connection_refused_is_transient_and_retried():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    with pytest.raises(TransientError) as info:
        _client().request("POST", f"http://127.0.0.1:{port}/x", json={})
    assert (info.value.status, info.value.endpoint) == (None, "POST /x")
    assert time.monotonic() - started >= 0.2  # connection retries with backoff happened


def test_connection_closed_after_sending_a_post_is_ambiguous():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    received: list[bytes] = []

    def accept_and_drop() -> None:
        connection, _ = listener.accept()
        received.append(connection.recv(65536))
        connection.close()

    thread = threading.Thread(target=accept_and_drop, daemon=True)
    thread.start()
    with pytest.raises(AmbiguousError) as info:
        _client().request("POST", f"http://127.0.0.1:{listener.getsockname()[1]}/x", json={"a": 1})
    assert (info.value.status, info.value.endpoint) == (None, "POST /x")
    thread.join(5)
    listener.close()
    assert len(received) == 1 and received[0].startswith(b"POST /x")


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("0", 0),
        ("17", 17),
        ("Mon, 07 Jan 2030 08:00:30 GMT", 30),
        ("Mon, 07 Jan 2030 07:00:00 GMT", 0),
        ("soon", None),
        ("", None),
    ],
)
def test_retry_after_parsing(value, seconds):
    assert retry_after(value, now=NOW) == seconds
