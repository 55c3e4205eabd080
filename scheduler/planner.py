"""Publish-time planning: spread an issue's posts over posting slots. Pure functions: no I/O, no
settings, no clock (the caller passes `start`).

    rule = parse_slots("mon-fri 09:00,12:30", "Europe/Berlin")   # → SlotRule
    times = plan(requests, rules=rule, holidays=Holidays("DE", "NW"), start=now,
                 min_gap=dt.timedelta(hours=2), stagger=dt.timedelta(0), taken={account: [...]})
    # → {request key: aware UTC datetime}

`slots_after(rule, start, holidays)` yields a rule's slots as UTC instants. A slot is a local wall
time on a rule weekday that is not a public holiday (`holidays` package, by country and region) nor a
blackout day (`Holidays(..., blackout=parse_blackout("12-24..12-31, 2025-08-15"))`).

Planning rules:
- Items are planned in the order their first request appears. An item's posts (one per account)
  go to the earliest slot T >= start of its first planned account's rule at which every account is
  free: account k of the item (counting its planned requests, in the order given) posts at
  T + k × stagger. An account whose rule differs from the first one's takes the earliest free slot
  of its own rule at or after T + k × stagger.
- An account is free at t when none of its other posts (queued: `taken`; explicit; planned in this
  call) is closer than `min_gap`. Even with a gap of 0 two posts of an account never share an instant.
- Explicit times (`Request.at`) are used as is (converted to UTC) and reserved before anything is
  planned, so every planned post keeps the gap to them.
- The search looks `HORIZON` ahead of `start`, then raises `PlanningError`.

Daylight saving: slots are local wall times, built with `fold=0` on purpose (PEP 495). A wall time
that does not exist (02:30 on the spring-forward day in Europe/Berlin) is read with the offset before
the jump, i.e. it moves forward by the jump to 03:30 local; a wall time that occurs twice (02:30 on
the fall-back day) is used once, at its first occurrence. Slots that coincide after that shift are
yielded once; a day is never skipped because of a transition. A time a person types is read
differently: `wall_time` refuses a wall time that does not exist or occurs twice, naming the change
and the fix (the offset), since only the person knows which instant they meant.
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from heapq import heappop, heappush
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scheduler.errors import ConfigError, InputError

__all__ = [
    "HORIZON",
    "Blackout",
    "Holidays",
    "PlanningError",
    "Request",
    "SlotRule",
    "parse_blackout",
    "parse_slots",
    "plan",
    "slots_after",
    "wall_time",
]

UTC = dt.UTC
#: How far past `start` a free slot is searched for before giving up.
HORIZON = dt.timedelta(days=731)
_EXAMPLE = "expected e.g. 'mon-fri 09:00,12:30'"
_DAYS = (
    "mon monday mo montag",
    "tue tuesday di dienstag",
    "wed wednesday mi mittwoch",
    "thu thursday do donnerstag",
    "fri friday fr freitag",
    "sat saturday sa samstag",
    "sun sunday so sonntag",
)
_DAY_NAMES = {name: number for number, names in enumerate(_DAYS) for name in names.split()}
_ABBREVIATIONS = tuple(names.split()[0] for names in _DAYS)
_EVERY_DAY = ("daily", "täglich", "taeglich")


class PlanningError(ConfigError):
    """Slots, time zone or holiday region are invalid, or no free slot exists within the horizon."""


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise PlanningError(f"time zone {name!r} is unknown; expected an IANA name such as 'Europe/Berlin'") from None


def _aware(value: dt.datetime, what: str) -> dt.datetime:
    """`value` in UTC; ValueError when it is naive (we never guess a time zone)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be an aware datetime (with a time zone), got naive {value.isoformat()}")
    return value.astimezone(UTC)


def _duration(delta: dt.timedelta) -> str:
    """`1 hour`, `30 minutes`, `1 hour 30 minutes`."""
    hours, minutes = divmod(round(abs(delta).total_seconds() / 60), 60)
    parts = [f"{hours} hour{'s' if hours != 1 else ''}"] if hours else []
    parts += [f"{minutes} minute{'s' if minutes != 1 else ''}"] if minutes or not hours else []
    return " ".join(parts)


