"""The two settings `scheduler queue list` needs, read without pydantic.

`queue list` is what staff run most, and importing pydantic-settings costs more than half of its
200 ms budget. This reads SCHEDULER_DATABASE_URL and SCHEDULER_TIMEZONE with the precedence of
`scheduler.config.Settings` (environment, then `.env` in the working folder, then the default; names
case-insensitive) and answers None whenever it is not sure (an unknown time zone, an unreadable
.env), so that the caller falls back to `load_settings()`, which reports the problem in full.
`tests/test_quicksettings.py` keeps both readings in step.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

#: The defaults of `Settings.database_url` and `Settings.timezone` (a test checks they agree).
DEFAULTS = {"database_url": "sqlite:///scheduler.sqlite3", "timezone": "Europe/Berlin"}


@dataclass(frozen=True, slots=True)
class ListingSettings:
    database_url: str
    timezone: str


def listing_settings(environ: Mapping[str, str] | None = None, folder: Path | None = None) -> ListingSettings | None:
    """The database URL and time zone, or None when only the full settings can tell."""
    environ = os.environ if environ is None else environ
    dotenv_file = (folder or Path.cwd()) / ".env"
    from_file: dict[str, str] = {}
    if dotenv_file.is_file():
        from dotenv import dotenv_values  # what pydantic-settings reads .env with

        try:
            values = dotenv_values(dotenv_file, encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        from_file = {name.lower(): value for name, value in values.items() if value is not None}
    from_env = {name.lower(): value for name, value in environ.items() if name[:10].upper() == "SCHEDULER_"}
    found = {}
    for field, default in DEFAULTS.items():
        name = f"scheduler_{field}"
        found[field] = from_env.get(name, from_file.get(name, default))
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(found["timezone"])
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return ListingSettings(**found)
