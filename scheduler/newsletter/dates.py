"""Dates as newsletters write them: `13.12.2024`, `2024-12-13`, `13. Dezember 2024`, `Dec 13, 2024`,
`13 December 2024`, with or without a weekday before them, and the lines of a list of dates."""

from __future__ import annotations

import datetime as dt
import re

_MONTHS = {
    **dict.fromkeys(("januar", "jänner", "january", "jan"), 1),
    **dict.fromkeys(("februar", "feber", "february", "feb", "febr"), 2),
    **dict.fromkeys(("märz", "maerz", "march", "mär", "mar", "mrz"), 3),
    **dict.fromkeys(("april", "apr"), 4),
    **dict.fromkeys(("mai", "may"), 5),
    **dict.fromkeys(("juni", "june", "jun"), 6),
    **dict.fromkeys(("juli", "july", "jul"), 7),
    **dict.fromkeys(("august", "aug"), 8),
    **dict.fromkeys(("september", "sept", "sep"), 9),
    **dict.fromkeys(("oktober", "october", "okt", "oct"), 10),
    **dict.fromkeys(("november", "nov"), 11),
    **dict.fromkeys(("dezember", "december", "dez", "dec"), 12),
}
_MONTH = "(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_WEEKDAY = (
    r"(?:(?:montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonnabend|sonntag|monday|tuesday|wednesday"
    r"|thursday|friday|saturday|sunday|mo|di|mi|do|fr|sa|so|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)\.?,?\s+)"
)
_RANGE = r"(?:\s*[-–—/]\s*\d{1,2}\.?)?"  # "12.–14.03.", "12-14 March"
DATE = re.compile(
    rf"{_WEEKDAY}?(?:"
    rf"(?P<d>\d{{1,2}})\.{_RANGE}\s?(?P<m>\d{{1,2}})\.(?:\s?(?P<y>\d{{4}}|\d{{2}})\b)?"
    rf"|(?P<iy>\d{{4}})-(?P<im>\d{{2}})-(?P<id>\d{{2}})\b"
    rf"|(?P<td>\d{{1,2}})\.?{_RANGE}\s*(?P<tm>{_MONTH})(?:\s*(?P<ty>\d{{4}}))?\b"
    rf"|(?P<em>{_MONTH})\s+(?P<ed>\d{{1,2}})(?:st|nd|rd|th)?{_RANGE}(?:,?\s*(?P<ey>\d{{4}}))?\b"
    rf"|(?P<sd>\d{{1,2}})/(?P<sm>\d{{1,2}})(?:/(?P<sy>\d{{4}}))?\b"
    r")",
    re.IGNORECASE,
)
#: A time or place that may follow a date on a line of its own: "10:00 Uhr", "| online".
_TIME = re.compile(
    r"^(?:[,|–—-]?\s*(?:\d{1,2}[:.]\d{2}|\d{1,2})\s*(?:[-–]\s*\d{1,2}[:.]\d{2}\s*)?(?:uhr|h|am|pm)?)*$", re.I
)


def _year(text: str | None) -> int | None:
    if not text:
        return None
    year = int(text)
    return year + 2000 if year < 100 else year


def _date(match: re.Match[str]) -> dt.date | None:
    """The date a match names, when it names a whole one (with a year)."""
    if match["d"]:
        day, month, year = int(match["d"]), int(match["m"]), _year(match["y"])
    elif match["iy"]:
        day, month, year = int(match["id"]), int(match["im"]), int(match["iy"])
    elif match["td"]:
        day, month, year = int(match["td"]), _MONTHS[match["tm"].rstrip(".").casefold()], _year(match["ty"])
    elif match["em"]:
        day, month, year = int(match["ed"]), _MONTHS[match["em"].rstrip(".").casefold()], _year(match["ey"])
    else:
        day, month, year = int(match["sd"]), int(match["sm"]), _year(match["sy"])
    if year is None:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


#: A label before a date on a line of its own: "Veröffentlicht am 14.02.2025", "Published: 3 March 2025".
_LABEL = re.compile(
    r"^(?:(?:veröffentlicht|erschienen|ausgabe|newsletter|stand|datum|published|posted|updated|sent|date)"
    r"(?:\s+(?:am|vom|on))?\s*:?|vom|am|on)\s+",
    re.IGNORECASE,
)


def leading_date(text: str) -> re.Match[str] | None:
    """The date that opens `text` (after a weekday), or None."""
    return DATE.match(text.strip(" \t•*-–|"))


def only_date(text: str) -> dt.date | None:
    """The date when `text` is a date and nothing else (a label may come before it, a time after
    it): `12. März 2025, 10 Uhr`, `Veröffentlicht am 14.02.2025`."""
    stripped = _LABEL.sub("", text.strip(" \t•*-–|"), count=1)
    match = DATE.match(stripped)
    if match is None or not _TIME.match(stripped[match.end() :].strip()):
        return None
    return _date(match)


def is_date_only(text: str) -> bool:
    stripped = _LABEL.sub("", text.strip(" \t•*-–|"), count=1)
    match = DATE.match(stripped)
    return match is not None and bool(_TIME.match(stripped[match.end() :].strip()))


def parse_date(match: re.Match[str]) -> dt.date | None:
    return _date(match)
