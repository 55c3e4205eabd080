"""A real daemon process (the same Daemon, Dispatcher and Store as `scheduler run --once`) whose
publisher is slow and which can SIGKILL itself at an exact point, for the crash tests.

    python -m tests.fakes.crashing_daemon DB_URL OUTBOX [KILL_POINT N]

KILL_POINT is one of: claimed (posts claimed, nothing sent), sending (inside the request),
sent (the outbox line is written, the result not yet recorded), recorded (result recorded);
the process kills itself when it reaches that point for the N-th post. It prints `running` once
its daemon is built, just before it starts publishing (a test may time a kill from that line).

`crashing_daemon(url, outbox)` builds the same daemon without a kill point, for a test that runs
the restart after a crash in its own process.

`fork_crashing_daemon(…)` and `fork_scheduler(…)` (the `scheduler` command's `main`) start such a
process for a test that SIGKILLs it, forked from a server process that imported the package once
(multiprocessing's forkserver, one per test process): a fork costs milliseconds where a new
interpreter importing the package costs 0.5 s of CPU. Each is a process of its own with its own pid,
database connections, threads, environment and working folder; the server holds no database,
thread or file of a test. Only for processes that are SIGKILLed: nothing of a killed process's exit
runs, so how it was started makes no difference; a process that is meant to stop on a signal or exit
by itself is started as `python -m …`, whose exit is part of what such a test proves.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing.context import ForkServerContext
from pathlib import Path

from scheduler.daemon import Daemon
from scheduler.platforms.dryrun import DryRunPublisher
from scheduler.publishing import Dispatcher
from scheduler.storage import Store

#: Accounts the crashing daemon publishes for at the same time.
CONCURRENCY = 4


class Checkpoints:
    """Counts the points the daemon passes; SIGKILLs this process at the `kill_after`-th `kill_point`."""

    def __init__(self, kill_point: str = "", kill_after: int = 0) -> None:
        self.kill_point, self.kill_after = kill_point, kill_after
        self.seen: dict[str, int] = {}
        self._lock = threading.Lock()  # the daemon's lanes reach points on several threads

    def reached(self, name: str) -> None:
        with self._lock:
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
    """The daemon on `url`, publishing slowly to `outbox` for up to CONCURRENCY accounts at once (so
    that several posts are in flight when it dies); with a `kill_point`, it SIGKILLs its process there."""
    checkpoints = Checkpoints(kill_point, kill_after)
    store = CheckpointStore.open(url)
    store.checkpoints = checkpoints
    dispatcher = Dispatcher(store, SlowPublisher(outbox, checkpoints), worker=f"crash-{os.getpid()}")
    return Daemon(store, dispatcher, batch=7, concurrency=CONCURRENCY)


def main(argv: list[str]) -> None:
    url, outbox = argv[0], Path(argv[1])
    kill_point, kill_after = (argv[2], int(argv[3])) if len(argv) > 3 else ("", 0)
    daemon = crashing_daemon(url, outbox, kill_point, kill_after)
    print("running", flush=True)
    summary = daemon.run_once()
    print(f"published {summary.published} reconciled {summary.reconciled}", flush=True)


# -- forked processes -------------------------------------------------------------------------------

#: What the fork server imports once: this module and what `scheduler run` imports as it starts.
PRELOAD = [
    "tests.fakes.crashing_daemon",
    "scheduler.cli",
    "scheduler.cli.daemon",
    "scheduler.config",
    "scheduler.wiring",
    "scheduler.running",
    "scheduler.notify",
    "scheduler.tokenstore",
    "scheduler.settingnames",
    "scheduler.storage.pauses",
    "scheduler.platforms.routing",
    "scheduler.platforms.mastodon",
    "scheduler.platforms.bluesky",
    "scheduler.platforms.x",
    "scheduler.platforms.linkedin",
    "scheduler.platforms.threads",
    "scheduler.platforms.facebook",
    "sqlalchemy.dialects.sqlite",
    "alembic.command",
    "alembic.config",
    "alembic.context",
    "alembic.runtime.migration",
    "alembic.script",
    "requests",
]


@functools.cache
def _forks() -> ForkServerContext:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


class Forked:
    """A process forked from the fork server; what it writes to stdout and stderr goes to `log`."""

    def __init__(self, target: Callable[..., None], args: tuple[object, ...], log: Path) -> None:
        self.log = log
        # daemon: a process a failed test leaves running is ended when the test process exits
        self.process = _forks().Process(target=target, args=(*args, str(log)), daemon=True)
        self.process.start()

    def __repr__(self) -> str:
        return f"Forked(pid={self.pid}, exitcode={self.process.exitcode}, log={str(self.log)!r})"

    @property
    def pid(self) -> int:
        assert self.process.pid is not None
        return self.process.pid

    def running(self) -> bool:
        return self.process.is_alive()

    def kill(self) -> None:
        """SIGKILL it (if it has not ended already)."""
        if self.process.is_alive():
            self.process.kill()

    def wait(self, timeout: float) -> int:
        """Its exit code once it ended (-9: SIGKILLed); AssertionError after `timeout` seconds."""
        self.process.join(timeout)
        if self.process.exitcode is None:
            raise AssertionError(f"still running after {timeout:.0f} s: {self.output()[-2000:]}")
        return self.process.exitcode

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""


def _child(log: str, env: dict[str, str], cwd: str) -> None:
    """In the forked process: its output to `log`, its own environment and working folder."""
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)


def _crashing_daemon_child(argv: list[str], env: dict[str, str], cwd: str, log: str) -> None:
    _child(log, env, cwd)
    main(argv)


def _scheduler_child(argv: list[str], env: dict[str, str], cwd: str, log: str) -> None:
    _child(log, env, cwd)
    from scheduler.cli import main as scheduler

    sys.exit(scheduler(argv))


def fork_crashing_daemon(url: str, outbox: Path, *kill: str, env: dict[str, str], cwd: Path, log: Path) -> Forked:
    """`python -m tests.fakes.crashing_daemon URL OUTBOX [KILL_POINT N]`, forked."""
    return Forked(_crashing_daemon_child, ([url, str(outbox), *kill], env, str(cwd)), log)


def fork_scheduler(*argv: str, env: dict[str, str], cwd: Path, log: Path) -> Forked:
    """`scheduler ARGV…` with the environment `env` in `cwd`, forked."""
    return Forked(_scheduler_child, (list(argv), env, str(cwd)), log)


if __name__ == "__main__":
    main(sys.argv[1:])
