"""Who made each change: the queue commands record the system user who ran them in the post's
history, `queue show` says "by <user>", and the daemon's changes name no one (their reason names
the worker)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scheduler.storage import Store
from tests.conftest import EXAMPLE

START = "2030-01-07"


@pytest.fixture(autouse=True)
def database(sqlite_queue: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LOGNAME", "anna")  # the first place getpass.getuser looks
    return sqlite_queue


def _history(database: Path, post_id: int) -> list[tuple[str, str | None]]:
    store = Store.open(f"sqlite:///{database}")
    try:
        return [(change.reason, change.actor) for change in store.history(post_id)]
    finally:
        store.close()


def _first(run) -> int:
    listed = run("queue", "list", "--format", "json")
    return json.loads(listed.out)[0]["id"]


def test_queue_approve_records_the_system_user_and_show_says_so(run, database: Path):
    assert run("queue", "add", str(EXAMPLE), "-p", "mastodon", "--start", START).code == 0
    post_id = _first(run)
    assert run("queue", "approve", str(post_id)).code == 0
    assert _history(database, post_id) == [(f"queued from {EXAMPLE}", "anna"), ("approved", "anna")]
    shown = run("queue", "show", str(post_id))
    assert "— → draft: queued from" in shown.out and f"{EXAMPLE.name} (by anna)" in shown.out
    assert "draft → scheduled: approved (by anna)" in shown.out


def test_every_queue_command_that_changes_a_post_records_who_ran_it(run, database: Path, monkeypatch):
    run("queue", "add", str(EXAMPLE), "-p", "mastodon", "--start", START)
    post_id = _first(run)
    monkeypatch.setenv("LOGNAME", "max")
    assert run("queue", "edit", str(post_id), "--text", "Neu: kurz und gut").code == 0
    assert run("queue", "reschedule", str(post_id), "2030-01-08T10:00").code == 0
    assert run("queue", "approve", "--all").code == 0
    assert run("queue", "cancel", str(post_id)).code == 0
    assert [actor for _, actor in _history(database, post_id)] == ["anna", "max", "max", "max", "max"]


def test_the_daemons_changes_name_no_one(run, database: Path):
    run("queue", "add", str(EXAMPLE), "-p", "mastodon", "--start", START, "--approve")
    post_id = _first(run)
    assert run("queue", "reschedule", str(post_id), "now").code == 0
    assert run("run", "--once", "--dry-run").code == 0
    reason, actor = _history(database, post_id)[-1]
    assert reason.startswith("dry run") and actor is None
    shown = run("queue", "show", str(post_id)).out.splitlines()
    assert [line for line in shown if "dry run" in line and "(by " in line] == []


def test_a_user_the_system_has_no_name_for_is_recorded_by_number(run, database: Path, monkeypatch):
    import getpass
    import os

    def nameless() -> str:
        raise OSError("No username set in the environment")

    monkeypatch.setattr(getpass, "getuser", nameless)
    run("queue", "add", str(EXAMPLE), "-p", "mastodon", "--start", START)
    assert _history(database, _first(run))[0][1] == f"uid {os.getuid()}"
