"""A Mastodon-like server with many accounts for bench_burst.py, run as a process of its own.

    python benchmarks/burst_api.py [--port 0] [--max-seconds 7200]

Prints `port N` on its first line once it listens on 127.0.0.1 (a ThreadingHTTPServer: one thread
per connection, so requests of many accounts are served at the same time). Configure it with
`POST /reset` and a JSON body (every field optional):

    {"accounts": 50, "latency_ms": 200, "get_latency_ms": 200, "error_rate": 0.0,
     "kinds": ["503", "drop", "drop-created"], "seed": 1}

Account i (0 ≤ i < accounts) is `account_name(i)` with the bearer token `token_of(i)` and the
Mastodon account id i + 1. What it enforces, as Mastodon does (platform-apis.md §2):

    POST /api/v1/statuses   a known bearer token, else 401. Waits latency_ms, then: an
                            Idempotency-Key this account used for a successful create within the
                            hour gets that status back (200, counted as a replay: a duplicate
                            avoided); a share `error_rate` of the others fails (evenly spread:
                            one in 1/error_rate, from a start the seed picks), the `kinds` in turn —
                              503           answered 503, nothing stored
                              drop          the connection closes without an answer, nothing stored
                              drop-created  the status is stored (without its key, as Mastodon
                                            keeps a key only for a create that succeeded), then
                                            the connection closes
                            blank or over 500 characters → 422; in_reply_to_id not a status of
                            the account → 404.
    GET  /api/v1/accounts/verify_credentials, GET /api/v1/accounts/:id/statuses?limit=40 (newest
                            first; for reconciling), GET /api/v2/instance; these wait get_latency_ms.

Every answer to an account carries Mastodon's rate-limit headers with realistic, roomy windows, so
that the clients' pacing never holds a post back: creates 300 per 3 hours per account (Mastodon's
statuses limit), other requests 300 per 5 minutes per account; X-RateLimit-Reset is ISO 8601.

What a benchmark reads:

    GET /stats   {"creates": [[arrival, account, key, outcome], ...],    every POST /api/v1/statuses
                  "statuses": [[account, key, arrival, text], ...],        every status stored
                  "max_in_flight": {account: n}, "max_in_flight_total": n, "injected": {kind: n}}

`arrival` is time.time() when the request line was read. A request is in flight for its account
from its headers being read until its answer is ready, just before it is written (or the connection
dropped): a client cannot send its next request before that.

It stops by itself after --max-seconds, or when the process that started it goes away.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import html
import json
import math
import os
import random
import re
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

FAULT_KINDS = ("503", "drop", "drop-created")
MAX_CHARACTERS = 500
IDEMPOTENCY_SECONDS = 3600.0
#: Mastodon's limits per account (platform-apis.md §2.5): statuses 300 per 3 h, everything 300 per 5 min.
CREATE_LIMIT, CREATE_WINDOW = 300, 3 * 3600.0
API_LIMIT, API_WINDOW = 300, 300.0


#: An answer: HTTP status (0: close the connection without one), JSON body, headers.
Answer = tuple[int, Any, dict[str, str]]


def account_name(index: int) -> str:
    return f"a{index:03d}"


def token_of(index: int) -> str:
    return f"burst-token-{index:04d}"


def _iso(at: float) -> str:
    return dt.datetime.fromtimestamp(at, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class State:
    """Everything the handler threads share; one lock guards it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.configure({})

    def configure(self, settings: dict[str, Any]) -> None:
        with self.lock:
            self.accounts = int(settings.get("accounts", 1))
            self.latency = float(settings.get("latency_ms", 0.0)) / 1000
            self.get_latency = float(settings.get("get_latency_ms", settings.get("latency_ms", 0.0))) / 1000
            self.error_rate = float(settings.get("error_rate", 0.0))
            self.kinds: tuple[str, ...] = tuple(str(kind) for kind in settings.get("kinds") or FAULT_KINDS)
            unknown = set(self.kinds) - set(FAULT_KINDS)
            if unknown:
                raise ValueError(f"unknown fault kinds {sorted(unknown)}")
            self.phase = random.Random(settings.get("seed", 1)).random()
            self.tried = 0  # creates that could fail (not replays)
            self.turn = 0
            self.tokens = {f"Bearer {token_of(i)}": i for i in range(self.accounts)}
            self.started = time.time()
            self.creates: list[tuple[float, int, str | None, str]] = []
            self.statuses: list[dict[str, Any]] = []
            self.by_id: dict[str, dict[str, Any]] = {}
            self.of_account: dict[int, list[dict[str, Any]]] = {}
            self.keys: dict[tuple[int, str], tuple[float, dict[str, Any]]] = {}
            self.spent: Counter[tuple[int, str]] = Counter()  # requests per (account, window kind)
            self.in_flight: Counter[int] = Counter()
            self.max_in_flight: Counter[int] = Counter()
            self.total_in_flight = 0
            self.max_total_in_flight = 0
            self.injected: Counter[str] = Counter()
            self.next_id = 110_000_000_000_000_000

    # -- accounting ------------------------------------------------------------------------------

    def enter(self, account: int) -> None:
        with self.lock:
            self.in_flight[account] += 1
            self.max_in_flight[account] = max(self.max_in_flight[account], self.in_flight[account])
            self.total_in_flight += 1
            self.max_total_in_flight = max(self.max_total_in_flight, self.total_in_flight)

    def leave(self, account: int) -> None:
        with self.lock:
            self.in_flight[account] -= 1
            self.total_in_flight -= 1

    def rate_headers(self, account: int, *, create: bool) -> dict[str, str]:
        """The account's window after this request, in Mastodon's headers (fixed windows from start)."""
        limit, window = (CREATE_LIMIT, CREATE_WINDOW) if create else (API_LIMIT, API_WINDOW)
        kind = "create" if create else "api"
        with self.lock:
            now = time.time()
            elapsed = now - self.started
            start = self.started + window * int(elapsed // window)
            self.spent[(account, kind)] += 1
            used = self.spent[(account, kind)]
        return {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(max(limit - used, 0)),
            "X-RateLimit-Reset": _iso(start + window),
        }

    def fault(self) -> str | None:
        """The fault of this create, if it gets one: `error_rate` of them, evenly spread from a
        seeded start (so that any stretch of a run, a run stopped early too, sees that share)."""
        with self.lock:
            before = math.floor(self.tried * self.error_rate + self.phase)
            self.tried += 1
            if math.floor(self.tried * self.error_rate + self.phase) == before:
                return None
            kind = self.kinds[self.turn % len(self.kinds)]
            self.turn += 1
            self.injected[kind] += 1
            return kind

    # -- statuses --------------------------------------------------------------------------------

    def store(self, account: int, fields: dict[str, Any], key: str | None, arrival: float) -> dict[str, Any]:
        """Create a status (the caller holds the lock)."""
        self.next_id += 1
        number = str(self.next_id)
        text = fields["status"]
        name = account_name(account)
        status = {
            "id": number,
            "created_at": _iso(time.time()),
            "url": f"http://127.0.0.1/@{name}/{number}",
            "uri": f"http://127.0.0.1/users/{name}/statuses/{number}",
            "content": "<p>" + html.escape(text).replace("\n\n", "</p><p>").replace("\n", "<br />") + "</p>",
            "visibility": fields.get("visibility", "public"),
            "language": fields.get("language"),
            "in_reply_to_id": fields.get("in_reply_to_id"),
            "spoiler_text": fields.get("spoiler_text") or "",
            "account": {"id": str(account + 1), "username": name, "acct": name},
            "media_attachments": [],
        }
        self.statuses.append({"account": account, "key": key, "arrival": arrival, "text": text})
        self.by_id[number] = status
        self.of_account.setdefault(account, []).append(status)
        return status

    def create(self, account: int, fields: dict[str, Any], key: str | None, arrival: float) -> tuple[int, Any]:
        """Answer a create; status 0 means: close the connection without an answer."""
        with self.lock:
            if key is not None and (account, key) in self.keys:
                at, status = self.keys[(account, key)]
                if time.time() - at < IDEMPOTENCY_SECONDS:
                    self.creates.append((arrival, account, key, "replayed"))
                    return 200, status
        kind = self.fault()
        with self.lock:
            text = fields.get("status")
            parent = fields.get("in_reply_to_id")
            if kind in ("503", "drop"):
                outcome, answer = kind, (503, {"error": "Service Unavailable"}) if kind == "503" else (0, None)
            elif not isinstance(text, str) or not text.strip():
                outcome, answer = "422", (422, {"error": "Validation failed: Text can't be blank"})
            elif len(text) + len(fields.get("spoiler_text") or "") > MAX_CHARACTERS:
                outcome = "422"
                answer = (422, {"error": f"Validation failed: Text character limit of {MAX_CHARACTERS} exceeded"})
            elif parent is not None and self.by_id.get(str(parent), {}).get("account", {}).get("id") != str(
                account + 1
            ):
                outcome, answer = "404", (404, {"error": "Record not found"})
            else:
                status = self.store(account, fields, key, arrival)
                if kind == "drop-created":  # stored, but the answer is lost: no key kept
                    outcome, answer = kind, (0, None)
                else:
                    if key is not None:
                        self.keys[(account, key)] = (time.time(), status)
                    outcome, answer = "created", (200, status)
            self.creates.append((arrival, account, key, outcome))
        return answer

    def listing(self, account: int, limit: int) -> list[dict[str, Any]]:
        with self.lock:
            return list(reversed(self.of_account.get(account, [])))[: min(limit, 40)]

    def stats(self) -> dict[str, Any]:
        with self.lock:
            return {
                "creates": [list(entry) for entry in self.creates],
                "statuses": [[s["account"], s["key"], s["arrival"], s["text"]] for s in self.statuses],
                "max_in_flight": {str(account): n for account, n in self.max_in_flight.items()},
                "max_in_flight_total": self.max_total_in_flight,
                "injected": dict(self.injected),
            }


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as requests.Session uses it
    disable_nagle_algorithm = True  # headers and body go out in two writes: no delayed-ACK stalls
    server: BurstApi

    def parse_request(self) -> bool:
        self.arrival = time.time()  # the request line has just been read
        return super().parse_request()

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _answer(self, status: int, payload: object, headers: dict[str, str] | None = None) -> None:
        if status == 0:  # an injected lost answer: close without a word
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _in_flight(self, account: int, work: Callable[[], Answer]) -> Answer:
        """The answer `work` makes, counted in flight for `account` until it is made: before a byte of
        it goes out, so the client's next request (on another connection after a drop) never overlaps."""
        state = self.server.state
        state.enter(account)
        try:
            return work()
        finally:
            state.leave(account)

    def _account(self) -> int | None:
        return self.server.state.tokens.get(self.headers.get("Authorization", ""))

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path = urlsplit(self.path).path
        state = self.server.state
        if path == "/reset":
            try:
                state.configure(json.loads(raw or b"{}"))
            except (ValueError, TypeError) as error:
                self._answer(400, {"error": str(error)})
                return
            self._answer(200, {"ok": True})
            return
        if path != "/api/v1/statuses":
            self._answer(404, {"error": "Record not found"})
            return
        account = self._account()
        if account is None:
            self._answer(401, {"error": "The access token is invalid"})
            return
        try:
            fields = json.loads(raw or b"{}")
        except ValueError:
            self._answer(400, {"error": "invalid JSON"})
            return

        def create() -> Answer:
            if state.latency:
                time.sleep(state.latency)
            status, body = state.create(account, fields, self.headers.get("Idempotency-Key"), self.arrival)
            return status, body, state.rate_headers(account, create=True)

        self._answer(*self._in_flight(account, create))

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        state = self.server.state
        if url.path == "/stats":
            self._answer(200, state.stats())
            return
        if url.path == "/api/v2/instance":
            configuration = {"statuses": {"max_characters": MAX_CHARACTERS, "max_media_attachments": 4}}
            self._answer(200, {"domain": "127.0.0.1", "configuration": configuration})
            return
        account = self._account()
        if account is None:
            self._answer(401, {"error": "The access token is invalid"})
            return

        def read() -> Answer:
            if state.get_latency:
                time.sleep(state.get_latency)
            headers = state.rate_headers(account, create=False)
            listing = re.fullmatch(r"/api/v1/accounts/(\d+)/statuses", url.path)
            if url.path == "/api/v1/accounts/verify_credentials":
                name = account_name(account)
                return 200, {"id": str(account + 1), "username": name, "acct": name}, headers
            if listing:
                limit = int(parse_qs(url.query).get("limit", ["20"])[0])
                return 200, state.listing(int(listing.group(1)) - 1, limit), headers
            return 404, {"error": "Record not found"}, headers

        self._answer(*self._in_flight(account, read))


class BurstApi(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # a burst opens hundreds of connections at once

    def __init__(self, port: int) -> None:
        super().__init__(("127.0.0.1", port), Handler)
        self.state = State()

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return  # the client went away: nothing to report
        super().handle_error(request, client_address)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--max-seconds", type=float, default=7200.0)
    args = parser.parse_args()
    server = BurstApi(args.port)
    parent = os.getppid()
    deadline = time.monotonic() + args.max_seconds

    def watchdog() -> None:
        while time.monotonic() < deadline and os.getppid() == parent:
            time.sleep(0.5)
        server.shutdown()

    threading.Thread(target=watchdog, name="watchdog", daemon=True).start()
    print(f"port {server.server_address[1]}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    sys.exit(0)


if __name__ == "__main__":
    main()
