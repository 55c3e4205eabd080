"""Publish-time planning: slot rules, holidays, the gap rule, staggering, explicit times and the
daylight-saving days of 2025 and 2026 in Europe/Berlin."""

from __future__ import annotations

import datetime as dt
import random
import re
from itertools import combinations, pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.errors import ConfigError, SchedulerError
from scheduler.planner import HORIZON, Holidays, PlanningError, Request, SlotRule, parse_slots, plan, slots_after

UTC = dt.UTC
BERLIN = ZoneInfo("Europe/Berlin")
DE = Holidays()
NW = Holidays("DE", "NW")
WORKDAYS = parse_slots("mon-fri 09:00,12:30")
HOUR = dt.timedelta(hours=1)


def berlin(y: int, m: int, d: int, h: int = 0, mi: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, h, mi, tzinfo=BERLIN)


def utc(y: int, m: int, d: int, h: int = 0, mi: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, h, mi, tzinfo=UTC)


def first(rule: SlotRule, start: dt.datetime, count: int, holidays: Holidays = DE) -> list[dt.datetime]:
    slots = slots_after(rule, start, holidays)
    return [next(slots) for _ in range(count)]


def wall(moment: dt.datetime) -> str:
    """`2025-03-30 03:30+02:00`: the local wall time in Berlin with its offset."""
    return moment.astimezone(BERLIN).isoformat(" ", "minutes")


# --- slot rules ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "weekdays", "times"),
    [
        ("mon-fri 09:00,12:30", {0, 1, 2, 3, 4}, ["09:00", "12:30"]),
        ("mon,wed,fri 10:00", {0, 2, 4}, ["10:00"]),
        ("daily 08:00", set(range(7)), ["08:00"]),
        ("täglich 08:00", set(range(7)), ["08:00"]),
        ("mo-fr 9:00", {0, 1, 2, 3, 4}, ["09:00"]),
        ("di,mi,do 11:15", {1, 2, 3}, ["11:15"]),
        ("Sa,So 10:00", {5, 6}, ["10:00"]),
        ("montag-mittwoch 07:45", {0, 1, 2}, ["07:45"]),
        ("fri-mon 10:00", {4, 5, 6, 0}, ["10:00"]),
        ("  mon-fri   16:00, 09:00,09:00 ", {0, 1, 2, 3, 4}, ["09:00", "16:00"]),
    ],
)
def test_parse_slots(spec, weekdays, times):
    rule = parse_slots(spec, "Europe/Vienna")
    assert rule.weekdays == frozenset(weekdays)
    assert [t.strftime("%H:%M") for t in rule.times] == times
    assert rule.timezone == "Europe/Vienna"


@pytest.mark.parametrize(
    ("spec", "shown"),
    [
        ("mon-fri 09:00,12:30", "mon-fri 09:00,12:30"),
        ("mo,mi,fr 10:00", "mon,wed,fri 10:00"),
        ("täglich 8:00", "daily 08:00"),
        ("sa,so 10:00", "sat,sun 10:00"),
    ],
)
def test_slot_rule_repr_shows_the_canonical_spec_and_round_trips(spec, shown):
    rule = parse_slots(spec)
    assert repr(rule) == f"SlotRule({shown!r}, Europe/Berlin)"
    assert parse_slots(rule.spec) == rule


def test_slot_rule_sorts_and_normalises_times():
    rule = SlotRule(frozenset({0}), (dt.time(12, 30), dt.time(9, 0, fold=1), dt.time(9, 0)))
    assert rule.times == (dt.time(9), dt.time(12, 30))
    assert all(t.fold == 0 for t in rule.times)


EXPECTED = "expected e.g. 'mon-fri 09:00,12:30'"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("mon-fri 9h", f"slots 'mon-fri 9h': '9h' is not a time; {EXPECTED}"),
        ("mon-fri 24:00", f"slots 'mon-fri 24:00': '24:00' is not a time; {EXPECTED}"),
        ("mon-fri 09:60", f"slots 'mon-fri 09:60': '09:60' is not a time; {EXPECTED}"),
        ("mon-fri 09:00,", f"slots 'mon-fri 09:00,': '' is not a time; {EXPECTED}"),
        ("funday 09:00", f"slots 'funday 09:00': 'funday' is not a day or day range; {EXPECTED}"),
        ("mon-wed-fri 09:00", f"slots 'mon-wed-fri 09:00': 'mon-wed-fri' is not a day or day range; {EXPECTED}"),
        ("mon-fri", f"slots 'mon-fri': need days and times; {EXPECTED}"),
        ("", f"slots '': need days and times; {EXPECTED}"),
    ],
)
def test_parse_slots_errors_name_the_bad_part_and_the_expected_form(spec, message):
    with pytest.raises(PlanningError) as caught:
        parse_slots(spec)
    assert str(caught.value) == message