def _offset(delta: dt.timedelta) -> str:
    minutes = round(delta.total_seconds() / 60)
    return f"{'-' if minutes < 0 else '+'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _change(zone: ZoneInfo, low: dt.datetime, high: dt.datetime) -> dt.datetime:
    """The instant in (low, high] (UTC) at which `zone` changes its offset, to the second."""
    before = low.astimezone(zone).utcoffset()
    while high - low > dt.timedelta(seconds=1):
        middle = low + (high - low) / 2
        low, high = (middle, high) if middle.astimezone(zone).utcoffset() == before else (low, middle)
    return high


def wall_time(moment: dt.datetime, timezone: str, *, what: str) -> dt.datetime:
    """`moment` in UTC: an aware one as it is, a naive one read as a local wall time in `timezone`.

    A wall time that a daylight-saving change skips (02:30 on the spring-forward night in
    Europe/Berlin) or repeats (02:30 on the fall-back night) is an `InputError` that names the
    change and the fix, instead of being silently moved; `what` names the value (e.g. `--start`).
    (Posting slots are read differently on purpose: see the module docstring.)"""
    if moment.tzinfo is not None and moment.utcoffset() is not None:
        return moment.astimezone(UTC)
    zone = _zone(timezone)
    early, late = moment.replace(tzinfo=zone, fold=0), moment.replace(tzinfo=zone, fold=1)
    before, after = early.utcoffset(), late.utcoffset()
    if before is None or after is None or before == after:
        return early.astimezone(UTC)
    shown = moment.isoformat(timespec="minutes" if not moment.second and not moment.microsecond else "seconds")
    jump = _duration(after - before)
    if after > before:  # a gap: clocks go forward
        change = _change(zone, *sorted((early.astimezone(UTC), late.astimezone(UTC))))
        skipped_from, skipped_to = (change + before).time(), (change + after).time()
        moved = (moment + (after - before)).isoformat(timespec="minutes")
        raise InputError(
            f"{what} {shown} does not exist in {timezone}: the clocks go forward by {jump} that night "
            f"({skipped_from:%H:%M} is {skipped_to:%H:%M}); use a time from {skipped_to:%H:%M} on, e.g. {moved}"
        )
    raise InputError(
        f"{what} {shown} happens twice in {timezone}: the clocks go back by {jump} that night; add the offset, "
        f"{shown}{_offset(before)} for the first time or {shown}{_offset(after)} for the second"
    )


@dataclass(frozen=True, slots=True)
class SlotRule:
    """Posting slots: every local wall time in `times` on every weekday in `weekdays` (0 = Monday)."""

    weekdays: frozenset[int]
    times: tuple[dt.time, ...]
    timezone: str = "Europe/Berlin"
    zone: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "weekdays", frozenset(self.weekdays))
        if not self.weekdays or not self.weekdays <= set(range(7)):
            days = ", ".join(map(str, sorted(self.weekdays))) or "(none)"
            raise PlanningError(f"slot weekdays {days} must be a non-empty set of 0 (Monday) to 6 (Sunday)")
        if not self.times or any(t.tzinfo is not None for t in self.times):
            shown = ", ".join(t.isoformat() for t in self.times) or "(none)"
            raise PlanningError(f"slot times {shown} must be one or more local times without a time zone")
        # fold=0 everywhere: the DST reading documented in the module docstring.
        object.__setattr__(self, "times", tuple(sorted({t.replace(fold=0) for t in self.times})))
        object.__setattr__(self, "zone", _zone(self.timezone))

    @property
    def spec(self) -> str:
        """The rule in `parse_slots` form, e.g. `mon-fri 09:00,12:30`."""
        days = sorted(self.weekdays)
        if len(days) == 7:
            day_part = "daily"
        elif days == list(range(days[0], days[-1] + 1)) and len(days) >= 3:
            day_part = f"{_ABBREVIATIONS[days[0]]}-{_ABBREVIATIONS[days[-1]]}"
        else:
            day_part = ",".join(_ABBREVIATIONS[day] for day in days)
        return f"{day_part} " + ",".join(t.strftime("%H:%M:%S" if t.second else "%H:%M") for t in self.times)

    def __repr__(self) -> str:
        return f"SlotRule({self.spec!r}, {self.timezone})"


def _parse_days(part: str, spec: str) -> frozenset[int]:
    if part.lower() in _EVERY_DAY:
        return frozenset(range(7))
    days: set[int] = set()
    for piece in part.lower().split(","):
        ends = [_DAY_NAMES.get(name.strip()) for name in piece.split("-")]
        first, last = ends[0], ends[-1]
        if len(ends) > 2 or first is None or last is None:
            raise PlanningError(f"slots {spec!r}: {piece.strip()!r} is not a day or day range; {_EXAMPLE}")
        days.update((first + offset) % 7 for offset in range((last - first) % 7 + 1))  # sat-mon wraps
    return frozenset(days)


