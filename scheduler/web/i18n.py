"""The dashboard in German and English: Babel message catalogues and dates in the reader's locale.

The catalogues are `translations/<locale>/LC_MESSAGES/messages.po`, extracted from the templates and
views with `pybabel extract -F scheduler/web/babel.cfg -o messages.pot scheduler/web` and updated
with `pybabel update`. They are compiled in memory when first used (no binary `.mo` files in the
repository); English is the language the templates are written in.

The locale of a request is the one its browser prefers among these (Accept-Language), or a choice
the reader made (`?lang=de`, kept in the session); dates and times are shown in the team's time
zone (SCHEDULER_TIMEZONE) with their offset, formatted for the locale.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.core import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALES = ("de", "en")
DEFAULT = "de"  # our first users are German; a browser asking for English gets English
_FOLDER = Path(__file__).with_name("translations")


@functools.cache
def translations(locale: str) -> NullTranslations:
    """The compiled catalogue of `locale` (English: the texts as written)."""
    source = _FOLDER / locale / "LC_MESSAGES" / "messages.po"
    if locale == "en" or not source.exists():
        return NullTranslations()
    with source.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def locale() -> str:
    """The locale of the request being served (German outside a request)."""
    from flask import g, has_request_context

    chosen: str = getattr(g, "locale", DEFAULT) if has_request_context() else DEFAULT
    return chosen


def gettext(message: str, **values: object) -> str:
    """`message` in the request's language, with `values` put in (`%(name)s`)."""
    text = translations(locale()).gettext(message)
    return text % values if values else text


def ngettext(singular: str, plural: str, num: int, **values: object) -> str:
    """The form for `num` in the request's language; `%(num)d` and `values` put in."""
    text = translations(locale()).ngettext(singular, plural, num)
    return text % {"num": num, **values}


def choose(accepted: list[tuple[str, float]], chosen: str | None) -> str:
    """The locale of a request: the reader's choice, else the best of the browser's languages we
    have, else German."""
    if chosen in LOCALES:
        return chosen
    for language, _quality in sorted(accepted, key=lambda pair: -pair[1]):
        base = language.split("-")[0].split("_")[0].lower()
        if base in LOCALES:
            return base
    return DEFAULT


def when(moment: dt.datetime | None, locale: str, timezone: str) -> str:
    """`moment` in the team's time zone, formatted for `locale`, with its UTC offset."""
    if moment is None:
        return ""
    local = moment.astimezone(ZoneInfo(timezone))
    pattern = "EEE d. MMM y, HH:mm xxx" if locale == "de" else "EEE d MMM y, HH:mm xxx"
    return format_datetime(local, pattern, locale=Locale.parse(locale))


def day_name(day: dt.date, locale: str) -> str:
    """A calendar day's heading: weekday and date, for `locale`."""
    pattern = "EEE d. MMM" if locale == "de" else "EEE d MMM"
    return format_date(day, pattern, locale=Locale.parse(locale))


def state_name(state: str) -> str:
    """A post's state as readers say it: German from the catalogue, English as words ("needs
    attention", not the stored "needs_attention")."""
    return gettext(str(state)).replace("_", " ")
