"""A worker for the take-over test (tests/test_worker_takeover.py): the real Daemon (run_forever, with
its heartbeat and orphans jobs and its lanes) and Dispatcher on one database, publishing to an
outbox that all workers share, so that any worker's reconcile sees what any other sent.

    python -m tests.fakes.takeover_worker DB_URL OUTBOX HEARTBEAT_SECONDS [HANG_AT]

With HANG_AT = n, the worker writes its n-th post's line to the outbox and then never returns from
that request (a response that never comes): its heartbeat goes on, its lane holds the account's
other claimed posts, and a SIGKILL then lands mid-lane — one post sent but not recorded, the lane's
later posts claimed but not sent. It prints `hung POST_ID` when it gets there.

A short heartbeat makes a live worker take over a dead one's posts within seconds instead of the
75 s of the real figures (see scheduler.daemon: HEARTBEAT_SECONDS, IN_FLIGHT_GRACE_SECONDS)."""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from pathlib import Path

import scheduler.daemon
from scheduler.daemon import Daemon
from scheduler.platforms.dryrun import DryRunPublisher
from scheduler.publishing import Dispatcher
from scheduler.storage import Store

url, outbox, heartbeat = sys.argv[1], Path(sys.argv[2]), float(sys.argv[3])
hang_at = int(sys.argv[4]) if len(sys.argv) > 4 else 0
scheduler.daemon.HEARTBEAT_SECONDS = heartbeat  # read by the daemon's jobs and its orphan rule
scheduler.daemon.IN_FLIGHT_GRACE_SECONDS = 4 * heartbeat  # well beyond one request of HangingPublisher


class HangingPublisher(DryRunPublisher):
    sent = 0

    def publish(self, post):  # type: ignore[no-untyped-def]  # reason: a test double; the interface's signature is not repeated
        time.sleep(0.05)  # a platform that takes a while
        result = super().publish(post)
        self.sent += 1
        if self.sent == hang_at:
            print(f"hung {post.id}", flush=True)
            threading.Event().wait()  # the answer never comes; only SIGKILL ends this
        return result


logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")  # to the test's log file
store = Store.open(url)
dispatcher = Dispatcher(store, HangingPublisher(outbox), worker=f"worker-{os.getpid()}")
Daemon(store, dispatcher, batch=5, concurrency=4).run_forever()
