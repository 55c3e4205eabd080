"""Blackout days (SCHEDULER_BLACKOUT_DATES) skipped like holidays, and local wall times that a
daylight-saving change makes missing or double, reported instead of silently moved."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from scheduler.errors import InputError
from scheduler.planner import (
    Holidays,
    PlanningError,
    Request,
    parse_blackout,
    parse_slots,
    plan,
    slots_after,
    wall_time,
)

BERLIN = ZoneInfo("Europe/Berlin")
D = dt.date


@pytest.mark.parametrize(
    ("spec", "inside", "outside"),
    [
        ("12-24..12-31", [D(2025, 12, 24), D(2026, 12, 31), D(2030, 12, 27)], [D(2025, 12, 23), D(2026, 1, 1)]),
        ("24.12.–31.12.", [D(2025, 12, 24), D(2026, 12, 31)], [D(2025, 12, 23), D(2026, 1, 1)]),
        (
            "12-24..01-06",
            [D(2025, 12, 24), D(2025, 12, 31), D(2026, 1, 1), D(2026, 1, 6)],
            [D(2025, 12, 23), D(2026, 1, 7), D(2026, 6, 1)],
        ),  # across the new year, every year
        ("2025-08-15", [D(2025, 8, 15)], [D(2025, 8, 14), D(2025, 8, 16), D(2026, 8, 15)]),
        ("15.08.2025", [D(2025, 8, 15)], [D(2026, 8, 15)]),
        (
            "2025-07-28..2025-08-08, 12-24..12-26",
            [D(2025, 7, 28), D(2025, 8, 8), D(2031, 12, 25)],
            [D(2026, 7, 30), D(2025, 8, 9)],
        ),
        ("02-29", [D(2028, 2, 29)], [D(2027, 2, 28), D(2027, 3, 1)]),
        ("", [], [D(2025, 12, 24)]),
    ],
)
def test_blackout_forms(spec, inside, outside):
    blackout = parse_blackout(spec)
    assert all(day in blackout for day in inside)
    assert not any(day in blackout for day in outside)


def test_blackout_shows_its_canonical_form():
    assert parse_blackout(" 24.12.–31.12. ;2025-08-15").spec == "12-24..12-31, 2025-08-15"
    holidays = Holidays("de", "nw", blackout=parse_blackout("12-24..12-31"))
    assert repr(holidays) == "Holidays(country='DE', region='NW', blackout='12-24..12-31')"


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ("13-01", "'13-01' is not a date"),
        ("12-24..", "'' is not a date"),
        ("christmas", "'christmas' is not a date"),
        ("2025-12-31..2025-12-01", "'2025-12-31..2025-12-01' ends before it starts"),
        ("12-24..2026-01-06", "'12-24..2026-01-06' mixes a yearly day and a dated one"),
    ],
)
def test_invalid_blackout_names_the_part_and_the_form(spec, problem):
    with pytest.raises(PlanningError) as caught:
        parse_blackout(spec)
    assert str(caught.value) == (
        f"blackout dates {spec!r}: {problem}; expected e.g. '12-24..12-31, 2025-08-15' (MM-DD every year, "
        "YYYY-MM-DD once, DD.MM. works too)"
    )


def test_blackout_days_are_skipped_like_holidays():
    holidays = Holidays("DE", blackout=parse_blackout("12-22..01-02"))
    friday = dt.datetime(2025, 12, 19, tzinfo=BERLIN)
    slots = slots_after(parse_slots("mon-fri 09:00"), friday, holidays)
    days = [next(slots).astimezone(BERLIN).date() for _ in range(3)]
    assert days == [D(2025, 12, 19), D(2026, 1, 5), D(2026, 1, 6)]
    times = plan(
        [Request(str(n), str(n), "m") for n in range(3)],
        rules=parse_slots("mon-fri 09:00"),
        holidays=holidays,
        start=friday,
    )
    assert [times[str(n)].astimezone(BERLIN).date() for n in range(3)] == days


def test_the_holidays_of_some_weeks_are_named_in_the_language_asked_for_without_the_blackout_days():
    holidays = Holidays("DE", "BY", blackout=parse_blackout("12-22..01-02"))
    german = holidays.named(D(2025, 12, 20), D(2026, 1, 6), language="de")
    assert german == {
        D(2025, 12, 25): "Erster Weihnachtstag",
        D(2025, 12, 26): "Zweiter Weihnachtstag",
        D(2026, 1, 1): "Neujahr",
        D(2026, 1, 6): "Heilige Drei Könige",
    }
    assert all(day in holidays for day in german)
    assert holidays.named(D(2026, 1, 1), D(2026, 1, 1), language="en_US") == {D(2026, 1, 1): "New Year's Day"}
    assert Holidays("DE").named(D(2026, 1, 6), D(2026, 1, 6)) == {}  # Epiphany is Bavaria's, not Germany's


# --- wall times ---------------------------------------------------------------------------------


def naive(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-03-30T01:59", "2025-03-30T00:59+00:00"),
        ("2025-03-30T03:00", "2025-03-30T01:00+00:00"),
        ("2025-10-26T01:59", "2025-10-25T23:59+00:00"),
        ("2025-10-26T03:00", "2025-10-26T02:00+00:00"),
        ("2025-07-01T10:15", "2025-07-01T08:15+00:00"),
    ],
)
def test_wall_times_outside_a_change_are_read_in_the_time_zone(text, expected):
    moment = wall_time(naive(text), "Europe/Berlin", what="WHEN")
    assert moment.tzinfo is dt.UTC and moment.isoformat(timespec="minutes") == expected


def test_a_wall_time_with_an_offset_is_taken_as_it_is():
    moment = dt.datetime.fromisoformat("2025-10-26T02:30+01:00")
    assert wall_time(moment, "Europe/Berlin", what="WHEN") == dt.datetime(2025, 10, 26, 1, 30, tzinfo=dt.UTC)


def test_a_wall_time_in_the_spring_forward_gap_is_an_error():
    with pytest.raises(InputError) as caught:
        wall_time(naive("2025-03-30T02:30"), "Europe/Berlin", what="WHEN")
    assert str(caught.value) == (
        "WHEN 2025-03-30T02:30 does not exist in Europe/Berlin: the clocks go forward by 1 hour that night "
        "(02:00 is 03:00); use a time from 03:00 on, e.g. 2025-03-30T03:30"
    )


def test_a_wall_time_in_the_fall_back_fold_is_an_error():
    with pytest.raises(InputError) as caught:
        wall_time(naive("2025-10-26T02:30"), "Europe/Berlin", what="--start")
    assert str(caught.value) == (
        "--start 2025-10-26T02:30 happens twice in Europe/Berlin: the clocks go back by 1 hour that night; "
        "add the offset, 2025-10-26T02:30+02:00 for the first time or 2025-10-26T02:30+01:00 for the second"
    )


def test_a_half_hour_change_is_named_in_minutes():
    with pytest.raises(InputError, match="go forward by 30 minutes that night"):
        wall_time(naive("2025-10-05T02:15"), "Australia/Lord_Howe", what="WHEN")


ZONES = ("Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "America/Nuuk", "UTC")
NEAR_CHANGES = [
    dt.datetime(*day)
    for day in ((2025, 3, 29), (2025, 10, 25), (2025, 3, 8), (2025, 11, 1), (2025, 4, 5), (2025, 10, 4))
]


@settings(max_examples=400, deadline=None)
@example(zone="Europe/Berlin", moment=dt.datetime(2025, 3, 30, 2, 30))  # gap
@example(zone="Europe/Berlin", moment=dt.datetime(2025, 10, 26, 2, 30))  # fold
@example(zone="America/New_York", moment=dt.datetime(2025, 3, 9, 2, 30))
@example(zone="America/New_York", moment=dt.datetime(2025, 11, 2, 1, 30))
@example(zone="Australia/Lord_Howe", moment=dt.datetime(2025, 10, 5, 2, 15))  # 30 minutes forward
@example(zone="Australia/Lord_Howe", moment=dt.datetime(2025, 4, 6, 1, 45))  # 30 minutes back
@example(zone="America/Nuuk", moment=dt.datetime(2025, 3, 29, 23, 30))  # a gap across midnight
@given(
    zone=st.sampled_from(ZONES),
    moment=st.one_of(
        st.datetimes(dt.datetime(2024, 1, 1), dt.datetime(2027, 12, 31)),
        st.builds(
            lambda base, minutes: base + dt.timedelta(minutes=minutes),
            st.sampled_from(NEAR_CHANGES),
            st.integers(0, 3 * 24 * 60),
        ),
    ),
)
def test_a_wall_time_is_read_exactly_or_refused_exactly_when_a_change_skips_or_repeats_it(zone, moment):
    tz = ZoneInfo(zone)
    # the wall times that exist, and how often: every instant that shows `moment` on the clock
    instants = {moment.replace(tzinfo=tz, fold=fold).astimezone(dt.UTC) for fold in (0, 1)}
    shown = [instant for instant in instants if instant.astimezone(tz).replace(tzinfo=None) == moment]
    if len(shown) == 1:
        assert wall_time(moment, zone, what="WHEN") == shown[0]
    else:
        with pytest.raises(InputError, match="does not exist" if not shown else "happens twice"):
            wall_time(moment, zone, what="WHEN")
