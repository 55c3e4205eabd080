"""A fake Mastodon-style API for the queue benchmarks, run as a process of its own.

    python benchmarks/fake_api.py [--port 0] [--latency-ms 0] [--max-seconds 900]

Prints `port N` on its first line once it listens on 127.0.0.1. Endpoints:

    POST /api/v1/statuses   sleeps --latency-ms, answers 200 {"id": "<n>"}; records the arrival time
                            (time.time(), taken when the request line is read) and the Idempotency-Key.
                            A key seen before gets its first id back, as Mastodon does within an hour.
    GET  /lookup?key=K      200 {"id": ...} if a status with that key exists, else 404 (for reconcile)
    GET  /stats             200 {"requests": [[arrival, key], ...]} in arrival order
    POST /reset             forget everything

It stops by itself after --max-seconds, or when the process that started it goes away.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class Records:
    """What arrived, shared by the handler threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: list[tuple[float, str | None]] = []
        self.ids: dict[str, str] = {}
        self.next_id = 1

    def add(self, arrival: float, key: str | None) -> str:
        with self.lock:
            self.requests.append((arrival, key))
            if key is not None and key in self.ids:
                return self.ids[key]
            status_id = str(self.next_id)
            self.next_id += 1
            if key is not None:
                self.ids[key] = status_id
            return status_id

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()
            self.ids.clear()
            self.next_id = 1


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real API (and requests.Session) would use
    disable_nagle_algorithm = True  # headers and body go out in two writes; no 40 ms delayed-ACK stalls
    server: FakeApi

    def parse_request(self) -> bool:
        self.arrival = time.time()  # the request line has just been read
        return super().parse_request()

    def _answer(self, status: int, payload: object) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        path = urlsplit(self.path).path
        if path == "/reset":
            self.server.records.reset()
            self._answer(200, {"ok": True})
            return
        if path != "/api/v1/statuses":
            self._answer(404, {"error": "Record not found"})
            return
        try:
            json.loads(raw or b"{}")
        except ValueError:
            self._answer(422, {"error": "body is not JSON"})
            return
        status_id = self.server.records.add(self.arrival, self.headers.get("Idempotency-Key"))
        if self.server.latency:
            time.sleep(self.server.latency)
        self._answer(200, {"id": status_id, "url": f"http://127.0.0.1/@bench/{status_id}"})

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        records = self.server.records
        if url.path == "/stats":
            with records.lock:
                snapshot = list(records.requests)
            self._answer(200, {"requests": snapshot})
        elif url.path == "/lookup":
            key = parse_qs(url.query).get("key", [""])[0]
            with records.lock:
                found = records.ids.get(key)
            if found is None:
                self._answer(404, {"error": "Record not found"})
            else:
                self._answer(200, {"id": found, "url": f"http://127.0.0.1/@bench/{found}"})
        else:
            self._answer(404, {"error": "Record not found"})

    def log_message(self, format: str, *args: object) -> None:
        pass


class FakeApi(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, port: int, latency: float) -> None:
        super().__init__(("127.0.0.1", port), Handler)
        self.latency = latency
        self.records = Records()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--max-seconds", type=float, default=900.0)
    args = parser.parse_args()
    server = FakeApi(args.port, args.latency_ms / 1000)
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
