"""Dry runs change nothing, and accounts are all or nothing.

`scheduler run --dry-run` as a daemon shows each post in the outbox when it comes due and leaves it
scheduled; a half-configured account is an error naming the missing setting, never a silent dry run.

The daemon runs as a process of its own, stopped by SIGTERM as a service manager stops it (its exit
code and stderr are part of the test); the other commands run in-process, on the machine's clock."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from scheduler.models import Content, State
from scheduler.storage import NewPost, Store
from tests.conftest import Result


def _settings(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "SCHEDULER_DATABASE_URL": f"sqlite:///{tmp_path / 'q.sqlite3'}",
        "SCHEDULER_OUTBOX": str(tmp_path / "out.jsonl"),
        "SCHEDULER_TOKEN_STORE": str(tmp_path / "tokens.json"),
        **extra,
    }


def _env(tmp_path: Path) -> dict[str, str]:
    """The environment of a `scheduler` process: this one's without its SCHEDULER_* variables, and the settings."""
    return {**{k: v for k, v in os.environ.items() if not k.startswith("SCHEDULER_")}, **_settings(tmp_path)}


def _printed_by_a_process(recorded: pytest.WarningsRecorder) -> list[str]:
    """The warnings among `recorded` that a `scheduler` process would print on its stderr: Python's
    default filters hide deprecations, import and resource warnings outside `__main__`."""
    hidden = (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning)
    return [str(warning.message) for warning in recorded if not issubclass(warning.category, hidden)]


@pytest.fixture
def cli_clock() -> None:
    """The machine's clock, as a `scheduler` process has: the posts are due now."""
    return None


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_the_dry_run_daemon_shows_each_post_when_it_comes_due_and_changes_none(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'q.sqlite3'}"
    now = dt.datetime.now(dt.UTC)
    store = Store.open(url)
    due, soon, _later = store.add(
        [
            NewPost("due", "mastodon", "default", now - dt.timedelta(minutes=5), Content(("Schon fällig",), "de")),
            NewPost("soon", "bluesky", "default", now + dt.timedelta(seconds=3), Content(("Gleich fällig",), "de")),
            NewPost("later", "x", "default", now + dt.timedelta(days=2), Content(("Übermorgen",), "de")),
        ],
        state=State.SCHEDULED,
        now=now,
        reason="dry-run daemon test",
    )
    before = {post.id: post for post in store.list_posts()}
    daemon = subprocess.Popen(
        [sys.executable, "-m", "scheduler", "run", "--dry-run"],
        env=_env(tmp_path),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while len(_lines(tmp_path / "out.jsonl")) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.5)  # a few more wake-ups: nothing is written twice, nothing early
        daemon.send_signal(signal.SIGTERM)
        _, err = daemon.communicate(timeout=30)
    finally:
        if daemon.poll() is None:
            daemon.kill()
    assert daemon.returncode == 0, err
    assert [line["post_id"] for line in _lines(tmp_path / "out.jsonl")] == [due, soon]
    after = {post.id: post for post in Store.open(url).list_posts()}
    assert after == dict(before.items())  # not one field changed
    assert "Traceback" not in err


def test_a_dry_run_leaves_failed_and_draft_posts_alone_and_never_publishes(
    tmp_path: Path, run_fresh: Callable[..., Result], scheduler_env: Callable[..., None], monkeypatch
):
    url = f"sqlite:///{tmp_path / 'q.sqlite3'}"
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    store = Store.open(url)
    (draft,) = store.add(
        [NewPost("d", "x", "default", now, Content(("Entwurf",), "de"))], state=State.DRAFT, now=now, reason="t"
    )
    (scheduled,) = store.add(
        [NewPost("s", "x", "default", now, Content(("Geplant",), "de"))], state=State.SCHEDULED, now=now, reason="t"
    )
    scheduler_env(**_settings(tmp_path))
    monkeypatch.chdir(tmp_path)
    ran = run_fresh("run", "--once")  # no credentials at all: a dry run
    assert ran.code == 0, ran.err
    assert "no platform credentials configured: a dry run" in ran.err
    assert [line["post_id"] for line in _lines(tmp_path / "out.jsonl")] == [scheduled]
    store = Store.open(url)
    assert store.get(draft).state == State.DRAFT and store.get(scheduled).state == State.SCHEDULED
    assert store.counts()[State.PUBLISHED] == 0


@pytest.mark.parametrize(
    ("settings", "missing"),
    [
        ({"SCHEDULER_MASTODON_TOKEN": "t"}, "SCHEDULER_MASTODON_BASE_URL"),
        ({"SCHEDULER_MASTODON_BASE_URL": "https://social.example"}, "SCHEDULER_MASTODON_TOKEN"),
        ({"SCHEDULER_BLUESKY_HANDLE": "comms.bsky.social"}, "SCHEDULER_BLUESKY_APP_PASSWORD"),
        ({"SCHEDULER_LINKEDIN_TOKEN": "t"}, "SCHEDULER_LINKEDIN_AUTHOR"),
        ({"SCHEDULER_FACEBOOK_PAGE_ID": "123"}, "SCHEDULER_FACEBOOK_TOKEN"),
        ({"SCHEDULER_ACCOUNTS__X__REGIONAL__BASE_URL": "https://api.x.com"}, "SCHEDULER_ACCOUNTS__X__REGIONAL__TOKEN"),
    ],
)
def test_a_half_configured_account_is_an_error_naming_what_is_missing(
    tmp_path: Path,
    settings: dict[str, str],
    missing: str,
    run_fresh: Callable[..., Result],
    scheduler_env: Callable[..., None],
    monkeypatch,
    recwarn,
):
    env = _settings(tmp_path, **settings)
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    Store.open(env["SCHEDULER_DATABASE_URL"]).add(
        [NewPost("i", "mastodon", "default", now, Content(("Hallo",), "de"))],
        state=State.SCHEDULED,
        now=now,
        reason="t",
    )
    scheduler_env(**env)
    monkeypatch.chdir(tmp_path)
    ran = run_fresh("run", "--once")
    assert ran.code == 2
    (line,) = ran.err.strip().splitlines()
    assert line.startswith("error: ") and f"{missing} is missing" in line and "half-configured" in line
    assert not _printed_by_a_process(recwarn)  # Python's warnings: they would be lines on its stderr too
    assert not (tmp_path / "out.jsonl").exists()  # never a silent dry run
    checked = run_fresh("accounts", "check")
    assert checked.code == 1
    assert "BROKEN" in checked.out and f"{missing} is missing" in checked.out
