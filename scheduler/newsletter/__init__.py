"""Importing newsletter issues: files and folders → `Issue`s (pure functions, no settings)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

from scheduler.errors import ConfigError, InputError
from scheduler.models import Image, Issue, Item
from scheduler.newsletter import plaintext
from scheduler.newsletter.identity import unique_items
from scheduler.newsletter.options import check_sections, load_options, options_path
from scheduler.newsletter.reading import Limits, read_text
from scheduler.wording import plural

#: File suffixes we can import, and the reader for each.
__all__ = ["READERS", "Limits", "attach_images", "issue_files", "load_issue"]

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


def load_issue(path: Path, *, languages: Sequence[str] = ("de", "en"), limits: Limits = Limits()) -> Issue:
    """Read and split one newsletter file, with its options file if there is one. A file or an
    issue beyond `limits` is an `InputError` before the work that grows with it."""
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise InputError(f"{path}: unsupported file type {path.suffix or '(none)'!r}; use {', '.join(READERS)}")
    text = read_text(path, max_bytes=limits.max_bytes)
    issue = reader(
        text,
        source=str(path),
        languages=languages,
        options=load_options(path),
        file_name=path.name,
        max_items=limits.max_items,
    )
    check_sections(issue.options, {item.section for item in issue.items}, options_path(path))
    return attach_images(unique_items(issue), where=str(options_path(path)))


def _target(issue: Issue, item: int | str, where: str) -> int:
    """The index of the item an `[[images]]` entry names: its number, or the start of its title."""
    if isinstance(item, int):
        if item > len(issue.items):
            raise ConfigError(
                f"{where}: image for item {item}, but the issue has {plural(len(issue.items), 'item')}; "
                f"use a number from 1 to {len(issue.items)} (scheduler preview numbers them)"
            )
        return item - 1
    wanted = item.casefold()
    found = [index for index, entry in enumerate(issue.items) if entry.title.casefold().startswith(wanted)]
    if len(found) != 1:
        problem = "no item's title starts" if not found else f"{len(found)} items' titles start"
        raise ConfigError(f"{where}: {problem} with {item!r}; use the item's number or more of its title")
    return found[0]


def attach_images(issue: Issue, *, where: str) -> Issue:
    """The issue with each `[[images]]` entry of its options attached to the item it names."""
    if not issue.options.images:
        return issue
    chosen: dict[int, list[Image]] = {}
    for entry in issue.options.images:
        chosen.setdefault(_target(issue, entry.item, where), []).append(entry.image)
    items: list[Item] = [
        dataclasses.replace(item, images=item.images + tuple(chosen[index])) if index in chosen else item
        for index, item in enumerate(issue.items)
    ]
    return dataclasses.replace(issue, items=tuple(items))
