"""LinkedIn's "little text format" for post commentary.

The 15 reserved characters ``\\ | { } @ [ ] ( ) < > # * _ ~`` must be backslash-escaped wherever they
are meant literally; an unescaped one makes LinkedIn cut the published post at that character while
the API still answers 201. Hashtags become the template ``{hashtag|\\#|tag}``.
"""

from __future__ import annotations

from scheduler.text.entities import hashtag_spans

RESERVED = frozenset("\\|{}@[]()<>#*_~")
_ESCAPE_TABLE = str.maketrans({ch: "\\" + ch for ch in RESERVED})


def escape(text: str) -> str:
    """Backslash-escape every reserved character (the backslash itself included, once)."""
    return text.translate(_ESCAPE_TABLE)


def commentary(text: str) -> str:
    """The `commentary` field for `text`: reserved characters escaped, hashtags as templates."""
    parts: list[str] = []
    position = 0
    for span in hashtag_spans(text):
        parts.append(escape(text[position : span.start]))
        parts.append("{hashtag|\\#|" + escape(span.text[1:]) + "}")
        position = span.end
    parts.append(escape(text[position:]))
    return "".join(parts)
