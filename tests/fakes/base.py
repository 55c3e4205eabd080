"""What every fake platform server shares: a JSON HTTP server on 127.0.0.1 port 0 in a thread, the
requests it received, and what a test injects.

- `fail_next(status, body, created=…, after=…)`: the next create (after `after` more went through)
  answers so (scripted).
- `faults = Faults(latency=…, jitter=…, error_rate=…, kinds=…, seed=…)`: every request waits
  `latency` plus up to `jitter` seconds before it is handled; each create fails with probability
  `error_rate` (a seeded generator, so a run can be repeated), taking the `kinds` in turn:

      server_error          5xx in the platform's own body, nothing created
      server_error_created  5xx after the post was stored (Facebook does this, platform-apis.md §5.2)
      rate_limited          the platform's throttle answer with its own headers, nothing created
      dropped               the connection closes before anything was done
      dropped_created       the connection closes after the post was stored: created anyway

- `limit_creates(limit, window=…)`: a budget of creates per window; every create answer carries the
  platform's rate-limit headers, and a create past the budget gets the throttle answer.
- `hold(path, stage)`: the next matching request stops "before" it is handled (it has arrived
  whole) or "after" it was handled (the post exists, the answer is not yet sent) until the test
  releases it; with `wait_idle()` a test can kill a client at an exact point and know what the
  server did.

A fake calls `self.next_failure()` where a create begins, and answers with what it returns; it
supplies its own `server_error()`, `throttled(…)` and `rate_headers(…)` (defaults below).
`fake.injected` counts the faults of each kind that were injected.
"""

from __future__ import annotations

import contextlib
import json
import math
import random
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.fakes.serving import QuietServer, serving_thread

#: Status of an injected answer that is no answer: the connection is closed instead.
DROP = 0

KINDS = ("server_error", "server_error_created", "rate_limited", "dropped", "dropped_created")

#: (status, body, created anyway, extra headers)
Failure = tuple[int, Any, bool, dict[str, str]]


@dataclass
class Faults:
    """Injected latency and errors; see the module docstring."""

    latency: float = 0.0
    jitter: float = 0.0
    error_rate: float = 0.0
    kinds: tuple[str, ...] = KINDS
    seed: int | None = 0
    throttle_seconds: float = 2.0  # how long a rate_limited fault says to wait
    rng: random.Random = field(init=False, repr=False)  # which creates fail
    latency_rng: random.Random = field(init=False, repr=False)  # apart, so reads do not shift the faults

    def __post_init__(self) -> None:
        unknown = set(self.kinds) - set(KINDS)
        if unknown or not self.kinds:
            raise ValueError(f"unknown fault kinds {sorted(unknown)}; use some of {', '.join(KINDS)}")
        if not 0.0 <= self.error_rate <= 1.0:
            raise ValueError("error_rate is a share from 0 to 1")
        self.rng = random.Random(self.seed)
        self.latency_rng = random.Random(None if self.seed is None else self.seed + 1)
        self.turn = 0

    def next_kind(self) -> str:
        kind = self.kinds[self.turn % len(self.kinds)]
        self.turn += 1
        return kind


@dataclass
class Hold:
    """A request stopped at `stage` until `release()`; `reached` is set when it got there."""

    path: str
    stage: str  # "before" or "after"
    skip: int = 0  # matching requests to let pass first
    reached: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)

    def release(self) -> None:
        self.released.set()


class JsonHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall
    server: _Server

    def log_message(self, *args: object) -> None:
        pass

    def handle_one_request(self) -> None:
        self._counted = False
        try:
            super().handle_one_request()
        finally:
            if self._counted:
                self.server.fake._finished()

    def parse_request(self) -> bool:
        if not super().parse_request():
            return False
        self._counted = True
        # what arrived, as it arrived (the body once the handler reads it): for contract tests
        self._received: dict[str, Any] = {
            "method": self.command,
            "path": self.path,
            "headers": dict(self.headers.items()),
            "body": b"",
        }
        self.server.fake.received.append(self._received)
        self.server.fake._arrived(self.command, self.path)
        return True

    def body(self) -> bytes:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._received["body"] = raw
        self.server.fake._stop_at("before", self.command, self.path)  # the whole request is here
        return raw

    def json_body(self) -> dict[str, Any]:
        return json.loads(self.body() or b"{}")

    def lowered_headers(self) -> dict[str, str]:
        return {name.lower(): value for name, value in self.headers.items()}

    def send_json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        fake = self.server.fake
        fake._answering(self.command, self.path)
        if status == DROP:  # an injected lost answer: close without a word
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        raw = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(raw)))
        for name, value in {**fake._pending_headers(), **(headers or {})}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(raw)


class _Server(QuietServer):
    fake: FakeServer


