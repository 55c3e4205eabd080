"""Making a rendered post fit its platform: shorten at a sentence boundary, or split into a thread.

A template marks the part that may be shortened with the `fit` filter; the rest (title, link,
hashtags) is kept whole. Cuts happen only at sentence boundaries — or, when not even the first
sentence fits, after a clause (`,` `;` `:`), and failing that between words — so a link, mention,
hashtag or grapheme cluster is never cut. A thread's part ends at a sentence end whenever one fits;
a sentence too long for a part of its own is split after a clause, then between words.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from scheduler.errors import FitError
from scheduler.text.entities import protected_spans
from scheduler.text.graphemes import grapheme_boundaries
from scheduler.text.length import Measure
from scheduler.text.sentences import sentence_ends

#: Stands in the template output where the `fit` region goes.
MARKER = "\x00fit\x00"
ELLIPSIS = "…"

Measurer = Callable[[str], Measure]


@dataclass(frozen=True, slots=True)
class Fitted:
    parts: tuple[str, ...]
    measure: Measure  # of the longest part
    kept: int | None = None  # how much of the `fit` text is kept when it was shortened; None: all of it

    @property
    def shortened(self) -> bool:
        return self.kept is not None


def _word_cuts(text: str, upto: int) -> list[int]:
    """Offsets before a whitespace run, outside links and hashtags, on grapheme boundaries."""
    boundaries = set(grapheme_boundaries(text))
    inside = {i for span in protected_spans(text) for i in range(span.start + 1, span.end)}
    return [
        i
        for i in range(1, min(upto, len(text)))
        if text[i].isspace() and not text[i - 1].isspace() and i in boundaries and i not in inside
    ]


def _clause_cuts(text: str, upto: int) -> list[int]:
    """Offsets just after a clause's `,` `;` or `:` (before the space), outside links and hashtags."""
    inside = {i for span in protected_spans(text) for i in range(span.start, span.end)}
    return [
        i + 1 for i in range(min(upto, len(text) - 1)) if text[i] in ",;:" and text[i + 1] == " " and i not in inside
    ]


def _largest_fitting(cuts: Sequence[int], build: Callable[[int], str], measure: Measurer) -> int | None:
    """The largest cut whose text fits (length grows with the cut, so binary search)."""
    low, high, best = 0, len(cuts) - 1, None
    while low <= high:
        middle = (low + high) // 2
        if measure(build(cuts[middle])).fits:
            best, low = cuts[middle], middle + 1
        else:
            high = middle - 1
    return best


def shorten(output: str, region: str, *, measure: Measurer, language: str) -> Fitted:
    """Cut `region` (the text at MARKER in `output`) so the whole post fits; end it with an ellipsis."""

    def build(cut: int) -> str:
        return output.replace(MARKER, region[:cut].rstrip().rstrip(",;:") + " " + ELLIPSIS)

    ends = sentence_ends(region, language)
    cut = _largest_fitting(ends[:-1], build, measure)
    if cut is None:
        first_end = ends[0] if ends else len(region)
        by_word = _largest_fitting(_word_cuts(region, first_end), build, measure)
        by_clause = _largest_fitting(_clause_cuts(region, first_end), build, measure)
        # a clause's end reads better, unless it throws away more than a third of what fits
        cut = by_clause if by_clause is not None and by_word is not None and 3 * by_clause >= 2 * by_word else by_word
    if cut is None:
        without = measure(output.replace(MARKER, ELLIPSIS))
        raise FitError(
            f"cannot fit: without the shortened text the post is already {without.length} of {without.limit}"
            " (title, link and hashtags); shorten the template or the hashtags"
        )
    text = build(cut)
    return Fitted((text,), measure(text), kept=cut)


def _units(text: str, language: str) -> list[tuple[str, str]]:
    """(separator before, unit) pairs: each sentence of each line."""
    units: list[tuple[str, str]] = []
    separator = ""
    for line in text.split("\n"):
        if not line.strip():
            separator = "\n\n"
            continue
        start = 0
        for end in sentence_ends(line, language):
            sentence = line[start:end].strip()
            if sentence:
                units.append((separator or ("" if not units else "\n"), sentence))
                separator = " "
            start = end
        separator = ""
    return units


def _numbered(part: str, index: int, total: int) -> str:
    return f"{part}\n\n{index}/{total}"


def _pieces(unit: str) -> list[tuple[str, str]]:
    """A too-long unit in smaller pieces: its clauses, or (a single clause) its words."""
    cuts = _clause_cuts(unit, len(unit))
    if cuts:
        bounds = [0, *cuts, len(unit)]
        return [("" if not n else " ", unit[a:b].strip()) for n, (a, b) in enumerate(pairwise(bounds))]
    words = [word for word in unit.split(" ") if word]
    return [("" if not n else " ", word) for n, word in enumerate(words)]


def _greedy(units: list[tuple[str, str]], total: int, measure: Measurer, first: int = 1) -> list[str]:
    parts: list[str] = []
    current = ""
    for separator, unit in units:
        candidate = current + separator + unit if current else unit
        if measure(_numbered(candidate, first + len(parts), total)).fits:
            current = candidate
            continue
        if current:
            parts.append(current)
        if measure(_numbered(unit, first + len(parts), total)).fits:
            current = unit
            continue
        pieces = _pieces(unit)
        if len(pieces) == 1:
            raise FitError(f"cannot fit: {unit[:40]!r} alone is longer than the limit and cannot be split")
        chunks = _greedy(pieces, total, measure, first + len(parts))
        parts.extend(chunks[:-1])
        current = chunks[-1]
    if current:
        parts.append(current)
    return parts


def split_thread(text: str, *, measure: Measurer, language: str) -> Fitted:
    """Split `text` into numbered parts (`1/3`), each within the limit, at sentence boundaries."""
    units = _units(text, language)
    for guess in (9, 99, 999):
        parts = _greedy(units, guess, measure)
        if len(parts) <= guess:
            break
    total = len(parts)
    numbered = tuple(_numbered(part, index, total) for index, part in enumerate(parts, 1))
    longest = max((measure(part) for part in numbered), key=lambda m: m.length)
    return Fitted(numbered, longest)


def fit(output: str, region: str | None, *, measure: Measurer, language: str, thread: bool) -> Fitted:
    """Fit a rendered post: as it is, shortened at the `fit` region, or split into a thread."""
    full = output.replace(MARKER, region) if region is not None else output
    if not full.strip():
        raise FitError("the template produced an empty post; check that it outputs the item's text")
    whole = measure(full)
    if whole.fits:
        return Fitted((full,), whole)
    if thread:
        return split_thread(full, measure=measure, language=language)
    if region is None:
        raise FitError(f"{whole.problem}; mark the text that may be shortened with the fit filter in the template")
    return shorten(output, region, measure=measure, language=language)
