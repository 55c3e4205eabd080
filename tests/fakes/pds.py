"""The reference Bluesky PDS (../shared/peers/bluesky-pds) for the tests: a fresh, empty server of
their own on free ports, started one at a time across parallel test workers and stopped for good.

`start.sh` rewrites the shared `run-pds.mjs` before it starts Node.js, so two workers starting a
server at the same moment could start a half-written copy: a file lock lets one start at a time.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest

from tests.waiting import wait_for

START = Path(__file__).resolve().parents[3] / "shared" / "peers" / "bluesky-pds" / "start.sh"
LOCK = Path(tempfile.gettempdir()) / "scheduler-tests-bluesky-pds.lock"


def start(port: int | None = None) -> dict[str, Any]:
    """Start a PDS (on `port`, else a free one); its line from start.sh: url, handle, password, did, pid.
    Skips when the peer or Node.js is missing; fails when the server does not start."""
    if not START.exists():
        pytest.skip(f"the Bluesky PDS peer is not beside the repository ({START})")
    if shutil.which("npm") is None or shutil.which("node") is None:
        pytest.skip("Node.js or npm is missing: the reference PDS cannot be installed")
    env = {**os.environ, **({"PDS_PORT": str(port)} if port else {})}
    with LOCK.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, also if this process dies
        started = subprocess.run(["bash", str(START)], capture_output=True, text=True, timeout=900, env=env)
    if started.returncode != 0:
        pytest.fail(f"the reference PDS did not start: {started.stderr[-2000:]}")
    info: dict[str, Any] = json.loads(started.stdout.strip().splitlines()[-1])
    return info


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")  # exited, not yet reaped
    except FileNotFoundError:
        return True


def stop(info: dict[str, Any]) -> None:
    """Stop the PDS and wait until it has exited (its port is free again)."""
    try:
        os.kill(info["pid"], signal.SIGTERM)
    except ProcessLookupError:
        return
    wait_for(lambda: _gone(info["pid"]), what="the PDS exits")
