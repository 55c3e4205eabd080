"""Several `queue add` / `queue import-csv` processes at once on one PostgreSQL database: the losers
of the race on a post's (item, platform, account) or an item's id say the posts were queued already
(exit 0), never a traceback, and every post is queued exactly once.

Each process imports everything first, then waits for one go signal (a file appearing), so the
processes really run their add transactions at the same moment, round after round.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from scheduler.storage import Store
from scheduler.storage.schema import items, posts
from tests.conftest import EXAMPLE, ROOT, TEMPLATES
from tests.storage.conftest import _empty
from tests.waiting import wait_for

PROCESSES = 5
ROUNDS = 4

#: Imports everything, waits for the go file, then runs the CLI as `scheduler` does, on the tests'
#: clock (tests.clocks), so that the dates below are in the future whatever the calendar says.
STARTER = """
import os, sys, time
from pathlib import Path
from scheduler.cli import main
from tests.clocks import PinnedClock
import scheduler.cli.queue, scheduler.queueing, scheduler.exchange, scheduler.storage.store, scheduler.storage.items
go = Path(sys.argv[1])
go.with_name(f"ready-{os.getpid()}").touch()
while not go.exists():
    time.sleep(0.002)
raise SystemExit(main(sys.argv[2:], clock=PinnedClock()))
"""

CSV = """platform,account,publish_at,text
mastodon,default,2030-03-04 10:00,Erster Beitrag von Hand
bluesky,default,2030-03-04 11:00,Zweiter Beitrag von Hand
x,default,2030-03-04 12:00,Dritter Beitrag von Hand
linkedin,default,2030-03-05 10:00,Vierter Beitrag von Hand
"""


def _together(args: list[str], url: str, folder: Path) -> list[subprocess.CompletedProcess[str]]:
    """Run PROCESSES copies of `scheduler <args>` released at the same instant."""
    go = folder / "go"
    go.unlink(missing_ok=True)
    for ready in folder.glob("ready-*"):
        ready.unlink()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEDULER_")}
    env.update(
        SCHEDULER_DATABASE_URL=url,
        SCHEDULER_TEMPLATES_DIR=str(TEMPLATES),
        SCHEDULER_REQUIRE_APPROVAL="false",
        SCHEDULER_TIMEZONE="Europe/Berlin",
        PYTHONPATH=str(ROOT),
    )
    started = [
        subprocess.Popen(
            [sys.executable, "-c", STARTER, str(go), *args],
            cwd=folder,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(PROCESSES)
    ]
    # every process has imported and waits for the go file (or one failed: its output says why, below)
    wait_for(
        lambda: len(list(folder.glob("ready-*"))) == PROCESSES or any(p.poll() is not None for p in started),
        what="the processes are ready",
    )
    go.touch()
    done = []
    for process in started:
        out, err = process.communicate(timeout=120)
        done.append(subprocess.CompletedProcess(process.args, process.returncode, out, err))
    return done


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


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_concurrent_queue_add_queues_each_post_once(postgresql_url: str, tmp_path: Path, round_: int):
    _empty(postgresql_url)
    runs = _together(["queue", "add", str(EXAMPLE), "--start", "2030-01-07"], postgresql_url, tmp_path)
    keys, known = _counts(postgresql_url)
    assert keys and max(keys.values()) == 1
    _check(runs, "queued", len(keys))
    assert known == 6  # the six items, each once


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_concurrent_import_csv_imports_each_post_once(postgresql_url: str, tmp_path: Path, round_: int):
    _empty(postgresql_url)
    (tmp_path / "extra.csv").write_text(CSV, encoding="utf-8")
    runs = _together(["queue", "import-csv", str(tmp_path / "extra.csv")], postgresql_url, tmp_path)
    keys, _ = _counts(postgresql_url)
    assert len(keys) == 4 and max(keys.values()) == 1
    _check(runs, "imported", 4)
