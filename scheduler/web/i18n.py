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
import re
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
    """The compiled catalogue of `locale`. English is the texts as written, except the core's
    messages that the dashboard words differently (the `en` catalogue holds only those)."""
    source = _FOLDER / locale / "LC_MESSAGES" / "messages.po"
    if not source.exists():
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


class _Later(dict[str, object]):
    """Values for `%` that leave a placeholder they do not have as it is, for a later `%`."""

    def __missing__(self, key: str) -> str:
        return f"%({key})s"


def ngettext(singular: str, plural: str, num: int, **values: object) -> str:
    """The form for `num` in the request's language; `%(num)d` and `values` put in. (Jinja's
    `ngettext` calls this with `num` only and puts the template's other values in afterwards, so
    those are left as they are here.)"""
    text = translations(locale()).ngettext(singular, plural, num)
    return text % _Later({"num": num, **values})


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


def day_long(day: dt.date, locale: str) -> str:
    """A date in words: `13. Dezember 2024`, `13 December 2024`."""
    pattern = "d. MMMM y" if locale == "de" else "d MMMM y"  # English as `when` writes it: day first
    return format_date(day, pattern, locale=Locale.parse(locale))


def state_name(state: str) -> str:
    """A post's state as readers say it: German from the catalogue, English as words ("needs
    attention", not the stored "needs_attention")."""
    return gettext(str(state)).replace("_", " ")


# -- the core's messages ------------------------------------------------------------------------

_SLOT = re.compile(r"\{(\w+)\}")


@functools.cache
def _patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    """A pattern for each of the core's messages (`corewords.TEMPLATES`), most specific first: a
    `{name}` slot matches any text, named so that the translation can put it where its language
    wants it."""
    from scheduler.web.corewords import TEMPLATES

    def pattern(template: str) -> re.Pattern[str]:
        parts, seen, end = [], set(), 0
        for slot in _SLOT.finditer(template):
            parts.append(re.escape(template[end : slot.start()]))
            name = slot.group(1)
            parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>.*?)")
            seen.add(name)
            end = slot.end()
        parts.append(re.escape(template[end:]))
        return re.compile("".join(parts), re.DOTALL)

    ordered = sorted(TEMPLATES, key=lambda template: -len(_SLOT.sub("", template)))
    return tuple((pattern(template), template) for template in ordered)


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?([+-]\d{2}:\d{2}|Z)")


def _moment(text: str) -> str | None:
    """A day or a time the core wrote as ISO 8601, as the reader's locale writes it (a time in the
    team's time zone with its offset); None for any other text."""
    from flask import g, has_request_context

    if _ISO_DAY.fullmatch(text):
        try:
            return day_long(dt.date.fromisoformat(text), locale())
        except ValueError:
            return None
    if _ISO_MOMENT.fullmatch(text):
        timezone = g.get("timezone", "UTC") if has_request_context() else "UTC"
        return when(dt.datetime.fromisoformat(text), locale(), timezone)
    return None


def _part(value: str) -> str:
    """A part of a core message in the reader's words: a platform by its name ("Mastodon", not the
    settings' "mastodon"), an account as the pages name it ("Mastodon", "Mastodon · presse", not
    "mastodon:default"), anything else as `say` says it."""
    from scheduler.platforms import registry
    from scheduler.queueing import DEFAULT_ACCOUNT

    if value in registry.NAMES:
        return registry.get(value).title
    platform, colon, account = value.partition(":")
    if colon and platform in registry.NAMES and account and " " not in account and "/" not in account:
        title = registry.get(platform).title
        return title if account == DEFAULT_ACCOUNT else f"{title} · {account}"
    return say(value)


def say(message: str | BaseException) -> str:
    """A message of the core (an error, a warning, a history entry: English, written for the
    command line) in the request's language: the catalogue's wording of the template it was made
    from, with the parts it was made of put in — themselves said in that language when they are
    the core's words too ("pasted text"). A message from no known template is shown as it is."""
    text = str(message)
    if not text.strip():
        return text
    moment = _moment(text)
    if moment is not None:
        return moment
    catalogue = translations(locale())
    exact = catalogue.gettext(text)
    if exact != text:
        return exact
    for pattern, template in _patterns():
        found = pattern.fullmatch(text)
        if found is not None:
            values = {name: _part(value) for name, value in found.groupdict().items()}
            return catalogue.gettext(template).format(**values)
    return text
