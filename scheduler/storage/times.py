"""How a time is stored in SQLite: the UTC instant as text, `2030-01-07 08:00:00.000000` (the
format SQLAlchemy's SQLite dialect used when the first databases were written). Text of this one
width compares in time order, so SQL compares stored times as strings.

`schema.UTCDateTime` writes and reads SQLite times through these two functions, and so does the
fast read path (sqlite_read.py); PostgreSQL keeps `timestamptz` and needs neither.
"""

from __future__ import annotations

import datetime as dt


def stored(moment: dt.datetime) -> str:
    """The stored text of an aware datetime (converted to UTC)."""
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment.isoformat()}: times must carry a time zone")
    return moment.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def instant(text: str | None) -> dt.datetime | None:
    """The aware UTC datetime of stored text (None stays None)."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC) if text else None