def _parse_time(text: str, spec: str) -> dt.time:
    hours, _, minutes = text.partition(":")
    if hours.isdigit() and len(hours) <= 2 and minutes.isdigit() and len(minutes) == 2:
        if int(hours) < 24 and int(minutes) < 60:
            return dt.time(int(hours), int(minutes))
    raise PlanningError(f"slots {spec!r}: {text!r} is not a time; {_EXAMPLE}")


def parse_slots(spec: str, timezone: str = "Europe/Berlin") -> SlotRule:
    """`"mon-fri 09:00,12:30"`, `"mon,wed,fri 10:00"`, `"daily 08:00"`, `"mo-fr 9:00"` → SlotRule.

    Days: English (mon, monday) or German (mo, montag) names, comma lists and ranges; `daily`/`täglich`.
    """
    day_part, _, time_part = spec.strip().partition(" ")
    if not day_part or not time_part.strip():
        raise PlanningError(f"slots {spec!r}: need days and times; {_EXAMPLE}")
    weekdays = _parse_days(day_part, spec)
    times = tuple(_parse_time(text.strip(), spec) for text in time_part.split(","))
    return SlotRule(weekdays, times, timezone)


_BLACKOUT_EXAMPLE = "expected e.g. '12-24..12-31, 2025-08-15' (MM-DD every year, YYYY-MM-DD once, DD.MM. works too)"
_ISO_DAY = re.compile(r"^(?:(?P<y>\d{4})-)?(?P<m>\d{1,2})-(?P<d>\d{1,2})$")
_GERMAN_DAY = re.compile(r"^(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.?(?P<y>\d{4})?$")
#: a day of a blackout range: a date once, or (month, day) every year
_Day = dt.date | tuple[int, int]


def _blackout_day(text: str, spec: str) -> _Day:
    match = _ISO_DAY.match(text) or _GERMAN_DAY.match(text)
    try:
        if match is None:
            raise ValueError
        month, day = int(match["m"]), int(match["d"])
        if match["y"]:
            return dt.date(int(match["y"]), month, day)
        dt.date(2000, month, day)  # a leap year: 02-29 is a day (it counts in leap years only)
        return month, day
    except ValueError:
        raise PlanningError(f"blackout dates {spec!r}: {text!r} is not a date; {_BLACKOUT_EXAMPLE}") from None


def _show_day(day: _Day) -> str:
    return day.isoformat() if isinstance(day, dt.date) else f"{day[0]:02d}-{day[1]:02d}"


@dataclass(frozen=True, slots=True)
class Blackout:
    """Days without posts besides public holidays: ranges of dates (once) or of month-days (every
    year; a range such as 12-24..01-06 runs across the new year). Build one with `parse_blackout`."""

    ranges: tuple[tuple[_Day, _Day], ...] = ()

    def __contains__(self, day: object) -> bool:
        if not isinstance(day, dt.date):
            return False
        if isinstance(day, dt.datetime):
            day = day.date()
        yearly = (day.month, day.day)
        for first, last in self.ranges:
            if isinstance(first, dt.date) and isinstance(last, dt.date):
                if first <= day <= last:
                    return True
            elif isinstance(first, tuple) and isinstance(last, tuple):
                if (first <= yearly <= last) if first <= last else (yearly >= first or yearly <= last):
                    return True  # a yearly range such as 12-24..01-06 runs across the new year
        return False

    def __bool__(self) -> bool:
        return bool(self.ranges)

    @property
    def spec(self) -> str:
        """The days in `parse_blackout` form, e.g. `12-24..12-31, 2025-08-15`."""
        return ", ".join(_show_day(a) if a == b else f"{_show_day(a)}..{_show_day(b)}" for a, b in self.ranges)