@pytest.mark.parametrize("zone", ["Europe/Berln", "europe/berlin", "", "../etc/passwd", "Europe"])
def test_unknown_time_zone(zone):
    with pytest.raises(PlanningError) as caught:
        parse_slots("daily 08:00", zone)
    assert str(caught.value) == f"time zone {zone!r} is unknown; expected an IANA name such as 'Europe/Berlin'"


@pytest.mark.parametrize(
    ("weekdays", "times", "message"),
    [
        (frozenset(), (dt.time(9),), "slot weekdays (none) must be a non-empty set of 0 (Monday) to 6 (Sunday)"),
        (frozenset({1, 7}), (dt.time(9),), "slot weekdays 1, 7 must be a non-empty set of 0 (Monday) to 6 (Sunday)"),
        (frozenset({1}), (), "slot times (none) must be one or more local times without a time zone"),
        (
            frozenset({1}),
            (dt.time(9, tzinfo=UTC),),
            "slot times 09:00:00+00:00 must be one or more local times without a time zone",
        ),
    ],
)
def test_invalid_slot_rules(weekdays, times, message):
    with pytest.raises(PlanningError, match=re.escape(message)):
        SlotRule(weekdays, times)


def test_planning_error_belongs_to_the_tree():
    assert issubclass(PlanningError, ConfigError) and issubclass(PlanningError, SchedulerError)


# --- holidays -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "day",
    [dt.date(2024, 12, 25), dt.date(2024, 12, 26), dt.date(2025, 1, 1), dt.date(2025, 10, 3), dt.date(2026, 4, 3)],
)
def test_national_holidays(day):
    assert day in DE and day in NW


def test_regional_holiday_only_in_its_region():
    corpus_christi = dt.date(2025, 6, 19)
    assert corpus_christi in NW
    assert corpus_christi not in Holidays("DE", "BE")
    assert corpus_christi not in DE
    assert dt.date(2025, 6, 18) not in NW and dt.date(2024, 12, 27) not in DE


def test_holidays_normalise_codes_and_show_them():
    assert Holidays("de", "nw") == NW
    assert repr(NW) == "Holidays(country='DE', region='NW')"
    assert Holidays("DE", "") == DE


@pytest.mark.parametrize(
    ("country", "region", "message"),
    [
        ("XX", None, "country 'XX' is not supported for holidays; use an ISO 3166 code such as DE, AT or CH"),
        (
            "DE",
            "XX",
            "region 'XX' is not a region of DE; use one of BB, BE, BW, BY, HB, HE, HH, MV, NI, NW, RP, SH, SL, ",
        ),
        ("IS", "X", "region 'X' is not a region of IS; leave the region empty"),
    ],
)
def test_invalid_holidays(country, region, message):
    with pytest.raises(PlanningError) as caught:
        Holidays(country, region)
    assert str(caught.value).startswith(message)


# --- slots --------------------------------------------------------------------------------------


def test_slots_on_weekdays_only_and_weekend_skipped():
    slots = first(WORKDAYS, berlin(2025, 1, 6), 12)  # Monday
    assert [wall(s) for s in slots[:2]] == ["2025-01-06 09:00+01:00", "2025-01-06 12:30+01:00"]
    assert [s.astimezone(BERLIN).weekday() for s in slots] == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 0, 0]
    assert wall(slots[10]) == "2025-01-13 09:00+01:00"
    assert all(s.tzinfo is UTC for s in slots)


def test_national_holidays_skipped():
    slots = first(parse_slots("mon-fri 09:00"), berlin(2024, 12, 23), 6)
    assert [s.astimezone(BERLIN).day for s in slots] == [23, 24, 27, 30, 31, 2]


def test_regional_holiday_skipped_only_there():
    rule, start = parse_slots("daily 10:00"), berlin(2025, 6, 18)
    assert [s.astimezone(BERLIN).day for s in first(rule, start, 2, NW)] == [18, 20]
    assert [s.astimezone(BERLIN).day for s in first(rule, start, 2, Holidays("DE", "BE"))] == [18, 19]


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (berlin(2025, 1, 6, 10), "2025-01-06 12:30+01:00"),  # between slots
        (berlin(2025, 1, 6, 9), "2025-01-06 09:00+01:00"),  # exactly on a slot
        (berlin(2025, 1, 6, 9) + dt.timedelta(microseconds=1), "2025-01-06 12:30+01:00"),
        (utc(2025, 1, 6, 8), "2025-01-06 09:00+01:00"),  # the same instant in UTC
        (berlin(2025, 1, 10, 13), "2025-01-13 09:00+01:00"),  # Friday after the last slot
    ],
)
def test_slots_start_at_start(start, expected):
    assert wall(first(WORKDAYS, start, 1)[0]) == expected


