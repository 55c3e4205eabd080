"""Several `queue add` / `queue import-csv` processes at once on one PostgreSQL database: the losers
of the race on a post's (item, platform, account) or an item's id say the posts were queued already
(exit 0), never a traceback, and every post is queued exactly once.

Each process imports everything first, then waits for one go signal per round (a file appearing),
so the processes really run their add transactions at the same moment, round after round.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy import func, select

from scheduler.storage import Store
from scheduler.storage.schema import items, posts
from tests.conftest import EXAMPLE, ROOT, TEMPLATES
from tests.storage.conftest import _empty
from tests.waiting import wait_for

PROCESSES = 5
ROUNDS = 4

#: Imports everything once, then runs ROUNDS rounds: each says it is ready, waits for its round's go
#: file and runs the CLI as `scheduler` does, on the tests' clock (tests.clocks), so that the dates
#: below are in the future whatever the calendar says; its output and exit code go to files. One
#: process per participant for every round keeps the race and spares a start-up per round.
STARTER = """
import contextlib, io, os, sys, time
from pathlib import Path
from scheduler.cli import main
from tests.clocks import PinnedClock
import scheduler.cli.queue, scheduler.queueing, scheduler.exchange, scheduler.storage.store, scheduler.storage.items
folder, rounds, args = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
for round_ in range(rounds):
    (folder / f"ready-{round_}-{os.getpid()}").touch()
    go = folder / f"go-{round_}"
    while not go.exists():
        time.sleep(0.002)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(args, clock=PinnedClock())
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:
            import traceback
            traceback.print_exc()
            code = 1
    (folder / f"out-{round_}-{os.getpid()}").write_text(out.getvalue(), encoding="utf-8")
    (folder / f"err-{round_}-{os.getpid()}").write_text(err.getvalue(), encoding="utf-8")
    done = folder / f".rc-{round_}-{os.getpid()}"
    done.write_text(str(code), encoding="utf-8")
    done.replace(folder / f"rc-{round_}-{os.getpid()}")  # whole, or not there yet
"""

CSV = """platform,account,publish_at,text
mastodon,default,2030-03-04 10:00,Erster Beitrag von Hand
bluesky,default,2030-03-04 11:00,Zweiter Beitrag von Hand
x,default,2030-03-04 12:00,Dritter Beitrag von Hand
linkedin,default,2030-03-05 10:00,Vierter Beitrag von Hand
"""


def _rounds(
    args: list[str], url: str, folder: Path, before: Callable[[], None]
) -> Iterator[list[subprocess.CompletedProcess[str]]]:
    """PROCESSES copies of `scheduler <args>`, released at the same instant, ROUNDS times; `before`
    runs before each round (the processes wait meanwhile). Yields each round's results."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEDULER_")}
    env.update(
        SCHEDULER_DATABASE_URL=url,
        SCHEDULER_TEMPLATES_DIR=str(TEMPLATES),
        SCHEDULER_REQUIRE_APPROVAL="false",
        SCHEDULER_TIMEZONE="Europe/Berlin",
        PYTHONPATH=str(ROOT),
    )
    logs = [(folder / f"stderr-{n}").open("w") for n in range(PROCESSES)]  # files: a full pipe would block
    started = [
        subprocess.Popen(
            [sys.executable, "-c", STARTER, str(folder), str(ROUNDS), *args],
            cwd=folder,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
            text=True,
        )
        for log in logs
    ]
    try:
        for round_ in range(ROUNDS):
            before()
            # every process waits for the go file (or one failed: its output says why)
            wait_for(
                lambda round_=round_: (
                    len(list(folder.glob(f"ready-{round_}-*"))) == PROCESSES
                    or any(p.poll() is not None for p in started)
                ),
                what=f"the processes are ready for round {round_}",
            )
            _fail_if_one_died(started, folder, round_ - 1)
            (folder / f"go-{round_}").touch()
            wait_for(
                lambda round_=round_: (
                    len(list(folder.glob(f"rc-{round_}-*"))) == PROCESSES
                    or any(p.poll() is not None and not (folder / f"rc-{round_}-{p.pid}").exists() for p in started)
                ),
                what=f"round {round_} is done",
                timeout=120,
            )
            _fail_if_one_died(started, folder, round_)
            yield [
                subprocess.CompletedProcess(
                    process.args,
                    int((folder / f"rc-{round_}-{process.pid}").read_text()),
                    (folder / f"out-{round_}-{process.pid}").read_text(encoding="utf-8"),
                    (folder / f"err-{round_}-{process.pid}").read_text(encoding="utf-8"),
                )
                for process in started
            ]
    finally:
        for process in started:
            if process.poll() is None:
                process.kill()
            process.wait()
        for log in logs:
            log.close()


def _fail_if_one_died(started: list[subprocess.Popen[str]], folder: Path, round_: int) -> None:
    """An AssertionError with its output if a process ended before finishing round `round_` (after
    its last round, a process ends by itself)."""
    for n, process in enumerate(started):
        if process.poll() is not None and not (folder / f"rc-{round_}-{process.pid}").exists():
            err = (folder / f"stderr-{n}").read_text(encoding="utf-8")
            raise AssertionError(f"a process ended early (exit {process.returncode}):\n{err[-3000:]}")


def _counts(url: str) -> tuple[Counter[tuple[str, str, str]], int]:
    store = Store.open(url)
    try:
        with store.engine.connect() as connection:
            keys = Counter(
                tuple(row) for row in connection.execute(select(posts.c.item_id, posts.c.platform, posts.c.account))
            )
            known = connection.execute(select(func.count()).select_from(items)).scalar()
    finally:
        store.close()
    return keys, known


def _check(runs: list[subprocess.CompletedProcess[str]], verb: str, total: int) -> None:
    crashed = [run for run in runs if run.returncode != 0 or "Traceback" in run.stderr]
    assert not crashed, f"{len(crashed)} of {len(runs)} processes crashed:\n{crashed[0].stderr[-3000:]}"
    added = [int(run.stdout.split()[1]) for run in runs]  # "queued 36 posts …" / "imported 4 posts …"
    assert all(run.stdout.startswith(verb) for run in runs)
    assert sum(added) == total, [run.stdout for run in runs]  # the winners' posts, each once
    for run, count in zip(runs, added, strict=True):
        already = total - count
        assert f"{already} {'was' if already == 1 else 'were'} queued already" in run.stdout, run.stdout


def test_concurrent_queue_add_queues_each_post_once(postgresql_url: str, tmp_path: Path):
    args = ["queue", "add", str(EXAMPLE), "--start", "2030-01-07"]
    for runs in _rounds(args, postgresql_url, tmp_path, before=lambda: _empty(postgresql_url)):
        keys, known = _counts(postgresql_url)
        assert keys and max(keys.values()) == 1
        _check(runs, "queued", len(keys))
        assert known == 6  # the six items, each once


def test_concurrent_import_csv_imports_each_post_once(postgresql_url: str, tmp_path: Path):
    (tmp_path / "extra.csv").write_text(CSV, encoding="utf-8")
    args = ["queue", "import-csv", str(tmp_path / "extra.csv")]
    for runs in _rounds(args, postgresql_url, tmp_path, before=lambda: _empty(postgresql_url)):
        keys, _ = _counts(postgresql_url)
        assert len(keys) == 4 and max(keys.values()) == 1
        _check(runs, "imported", 4)
