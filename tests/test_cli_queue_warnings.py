"""`queue add` shows the posts' warnings (dead ends) as `preview` does, and still queues them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE

START = "2030-01-07"  # a Monday


@pytest.fixture(autouse=True)
def database(sqlite_queue: Path) -> Path:
    return sqlite_queue


def _warnings(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("warning: ")]


def test_queue_add_prints_the_same_warning_lines_as_preview_and_queues_the_posts(run):
    platforms = ("-p", "linkedin", "-p", "x", "-p", "bluesky")
    shown = run("preview", str(EXAMPLE), *platforms)
    assert shown.code == 0 and _warnings(shown.err)  # the example's issue has no link: dead ends on X and Bluesky
    added = run("queue", "add", str(EXAMPLE), *platforms, "--start", START)
    assert added.code == 0, added
    assert _warnings(added.err) == _warnings(shown.err)
    assert any(
        line.endswith(
            'on x, bluesky: shortened without a link to read on: add link = "https://…" '
            f"(the issue's web page) to {EXAMPLE.with_suffix('.toml')}, or a link to the item"
        )
        for line in _warnings(added.err)
    )
    assert "queued 18 posts" in added.out
    listed = json.loads(run("queue", "list", "--format", "json").out)
    assert len(listed) == 18


def test_one_line_per_item_and_warning_even_when_accounts_of_a_platform_have_different_lines(run, monkeypatch):
    for name, number in (("A", 1), ("B", 2)):
        monkeypatch.setenv(f"SCHEDULER_ACCOUNTS__X__{name}__TOKEN", f"token-{number}")
        monkeypatch.setenv(f"SCHEDULER_ACCOUNTS__X__{name}__FOOTER", f"Gefördert durch Stelle {name}.")
    shown = run("preview", str(EXAMPLE), "-p", "x")
    added = run("queue", "add", str(EXAMPLE), "-p", "x", "--start", START)
    assert added.code == 0, added
    assert _warnings(added.err) == _warnings(shown.err) and len(_warnings(shown.err)) == 6


def test_a_post_without_warnings_prints_none(run, tmp_path):
    issue = tmp_path / "2030-01-01-kurz.txt"
    issue.write_text("Kurz\n\nDas Familienzentrum in Düren lädt zum Sommerfest ein.\n", encoding="utf-8")
    added = run("queue", "add", str(issue), "-p", "x", "--start", START)
    assert added.code == 0, added
    assert _warnings(added.err) == []