def test_slots_after_stops_at_until():
    start = berlin(2025, 1, 6)
    slots = list(slots_after(WORKDAYS, start, DE, until=berlin(2025, 1, 13, 9)))
    assert len(slots) == 11 and wall(slots[-1]) == "2025-01-13 09:00+01:00"
    sundays = list(slots_after(parse_slots("sun 10:00"), start, DE))  # default: HORIZON (731 days)
    assert len(sundays) == 104 and wall(sundays[-1]) == "2027-01-03 10:00+01:00"


def test_slots_after_needs_an_aware_start():
    with pytest.raises(ValueError, match="start must be an aware datetime"):
        next(slots_after(WORKDAYS, dt.datetime(2025, 1, 6), DE))


# --- daylight saving ----------------------------------------------------------------------------


@pytest.mark.parametrize("day", [dt.date(2025, 3, 30), dt.date(2026, 3, 29)])
def test_spring_forward(day):
    before, after = day - dt.timedelta(days=1), day + dt.timedelta(days=1)
    slots = first(parse_slots("daily 02:30,09:00"), berlin(before.year, before.month, before.day), 6)
    assert slots == [
        dt.datetime.combine(before, dt.time(1, 30), UTC),
        dt.datetime.combine(before, dt.time(8), UTC),
        dt.datetime.combine(day, dt.time(1, 30), UTC),
        dt.datetime.combine(day, dt.time(7), UTC),
        dt.datetime.combine(after, dt.time(0, 30), UTC),
        dt.datetime.combine(after, dt.time(7), UTC),
    ]
    assert [wall(s)[11:] for s in slots] == [
        "02:30+01:00",
        "09:00+01:00",
        "03:30+02:00",
        "09:00+02:00",  # 02:30 does not exist: 03:30
        "02:30+02:00",
        "09:00+02:00",
    ]


@pytest.mark.parametrize("day", [dt.date(2025, 10, 26), dt.date(2026, 10, 25)])
def test_fall_back(day):
    before = day - dt.timedelta(days=1)
    slots = first(parse_slots("daily 02:30,09:00"), berlin(before.year, before.month, before.day), 6)
    assert slots[2:4] == [dt.datetime.combine(day, dt.time(0, 30), UTC), dt.datetime.combine(day, dt.time(8), UTC)]
    assert [wall(s)[11:] for s in slots] == [
        "02:30+02:00",
        "09:00+02:00",
        "02:30+02:00",
        "09:00+01:00",  # 02:30 happens twice: the first
        "02:30+01:00",
        "09:00+01:00",
    ]


@pytest.mark.parametrize("day", [dt.date(2025, 3, 30), dt.date(2026, 3, 29)])
def test_spring_forward_never_yields_a_slot_twice(day):
    start = dt.datetime.combine(day, dt.time(), BERLIN)
    slots = list(slots_after(parse_slots("daily 02:00,02:30,03:00,03:30"), start, DE, until=start + 23 * HOUR))
    # 02:00 → 03:00 and 02:30 → 03:30 coincide with the real 03:00 and 03:30; sorted as instants
    assert [wall(s)[11:] for s in slots] == ["03:00+02:00", "03:30+02:00"]


def test_no_day_skipped_around_transitions():
    rule = parse_slots("daily 02:00,02:30,02:59")
    for day in (dt.date(2025, 3, 30), dt.date(2025, 10, 26), dt.date(2026, 3, 29), dt.date(2026, 10, 25)):
        start = dt.datetime.combine(day - dt.timedelta(days=2), dt.time(), BERLIN)
        days = [s.astimezone(BERLIN).date() for s in slots_after(rule, start, DE, until=start + dt.timedelta(days=5))]
        assert sorted(set(days)) == [day + dt.timedelta(days=n) for n in range(-2, 3)]


def test_a_jump_at_midnight_keeps_slots_in_order():
    nuuk = ZoneInfo("America/Nuuk")  # 2025-03-29 23:00 -02:00 is followed by 2025-03-30 00:00 -01:00
    rule = SlotRule(frozenset(range(7)), (dt.time(0, 15), dt.time(0, 30), dt.time(23, 30)), "America/Nuuk")
    start = dt.datetime(2025, 3, 29, 1, tzinfo=nuuk)
    slots = list(slots_after(rule, start, DE, until=start + dt.timedelta(days=1)))
    # Saturday's 23:30 does not exist: it moves to Sunday 00:30, after Sunday's 00:15, and coincides with 00:30
    assert [s.astimezone(nuuk).isoformat(" ", "minutes") for s in slots] == [
        "2025-03-30 00:15-01:00",
        "2025-03-30 00:30-01:00",
    ]
    start = dt.datetime(2025, 3, 30, tzinfo=nuuk)  # Saturday's moved slot is still found from Sunday midnight
    assert next(slots_after(parse_slots("sat 23:30", "America/Nuuk"), start, DE)) == utc(2025, 3, 30, 1, 30)


