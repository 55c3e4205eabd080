"""Publish-time planning: spread an issue's posts over posting slots. Pure functions: no I/O, no
settings, no clock (the caller passes `start`).

    rule = parse_slots("mon-fri 09:00,12:30", "Europe/Berlin")   # → SlotRule
    times = plan(requests, rules=rule, holidays=Holidays("DE", "NW"), start=now,
                 min_gap=dt.timedelta(hours=2), stagger=dt.timedelta(0), taken={account: [...]})
    # → {request key: aware UTC datetime}

`slots_after(rule, start, holidays)` yields a rule's slots as UTC instants. A slot is a local wall
time on a rule weekday that is not a public holiday (`holidays` package, by country and region).

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
yielded once; a day is never skipped because of a transition.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, insort
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from heapq import heappop, heappush
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scheduler.errors import ConfigError

__all__ = ["HORIZON", "Holidays", "PlanningError", "Request", "SlotRule", "parse_slots", "plan", "slots_after"]

UTC = dt.timezone.utc
#: How far past `start` a free slot is searched for before giving up.
HORIZON = dt.timedelta(days=731)
_EXAMPLE = "expected e.g. 'mon-fri 09:00,12:30'"
_DAYS = ("mon monday mo montag", "tue tuesday di dienstag", "wed wednesday mi mittwoch",
         "thu thursday do donnerstag", "fri friday fr freitag", "sat saturday sa samstag", "sun sunday so sonntag")
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
            days = sorted(self.weekdays)
            raise PlanningError(f"slot weekdays {days} must be a non-empty set of 0 (Monday) to 6 (Sunday)")
        if not self.times or any(t.tzinfo is not None for t in self.times):
            shown = [t.isoformat() for t in self.times]
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
        if len(ends) > 2 or None in ends:
            raise PlanningError(f"slots {spec!r}: {piece.strip()!r} is not a day or day range; {_EXAMPLE}")
        first, last = ends[0], ends[-1]
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


@dataclass(frozen=True, slots=True)
class Holidays:
    """Public holidays of a country (ISO code) and optionally one of its regions (subdivision)."""

    country: str = "DE"
    region: str | None = None
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

    def __contains__(self, day: object) -> bool:
        if not isinstance(day, dt.date):
            return False
        if isinstance(day, dt.datetime):
            day = day.date()
        if day.year not in self._years:
            import holidays as holidays_package

            days = holidays_package.country_holidays(self.country, subdiv=self.region, years=day.year)
            self._years[day.year] = frozenset(days)
        return day in self._years[day.year]


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


class _Slots:
    """A rule's slots from `start`, generated once and searched by bisection."""

    def __init__(self, rule: SlotRule, start: dt.datetime, holidays: Holidays) -> None:
        self.rule = rule
        self._source = slots_after(rule, start, holidays)
        self._slots: list[dt.datetime] = []

    def at_or_after(self, moment: dt.datetime) -> dt.datetime | None:
        while not self._slots or self._slots[-1] < moment:
            slot = next(self._source, None)
            if slot is None:
                break
            self._slots.append(slot)
        index = bisect_left(self._slots, moment)
        return self._slots[index] if index < len(self._slots) else None


def _clash(busy: list[dt.datetime], moment: dt.datetime, window: dt.timedelta) -> dt.datetime | None:
    """None if no post in `busy` (sorted) is closer to `moment` than `window`; else the last post of
    the run of clashing posts that lie too close together to leave a free moment between them."""
    index = bisect_left(busy, moment - window + dt.timedelta(microseconds=1))
    if index == len(busy) or busy[index] >= moment + window:
        return None
    while index + 1 < len(busy) and busy[index + 1] - busy[index] < 2 * window:  # no room between them
        index += 1
    return busy[index]


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
    """
    origin, start = start, _aware(start, "start")
    if min_gap < dt.timedelta(0) or stagger < dt.timedelta(0):
        raise ValueError(f"min_gap and stagger must not be negative, got {min_gap} and {stagger}")
    keys = [request.key for request in requests]
    if len(set(keys)) != len(keys):
        raise ValueError(f"request keys must be unique; repeated: {sorted({k for k in keys if keys.count(k) > 1})}")
    pairs = [(request.item, request.account) for request in requests]
    if len(set(pairs)) != len(pairs):
        raise ValueError("an item may have only one request per account")
    window = max(min_gap, dt.timedelta(microseconds=1))  # a gap of 0 still keeps posts apart by an instant
    busy: dict[str, list[dt.datetime]] = {}
    for account, times in (taken or {}).items():
        busy[account] = sorted(_aware(t, f"taken time of {account!r}") for t in times)
    result: dict[str, dt.datetime] = {}
    items: dict[str, list[Request]] = {}
    for request in requests:
        items.setdefault(request.item, [])
        if request.at is not None:
            result[request.key] = _aware(request.at, f"explicit time of request {request.key!r}")
            insort(busy.setdefault(request.account, []), result[request.key])
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

    def no_slot(item: str, account: str) -> PlanningError:
        return PlanningError(
            f"no free posting slot within {HORIZON.days} days of {origin.isoformat(' ', 'minutes')} for item "
            f"{item!r} on account {account!r} ({slots_of(account).rule!r}); add slots or reduce the gap"
        )

    for item, group in items.items():
        if not group:
            continue
        first = slots_of(group[0].account)
        same = [(k, r) for k, r in enumerate(group) if slots_of(r.account) is first]
        moment = start
        while True:  # each turn moves `moment` past a clash, so this ends within HORIZON
            slot = first.at_or_after(moment)
            if slot is None:
                raise no_slot(item, group[0].account)
            clashes = [(k, c) for k, r in same if (c := _clash(busy.get(r.account, []), slot + k * stagger, window))]
            if not clashes:
                break
            moment = max(c + window - k * stagger for k, c in clashes)
        for k, request in enumerate(group):
            own = slots_of(request.account)
            at: dt.datetime | None = slot + k * stagger
            if own is not first:
                at = own.at_or_after(at)
                while at is not None and (c := _clash(busy.get(request.account, []), at, window)):
                    at = own.at_or_after(c + window)
                if at is None:
                    raise no_slot(item, request.account)
            result[request.key] = at
            insort(busy.setdefault(request.account, []), at)
    return {key: result[key] for key in keys}
