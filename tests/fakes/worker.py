"""A long-running worker for the multi-worker kill test: the real Daemon (run_forever, with its
heartbeat and orphan jobs) and Dispatcher on one database, publishing slowly to an outbox that all
workers share (so any worker's reconcile sees what any other sent).

    python -m tests.fakes.worker DB_URL OUTBOX HEARTBEAT_SECONDS

A short heartbeat makes live workers take over a killed worker's posts within seconds instead of
15 s, so a test of a minute sees many such take-overs racing each other."""

from __future__ import annotations

import os
import random
import sys
import time
from pathlib import Path

import scheduler.daemon
from scheduler.daemon import Daemon
from scheduler.platforms.dryrun import DryRunPublisher
from scheduler.publishing import Dispatcher
from scheduler.storage import Store

url, outbox, heartbeat = sys.argv[1], Path(sys.argv[2]), float(sys.argv[3])
scheduler.daemon.HEARTBEAT_SECONDS = heartbeat  # read by the daemon's jobs and its orphan rule
scheduler.daemon.IN_FLIGHT_GRACE_SECONDS = 4 * heartbeat  # well beyond one request of SlowPublisher
settle = len(sys.argv) > 4 and sys.argv[4] == "settle"  # every worker stopped: settle what they left


class SlowPublisher(DryRunPublisher):
    def publish(self, post):  # type: ignore[no-untyped-def]  # reason: a test double; the interface's signature is not repeated
        time.sleep(random.uniform(0.002, 0.02))  # a slow platform: kills land mid-request
        return super().publish(post)

    def reconcile(self, post):  # type: ignore[no-untyped-def]  # reason: a test double; the interface's signature is not repeated
        time.sleep(random.uniform(0.0, 0.05))  # asking the platform takes a while: reconcilers race
        return super().reconcile(post)


store = Store.open(url)
daemon = Daemon(
    store, Dispatcher(store, SlowPublisher(outbox), worker=f"worker-{os.getpid()}"), batch=5, exclusive=settle
)
if settle:
    daemon.run_once()
else:
    daemon.run_forever()