def test_gap_is_measured_in_real_time_on_the_fall_back_day():
    rule = parse_slots("daily 02:30,03:00")  # 30 minutes apart on the wall, 90 minutes on the fall-back day
    requests = [Request("a", "a", "x"), Request("b", "b", "x")]
    normal = plan(requests, rules=rule, holidays=DE, start=berlin(2025, 10, 25), min_gap=HOUR)
    assert wall(normal["b"]) == "2025-10-26 02:30+02:00"
    fall_back = plan(requests, rules=rule, holidays=DE, start=berlin(2025, 10, 26), min_gap=HOUR)
    assert [wall(fall_back[k]) for k in "ab"] == ["2025-10-26 02:30+02:00", "2025-10-26 03:00+01:00"]


def test_plan_on_the_spring_forward_day():
    times = plan([Request("a", "a", "x")], rules=parse_slots("sun 02:30"), holidays=DE, start=berlin(2026, 3, 28))
    assert times["a"] == utc(2026, 3, 29, 1, 30) and wall(times["a"]) == "2026-03-29 03:30+02:00"


# --- plan ---------------------------------------------------------------------------------------

MONDAY = berlin(2025, 1, 6)


def walls(times: dict[str, dt.datetime]) -> dict[str, str]:
    return {key: wall(value) for key, value in times.items()}


def test_one_item_shares_a_slot_across_accounts_and_returns_utc():
    requests = [Request(f"p{n}", "item", account) for n, account in enumerate(["linkedin", "mastodon", "bluesky"])]
    times = plan(requests, rules=WORKDAYS, holidays=DE, start=MONDAY)
    assert list(times) == ["p0", "p1", "p2"]
    assert set(times.values()) == {utc(2025, 1, 6, 8)}
    assert all(t.tzinfo is UTC for t in times.values())


def test_gap_per_account_not_across_accounts():
    requests = [Request("a", "A", "m"), Request("b", "B", "m"), Request("c", "C", "l"), Request("d", "D", "m")]
    assert walls(plan(requests, rules=WORKDAYS, holidays=DE, start=MONDAY)) == {
        "a": "2025-01-06 09:00+01:00",
        "b": "2025-01-06 12:30+01:00",
        "c": "2025-01-06 09:00+01:00",
        "d": "2025-01-07 09:00+01:00",
    }
    wide = plan(requests, rules=WORKDAYS, holidays=DE, start=MONDAY, min_gap=4 * HOUR)
    assert wall(wide["b"]) == "2025-01-07 09:00+01:00"  # 12:30 is only 3.5 hours after 09:00


@pytest.mark.parametrize(
    ("gap", "second"), [(2 * HOUR, "11:00"), (2 * HOUR + dt.timedelta(minutes=1), "13:00"), (dt.timedelta(0), "11:00")]
)
def test_gap_boundary(gap, second):
    """Exactly the gap apart is allowed; a gap of 0 still keeps two posts out of one instant."""
    requests = [Request("a", "A", "m"), Request("b", "B", "m")]
    times = plan(requests, rules=parse_slots("daily 09:00,11:00,13:00"), holidays=DE, start=MONDAY, min_gap=gap)
    assert wall(times["b"])[11:16] == second


@pytest.mark.parametrize(
    ("taken", "expected"),
    [
        (["11:00"], "09:00"),  # the queued post is exactly the gap after the slot
        (["09:00", "13:00"], "11:00"),  # exactly the gap from both neighbours
        (["09:00", "14:00"], "11:00"),
        (["09:00", "12:59"], "15:00"),
        (["08:00", "10:00", "12:00", "14:00"], "16:00"),  # a run of posts too close to leave room between them
    ],
)
def test_free_time_between_queued_posts(taken, expected):
    rule = parse_slots("mon 09:00,11:00,13:00,15:00,16:00")
    busy = {"m": [dt.datetime.combine(MONDAY.date(), dt.time.fromisoformat(t), BERLIN) for t in taken]}
    times = plan([Request("a", "A", "m")], rules=rule, holidays=DE, start=MONDAY, taken=busy)
    assert wall(times["a"])[11:16] == expected


