"""Ctrl-C during `scheduler run --once`: the request in flight is finished and recorded, the posts not
yet sent go back to scheduled, nothing is left in publishing (as the daemon does on SIGTERM)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from scheduler.models import Content, State
from scheduler.storage import NewPost, Store
from tests.fakes.mastodon_server import MastodonFake


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_during_run_once_finishes_the_request_in_flight_and_leaves_nothing_publishing(tmp_path: Path, sig: int):
    url = f"sqlite:///{tmp_path / 'q.sqlite3'}"
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    ids = Store.open(url).add(
        [
            NewPost(
                f"item{n}",
                "mastodon",
                "default",
                now + dt.timedelta(seconds=n),
                Content((f"Beitrag {n} über Familienbildung",), "de"),
            )
            for n in range(5)
        ],
        state=State.SCHEDULED,
        now=now,
        reason="interrupt test",
    )
    with MastodonFake(token="m", max_characters=500) as fake:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEDULER_")}
        env.update(
            SCHEDULER_DATABASE_URL=url,
            SCHEDULER_MASTODON_BASE_URL=fake.url,
            SCHEDULER_MASTODON_TOKEN="m",
            SCHEDULER_TOKEN_STORE=str(tmp_path / "tokens.json"),
            SCHEDULER_OUTBOX=str(tmp_path / "out.jsonl"),
        )
        held = fake.hold("/api/v1/statuses", stage="before", skip=1)  # the second post's request, in flight
        run = subprocess.Popen(
            [sys.executable, "-m", "scheduler", "run", "--once"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert held.reached.wait(60), "the run never sent its second post"
            run.send_signal(sig)  # Ctrl-C while the platform has not answered yet
            held.release()
            _, err = run.communicate(timeout=60)
        finally:
            if run.poll() is None:
                run.kill()
        created = [status["content"] for status in fake.statuses]
    assert run.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert "stopped: the post in flight was finished; posts not yet sent stay queued" in err
    store = Store.open(url)
    states = [store.get(post_id).state for post_id in ids]
    assert states[:2] == [State.PUBLISHED, State.PUBLISHED]  # the one in flight was finished and recorded
    assert states[2:] == [State.SCHEDULED] * 3  # handed back unsent
    assert store.counts()[State.PUBLISHING] == 0
    assert created == ["<p>Beitrag 0 über Familienbildung</p>", "<p>Beitrag 1 über Familienbildung</p>"]
    assert all(store.get(post_id).attempts == 0 for post_id in ids[2:])  # no attempt spent on them
