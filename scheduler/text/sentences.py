"""Sentence boundaries for German and English (and the other languages pysbd knows).

pysbd's rule sets know `Dr.`, `z. B.`, `e. V.`, `Nr.`, `bzw.`, ordinal dates (`02. Dezember`) and
decimals (`3.5`). Links, e-mail addresses, hashtags and mentions are masked before segmenting so a
`?` or `.` inside a URL never ends a sentence.
"""

from __future__ import annotations

from functools import lru_cache

from scheduler.text.entities import protected_spans

_PYSBD_LANGUAGES = frozenset(
    "en hi mr zh es am ar hy bg ur ru pl fa nl da fr my el it ja de kk sk".split()
)


@lru_cache(maxsize=16)
def _segmenter(language: str):  # type: ignore[no-untyped-def]
    import pysbd  # imported on first use: only fitting needs it

    return pysbd.Segmenter(language=language if language in _PYSBD_LANGUAGES else "en", clean=False)


def _mask(text: str) -> str:
    chars = list(text)
    for span in protected_spans(text):
        chars[span.start : span.end] = "x" * (span.end - span.start)
    return "".join(chars)


@lru_cache(maxsize=4096)
def sentence_ends(text: str, language: str) -> tuple[int, ...]:
    """Offsets just after each sentence (trailing spaces excluded); the last one is len(text.rstrip())."""
    masked = _mask(text)
    ends: list[int] = []
    position = 0
    for segment in _segmenter(language).segment(masked):
        found = masked.find(segment.strip(), position)
        if found < 0:  # pysbd changed the text: fall back to what we have
            continue
        position = found + len(segment.strip())
        ends.append(position)
    stripped = len(text.rstrip())
    if not ends or ends[-1] != stripped:
        ends = [end for end in ends if end < stripped] + [stripped]
    return tuple(ends)


def sentences(text: str, language: str) -> list[str]:
    """The sentences of `text`, each stripped."""
    start, result = 0, []
    for end in sentence_ends(text, language):
        result.append(text[start:end].strip())
        start = end
    return [sentence for sentence in result if sentence]