def test_items_in_the_order_of_their_first_request():
    requests = [Request("b1", "B", "m"), Request("a1", "A", "m"), Request("b2", "B", "l")]
    times = walls(plan(requests, rules=WORKDAYS, holidays=DE, start=MONDAY))
    assert times == {"b1": "2025-01-06 09:00+01:00", "a1": "2025-01-06 12:30+01:00", "b2": "2025-01-06 09:00+01:00"}


def test_item_moves_together_when_one_account_is_busy():
    requests = [Request("a", "A", "m"), Request("b", "A", "l")]
    times = plan(requests, rules=WORKDAYS, holidays=DE, start=MONDAY, taken={"l": [berlin(2025, 1, 6, 8)]})
    assert set(walls(times).values()) == {"2025-01-06 12:30+01:00"}


def test_stagger():
    requests = [Request(f"{item}{n}", item, account) for item in "AB" for n, account in enumerate("xyz")]
    times = walls(plan(requests, rules=WORKDAYS, holidays=DE, start=MONDAY, stagger=dt.timedelta(minutes=10)))
    assert [times[k][11:16] for k in ("A0", "A1", "A2", "B0", "B1", "B2")] == [
        "09:00",
        "09:10",
        "09:20",
        "12:30",
        "12:40",
        "12:50",
    ]


def test_stagger_checks_each_account_at_its_own_time():
    requests = [Request("x", "A", "x"), Request("y", "A", "y")]
    taken = {"y": [berlin(2025, 1, 6, 11, 10)]}  # 2h10 after 09:00, but only 1h10 after 10:00
    times = walls(plan(requests, rules=WORKDAYS, holidays=DE, start=MONDAY, taken=taken))
    assert times == {"x": "2025-01-06 09:00+01:00", "y": "2025-01-06 09:00+01:00"}
    times = walls(plan(requests, rules=WORKDAYS, holidays=DE, start=MONDAY, taken=taken, stagger=HOUR))
    assert times == {"x": "2025-01-06 12:30+01:00", "y": "2025-01-06 13:30+01:00"}


def test_explicit_time_used_as_is_and_blocks_the_gap():
    sunday_night = dt.datetime(2025, 1, 5, 23, 5, tzinfo=ZoneInfo("America/New_York"))  # not a slot, before start
    requests = [
        Request("late", "A", "m"),
        Request("fixed", "B", "m", at=berlin(2025, 1, 6, 10)),
        Request("own", "C", "l", at=sunday_night),
        Request("other", "D", "l"),
    ]
    times = plan(requests, rules=WORKDAYS, holidays=DE, start=MONDAY)
    assert times["fixed"] == utc(2025, 1, 6, 9) and times["fixed"].tzinfo is UTC
    assert times["own"] == sunday_night and times["own"].tzinfo is UTC
    assert wall(times["late"]) == "2025-01-06 12:30+01:00"  # 09:00 is an hour from the explicit 10:00
    assert wall(times["other"]) == "2025-01-06 09:00+01:00"  # the explicit time is on another account


def test_explicit_and_planned_posts_of_one_item():
    requests = [
        Request("l", "A", "linkedin", at=berlin(2025, 1, 8, 18)),
        Request("m", "A", "mastodon"),
        Request("b", "A", "bluesky"),
    ]
    times = walls(plan(requests, rules=WORKDAYS, holidays=DE, start=MONDAY, stagger=dt.timedelta(minutes=5)))
    assert times == {"l": "2025-01-08 18:00+01:00", "m": "2025-01-06 09:00+01:00", "b": "2025-01-06 09:05+01:00"}


def test_taken_times_block_the_gap():
    taken = {"m": [berlin(2025, 1, 6, 9), berlin(2025, 1, 6, 13)]}
    times = plan([Request("a", "A", "m")], rules=WORKDAYS, holidays=DE, start=MONDAY, taken=taken)
    assert wall(times["a"]) == "2025-01-07 09:00+01:00"


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (berlin(2025, 1, 6, 9, 1), "2025-01-06 12:30+01:00"),
        (berlin(2025, 1, 6, 12, 30), "2025-01-06 12:30+01:00"),
        (berlin(2025, 1, 4, 10), "2025-01-06 09:00+01:00"),
    ],
)
def test_plan_honours_start(start, expected):
    assert wall(plan([Request("a", "A", "m")], rules=WORKDAYS, holidays=DE, start=start)["a"]) == expected


