"""The clock the CLI runs on in tests, so that dates written into tests hold forever.

`run` (tests/conftest.py) hands the CLI a `PinnedClock` starting at `NOW` unless a test's
`cli_clock` fixture says otherwise; a test's fixed dates are then "the future" whatever the
calendar says. A CLI started as a separate process gets the same clock with
`python -m tests.clocks ARGS…` (see `command`) instead of `python -m scheduler ARGS…`.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: The instant the CLI's clock starts at in tests: a Tuesday, six days before the Monday
#: 2030-01-07 that most queue tests plan from.
NOW = dt.datetime(2030, 1, 1, 11, 0, tzinfo=dt.UTC)


class PinnedClock:
    """A clock that starts at `start` and then runs at the machine's pace: two readings still come
    in order and a few seconds apart when the test waits, but the date never depends on today."""

    def __init__(self, start: dt.datetime = NOW) -> None:
        self.start = start
        self._origin = time.monotonic()

    def __call__(self) -> dt.datetime:
        return self.start + dt.timedelta(seconds=time.monotonic() - self._origin)

    def __repr__(self) -> str:
        return f"PinnedClock({self.start.isoformat()})"


def command(start: dt.datetime = NOW) -> list[str]:
    """The argv prefix that runs the CLI in a new process on a `PinnedClock` from `start`; the
    process needs `ROOT` on its PYTHONPATH (see `environment`)."""
    return [sys.executable, "-m", "tests.clocks", start.isoformat()]


def environment(env: dict[str, str]) -> dict[str, str]:
    """`env` with this checkout first on PYTHONPATH, so `command()` finds `tests.clocks`."""
    paths = [str(ROOT), *(part for part in env.get("PYTHONPATH", "").split(":") if part)]
    return {**env, "PYTHONPATH": ":".join(paths)}


if __name__ == "__main__":
    from scheduler.cli import main

    raise SystemExit(main(sys.argv[2:], clock=PinnedClock(dt.datetime.fromisoformat(sys.argv[1]))))
