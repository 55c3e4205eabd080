"""An account's own line (a funding notice): SCHEDULER_FOOTER for every account, a named account's
SCHEDULER_ACCOUNTS__<PLATFORM>__<NAME>__FOOTER for that account's posts; on a real SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE

START = "2030-01-07"  # a Monday
DEFAULT_LINE = "Gefördert durch den Europäischen Sozialfonds Plus."
LINE_A = "Gefördert durch das Land Nordrhein-Westfalen und die Europäische Union."
LINE_B = "Gefördert durch die Stadt Köln und die Europäische Union."
LINES = (DEFAULT_LINE, LINE_A, LINE_B)


@pytest.fixture(autouse=True)
def database(sqlite_queue: Path) -> Path:
    return sqlite_queue


def _linkedin_account(monkeypatch: pytest.MonkeyPatch, name: str, number: int, footer: str | None) -> None:
    prefix = f"SCHEDULER_ACCOUNTS__LINKEDIN__{name}__"
    monkeypatch.setenv(prefix + "TOKEN", f"token-{number}")
    monkeypatch.setenv(prefix + "AUTHOR", f"urn:li:organization:{number}")
    if footer is not None:
        monkeypatch.setenv(prefix + "FOOTER", footer)


def _texts(run) -> dict[str, list[str]]:
    listed = run("queue", "list", "--format", "json")
    assert listed.code == 0, listed
    texts: dict[str, list[str]] = {}
    for post in json.loads(listed.out):
        texts.setdefault(post["account"], []).append(post["text"])
    return texts


def _lines_in(text: str) -> list[str]:
    return [line for line in LINES if line in text]


def test_each_named_account_carries_its_own_line_and_adding_again_finds_nothing_stale(run, monkeypatch):
    monkeypatch.setenv("SCHEDULER_FOOTER", DEFAULT_LINE)
    _linkedin_account(monkeypatch, "A", 1, LINE_A)
    _linkedin_account(monkeypatch, "B", 2, LINE_B)
    added = run("queue", "add", str(EXAMPLE), "-p", "linkedin", "--start", START)
    assert added.code == 0, added
    texts = _texts(run)
    assert sorted(texts) == ["a", "b"] and len(texts["a"]) == len(texts["b"]) == 6
    assert all(_lines_in(text) == [LINE_A] for text in texts["a"])
    assert all(_lines_in(text) == [LINE_B] for text in texts["b"])

    again = run("queue", "add", str(EXAMPLE), "-p", "linkedin", "--start", START)
    assert again.code == 0, again
    assert "queued 0 posts" in again.out and "12 were queued already" in again.out
    assert "stale" not in again.out and "--update" not in again.out


def test_the_default_account_and_a_named_one_without_a_line_use_scheduler_footer(run, monkeypatch):
    monkeypatch.setenv("SCHEDULER_FOOTER", DEFAULT_LINE)
    monkeypatch.setenv("SCHEDULER_LINKEDIN_TOKEN", "token-0")
    monkeypatch.setenv("SCHEDULER_LINKEDIN_AUTHOR", "urn:li:organization:9")
    _linkedin_account(monkeypatch, "A", 1, LINE_A)
    _linkedin_account(monkeypatch, "PLAIN", 2, None)
    assert run("queue", "add", str(EXAMPLE), "-p", "linkedin", "--start", START).code == 0
    texts = _texts(run)
    assert sorted(texts) == ["a", "default", "plain"]
    assert all(_lines_in(text) == [LINE_A] for text in texts["a"])
    assert all(_lines_in(text) == [DEFAULT_LINE] for text in texts["default"] + texts["plain"])


def test_an_empty_line_of_a_named_account_means_none_for_it(run, monkeypatch):
    monkeypatch.setenv("SCHEDULER_FOOTER", DEFAULT_LINE)
    _linkedin_account(monkeypatch, "A", 1, "")
    _linkedin_account(monkeypatch, "B", 2, None)
    assert run("queue", "add", str(EXAMPLE), "-p", "linkedin", "--start", START).code == 0
    texts = _texts(run)
    assert all(_lines_in(text) == [] for text in texts["a"])
    assert all(_lines_in(text) == [DEFAULT_LINE] for text in texts["b"])


def test_a_named_accounts_line_is_not_limited_by_footer_platforms(run, monkeypatch):
    """SCHEDULER_FOOTER_PLATFORMS says where the common line goes; an account's own line is meant for it."""
    monkeypatch.setenv("SCHEDULER_FOOTER", DEFAULT_LINE)
    monkeypatch.setenv("SCHEDULER_FOOTER_PLATFORMS", "mastodon")
    _linkedin_account(monkeypatch, "A", 1, LINE_A)
    _linkedin_account(monkeypatch, "B", 2, None)
    assert run("queue", "add", str(EXAMPLE), "-p", "linkedin", "--start", START).code == 0
    texts = _texts(run)
    assert all(_lines_in(text) == [LINE_A] for text in texts["a"])
    assert all(_lines_in(text) == [] for text in texts["b"])