def test_accounts_with_their_own_rules():
    rules = {"work": WORKDAYS, "always": parse_slots("daily 10:00")}
    saturday = berlin(2025, 1, 4)
    times = walls(
        plan([Request("w", "A", "work"), Request("a", "A", "always")], rules=rules, holidays=DE, start=saturday)
    )
    assert times == {"w": "2025-01-06 09:00+01:00", "a": "2025-01-06 10:00+01:00"}
    times = walls(
        plan(
            [Request("a", "A", "always"), Request("w", "A", "work")],
            rules=rules,
            holidays=DE,
            start=saturday,
            taken={"work": [berlin(2025, 1, 6, 9)]},
        )
    )
    assert times == {"a": "2025-01-04 10:00+01:00", "w": "2025-01-06 12:30+01:00"}


def test_empty_request_list():
    assert plan([], rules=WORKDAYS, holidays=DE, start=MONDAY) == {}


def test_account_without_rule():
    with pytest.raises(PlanningError) as caught:
        plan([Request("a", "A", "mastodon:main")], rules={"linkedin": WORKDAYS}, holidays=DE, start=MONDAY)
    assert str(caught.value) == "no posting slots for account 'mastodon:main'; add slots for it"


@pytest.mark.parametrize(
    "requests",
    [
        [Request("a", "A", "y")],  # the item's first account has no free slot
        [Request("a", "A", "x"), Request("b", "A", "y")],  # an account with its own rule has none
    ],
)
def test_no_free_slot_within_the_horizon(requests):
    rules = {"x": parse_slots("daily 09:00"), "y": parse_slots("daily 08:00")}
    taken = {"y": [berlin(2025, 1, 6, 8) + dt.timedelta(days=n) for n in range(800)]}
    with pytest.raises(PlanningError) as caught:
        plan(requests, rules=rules, holidays=DE, start=MONDAY, taken=taken)
    assert str(caught.value) == (
        f"no free posting slot for y within {HORIZON.days} days of 2025-01-06 00:00+01:00 (slots daily 08:00 in "
        "Europe/Berlin, posts at least 120 minutes apart): 0 of 1 item planned; add slots (SCHEDULER_SLOTS) or reduce the gap "
        "(SCHEDULER_MIN_GAP_MINUTES)"
    )


def test_invalid_plan_arguments():
    one = [Request("a", "A", "m")]
    kwargs = {"rules": WORKDAYS, "holidays": DE}
    with pytest.raises(ValueError, match=r"^start must be an aware datetime \(with a time zone\), got naive 2025"):
        plan(one, start=dt.datetime(2025, 1, 6), **kwargs)
    with pytest.raises(ValueError, match="min_gap and stagger must not be negative"):
        plan(one, start=MONDAY, min_gap=-HOUR, **kwargs)
    with pytest.raises(ValueError, match="min_gap and stagger must not be negative"):
        plan(one, start=MONDAY, stagger=-HOUR, **kwargs)
    with pytest.raises(ValueError, match=r"^request keys must be unique; repeated: a$"):
        plan(one * 2, start=MONDAY, **kwargs)
    with pytest.raises(ValueError, match="an item may have only one request per account"):
        plan([Request("a", "A", "m"), Request("b", "A", "m")], start=MONDAY, **kwargs)
    with pytest.raises(ValueError, match="explicit time of request 'a' must be an aware datetime"):
        plan([Request("a", "A", "m", at=dt.datetime(2025, 1, 6, 9))], start=MONDAY, **kwargs)
    with pytest.raises(ValueError, match="taken time of 'm' must be an aware datetime"):
        plan(one, start=MONDAY, taken={"m": [dt.datetime(2025, 1, 6, 9)]}, **kwargs)


def test_plans_a_thousand_posts_over_thirty_accounts():
    # (its speed is measured in benchmarks/bench_queue.py, not asserted here)
    rng = random.Random(7)
    accounts = [f"account{n}" for n in range(30)]
    requests = [
        Request(f"{item}/{account}", str(item), account) for item in range(334) for account in rng.sample(accounts, 3)
    ][:1000]
    times = plan(requests, rules=parse_slots("mon-fri 09:00,12:30,16:00"), holidays=DE, start=MONDAY)
    assert len(times) == 1000
    per_account: dict[str, list[dt.datetime]] = {}
    for request in requests:
        per_account.setdefault(request.account, []).append(times[request.key])
    for moments in per_account.values():
        moments.sort()
        assert all(later - earlier >= dt.timedelta(hours=2) for earlier, later in pairwise(moments))


def test_ten_thousand_items_get_every_other_slot():
    # (its speed is measured in benchmarks/bench_planner.py, not asserted here)
    every_half_hour = SlotRule(frozenset(range(7)), tuple(dt.time(h, m) for h in range(24) for m in (0, 30)), "UTC")
    requests = [Request(f"{item}/{account}", str(item), account) for item in range(10_000) for account in "mbx"]
    times = plan(requests, rules=every_half_hour, holidays=Holidays("IS"), start=utc(2025, 1, 6), min_gap=HOUR)
    # the gap of an hour leaves every other half-hour slot free; Iceland has holidays, so skip those days
    expected = slots_after(every_half_hour, utc(2025, 1, 6), Holidays("IS"))
    for item in range(10_000):
        slot = next(expected)
        if item and slot - times[f"{item - 1}/m"] < HOUR:
            slot = next(expected)
        assert {times[f"{item}/{account}"] for account in "mbx"} == {slot}, item


