"""Wording shared by every message: counts with their noun ("1 post", "2 posts")."""

from __future__ import annotations


def plural(count: int, noun: str, plural_form: str | None = None) -> str:
    """`1 post`, `2 posts`, `0 posts` (`plural_form` for nouns that do not just add an s)."""
    return f"{count} {noun if count == 1 else plural_form or noun + 's'}"
