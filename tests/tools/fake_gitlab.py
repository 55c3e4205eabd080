"""A small stand-in for GitLab's REST API (v4): one merge request's notes and the token's user, on
127.0.0.1, for running the example .gitlab-ci.yml's preview job with the real curl in the tests.

What it answers is what GitLab documents for these endpoints: `GET /user`; `GET`, `POST` and `PUT`
of `/projects/:id/merge_requests/:iid/notes[/:note_id]` with the body as a form field, newest note
first, `per_page`/`page` and the `x-next-page` header (empty on the last page); 401 without the
`PRIVATE-TOKEN`, 403 for a note of another author. Anything else is a 404, so that a changed job
fails the test instead of passing against a fake that ignores what it does not know.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

BOT = {"id": 77, "username": "project_12_bot_preview", "name": "preview"}


@dataclass
class Notes:
    """The merge request's notes (oldest first, as they were made) and every request seen."""

    token: str
    project: str
    merge_request: int
    notes: list[dict[str, Any]] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)
    next_id: int = 500

    def add(self, body: str, author: dict[str, Any]) -> dict[str, Any]:
        note = {"id": self.next_id, "body": body, "author": author, "system": False}
        self.next_id += 1
        self.notes.append(note)
        return note


class Server:
    """The fake API on a free port of 127.0.0.1: `with Server(notes) as api: … api.url …`."""

    def __init__(self, notes: Notes) -> None:
        self.notes = notes
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(notes))
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/api/v4"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> Server:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler(state: Notes) -> type[BaseHTTPRequestHandler]:
    lock = threading.Lock()
    collection = f"/api/v4/projects/{state.project}/merge_requests/{state.merge_request}/notes"
    one = re.compile(re.escape(collection) + r"/(\d+)")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def do_PUT(self) -> None:
            self._serve("PUT")

        def _serve(self, method: str) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            form = parse_qs(self.rfile.read(length).decode("utf-8")) if length else {}
            with lock:
                state.requests.append((method, parts.path))
                if self.headers.get("PRIVATE-TOKEN") != state.token:
                    self._send(401, {"message": "401 Unauthorized"})
                elif method == "GET" and parts.path == "/api/v4/user":
                    self._send(200, BOT)
                elif parts.path == collection and method == "GET":
                    self._page(parse_qs(parts.query))
                elif parts.path == collection and method == "POST" and "body" in form:
                    self._send(201, state.add(_body(form), BOT))
                elif (match := one.fullmatch(parts.path)) and method == "PUT":
                    self._update(int(match[1]), form)
                else:
                    self._send(404, {"message": "404 Not Found"})

        def _page(self, query: dict[str, list[str]]) -> None:
            size = min(int(query.get("per_page", ["20"])[0]), 100)
            page = int(query.get("page", ["1"])[0])
            newest_first = state.notes[::-1]
            chunk = newest_first[(page - 1) * size : page * size]
            more = page * size < len(newest_first)
            self._send(200, chunk, {"x-page": str(page), "x-next-page": str(page + 1) if more else ""})

        def _update(self, note_id: int, form: dict[str, list[str]]) -> None:
            note = next((n for n in state.notes if n["id"] == note_id), None)
            if note is None:
                self._send(404, {"message": "404 Not found"})
            elif note["author"]["id"] != BOT["id"]:
                self._send(403, {"message": "403 Forbidden"})
            elif "body" not in form:
                self._send(400, {"message": "body is missing"})
            else:
                note["body"] = _body(form)
                self._send(200, note)

        def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(payload).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def _body(form: dict[str, list[str]]) -> str:
    return form["body"][0]
