"""Wording shared by every message: counts with their noun ("1 post", "2 posts")."""

from __future__ import annotations


def plural(count: int, noun: str, plural_form: str | None = None) -> str:
    """`1 post`, `2 posts`, `0 posts` (`plural_form` for nouns that do not just add an s)."""
    return f"{count} {noun if count == 1 else plural_form or noun + 's'}"


def seconds(value: float) -> str:
    """A duration for a log line: `0.5`, `2`, `4.1`, `75` (whole seconds from 10 on)."""
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}".removesuffix(".0")
