"""Importing newsletter issues: files and folders → `Issue`s (pure functions, no settings)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from scheduler.errors import InputError
from scheduler.models import Issue
from scheduler.newsletter import plaintext
from scheduler.newsletter.options import load_options
from scheduler.newsletter.reading import read_text

#: File suffixes we can import, and the reader for each.
READERS = {".txt": plaintext.parse, ".text": plaintext.parse}


def issue_files(paths: Sequence[Path]) -> list[Path]:
    """Expand folders into the newsletter files in them (sorted); check that each path exists."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in READERS)
            if not found:
                raise InputError(f"{path}: no newsletter files in this folder (looked for {', '.join(READERS)})")
            files.extend(found)
        elif not path.exists():
            raise InputError(f"{path}: no such file or folder; check the path")
        elif path.suffix.lower() not in READERS:
            raise InputError(f"{path}: unsupported file type {path.suffix or '(none)'!r}; use {', '.join(READERS)}")
        else:
            files.append(path)
    return files


def load_issue(path: Path, *, languages: Sequence[str] = ("de", "en")) -> Issue:
    """Read and split one newsletter file, with its options file if there is one."""
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise InputError(f"{path}: unsupported file type {path.suffix or '(none)'!r}; use {', '.join(READERS)}")
    text = read_text(path)
    return reader(text, source=str(path), languages=languages, options=load_options(path), file_name=path.name)
