"""Serving a test's HTTP server on a thread of its own."""

from __future__ import annotations

import socketserver
import sys
import threading
from http.server import ThreadingHTTPServer

#: How often the serving loop looks for `shutdown()`: the standard library's half a second made
#: leaving every fake server cost up to 0.5 s of waiting.
POLL_SECONDS = 0.02


def serving_thread(server: socketserver.BaseServer) -> threading.Thread:
    """A daemon thread (not started) that serves `server` until `server.shutdown()`."""
    return threading.Thread(target=server.serve_forever, kwargs={"poll_interval": POLL_SECONDS}, daemon=True)


class QuietServer(ThreadingHTTPServer):
    """A fake's threading server whose request threads do not keep a test process alive, and that
    stays silent when the client went away (a size cap, a timeout, a killed process): the standard
    library prints a traceback to stderr then, which a test that reads stderr takes for output."""

    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)