def test_ten_thousand_items_over_accounts_taken_and_explicit_times_keep_the_gap():
    rng = random.Random(11)
    accounts = [f"account{n}" for n in range(6)]
    rule = SlotRule(frozenset(range(5)), tuple(dt.time(h, m) for h in range(8, 20) for m in (0, 20, 40)))
    taken = {
        account: [berlin(2025, 1, 6, 8) + dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 90)) for _ in range(300)]
        for account in accounts
    }
    requests = []
    for item in range(10_000):
        for account in rng.sample(accounts, rng.randint(1, 3)):
            at = berlin(2025, 2, 3, 7) + dt.timedelta(minutes=7 * item) if rng.random() < 0.01 else None
            requests.append(Request(f"{item}/{account}", str(item), account, at))
    gap = dt.timedelta(minutes=40)
    times = plan(requests, rules=rule, holidays=NW, start=MONDAY, min_gap=gap, taken=taken)
    assert set(times) == {request.key for request in requests}
    per_account: dict[str, list[tuple[dt.datetime, bool]]] = {
        a: [(t, False) for t in moments] for a, moments in taken.items()
    }
    anchors: dict[str, set[dt.datetime]] = {}
    for request in requests:
        per_account[request.account].append((times[request.key], request.at is None))
        if request.at is None:
            anchors.setdefault(request.item, set()).add(times[request.key])
            local = times[request.key].astimezone(BERLIN)
            assert local.weekday() < 5 and local.date() not in NW and local.time() in rule.times
        else:
            assert times[request.key] == request.at
    assert all(len(moments) == 1 for moments in anchors.values())  # an item's planned posts share a slot
    for account, posts in per_account.items():
        posts.sort()
        close = [(a, b) for a, b in pairwise(posts) if b[0] - a[0] < gap and (a[1] or b[1])]
        assert not close, (account, close[:3])


# --- properties ---------------------------------------------------------------------------------