def parse_blackout(spec: str) -> Blackout:
    """`"12-24..12-31, 2025-08-15"` → Blackout. Entries are separated by commas or semicolons; each is
    a day or a range `first..last` (or `first–last`): `MM-DD` every year, `YYYY-MM-DD` once, and the
    German `DD.MM.` (every year) and `DD.MM.YYYY` (once)."""
    ranges: list[tuple[_Day, _Day]] = []
    for part in (piece.strip() for piece in re.split(r"[,;]", spec)):
        if not part:
            continue
        if ".." in part:
            ends = part.split("..")
        else:
            ends = re.split(r"\s*[–—]\s*|\s+-\s+", part)
            if len(ends) == 1 and "." in part:
                ends = part.split("-")  # 24.12.-31.12.
        if len(ends) > 2:
            raise PlanningError(f"blackout dates {spec!r}: {part!r} is not a date; {_BLACKOUT_EXAMPLE}")
        first, last = _blackout_day(ends[0].strip(), spec), _blackout_day(ends[-1].strip(), spec)
        if isinstance(first, dt.date) != isinstance(last, dt.date):
            raise PlanningError(
                f"blackout dates {spec!r}: {part!r} mixes a yearly day and a dated one; {_BLACKOUT_EXAMPLE}"
            )
        if isinstance(first, dt.date) and isinstance(last, dt.date) and first > last:
            raise PlanningError(f"blackout dates {spec!r}: {part!r} ends before it starts; {_BLACKOUT_EXAMPLE}")
        ranges.append((first, last))
    return Blackout(tuple(ranges))


