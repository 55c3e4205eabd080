"""Serving a test's HTTP server on a thread of its own."""

from __future__ import annotations

import socketserver
import threading

#: How often the serving loop looks for `shutdown()`: the standard library's half a second made
#: leaving every fake server cost up to 0.5 s of waiting.
POLL_SECONDS = 0.02


def serving_thread(server: socketserver.BaseServer) -> threading.Thread:
    """A daemon thread (not started) that serves `server` until `server.shutdown()`."""
    return threading.Thread(target=server.serve_forever, kwargs={"poll_interval": POLL_SECONDS}, daemon=True)
