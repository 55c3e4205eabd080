"""The daemon's log says what a person needs — one line per publish, retry or failure — and not
APScheduler's job chatter or urllib3's connection retries with their library reprs."""

from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from scheduler.errors import RejectedError, TransientError
from scheduler.platforms.base import PublishResult
from scheduler.storage import Store
from tests.conftest import Result
from tests.test_publishing import Clock, ScriptedPublisher, dispatcher, queue
from tests.waiting import wait_for


@pytest.fixture
def store(tmp_path: Path):
    opened = Store.open(f"sqlite:///{tmp_path / 'queue.sqlite3'}")
    yield opened
    opened.close()


def test_one_line_per_publish_retry_and_failure(store, caplog):
    first, second, third = queue(store, "a", "b", "c")
    publisher = ScriptedPublisher(
        PublishResult("109", "https://social.example/@main/109"),
        TransientError("could not connect to social.example"),
        RejectedError("422 Unprocessable Entity: text is empty"),
    )
    with caplog.at_level(logging.INFO, logger="scheduler.publishing"):
        dispatcher(store, publisher).dispatch_due(now=Clock())
    lines = [
        (record.levelname, record.getMessage()) for record in caplog.records if record.name == "scheduler.publishing"
    ]
    assert lines[0] == ("INFO", f"post {first} (mastodon:main) published at https://social.example/@main/109")
    assert lines[1][0] == "INFO" and lines[1][1].startswith(
        f"post {second} (mastodon:main) attempt 1 failed (could not connect to social.example); retry in "
    )
    assert lines[2] == (
        "WARNING",
        f"post {third} (mastodon:main) failed: rejected: 422 Unprocessable Entity: text is empty",
    )
    assert len(lines) == 3


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_daemon_logs_a_failure_once_without_apscheduler_chatter_or_library_reprs(
    tmp_path: Path, run_fresh: Callable[..., Result], scheduler_env: Callable[..., None], monkeypatch
):
    """The daemon is a process of its own: its log is what the logging of a real process (set up by
    `scheduler run`) writes to its stderr. The post is queued in-process."""
    port = _closed_port()
    scheduler_env(
        SCHEDULER_DATABASE_URL=f"sqlite:///{tmp_path / 'queue.sqlite3'}",
        SCHEDULER_MAX_ATTEMPTS="1",
        SCHEDULER_MASTODON_BASE_URL=f"http://127.0.0.1:{port}",
        SCHEDULER_MASTODON_TOKEN="t",
        SCHEDULER_TOKEN_STORE=str(tmp_path / "tokens.json"),
        SCHEDULER_OUTBOX=str(tmp_path / "outbox.jsonl"),
    )
    monkeypatch.chdir(tmp_path)
    # the daemon waits on the machine's clock (APScheduler), so the post is due a week from today
    week = (dt.datetime.now(dt.UTC) + dt.timedelta(days=7)).strftime("%Y-%m-%dT09:00")
    (tmp_path / "extra.csv").write_text(f"platform,publish_at,text\nmastodon,{week},Hallo\n", encoding="utf-8")
    imported = run_fresh("queue", "import-csv", "extra.csv", "--approve", clock=None)
    assert imported.code == 0, imported
    now = run_fresh("queue", "reschedule", "1", "now", clock=None)
    assert now.code == 0, now
    env = dict(os.environ)  # exactly the SCHEDULER_* variables above, as `scheduler_env` left them
    log = tmp_path / "daemon.log"
    with log.open("w") as stderr:
        daemon = subprocess.Popen(
            [sys.executable, "-m", "scheduler", "run"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            text=True,
        )
    try:
        wait_for(lambda: "post 1 " in log.read_text(), what="the daemon logs the failed post")
        time.sleep(4)  # eight of APScheduler's half-second watch jobs, which must not show in the log
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=60)
    err = log.read_text()
    lines = err.strip().splitlines()
    for chatter in (
        "Running job",
        "Added job",
        "executed successfully",
        "Adding job",
        "Scheduler started",
        "Retrying (Retry(",
        "NewConnectionError",
        "object at 0x",
    ):
        assert chatter not in err, lines
    (failure,) = [line for line in lines if "post 1 " in line]
    assert failure.endswith(
        f"WARNING post 1 (mastodon:default) failed: gave up after 1 attempt: could not connect to 127.0.0.1:{port}"
    )
    assert len(lines) <= 4, lines  # daemon running, the failure, the summary
