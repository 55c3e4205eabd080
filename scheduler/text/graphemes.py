"""Grapheme clusters (what a reader sees as one character), via the `regex` module's `\\X`."""

from __future__ import annotations

import regex

_GRAPHEME = regex.compile(r"\X")
#: A cluster that renders as an emoji: a pictographic base, a flag (two regional indicators) or a keycap.
_EMOJI_CLUSTER = regex.compile(r"\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20e3")
_ASCII_PRINTABLE = regex.compile(r"[\x20-\x7e\n\t]*")


def graphemes(text: str) -> list[str]:
    """The extended grapheme clusters of `text`."""
    return _GRAPHEME.findall(text)


def grapheme_count(text: str) -> int:
    """Number of extended grapheme clusters; plain ASCII takes a fast path."""
    if _ASCII_PRINTABLE.fullmatch(text):
        return len(text)
    return len(_GRAPHEME.findall(text))


def grapheme_boundaries(text: str) -> list[int]:
    """Offsets (str indices) at which a grapheme cluster starts, plus len(text)."""
    return [match.start() for match in _GRAPHEME.finditer(text)] + [len(text)]


def is_emoji(cluster: str) -> bool:
    """True when a grapheme cluster is an emoji (incl. ZWJ sequences, flags, keycaps)."""
    return _EMOJI_CLUSTER.search(cluster) is not None


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units, as Java and JavaScript count `String.length`."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)
