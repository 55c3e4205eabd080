"""The dry run's transport: a `requests` adapter that records each request instead of sending it.

A dry run publishes through the account's real client (the pattern of httpx's pluggable
transports): its `HttpClient` mounts a `Recorder` on its session, so every request the client
would send — to the configured instance, with the client's own headers and bodies — is kept, and
answered by the platform's rehearsal answers (`Platform.rehearse`: plausible ids, an upload URL, a
container that is ready at once), so that multi-step flows (uploads, containers, thread replies)
run to the end.

A recorded request is written for reading: method, full URL, the headers that matter (not the
User-Agent, Accept-Encoding or Connection noise), and the body decoded (JSON as a value, a form as
fields, multipart as fields with each file's name, type and size, other bytes as their size). Every
secret is `[redacted]`: the Authorization header, fields named like secrets (`SECRET_FIELDS`), and
the secrets the client registered with `conceal` (`scrub`).

Pages and images of third parties (a link card's page, an image given as a URL) are not fetched in a
dry run: `fetches` records the GET and answers a stand-in (an empty page, so no link card is made; a
1×1 PNG for an image), and the line says so in a `note`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from scheduler.platforms.http import REDACTED, SECRET_FIELDS, scrub
from scheduler.platforms.rehearsed import Answer, RecordedRequest, Rehearse

#: Headers every request carries that say nothing about the request itself.
NOISE = frozenset({"host", "user-agent", "accept-encoding", "connection", "content-length"})
_SECRET_NAMES = frozenset(name.lower() for name in SECRET_FIELDS)
_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})

#: A 1×1 transparent PNG: what a dry run uploads in place of an image it does not fetch.
STAND_IN_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)
PAGE_NOTE = "a dry run does not fetch third-party pages: an empty page stands in, so no link card is made"
IMAGE_NOTE = "a dry run does not fetch images: a 1×1 PNG stands in for it in the upload"


def shown_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The headers that matter, a secret's value `[redacted]` (its scheme kept: `Bearer [redacted]`),
    a multipart type without its random boundary."""
    shown = {}
    for name, value in headers.items():
        lowered = name.lower()
        if lowered in NOISE or (lowered == "accept" and value == "*/*"):
            continue
        if lowered in _SECRET_HEADERS:
            scheme, _, rest = value.partition(" ")
            value = f"{scheme} {REDACTED}" if rest else REDACTED
        elif lowered == "content-type" and value.startswith("multipart/"):
            value = value.partition(";")[0]
        shown[name] = value
    return shown


def redact(value: Any, secrets: Iterable[str] = ()) -> Any:
    """`value` with fields named like secrets `[redacted]` and every string scrubbed (`scrub`)."""
    secrets = list(secrets)
    if isinstance(value, dict):
        return {
            k: REDACTED if str(k).lower() in _SECRET_NAMES and v not in (None, "") else redact(v, secrets)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact(item, secrets) for item in value]
    if isinstance(value, str):
        return scrub(value, secrets)
    return value


def written(request: RecordedRequest, secrets: Iterable[str] = (), *, note: str | None = None) -> dict[str, Any]:
    """The outbox's form of `request`: method, URL, headers, body (when it has one), note."""
    secrets = list(secrets)
    parts = urlsplit(request.url)
    query = [
        (k, REDACTED if k.lower() in _SECRET_NAMES else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
    ]
    # the path as people read it (`/<page_id>/feed`, not `/%3Cpage_id%3E/feed`), the query's values decoded
    url = parts._replace(path=unquote(parts.path), query="&".join(f"{k}={v}" for k, v in query)).geturl()
    entry: dict[str, Any] = {
        "method": request.method,
        "url": scrub(url, secrets),
        "headers": shown_headers(request.headers),
    }
    body = request.body()
    if body is not None:
        entry["body"] = redact(body, secrets)
    if note:
        entry["note"] = note
    return entry


class Recorder(BaseAdapter):
    """A `requests` transport that records each request and answers with `answer` (the platform's
    rehearsal; without one, 200 and an empty JSON object). `secrets()` names what to redact beside
    the fields named like secrets (the client's concealed secrets: `HttpClient.concealed`)."""

    def __init__(self, answer: Rehearse | None = None, *, secrets: Callable[[], Iterable[str]] = tuple) -> None:
        super().__init__()
        self.answer = answer
        self.secrets = secrets
        self.sent: list[tuple[RecordedRequest, str | None]] = []  # each request, with a note on it
        self.fetches = _Fetches(self)

    def __repr__(self) -> str:
        return f"Recorder(requests={len(self.sent)})"

    def record(self, prepared: requests.PreparedRequest, note: str | None = None) -> RecordedRequest:
        body = prepared.body  # requests prepares str or bytes (no streamed bodies in our clients)
        content = body.encode("utf-8") if isinstance(body, str) else body if isinstance(body, bytes) else b""
        headers = {
            name: value.decode("latin-1") if isinstance(value, bytes) else value
            for name, value in prepared.headers.items()
        }
        request = RecordedRequest(
            method=str(prepared.method),
            url=str(prepared.url),
            headers=headers,
            content=content,
            number=len(self.sent) + 1,
        )
        self.sent.append((request, note))
        return request

    def entries(self) -> list[dict[str, Any]]:
        """Every request so far in the outbox's form, secrets redacted."""
        secrets = list(self.secrets())
        return [written(request, secrets, note=note) for request, note in self.sent]

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        recorded = self.record(request)
        answer = self.answer(recorded) if self.answer is not None else Answer(json={})
        content = b"" if answer.json is None else json.dumps(answer.json).encode()
        headers = {"Content-Type": "application/json", **answer.headers} if content else dict(answer.headers)
        return respond(request, answer.status, content, headers)

    def close(self) -> None:
        pass


class _Fetches(BaseAdapter):
    """The recorder's transport for third-party pages and images: recorded with a note, answered
    with a stand-in, never fetched."""

    def __init__(self, recorder: Recorder) -> None:
        super().__init__()
        self.recorder = recorder

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        image = str(request.headers.get("Accept", "")).startswith("image/")
        self.recorder.record(request, IMAGE_NOTE if image else PAGE_NOTE)
        if image:
            return respond(request, 200, STAND_IN_PNG, {"Content-Type": "image/png"})
        return respond(
            request,
            200,
            b"<!doctype html><html><head></head><body></body></html>",
            {"Content-Type": "text/html; charset=utf-8"},
        )

    def close(self) -> None:
        pass


def respond(
    request: requests.PreparedRequest, status: int, content: bytes, headers: Mapping[str, str]
) -> requests.Response:
    """A `requests.Response` to `request` with `status`, `content` and `headers`."""
    import io

    response = requests.Response()
    response.status_code = status
    response.headers = CaseInsensitiveDict({**headers, "Content-Length": str(len(content))})
    response.raw = io.BytesIO(content)
    response.url = str(request.url)
    response.request = request
    response.reason = "OK" if status < 400 else "Error"
    response.encoding = "utf-8"
    return response