class FakeServer:
    """Start with `with Fake(...) as fake:`; `fake.url` is its base address."""

    path_prefix = ""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.received: list[dict[str, Any]] = []  # every request as it arrived: method, path, headers, body
        self.failures: list[tuple[int, dict[str, Any], bool, int]] = []  # (status, body, create anyway, after)
        self.faults = Faults()
        self.injected: Counter[str] = Counter()
        self.time: Callable[[], float] = time.time  # the budget's clock; a test may share its own
        self.sleep: Callable[[float], None] = time.sleep
        self._budget: tuple[int, float, int] | None = None  # limit, window seconds, cost of a create
        self._window: tuple[float, int] = (0.0, 0)  # start, used
        self._windows: dict[str, tuple[float, int]] = {}  # other fixed windows (see spend): start, used
        self._holds: list[Hold] = []
        self._active = 0
        self._idle = threading.Condition()
        self._local = threading.local()
        self._lock = threading.Lock()
        self._fault_lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), self.handler())
        self._server.fake = self
        self._thread = serving_thread(self._server)

    def handler(self) -> type[JsonHandler]:
        raise NotImplementedError

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}{self.path_prefix}"

    def __enter__(self) -> FakeServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for hold in self._holds:
            hold.release()
        self._server.shutdown()
        self._server.server_close()

    # -- what a test injects -----------------------------------------------------------------

    def fail_next(self, status: int, body: dict[str, Any], *, created: bool = False, after: int = 0) -> None:
        """Answer the next create (once `after` more creates went through) with `status` and `body`;
        with `created`, make the post anyway (the platform failed after storing it)."""
        self.failures.append((status, body, created, after))

    def limit_creates(self, limit: int, *, window: float = 300.0, cost: int = 1) -> None:
        """Allow `limit` units of creates per `window` seconds (a create costs `cost`: Bluesky counts
        points, 3 a create); answers carry the platform's rate-limit headers."""
        self._budget = (limit, window, cost)
        self._window = (self.time(), 0)

    def hold(self, path: str, *, stage: str = "after", skip: int = 0) -> Hold:
        """Stop the next POST whose path ends with `path` (after `skip` such POSTs went through) at
        `stage` until the test releases it."""
        if stage not in ("before", "after"):
            raise ValueError("stage is 'before' or 'after'")
        hold = Hold(path, stage, skip)
        self._holds.append(hold)
        return hold

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until no request is being handled (a held one included)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._active == 0, timeout)

    # -- what each fake overrides --------------------------------------------------------------

    def server_error(self) -> tuple[int, Any]:
        return 500, {"error": "Internal Server Error"}

    def rate_headers(self, limit: int, remaining: int, reset_at: float) -> dict[str, str]:
        """The platform's rate-limit headers; none by default (LinkedIn sends none)."""
        return {}

    def throttled(self, limit: int, reset_at: float) -> tuple[int, Any, dict[str, str]]:
        """The platform's answer to one request too many."""
        wait = max(math.ceil(reset_at - self.time()), 1)
        return 429, {"error": "Too many requests"}, {**self.rate_headers(limit, 0, reset_at), "Retry-After": str(wait)}

    def spend(
        self, window: str, limit: int, seconds: float
    ) -> tuple[tuple[int, Any, dict[str, str]] | None, dict[str, str]]:
        """One request against a fixed window of its own, apart from the create budget (e.g. media
        uploads): `(the throttle answer, {})` past `limit`, else `(None, the rate-limit headers)`.
        The caller holds `self._lock`."""
        now = self.time()
        start, used = self._windows.get(window, (now, 0))
        if now >= start + seconds:
            start, used = now, 0
        if used >= limit:
            return self.throttled(limit, start + seconds), {}
        self._windows[window] = (start, used + 1)
        return None, self.rate_headers(limit, limit - used - 1, start + seconds)

    # -- the create path -----------------------------------------------------------------------

    def next_failure(self) -> Failure | None:
        """Called by the fake where a create begins: a scripted failure, a create past the budget,
        or a random fault; None lets the create go ahead."""
        self._local.headers = {}
        if self.failures:
            status, body, created, after = self.failures[0]
            if not after:
                self.failures.pop(0)
                return status, body, created, {}
            self.failures[0] = (status, body, created, after - 1)
        if self._budget is not None:
            limit, window, cost = self._budget
            now = self.time()
            start, used = self._window
            if now >= start + window:
                start, used = now, 0
            if used + cost > limit:
                self._window = (start, used)
                self.injected["over_budget"] += 1
                status, body, headers = self.throttled(limit, start + window)
                return status, body, False, headers
            self._window = (start, used + cost)
            self._local.headers = self.rate_headers(limit, limit - used - cost, start + window)
        with self._fault_lock:
            faults = self.faults
            if not faults.error_rate or faults.rng.random() >= faults.error_rate:
                return None
            kind = faults.next_kind()
        self.injected[kind] += 1
        if kind.startswith("server_error"):
            return (*self.server_error(), kind.endswith("_created"), {})
        if kind == "rate_limited":
            limit = self._budget[0] if self._budget else 300
            status, body, headers = self.throttled(limit, self.time() + faults.throttle_seconds)
            return status, body, False, headers
        return DROP, None, kind.endswith("_created"), {}

    # -- the handler's hooks ---------------------------------------------------------------------

    def _arrived(self, method: str, path: str) -> None:
        with self._idle:
            self._active += 1
        self._local.headers = {}
        faults = self.faults
        if faults.latency or faults.jitter:
            with self._fault_lock:
                delay = faults.latency + (faults.latency_rng.uniform(0, faults.jitter) if faults.jitter else 0.0)
            self.sleep(delay)

    def _answering(self, method: str, path: str) -> None:
        self._stop_at("after", method, path)

    def _finished(self) -> None:
        with self._idle:
            self._active -= 1
            self._idle.notify_all()

    def _pending_headers(self) -> dict[str, str]:
        headers = getattr(self._local, "headers", {})
        self._local.headers = {}
        return headers

    def _stop_at(self, stage: str, method: str, path: str) -> None:
        if method != "POST":
            return
        bare = path.split("?", 1)[0]
        with self._fault_lock:
            hold = next(
                (h for h in self._holds if h.stage == stage and not h.reached.is_set() and bare.endswith(h.path)), None
            )
            if hold is not None and hold.skip:
                hold.skip -= 1
                hold = None
            elif hold is not None:
                hold.reached.set()
        if hold is not None:
            hold.released.wait(60)
