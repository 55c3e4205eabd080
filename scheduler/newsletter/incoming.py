"""What every reader does first and last: refuse input above the byte cap before parsing it (the
one check and message, also for a file before it is read), turn bytes into text, and clean the
text and addresses they hand on. (HTML finds its charset its own way: `html_input.decode`.)

Pure functions, no third-party libraries: every reader imports this, whichever format it reads.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
import time
import unicodedata
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from scheduler.errors import InputError
from scheduler.newsletter.reading import Limits, decode

#: The byte cap when the caller names none (SCHEDULER_MAX_ISSUE_BYTES' default).
MAX_BYTES = Limits().max_bytes

#: Seconds one read of one input may take: its reader and its split into items together.
TIME_LIMIT = 10.0
#: Characters that take no room and carry nothing a post needs: zero-width space and joiners, word
#: joiner, byte order mark, soft hyphen.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_SCHEMES = ("http", "https", "mailto")


def _size(count: int) -> str:
    return f"{count / 1_000_000:.1f} MB" if count >= 1_000_000 else f"{count:,} bytes"


def check_size(data: bytes | str, max_bytes: int | None, *, what: str) -> None:
    """`InputError` naming SCHEDULER_MAX_ISSUE_BYTES when `data` has more than `max_bytes` bytes
    (text counted as UTF-8), before anything parses it; None: no cap."""
    if max_bytes is None:
        return
    size = len(data) if isinstance(data, bytes) or len(data) > max_bytes else len(data.encode("utf-8", "replace"))
    check_count(size, max_bytes, what=what)


def check_count(size: int, max_bytes: int | None, *, what: str) -> None:
    """`InputError` naming SCHEDULER_MAX_ISSUE_BYTES when `size` bytes are more than `max_bytes`
    (a file's size before it is read); None: no cap."""
    if max_bytes is not None and size > max_bytes:
        shown, cap = _size(size), _size(max_bytes)
        if shown == cap:  # 5.0 MB is more than 5.0 MB: say it in bytes
            shown, cap = f"{size:,} bytes", f"{max_bytes:,} bytes"
        raise InputError(
            f"{what}: {shown} is more than the {cap} a newsletter issue may have "
            "(SCHEDULER_MAX_ISSUE_BYTES); split it into several issues or raise the setting"
        )


@dataclass(frozen=True, slots=True)
class Deadline:
    """When the read of one input must be done (the monotonic clock): one for the reader and
    `itemize` together, looked at between blocks and every few hundred elements, so that no input
    (markup-dense text, a huge tree) keeps a read going without end."""

    at: float
    seconds: float

    @classmethod
    def start(cls, seconds: float | None = None) -> Deadline:
        """A deadline `seconds` (else `TIME_LIMIT`) from now."""
        seconds = TIME_LIMIT if seconds is None else seconds
        return cls(time.monotonic() + seconds, seconds)

    def check(self, what: str) -> None:
        """`InputError` with one line when the time is up."""
        if time.monotonic() > self.at:
            raise InputError(
                f"{what}: reading took longer than {self.seconds:g} s (markup this dense is no newsletter); "
                "check the file"
            )


def known_charset(name: str | None) -> str | None:
    """`name` when Python knows the encoding (`"latin1"`, `"UTF-8"`), else None."""
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().strip("\"'")).name
    except (LookupError, ValueError):
        return None


def as_text(data: bytes | str, *, what: str, charset: str | None = None) -> str:
    """`data` as text: a str as it is; bytes in their declared `charset` (undecodable bytes replaced),
    else as `scheduler.newsletter.reading.decode` reads a file (UTF-8, UTF-16 with BOM, a stray
    Windows-1252 byte, Windows-1252; binary content refused). Line ends become `\\n`."""
    if isinstance(data, str):
        return data.replace("\r\n", "\n").replace("\r", "\n")
    declared = known_charset(charset)
    if declared and not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        text = data.decode(declared, errors="replace")
        return text.replace("\r\n", "\n").replace("\r", "\n")
    return decode(data, what)


def clean(text: str) -> str:
    """One line of text as a reader hands it on: Unicode composed (NFC), invisible characters
    dropped, every run of white space (no-break spaces and line breaks too) one space."""
    return " ".join(unicodedata.normalize("NFC", text).translate(_INVISIBLE).split())


def absolute(url: str, base: str = "") -> str:
    """`url` resolved against `base` (the document's own address); "" for an address no reader
    should follow (`javascript:`, `data:`), and for an empty one. A relative address stays
    relative when there is no base."""
    url = clean(url)
    if not url:
        return ""
    scheme = urlsplit(url).scheme.lower() if re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", url) else ""
    if scheme and scheme not in _SCHEMES:
        return ""
    if scheme or not base:
        return url
    try:
        return urljoin(base, url)
    except ValueError:  # a base with a malformed IPv6 host, say
        return url


def language_code(value: object) -> str:
    """`"de-DE"`, `"en_GB"`, `"DE"` → `"de"`, `"en"`; "" for anything else."""
    if not isinstance(value, str):
        return ""
    code = re.split(r"[-_]", value.strip(), maxsplit=1)[0].lower()
    return code if re.fullmatch(r"[a-z]{2,3}", code) else ""


def date_of(value: object) -> dt.date | None:
    """A date from what a front matter or a header gives: a date, a datetime (its own calendar
    day), or text starting with an ISO date (`2024-12-13`, `2024-12-13T09:00:00+01:00`)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        match = re.match(r"\s*(\d{4})-(\d{2})-(\d{2})", value)
        if match:
            try:
                return dt.date(int(match[1]), int(match[2]), int(match[3]))
            except ValueError:
                return None
    return None
