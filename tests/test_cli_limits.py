"""Large input is refused with one clear line (SCHEDULER_MAX_ISSUE_BYTES, SCHEDULER_MAX_ITEMS) before
any work on it, and a UTF-8 file with a stray byte is read as UTF-8 with a warning naming the place."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE


@pytest.fixture(autouse=True)
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "queue.sqlite3"
    monkeypatch.setenv("SCHEDULER_DATABASE_URL", f"sqlite:///{path}")
    return path


def test_preview_refuses_a_file_above_the_size_setting(run, monkeypatch):
    monkeypatch.setenv("SCHEDULER_MAX_ISSUE_BYTES", "4000")
    result = run("preview", str(EXAMPLE))
    assert result.code == 2 and result.out == ""
    assert result.err.strip() == (
        f"error: {EXAMPLE}: 4,454 bytes is more than the 4,000 bytes a newsletter issue may have "
        "(SCHEDULER_MAX_ISSUE_BYTES); split it into several issues or raise the setting"
    )


def test_queue_add_refuses_an_issue_above_the_item_setting_and_queues_nothing(run, monkeypatch):
    monkeypatch.setenv("SCHEDULER_MAX_ITEMS", "5")
    result = run("queue", "add", str(EXAMPLE), "-p", "x", "--start", "2030-01-07")
    assert result.code == 2 and result.out == ""
    assert result.err.strip() == (
        f"error: {EXAMPLE}: more than 5 items (15 paragraphs), the most one issue may have (SCHEDULER_MAX_ITEMS); "
        "split it into several issues or raise the setting"
    )
    listed = run("queue", "list", "--format", "json")
    assert json.loads(listed.out) == []


def test_a_stray_byte_is_a_warning_and_the_issue_stays_utf8(run, tmp_path):
    path = tmp_path / "issue.txt"
    text = EXAMPLE.read_text(encoding="utf-8").replace("Vernetzt\n", "Vernetzt\n\nDie Vernetzungsstelle LADT ein.\n", 1)
    path.write_bytes(text.encode("utf-8").replace(b"LADT", b"l\xe4dt"))
    result = run("preview", str(path), "-p", "linkedin", "--format", "json")
    assert result.code == 0, result
    # the file's one warning (the posts' own, about links to read on, come after it with "item <n>")
    assert [line for line in result.err.splitlines() if line.startswith(f"warning: {path}:")] == [
        f"warning: {path}: line 14, column 24: byte 0xE4 is not UTF-8, read as 'ä' "
        "(Windows-1252); check it there and save the file as UTF-8"
    ]
    texts = " ".join(post["text"] for post in json.loads(result.out)["issues"][0]["posts"])
    assert "Die Vernetzungsstelle lädt ein." in texts and "Düren" in texts and "Ã" not in texts
