"""Reading a newsletter file into text: encodings, binary files, empty files."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from scheduler.errors import InputError

_SAMPLE = 8192


def _looks_binary(data: bytes) -> bool:
    return b"\x00" in data[:_SAMPLE]


def _control_ratio(text: str) -> float:
    sample = text[:_SAMPLE]
    controls = sum(1 for ch in sample if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f")
    return controls / max(len(sample), 1)


def decode(data: bytes, source: str) -> str:
    """Decode UTF-8 (with or without BOM) or UTF-16 with BOM; otherwise Windows-1252/Latin-1.

    Western European text saved by older tools is cp1252 or latin-1; both decode every German
    character. Content that is still full of control characters is rejected as binary.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16")
    elif _looks_binary(data):
        raise InputError(f"{source}: not a text file (binary content); export the newsletter as text, HTML or Markdown")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:
                text = data.decode("latin-1")
    if _control_ratio(text) > 0.01:
        raise InputError(f"{source}: not a text file (binary content); export the newsletter as text, HTML or Markdown")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_text(path: Path) -> str:
    """The text of a newsletter file, or `InputError` naming what is wrong and what to do."""
    try:
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
