"""Reading a newsletter file into text: size limits, encodings, binary files, empty files."""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from scheduler.errors import InputError

log = logging.getLogger(__name__)

_SAMPLE = 8192
#: Undecodable bytes kept by `surrogateescape` as U+DC80..U+DCFF, one per byte.
_ESCAPED = re.compile("[\udc80-\udcff]")
#: Bad bytes named one by one in the warning; more are counted.
_SHOWN = 10


@dataclass(frozen=True, slots=True)
class Limits:
    """How much input one issue may be: checked before the work that grows with it (reading,
    sentence splitting, rendering, planning). SCHEDULER_MAX_ISSUE_BYTES and SCHEDULER_MAX_ITEMS."""

    max_bytes: int = 5_000_000
    max_items: int = 1000


def _looks_binary(data: bytes) -> bool:
    return b"\x00" in data[:_SAMPLE]


def _control_ratio(text: str) -> float:
    sample = text[:_SAMPLE]
    controls = sum(1 for ch in sample if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f")
    return controls / max(len(sample), 1)


def _as_cp1252(byte: int) -> str:
    try:
        return bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:  # 0x81, 0x8D, 0x8F, 0x90, 0x9D are not Windows-1252 either
        return "\ufffd"


def _mostly_utf8(data: bytes, source: str) -> str | None:
    """The text when `data` is UTF-8 but for a few bad bytes, else None.

    Windows-1252 text hardly ever contains a valid multi-byte UTF-8 sequence (that takes a letter
    such as Ã or ß followed by a symbol such as “ or ©), while every umlaut in it is an invalid one.
    So: UTF-8 when valid multi-byte sequences outnumber the bad bytes at least four to one. Each bad
    byte is read as the Windows-1252 character it most likely was (a stray "ä" pasted from an old
    program) and reported with its line and column."""
    text = data.decode("utf-8", errors="surrogateescape")
    bad = [match.start() for match in _ESCAPED.finditer(text)]
    multibyte = len(text) - len(text.encode("ascii", "ignore")) - len(bad)
    if not bad or multibyte < 4 * len(bad):
        return None
    places = []
    for index in bad[:_SHOWN]:
        line = text.count("\n", 0, index) + 1
        column = index - text.rfind("\n", 0, index)
        byte = ord(text[index]) - 0xDC00
        places.append((line, column, byte))
    if len(bad) == 1:
        line, column, byte = places[0]
        log.warning(
            "%s: line %d, column %d: byte 0x%02X is not UTF-8, read as %r (Windows-1252); "
            "check it there and save the file as UTF-8",
            source,
            line,
            column,
            byte,
            _as_cp1252(byte),
        )
    else:
        shown = ", ".join(
            f"line {line}, column {column} (0x{byte:02X} as {_as_cp1252(byte)!r})" for line, column, byte in places
        )
        more = f" and {len(bad) - _SHOWN} more" if len(bad) > _SHOWN else ""
        log.warning(
            "%s: %d bytes are not UTF-8, read as Windows-1252: %s%s; check them there and save the file as UTF-8",
            source,
            len(bad),
            shown,
            more,
        )
    return _ESCAPED.sub(lambda match: _as_cp1252(ord(match[0]) - 0xDC00), text)


def decode(data: bytes, source: str) -> str:
    """Decode UTF-8 (with or without BOM) or UTF-16 with BOM; UTF-8 with a few bad bytes (each
    reported in a warning); otherwise Windows-1252/Latin-1.

    Western European text saved by older tools is cp1252 or latin-1; both decode every German
    character. Content that is still full of control characters is rejected as binary.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16")
    elif _looks_binary(data):
        raise InputError(
            f"{source}: not a newsletter (binary content); give the issue as copied text (.txt), Markdown (.md), an HTML page or e-mail (.html), a saved e-mail (.eml) or a feed (.xml), or its web address"
        )
    else:
        body = data.removeprefix(b"\xef\xbb\xbf")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            mostly = _mostly_utf8(body, source)
            if mostly is not None:
                text = mostly
            else:
                try:
                    text = data.decode("cp1252")
                except UnicodeDecodeError:
                    text = data.decode("latin-1")
    if _control_ratio(text) > 0.01:
        raise InputError(
            f"{source}: not a newsletter (binary content); give the issue as copied text (.txt), Markdown (.md), an HTML page or e-mail (.html), a saved e-mail (.eml) or a feed (.xml), or its web address"
        )
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_text(path: Path, *, max_bytes: int | None = None) -> str:
    """The text of a newsletter file, or `InputError` naming what is wrong and what to do. A file
    larger than `max_bytes` is refused before it is read."""
    # imported here: incoming builds on this module (Limits, decode), and its check is the one
    from scheduler.newsletter.incoming import check_count

    try:
        check_count(path.stat().st_size, max_bytes, what=str(path))
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file or folder; check the path") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder; pass the files in it or the folder itself") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror}); check its permissions") from None
    if not data.strip():
        raise InputError(f"{path}: the file is empty; paste the newsletter's text into it")
    return decode(data, str(path))
