"""A fake LinkedIn Posts API on 127.0.0.1 enforcing what platform-apis.md §1 documents: bearer
token (401), `LinkedIn-Version` required (426 for a sunset version), `X-Restli-Protocol-Version`,
the required fields (422), 3000 characters (400 FIELD_ARRAY_SIZE_TOO_HIGH), 422 DUPLICATE_POST
naming the original URN, 201 with an empty body and the URN in `x-restli-id`, and — the trap — the
published text silently cut at the first unescaped reserved character. Organizations' posts can be
listed with `q=author`."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

RESERVED = set("\\|{}@[]()<>#*_~")
REQUIRED = ("author", "commentary", "visibility", "distribution", "lifecycleState")


def published_text(commentary: str) -> str:
    """What members see: unescaped text, cut at the first unescaped reserved character; a hashtag
    template {hashtag|\\#|tag} shows as #tag."""
    out, i = [], 0
    while i < len(commentary):
        ch = commentary[i]
        if commentary.startswith("{hashtag|\\#|", i):
            end = commentary.find("}", i)
            out.append("#" + commentary[i + len("{hashtag|\\#|"):end].replace("\\_", "_"))
            i = end + 1
            continue
        if ch == "\\" and i + 1 < len(commentary) and commentary[i + 1] in RESERVED:
            out.append(commentary[i + 1])
            i += 2
            continue
        if ch in RESERVED:
            break  # silent truncation
        out.append(ch)
        i += 1
    return "".join(out)


class LinkedInFake:
    def __init__(self, *, token: str = "li-token", oldest_version: str = "202506") -> None:
        self.token, self.oldest_version = token, oldest_version
        self.posts: list[dict[str, Any]] = []
        self.requests: list[dict[str, Any]] = []
        self.failures: list[tuple[int, dict[str, Any], bool]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def __enter__(self) -> LinkedInFake:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fail_next(self, status: int, body: dict[str, Any], *, created: bool = False) -> None:
        self.failures.append((status, body, created))

    def _create(self, body: dict[str, Any]) -> str:
        urn = f"urn:li:share:{7_100_000_000_000_000_000 + len(self.posts) + 1}"
        self.posts.append({"id": urn, "author": body["author"], "commentary": body["commentary"],
                           "text": published_text(body["commentary"])})
        return urn

    def create(self, headers: dict[str, str], body: dict[str, Any]) -> tuple[int, dict[str, Any] | None, dict[str, str]]:
        if headers.get("authorization") != f"Bearer {self.token}":
            return 401, {"status": 401, "serviceErrorCode": 65600, "message": "Invalid access token"}, {}
        version = headers.get("linkedin-version", "")
        if not (len(version) == 6 and version.isdigit()):
            return 400, {"status": 400, "message": "A version must be present. Please specify a version by adding the LinkedIn-Version header."}, {}
        if version < self.oldest_version:
            return 426, {"status": 426, "code": "NONEXISTENT_VERSION", "message": f"Requested version {version} is not active"}, {}
        if headers.get("x-restli-protocol-version") != "2.0.0":
            return 400, {"status": 400, "message": "X-Restli-Protocol-Version 2.0.0 required"}, {}
        missing = [name for name in REQUIRED if name not in body]
        if missing:
            return 422, {"status": 422, "message": f"ERROR :: /{missing[0]} :: field is required but not found and has no default value"}, {}
        with self._lock:
            if self.failures:
                status, answer, created = self.failures.pop(0)
                if created:
                    self._create(body)
                return status, answer, {}
            commentary = body["commentary"]
            if len(commentary) > 3000:
                return 400, {"errorDetailType": "com.linkedin.common.error.BadRequest", "status": 400,
                             "message": f"com.linkedin.content.common.exception.BadRequestResponseException: ShareCommentary text length ({len(commentary)} characters) exceeded the maximum allowed (3000 characters)",
                             "errorDetails": {"inputErrors": [{"code": "FIELD_ARRAY_SIZE_TOO_HIGH", "maxLength": 3000}]}}, {}
            same = next((p for p in self.posts if p["commentary"] == commentary and p["author"] == body["author"]), None)
            if same is not None:
                return 422, {"errorDetailType": "com.linkedin.common.error.BadRequest", "status": 422,
                             "message": f"com.linkedin.content.common.exception.BadRequestResponseException: Content is a duplicate of {same['id']}",
                             "errorDetails": {"inputErrors": [{"description": "Duplicate post is detected", "input": {}, "code": "DUPLICATE_POST"}]}}, {}
            urn = self._create(body)
        return 201, None, {"x-restli-id": urn}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
                raw = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(raw)

            def do_POST(self) -> None:  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                if urlsplit(self.path).path != "/rest/posts":
                    return self._send(404, {"status": 404, "message": "Not Found"})
                body = json.loads(raw or b"{}")
                fake.requests.append({"headers": headers, "body": body})
                self._send(*fake.create(headers, body))

            def do_GET(self) -> None:  # noqa: N802
                if self.headers.get("Authorization") != f"Bearer {fake.token}":
                    return self._send(401, {"status": 401, "message": "Invalid access token"})
                parts = urlsplit(self.path)
                query = parse_qs(parts.query)
                if parts.path == "/rest/posts" and query.get("q") == ["author"]:
                    author = query["author"][0]
                    mine = [p for p in reversed(fake.posts) if p["author"] == author]
                    return self._send(200, {"elements": [{"id": p["id"], "commentary": p["commentary"]} for p in mine]})
                return self._send(404, {"status": 404, "message": "Not Found"})

        return Handler
