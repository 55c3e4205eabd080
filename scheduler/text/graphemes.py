"""Grapheme clusters (what a reader sees as one character), via the `regex` module's `\\X`."""

from __future__ import annotations

import re

import regex

_GRAPHEME = regex.compile(r"\X")
#: A cluster that renders as an emoji: a pictographic base, a flag (two regional indicators) or a keycap.
_EMOJI_CLUSTER = regex.compile(r"\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20e3")
# Characters that can join a neighbour into one cluster (UAX #29 break properties other than
# "Other", "Control" and "LF"). A text without any of them has one cluster per code point.
_JOINING = regex.compile(
    r"[\r\p{GCB=Extend}\p{GCB=ZWJ}\p{GCB=Regional_Indicator}\p{GCB=Prepend}\p{GCB=SpacingMark}"
    r"\p{GCB=L}\p{GCB=V}\p{GCB=T}\p{GCB=LV}\p{GCB=LVT}]"
)

#: Every character outside this class is one `_JOINING` cannot match (the tests check all of Unicode):
#: ASCII but CR, Latin, IPA, general punctuation („“–…) and currency signs. The standard `re` engine
#: scans for it about ten times faster than `regex` scans for `_JOINING`.
_MAYBE_JOINING = re.compile(r"[^\x00-\x0c\x0e-\u02ff\u2000-\u200b\u200e-\u206f\u20a0-\u20c0]")


def graphemes(text: str) -> list[str]:
    """The extended grapheme clusters of `text`."""
    return _GRAPHEME.findall(text)


def grapheme_count(text: str) -> int:
    """Number of extended grapheme clusters; text where no character can join another (most
    Latin text, umlauts included) takes a fast path."""
    if _MAYBE_JOINING.search(text) is None or _JOINING.search(text) is None:
        return len(text)
    return len(_GRAPHEME.findall(text))


def grapheme_boundaries(text: str) -> list[int]:
    """Offsets (str indices) at which a grapheme cluster starts, plus len(text)."""
    return [match.start() for match in _GRAPHEME.finditer(text)] + [len(text)]


def emoji_clusters(text: str) -> list[str]:
    """The grapheme clusters of `text` that are emoji."""
    if _EMOJI_CLUSTER.search(text) is None:
        return []
    return [cluster for cluster in _GRAPHEME.findall(text) if _EMOJI_CLUSTER.search(cluster)]


def is_emoji(cluster: str) -> bool:
    """True when a grapheme cluster is an emoji (incl. ZWJ sequences, flags, keycaps)."""
    return _EMOJI_CLUSTER.search(cluster) is not None


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units, as Java and JavaScript count `String.length`."""
    return len(text.encode("utf-16-le")) // 2
