"""What every fake platform server shares: a JSON HTTP server on 127.0.0.1 port 0 in a thread,
the requests it received, and injected answers for the next creates."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class JsonHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def json_body(self) -> dict[str, Any]:
        return json.loads(self.body() or b"{}")

    def lowered_headers(self) -> dict[str, str]:
        return {name.lower(): value for name, value in self.headers.items()}

    def send_json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        raw = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(raw)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(raw)


class FakeServer:
    """Start with `with Fake(...) as fake:`; `fake.url` is its base address."""

    path_prefix = ""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.failures: list[tuple[int, dict[str, Any], bool]] = []  # (status, body, create anyway)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self.handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def handler(self) -> type[JsonHandler]:
        raise NotImplementedError

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}{self.path_prefix}"

    def __enter__(self) -> FakeServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fail_next(self, status: int, body: dict[str, Any], *, created: bool = False) -> None:
        """Answer the next create with `status` and `body`; with `created`, make the post anyway
        (the platform failed after storing it)."""
        self.failures.append((status, body, created))
