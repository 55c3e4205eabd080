"""A day named in an address (`/calendar?day=2030-01-09`, `/queue?day=…`): an ISO date within the
years a post can have (`exchange.YEARS`, 1970 to 2999). A day outside them (year 1, year 9999) would
overflow the arithmetic on its times, so it is treated like an unreadable one."""

from __future__ import annotations

import datetime as dt

from scheduler.exchange import YEARS

__all__ = ["YEARS", "read_day"]


def read_day(value: str | None) -> dt.date | None:
    """The day `value` names, or None: none given, not a date, or outside `YEARS`."""
    try:
        day = dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None
    if day is None or not YEARS[0] <= day.year <= YEARS[1]:
        return None
    return day