# Lord Howe jumps by 30 minutes; Nuuk from 23:00 on Saturday to 00:00 on Sunday
ZONES = ("Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "America/Nuuk", "UTC")
TRANSITIONS = [
    dt.datetime(*day, tzinfo=UTC)
    for day in (  # the day before a transition in one of ZONES
        (2025, 3, 29),
        (2025, 10, 25),
        (2026, 3, 28),
        (2026, 10, 24),  # Europe/Berlin, America/Nuuk
        (2025, 3, 8),
        (2025, 11, 1),
        (2025, 4, 5),
        (2025, 10, 4),  # America/New_York, Australia/Lord_Howe
    )
]
times_st = st.builds(dt.time, st.one_of(st.integers(0, 23), st.integers(1, 3)), st.sampled_from([0, 15, 30, 45]))
rules_st = st.builds(
    SlotRule,
    st.frozensets(st.integers(0, 6), min_size=1),
    st.lists(times_st, min_size=1, max_size=4).map(tuple),
    st.sampled_from(ZONES),
)
starts_st = st.one_of(
    st.datetimes(dt.datetime(2024, 1, 1), dt.datetime(2027, 12, 31), timezones=st.just(UTC)),
    st.builds(
        lambda base, offset: base + offset,
        st.sampled_from(TRANSITIONS),
        st.timedeltas(dt.timedelta(0), dt.timedelta(days=2)),
    ),
)
HOLIDAYS = (DE, NW, Holidays("US", "NY"))
ACCOUNTS = ("a", "b", "c", "d")


def slot_days(moment: dt.datetime, rule: SlotRule, holidays: Holidays) -> set[dt.date]:
    """The rule days whose slot `moment` is, reading local wall times as documented: the first of two
    occurrences, or for a wall time that does not exist the same wall time after the jump (which may
    fall on the next day)."""
    local = moment.astimezone(rule.zone)
    wall_time = local.replace(tzinfo=None)
    days = set()
    for day in (local.date(), local.date() - dt.timedelta(days=1)):
        if local.fold or day.weekday() not in rule.weekdays or day in holidays:
            continue
        for t in rule.times:
            naive = dt.datetime.combine(day, t)
            before, after = (naive.replace(tzinfo=rule.zone, fold=f).utcoffset() for f in (0, 1))
            missing = naive.replace(tzinfo=rule.zone).astimezone(UTC).astimezone(rule.zone).time() != t
            if wall_time == naive or (missing and wall_time == naive + (after - before)):
                days.add(day)
    return days


def is_slot(moment: dt.datetime, rule: SlotRule, holidays: Holidays) -> bool:
    return bool(slot_days(moment, rule, holidays))


@settings(max_examples=300, deadline=None)
@given(rule=rules_st, start=starts_st, holidays=st.sampled_from(HOLIDAYS))
def test_slots_after_property(rule, start, holidays):
    until = start + dt.timedelta(days=10)
    slots = list(slots_after(rule, start, holidays, until=until))
    assert all(start <= s <= until and s.tzinfo is UTC and is_slot(s, rule, holidays) for s in slots)
    assert all(a < b for a, b in pairwise(slots))
    rule_days = set().union(*(slot_days(s, rule, holidays) for s in slots))
    day = start.astimezone(rule.zone).date() + dt.timedelta(days=1)
    while dt.datetime.combine(day + dt.timedelta(days=2), dt.time(), rule.zone) <= until:  # whole days inside
        assert (day in rule_days) == (day.weekday() in rule.weekdays and day not in holidays), day
        day += dt.timedelta(days=1)


@st.composite
def plans(draw):
    rule_pool = draw(st.lists(rules_st, min_size=1, max_size=2))
    rules = rule_pool[0] if draw(st.booleans()) else {a: draw(st.sampled_from(rule_pool)) for a in ACCOUNTS}
    start = draw(starts_st)
    near = st.timedeltas(-dt.timedelta(days=3), dt.timedelta(days=10)).map(lambda d: start + d)
    requests = []
    for item in range(draw(st.integers(1, 8))):
        for account in draw(st.lists(st.sampled_from(ACCOUNTS), min_size=1, max_size=4, unique=True)):
            at = draw(st.none() | st.none() | st.none() | near)
            requests.append(Request(f"{item}/{account}", str(item), account, at))
    draw(st.randoms()).shuffle(requests)
    taken = {a: draw(st.lists(near, max_size=3)) for a in ACCOUNTS}
    return {
        "requests": requests,
        "rules": rules,
        "start": start,
        "taken": taken,
        "holidays": draw(st.sampled_from(HOLIDAYS)),
        "min_gap": draw(st.sampled_from([dt.timedelta(0), dt.timedelta(minutes=30), 2 * HOUR, 5 * HOUR])),
        "stagger": draw(st.sampled_from([dt.timedelta(0), dt.timedelta(minutes=10), dt.timedelta(minutes=45)])),
    }


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=plans())
def test_plan_property(case):
    requests, start, gap, stagger = case["requests"], case["start"], case["min_gap"], case["stagger"]
    times = plan(**case)
    rule_of = (lambda account: case["rules"]) if isinstance(case["rules"], SlotRule) else case["rules"].__getitem__
    assert set(times) == {r.key for r in requests} and all(t.tzinfo is UTC for t in times.values())
    planned: dict[str, list[Request]] = {}
    for request in requests:
        if request.at is not None:
            assert times[request.key] == request.at
        else:
            planned.setdefault(request.item, []).append(request)
    for group in planned.values():
        anchor = times[group[0].key]
        first_rule = rule_of(group[0].account)
        assert anchor >= start and is_slot(anchor, first_rule, case["holidays"])
        for k, request in enumerate(group):
            at, rule = times[request.key], rule_of(request.account)
            if rule == first_rule:
                assert at == anchor + k * stagger
            else:
                assert at >= anchor + k * stagger and is_slot(at, rule, case["holidays"])
    # the gap holds between every planned post and every other post of its account
    posts = [(r.key, r.account, times[r.key], r.at is None) for r in requests]
    posts += [(None, account, t, False) for account, moments in case["taken"].items() for t in moments]
    for (_, account1, t1, planned1), (_, account2, t2, planned2) in combinations(posts, 2):
        if account1 == account2 and (planned1 or planned2):
            assert abs(t1 - t2) >= gap and t1 != t2
    # earliest: at no earlier slot were all accounts of a single-rule item free in the final plan
    for group in planned.values():
        rule = rule_of(group[0].account)
        if any(rule_of(r.account) != rule for r in group):
            continue
        others = [(account, t) for key, account, t, _ in posts if key not in {r.key for r in group}]
        before = times[group[0].key] - dt.timedelta(microseconds=1)
        for slot in slots_after(rule, start, case["holidays"], until=before):
            assert any(
                account == r.account and abs(t - (slot + k * stagger)) < max(gap, dt.timedelta(microseconds=1))
                for k, r in enumerate(group)
                for account, t in others
            ), slot
