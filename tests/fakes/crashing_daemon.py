"""A real daemon process (the same Daemon, Dispatcher and Store as `scheduler run --once`) whose
publisher is slow and which can SIGKILL itself at an exact point, for the crash tests.

    python -m tests.fakes.crashing_daemon DB_URL OUTBOX [KILL_POINT N]

KILL_POINT is one of: claimed (posts claimed, nothing sent), sending (inside the request),
sent (the outbox line is written, the result not yet recorded), recorded (result recorded);
the process kills itself when it reaches that point for the N-th post. It prints `running` once
its daemon is built, just before it starts publishing (a test may time a kill from that line).

`crashing_daemon(url, outbox)` builds the same daemon without a kill point, for a test that runs
the restart after a crash in its own process.
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


class Checkpoints:
    """Counts the points the daemon passes; SIGKILLs this process at the `kill_after`-th `kill_point`."""

    def __init__(self, kill_point: str = "", kill_after: int = 0) -> None:
        self.kill_point, self.kill_after = kill_point, kill_after
        self.seen: dict[str, int] = {}

    def reached(self, name: str) -> None:
        self.seen[name] = self.seen.get(name, 0) + 1
        if name == self.kill_point and self.seen[name] == self.kill_after:
            os.kill(os.getpid(), signal.SIGKILL)


class SlowPublisher(DryRunPublisher):
    def __init__(self, outbox: Path, checkpoints: Checkpoints) -> None:
        super().__init__(outbox)
        self.checkpoints = checkpoints

    def publish(self, post):  # type: ignore[no-untyped-def]  # reason: a test double; the interface's signature is not repeated
        self.checkpoints.reached("sending")
        time.sleep(0.01)  # a slow platform
        result = super().publish(post)
        self.checkpoints.reached("sent")
        return result


class CheckpointStore(Store):
    checkpoints = Checkpoints()

    def claim_due(self, **kwargs):  # type: ignore[no-untyped-def]  # reason: a test double; the interface's signature is not repeated
        claimed = super().claim_due(**kwargs)
        if claimed:
            self.checkpoints.reached("claimed")
        return claimed

    def transition(self, *args, **kwargs):  # type: ignore[no-untyped-def]  # reason: a test double; the interface's signature is not repeated
        result = super().transition(*args, **kwargs)
        self.checkpoints.reached("recorded")
        return result


def crashing_daemon(url: str, outbox: Path, kill_point: str = "", kill_after: int = 0) -> Daemon:
    """The daemon on `url`, publishing slowly to `outbox`; with a `kill_point`, it SIGKILLs its process there."""
    checkpoints = Checkpoints(kill_point, kill_after)
    store = CheckpointStore.open(url)
    store.checkpoints = checkpoints
    dispatcher = Dispatcher(store, SlowPublisher(outbox, checkpoints), worker=f"crash-{os.getpid()}")
    return Daemon(store, dispatcher, batch=7)


def main(argv: list[str]) -> None:
    url, outbox = argv[0], Path(argv[1])
    kill_point, kill_after = (argv[2], int(argv[3])) if len(argv) > 3 else ("", 0)
    daemon = crashing_daemon(url, outbox, kill_point, kill_after)
    print("running", flush=True)
    summary = daemon.run_once()
    print(f"published {summary.published} reconciled {summary.reconciled}")


if __name__ == "__main__":
    main(sys.argv[1:])