def test_a_changed_account_line_makes_that_accounts_posts_stale_only(run, monkeypatch):
    _linkedin_account(monkeypatch, "A", 1, LINE_A)
    _linkedin_account(monkeypatch, "B", 2, LINE_B)
    assert run("queue", "add", str(EXAMPLE), "-p", "linkedin", "--start", START).code == 0
    monkeypatch.setenv("SCHEDULER_ACCOUNTS__LINKEDIN__B__FOOTER", DEFAULT_LINE)
    again = run("queue", "add", str(EXAMPLE), "-p", "linkedin", "--start", START)
    assert again.code == 0, again
    assert "6 queued posts are stale" in again.out and "(linkedin:b)" in again.out and "(linkedin:a)" not in again.out
    updated = run("queue", "add", str(EXAMPLE), "-p", "linkedin", "--start", START, "--update")
    assert "updated 6 posts" in updated.out
    texts = _texts(run)
    assert all(_lines_in(text) == [LINE_A] for text in texts["a"])
    assert all(_lines_in(text) == [DEFAULT_LINE] for text in texts["b"])


def test_an_account_with_only_a_line_is_half_configured(run, monkeypatch):
    monkeypatch.setenv("SCHEDULER_ACCOUNTS__LINKEDIN__A__FOOTER", LINE_A)
    result = run("queue", "add", str(EXAMPLE), "-p", "linkedin", "--start", START)
    assert result.code == 2
    assert result.err.startswith(
        "error: linkedin:a is half-configured: SCHEDULER_ACCOUNTS__LINKEDIN__A__TOKEN, "
        "SCHEDULER_ACCOUNTS__LINKEDIN__A__AUTHOR are missing"
    )


def test_the_account_line_setting_is_known(run, monkeypatch):
    monkeypatch.setenv("SCHEDULER_ACCOUNTS__LINKEDIN__A__FOOTER", LINE_A)
    _linkedin_account(monkeypatch, "A", 1, LINE_A)
    result = run("queue", "list")
    assert result.code == 0 and "warning" not in result.err


def test_posts_are_rendered_once_per_distinct_line_not_once_per_account(run, monkeypatch):
    from scheduler.render.renderer import Renderer

    lines_rendered: list[str] = []
    real = Renderer.render

    def spy(self, issue, item, platform):
        lines_rendered.append(self.footer)
        return real(self, issue, item, platform)

    monkeypatch.setattr(Renderer, "render", spy)
    _linkedin_account(monkeypatch, "A", 1, LINE_A)
    _linkedin_account(monkeypatch, "B", 2, LINE_A)
    _linkedin_account(monkeypatch, "C", 3, LINE_B)
    assert run("queue", "add", str(EXAMPLE), "-p", "linkedin", "--start", START).code == 0
    assert sorted(lines_rendered) == [LINE_A] * 6 + [LINE_B] * 6  # 6 items, 2 lines (3 accounts)
    texts = _texts(run)
    assert all(_lines_in(text) == [LINE_A] for text in texts["a"] + texts["b"])
    assert all(_lines_in(text) == [LINE_B] for text in texts["c"])
