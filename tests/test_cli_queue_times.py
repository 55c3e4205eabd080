"""Times people type are checked: `queue reschedule` and `queue add --start` in the past, a date
without a time, a wall time that a daylight-saving change skips or repeats; history in local time;
blackout days (SCHEDULER_BLACKOUT_DATES)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE

START = "2030-01-07"  # a Monday, so planned times do not depend on today


@pytest.fixture(autouse=True)
def database(sqlite_queue: Path) -> Path:
    return sqlite_queue


def posts(run) -> dict[int, dict]:
    result = run("queue", "list", "--format", "json")
    assert result.code == 0, result
    return {post["id"]: post for post in json.loads(result.out)}


@pytest.fixture
def queued(run) -> list[int]:
    """The example issue on X: Mon 09:00, 12:30, 16:00, Tue 09:00, 12:30, 16:00 (Europe/Berlin)."""
    assert run("queue", "add", str(EXAMPLE), "-p", "x", "--start", START).code == 0
    return sorted(posts(run))


def one_error_line(result) -> str:
    assert result.code == 2 and result.out == "", result
    (line,) = result.err.strip().splitlines()
    assert line.startswith("error: ")
    return line


def test_reschedule_refuses_a_time_in_the_past_unless_forced(run, queued):
    post = queued[0]
    before = posts(run)[post]["publish_at"]
    line = one_error_line(run("queue", "reschedule", str(post), "2020-01-06T09:00"))
    assert "2020-01-06T09:00+01:00 is in the past" in line and "--force" in line
    assert posts(run)[post]["publish_at"] == before
    forced = run("queue", "reschedule", str(post), "2020-01-06T09:00", "--force")
    assert forced.code == 0, forced
    assert posts(run)[post]["publish_at"] == "2020-01-06T09:00+01:00"


def test_reschedule_to_a_date_takes_the_first_free_slot_of_that_day(run, queued):
    first, second = queued[0], queued[1]
    moved = run("queue", "reschedule", str(first), "2030-01-09")  # a Wednesday without posts
    assert moved.code == 0, moved
    assert moved.out.strip() == f"post {first} at 2030-01-09T09:00+01:00 (draft), the first free slot that day"
    assert posts(run)[first]["publish_at"] == "2030-01-09T09:00+01:00"
    run("queue", "reschedule", str(second), "2030-01-09")  # 09:00 is taken now, 12:30 keeps the gap
    assert posts(run)[second]["publish_at"] == "2030-01-09T12:30+01:00"


@pytest.mark.parametrize(
    ("day", "why"),
    [
        ("2030-01-12", "2030-01-12 is a Saturday, which has no posting slots (mon-fri 09:00,12:30,16:00)"),
        ("2030-12-25", "2030-12-25 is a public holiday or blackout day"),
        ("2030-01-08", "every slot of 2030-01-08 is taken for x:default or past"),
    ],
)
def test_reschedule_to_a_date_without_a_free_slot_says_why(run, queued, day, why):
    post = queued[0]
    before = posts(run)[post]["publish_at"]
    line = one_error_line(run("queue", "reschedule", str(post), day))
    assert f"post {post}: no free posting slot on {day}: {why}; give a time, e.g. {day}T10:00" in line
    assert posts(run)[post]["publish_at"] == before


def test_reschedule_to_a_past_date_is_refused_unless_forced(run, queued):
    line = one_error_line(run("queue", "reschedule", str(queued[0]), "2020-01-06"))
    assert "2020-01-06 is in the past" in line and "--force" in line
    assert run("queue", "reschedule", str(queued[0]), "2020-01-06", "--force").code == 0
    assert posts(run)[queued[0]]["publish_at"] == "2020-01-06T09:00+01:00"


def test_reschedule_into_a_daylight_saving_gap_or_fold_is_reported_not_moved(run, queued):
    post = queued[0]
    gap = one_error_line(run("queue", "reschedule", str(post), "2030-03-31T02:30"))
    assert gap == (
        "error: WHEN 2030-03-31T02:30 does not exist in Europe/Berlin: the clocks go forward by 1 hour "
        "that night (02:00 is 03:00); use a time from 03:00 on, e.g. 2030-03-31T03:30"
    )
    fold = one_error_line(run("queue", "reschedule", str(post), "2030-10-27T02:30"))
    assert fold == (
        "error: WHEN 2030-10-27T02:30 happens twice in Europe/Berlin: the clocks go back by 1 hour that "
        "night; add the offset, 2030-10-27T02:30+02:00 for the first time or 2030-10-27T02:30+01:00 for "
        "the second"
    )
    assert run("queue", "reschedule", str(post), "2030-10-27T02:30+01:00").code == 0
    assert posts(run)[post]["publish_at"] == "2030-10-27T02:30+01:00"


def test_history_shows_local_times(run, queued):
    assert run("queue", "reschedule", str(queued[0]), "2030-07-01T10:15").code == 0
    shown = run("queue", "show", str(queued[0]))
    assert "rescheduled to 2030-07-01T10:15+02:00" in shown.out
    assert "+00:00" not in shown.out


def test_add_with_a_start_in_the_past_says_it_plans_from_now(run):
    result = run("queue", "add", str(EXAMPLE), "-p", "x", "--start", "2020-01-06")
    assert result.code == 0, result
    (note,) = [line for line in result.err.splitlines() if "--start" in line]
    assert note.startswith("note: --start 2020-01-06 is in the past; planning from now (")
    later = run("queue", "add", str(EXAMPLE), "-p", "mastodon", "--start", START).err
    assert all(line.startswith("warning: ") for line in later.splitlines())  # the posts' dead ends, no note


def test_add_with_a_start_in_a_daylight_saving_gap_is_an_error(run):
    line = one_error_line(run("queue", "add", str(EXAMPLE), "-p", "x", "--start", "2030-03-31T02:30"))
    assert line.startswith("error: --start 2030-03-31T02:30 does not exist in Europe/Berlin")
    assert posts(run) == {}


def test_blackout_days_are_skipped_when_planning(run, monkeypatch):
    monkeypatch.setenv("SCHEDULER_BLACKOUT_DATES", "01-07..01-08")
    result = run("queue", "add", str(EXAMPLE), "-p", "x", "--start", START)
    assert result.code == 0, result
    assert "first at 2030-01-09T09:00+01:00" in result.out


def test_invalid_blackout_dates_are_a_one_line_error(run, monkeypatch):
    monkeypatch.setenv("SCHEDULER_BLACKOUT_DATES", "24.12.-32.12.")
    line = one_error_line(run("queue", "add", str(EXAMPLE), "-p", "x", "--start", START))
    assert line.startswith("error: SCHEDULER_BLACKOUT_DATES: blackout dates '24.12.-32.12.': '32.12.' is not a date")
    assert posts(run) == {}


def test_no_free_slot_is_one_line_without_python_reprs(run, monkeypatch):
    monkeypatch.setenv("SCHEDULER_BLACKOUT_DATES", "01-01..12-31")
    line = one_error_line(run("queue", "add", str(EXAMPLE), "-p", "x", "--start", START))
    assert line == (
        "error: no free posting slot for x:default within 731 days of 2030-01-07 00:00+01:00 (slots "
        "mon-fri 09:00,12:30,16:00 in Europe/Berlin, posts at least 120 minutes apart): 0 of 6 items planned; "
        "add slots (SCHEDULER_SLOTS), remove blackout days (SCHEDULER_BLACKOUT_DATES) or reduce the gap "
        "(SCHEDULER_MIN_GAP_MINUTES)"
    )
    assert posts(run) == {}