@dataclass(frozen=True, slots=True)
class Holidays:
    """Days without slots: the public holidays of a country (ISO code) and optionally one of its
    regions (subdivision), and the `blackout` days the team chose."""

    country: str = "DE"
    region: str | None = None
    blackout: Blackout = field(default_factory=Blackout)
    # holidays by year, filled on first use; a cache, not part of the value
    _years: dict[int, frozenset[dt.date]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        import holidays as holidays_package  # 50 ms: only when planning, never at CLI start-up

        country = self.country.strip().upper()
        supported = holidays_package.list_supported_countries()
        if country not in supported:
            raise PlanningError(
                f"country {self.country!r} is not supported for holidays; use an ISO 3166 code such as DE, AT or CH"
            )
        regions = supported[country]
        region = (self.region or "").strip() or None
        if region is not None:
            region = next((code for code in regions if code.lower() == region.lower()), region)
            if region not in regions:
                fix = f"use one of {', '.join(regions)}" if regions else "leave the region empty"
                raise PlanningError(f"region {self.region!r} is not a region of {country}; {fix}")
        object.__setattr__(self, "country", country)
        object.__setattr__(self, "region", region)

    def __repr__(self) -> str:
        blackout = f", blackout={self.blackout.spec!r}" if self.blackout else ""
        return f"Holidays(country={self.country!r}, region={self.region!r}{blackout})"

    def __contains__(self, day: object) -> bool:
        if not isinstance(day, dt.date):
            return False
        if day in self.blackout:
            return True
        if isinstance(day, dt.datetime):
            day = day.date()
        if day.year not in self._years:
            import holidays as holidays_package

            days = holidays_package.country_holidays(self.country, subdiv=self.region, years=day.year)
            self._years[day.year] = frozenset(days)
        return day in self._years[day.year]

    def named(self, first: dt.date, last: dt.date, *, language: str | None = None) -> dict[dt.date, str]:
        """The public holidays from `first` to `last` (both included) with their names, in
        `language` (e.g. "de", "en_US") where the holidays package has it; blackout days are not
        among them (they have no names: `day in self.blackout`)."""
        import holidays as holidays_package

        years = range(first.year, last.year + 1)
        days = holidays_package.country_holidays(self.country, subdiv=self.region, years=years, language=language)
        return {day: name for day, name in sorted(days.items()) if first <= day <= last}


@dataclass(frozen=True, slots=True)
class Request:
    """One post to plan: `key` is the caller's id, posts of the same `item` are planned together."""

    key: str
    item: str
    account: str  # e.g. "mastodon:main"
    at: dt.datetime | None = None  # explicit time (aware): used as is


def slots_after(
    rule: SlotRule, start: dt.datetime, holidays: Holidays, *, until: dt.datetime | None = None
) -> Iterator[dt.datetime]:
    """The rule's slots at or after `start` and at most `until` (default start + HORIZON), as aware
    UTC datetimes, strictly increasing."""
    start = _aware(start, "start")
    until = _aware(until, "until") if until is not None else start + HORIZON
    # A wall time moved past a jump may land after later wall times (02:30 → 03:30 comes after 03:00)
    # or on the next day (America/Nuuk jumps from 23:00 to 00:00). So slots wait in a heap until no
    # later day can give an earlier one: a day's slots all lie after its local midnight at UTC+24:00.
    pending: list[dt.datetime] = []
    last: dt.datetime | None = None
    day = start.astimezone(rule.zone).date() - dt.timedelta(days=1)
    while True:
        floor = dt.datetime.combine(day, dt.time(), UTC) - dt.timedelta(days=1)
        while pending and (pending[0] < floor or floor > until):
            slot = heappop(pending)
            if slot > until:
                return
            if slot >= start and (last is None or slot > last):  # slots that coincide count once
                last = slot
                yield slot
        if floor > until:
            return
        if day.weekday() in rule.weekdays and day not in holidays:
            for t in rule.times:
                heappush(pending, dt.datetime.combine(day, t, tzinfo=rule.zone).astimezone(UTC))
        day += dt.timedelta(days=1)


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = dt.timedelta(microseconds=1)


def _tick(moment: dt.datetime) -> int:
    """An aware datetime as whole microseconds since 1970 (UTC): the planner's inner loop compares
    and adds these, several times faster than datetimes."""
    return (moment - _EPOCH) // _MICROSECOND


def _moment(tick: int) -> dt.datetime:
    return _EPOCH + dt.timedelta(microseconds=tick)


class _Slots:
    """A rule's slots from `start` (as ticks), generated once and searched by bisection."""

    def __init__(self, rule: SlotRule, start: dt.datetime, holidays: Holidays) -> None:
        self.rule = rule
        self._source = slots_after(rule, start, holidays)
        self._slots: list[int] = []

    def at_or_after(self, tick: int) -> int | None:
        slots = self._slots
        while not slots or slots[-1] < tick:
            slot = next(self._source, None)
            if slot is None:
                break
            slots.append(_tick(slot))
        index = bisect_left(slots, tick)
        return slots[index] if index < len(slots) else None


class _Busy:
    """An account's posts as the ticks they block: a post at b blocks the open interval
    (b - window, b + window). Overlapping intervals are merged (touching ones are not: the moment
    between them is free), so the first free tick at or after t is one bisection away."""

    def __init__(self, window: int, ticks: Sequence[int] = ()) -> None:
        self.window = window
        self.starts: list[int] = []
        self.ends: list[int] = []
        for tick in sorted(ticks):
            if self.ends and tick - window < self.ends[-1]:
                self.ends[-1] = max(self.ends[-1], tick + window)
            else:
                self.starts.append(tick - window)
                self.ends.append(tick + window)

    def free_from(self, tick: int) -> int:
        """`tick` if no post is closer to it than the window, else the first tick after that is."""
        index = bisect_left(self.starts, tick) - 1  # the last interval starting before `tick`
        if index >= 0 and tick < self.ends[index]:
            return self.ends[index]
        return tick

    def add(self, tick: int) -> None:
        start, end = tick - self.window, tick + self.window
        low = bisect_right(self.ends, start)  # the first interval ending after `start`
        high = bisect_left(self.starts, end)  # the first interval starting at or after `end`
        if low < high:
            start, end = min(start, self.starts[low]), max(end, self.ends[high - 1])
        self.starts[low:high] = [start]
        self.ends[low:high] = [end]


def _minutes(delta: dt.timedelta) -> str:
    minutes = round(abs(delta).total_seconds() / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def plan(
    requests: Sequence[Request],
    *,
    rules: Mapping[str, SlotRule] | SlotRule,
    holidays: Holidays,
    start: dt.datetime,
    min_gap: dt.timedelta = dt.timedelta(hours=2),
    stagger: dt.timedelta = dt.timedelta(0),
    taken: Mapping[str, Sequence[dt.datetime]] | None = None,
) -> dict[str, dt.datetime]:
    """Publish times (aware, UTC) for `requests`, keyed by `Request.key`; see the module docstring.

    `rules` is one rule for every account or a rule per account; `taken` holds the times already
    queued per account. Raises ValueError for invalid arguments and PlanningError when an account has
    no rule or no free slot exists within HORIZON.

    Speed: each account's posts are kept as merged blocked intervals, and for each (rule, account,
    stagger offset) the planner remembers the slot before which everything is taken (posts are only
    ever added, so that stays true); the next item of the same accounts starts its search there.
    Planning n items is then about n log n, not n² (benchmarks/bench_planner.py).
    """
    start = _aware(start, "start")
    if min_gap < dt.timedelta(0) or stagger < dt.timedelta(0):
        raise ValueError(f"min_gap and stagger must not be negative, got {min_gap} and {stagger}")
    keys = [request.key for request in requests]
    if len(set(keys)) != len(keys):
        repeated = sorted(key for key, count in Counter(keys).items() if count > 1)
        raise ValueError(f"request keys must be unique; repeated: {', '.join(repeated)}")
    pairs = [(request.item, request.account) for request in requests]
    if len(set(pairs)) != len(pairs):
        raise ValueError("an item may have only one request per account")
    window = max(min_gap // _MICROSECOND, 1)  # a gap of 0 still keeps posts apart by an instant
    busy: dict[str, _Busy] = {
        account: _Busy(window, [_tick(_aware(t, f"taken time of {account!r}")) for t in times])
        for account, times in (taken or {}).items()
    }

    def busy_of(account: str) -> _Busy:
        if account not in busy:
            busy[account] = _Busy(window)
        return busy[account]

    result: dict[str, dt.datetime] = {}
    items: dict[str, list[Request]] = {}
    for request in requests:
        items.setdefault(request.item, [])
        if request.at is not None:
            result[request.key] = _aware(request.at, f"explicit time of request {request.key!r}")
            busy_of(request.account).add(_tick(result[request.key]))
        else:
            items[request.item].append(request)
    sources: dict[SlotRule, _Slots] = {}

    def slots_of(account: str) -> _Slots:
        rule = rules if isinstance(rules, SlotRule) else rules.get(account)
        if rule is None:
            raise PlanningError(f"no posting slots for account {account!r}; add slots for it")
        if rule not in sources:
            sources[rule] = _Slots(rule, start, holidays)
        return sources[rule]

    # (slots, account, offset) → a slot before which no slot is free for the account at that offset;
    # (slots, ((account, offset), …)) → the same for an item's accounts together
    first_tick, step = _tick(start), stagger // _MICROSECOND
    cursors: dict[tuple[_Slots, str, int], int] = {}
    groups: dict[tuple[_Slots, tuple[tuple[str, int], ...]], int] = {}

    def earliest(slots: _Slots, account: str, offset: int, tick: int) -> int | None:
        """The first slot at or after `tick` at which `account` is free at slot + offset."""
        key = (slots, account, offset)
        cursor = cursors.get(key, first_tick)
        remember = tick <= cursor
        slot = slots.at_or_after(tick if tick > cursor else cursor)
        free_from = busy_of(account).free_from
        while slot is not None:
            free = free_from(slot + offset)
            if free == slot + offset:
                break
            slot = slots.at_or_after(free - offset)
        if remember and slot is not None:
            cursors[key] = slot
        return slot

    def no_slot(account: str, planned: int) -> PlanningError:
        rule = slots_of(account).rule
        total = sum(1 for group in items.values() if group)
        return PlanningError(
            f"no free posting slot for {account} within {HORIZON.days} days of "
            f"{start.astimezone(rule.zone).isoformat(' ', 'minutes')} "
            f"(slots {rule.spec} in {rule.timezone}, posts at least {_minutes(min_gap)} apart): "
            f"{planned:,} of {total:,} item{'s' if total != 1 else ''} planned; add slots (SCHEDULER_SLOTS)"
            + (", remove blackout days (SCHEDULER_BLACKOUT_DATES)" if holidays.blackout else "")
            + " or reduce the gap (SCHEDULER_MIN_GAP_MINUTES)"
        )

    for planned, group in enumerate(group for group in items.values() if group):
        first = slots_of(group[0].account)
        members = tuple(
            (request.account, k * step) for k, request in enumerate(group) if slots_of(request.account) is first
        )
        together = (first, members)  # no slot before groups[together] is free for all of them
        tick = groups.get(together, first_tick)
        while True:  # the earliest slot free for every member: each turn moves `tick` forward
            found = []
            for account, offset in members:
                slot = earliest(first, account, offset, tick)
                if slot is None:
                    raise no_slot(account, planned)
                found.append(slot)
            tick = max(found)
            if min(found) == tick:
                break
        groups[together] = tick
        for k, request in enumerate(group):
            own = slots_of(request.account)
            at = tick + k * step
            if own is not first:  # the account's own rule: its first free slot from there
                moved = earliest(own, request.account, 0, at)
                if moved is None:
                    raise no_slot(request.account, planned)
                at = moved
            result[request.key] = _moment(at)
            busy_of(request.account).add(at)
    return {key: result[key] for key in keys}
