"""`scheduler serve --with-scheduler`: one process runs the dashboard and the daemon; the first admin
can come from the environment; SIGTERM stops both cleanly."""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from scheduler.models import Content, State
from scheduler.platforms.dryrun import outbox_lines
from scheduler.storage import NewPost, Store
from tests.waiting import wait_for


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_with_the_scheduler_serves_the_dashboard_and_publishes_due_posts(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'q.sqlite3'}"
    due = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)
    Store.open(url).add(
        [NewPost("item", "mastodon", "default", due, Content(("Ein fälliger Beitrag",), "de"))],
        state=State.SCHEDULED,
        now=due,
        reason="serve test",
    )
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEDULER_")}
    env.update(
        SCHEDULER_DATABASE_URL=url,
        SCHEDULER_OUTBOX=str(tmp_path / "outbox.jsonl"),
        SCHEDULER_TOKEN_STORE=str(tmp_path / "tokens.json"),
        SCHEDULER_ADMIN_USER="ada",
        SCHEDULER_ADMIN_PASSWORD="ein langes Passwort 2030",
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "scheduler", "serve", "--port", str(port), "--with-scheduler"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                login = requests.get(f"http://127.0.0.1:{port}/login", timeout=10)
                break
            except requests.ConnectionError:
                assert server.poll() is None and time.monotonic() < deadline
                time.sleep(0.1)
        assert login.status_code == 200 and "Anmelden" in login.text
        wait_for(lambda: (tmp_path / "outbox.jsonl").exists() and len(outbox_lines(tmp_path / "outbox.jsonl")) == 1)
    finally:
        server.send_signal(signal.SIGTERM)
        out, err = server.communicate(timeout=60)
    assert server.returncode == 0, err
    lines = out.splitlines()
    assert lines[0] == "made the first admin 'ada' from SCHEDULER_ADMIN_USER and SCHEDULER_ADMIN_PASSWORD"
    assert f"serving on http://127.0.0.1:{port}/" in lines[1]
    assert (
        "sign in as one of: ada" in lines
        and "the scheduler runs in this process: dry run (no credentials); sources are watched" in lines
    )
    assert lines[-1] == "stopped"
    assert "Traceback" not in err and "ein langes Passwort" not in out + err
    assert Store.open(url).counts()[State.PUBLISHING] == 0
