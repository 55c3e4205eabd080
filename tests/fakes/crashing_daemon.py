"""A real daemon process (the same Daemon, Dispatcher and Store as `scheduler run --once`) whose
publisher is slow and which can SIGKILL itself at an exact point, for the crash tests.

    python -m tests.fakes.crashing_daemon DB_URL OUTBOX [KILL_POINT N]

KILL_POINT is one of: claimed (posts claimed, nothing sent), sending (inside the request),
sent (the outbox line is written, the result not yet recorded), recorded (result recorded);
the process kills itself when it reaches that point for the N-th post.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

from scheduler.daemon import Daemon
from scheduler.platforms.dryrun import DryRunPublisher
from scheduler.publishing import Dispatcher
from scheduler.storage import Store

url, outbox = sys.argv[1], Path(sys.argv[2])
kill_point, kill_after = (sys.argv[3], int(sys.argv[4])) if len(sys.argv) > 4 else ("", 0)
seen: dict[str, int] = {}


def checkpoint(name: str) -> None:
    seen[name] = seen.get(name, 0) + 1
    if name == kill_point and seen[name] == kill_after:
        os.kill(os.getpid(), signal.SIGKILL)


class SlowPublisher(DryRunPublisher):
    def publish(self, post):  # type: ignore[no-untyped-def]  # reason: a test double; the interface's signature is not repeated
        checkpoint("sending")
        time.sleep(0.01)  # a slow platform
        result = super().publish(post)
        checkpoint("sent")
        return result


class CheckpointStore(Store):
    def claim_due(self, **kwargs):  # type: ignore[no-untyped-def]  # reason: a test double; the interface's signature is not repeated
        claimed = super().claim_due(**kwargs)
        if claimed:
            checkpoint("claimed")
        return claimed

    def transition(self, *args, **kwargs):  # type: ignore[no-untyped-def]  # reason: a test double; the interface's signature is not repeated
        result = super().transition(*args, **kwargs)
        checkpoint("recorded")
        return result


store = CheckpointStore.open(url)
daemon = Daemon(store, Dispatcher(store, SlowPublisher(outbox), worker=f"crash-{os.getpid()}"), batch=7)
summary = daemon.run_once()
print(f"published {summary.published} reconciled {summary.reconciled}")
