"""A unified diff of two versions of a post, readable in a terminal.

A post's paragraph is one long line, so a plain line diff would show a whole paragraph replaced for
one corrected letter. Both versions are first laid out one sentence per line, long sentences
wrapped at `WIDTH` columns: a correction then shows as the one or two lines it touched.
"""

from __future__ import annotations

import difflib
import textwrap

from scheduler.text.sentences import sentences

WIDTH = 78


def _lines(text: str, language: str) -> list[str]:
    lines: list[str] = []
    for line in text.split("\n"):
        if not line.strip():
            lines.append("")
            continue
        for sentence in sentences(line, language) or [line]:
            lines += textwrap.wrap(sentence, WIDTH, break_long_words=False, break_on_hyphens=False) or [""]
    return lines


def post_diff(old: str, new: str, *, before: str, after: str, language: str = "de") -> list[str]:
    """The lines of a unified diff from `old` to `new` (labelled `before` and `after`); none when
    they are the same."""
    if old == new:
        return []
    diff = list(difflib.unified_diff(_lines(old, language), _lines(new, language), before, after, n=2, lineterm=""))
    if not diff:  # only line breaks or spaces differ: show the lines as they are, spaces visible
        diff = list(
            difflib.unified_diff(
                [repr(line) for line in old.split("\n")],
                [repr(line) for line in new.split("\n")],
                before,
                after,
                n=2,
                lineterm="",
            )
        )
    return diff
