"""Sentence boundaries for German and English (and the other languages pysbd knows).

pysbd's rule sets know `Dr.`, `z. B.`, `e. V.`, `Nr.`, `bzw.`, ordinal dates (`02. Dezember`) and
decimals (`3.5`). Links, e-mail addresses, hashtags and mentions are masked before segmenting so a
`?` or `.` inside a URL never ends a sentence. For German, the periods of the abbreviations in
`data/de_abbreviations.txt` (weekdays, months, titles, `Tel.`, `Abs.`, `ca.`, `inkl.` …) are masked
too, and so is a day number's period before an abbreviated month (`12. Febr.`): pysbd splits after
most of them ("Mo. | bis Fr. | von 9 Uhr"), and in a newsletter they never end a sentence.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import regex

from scheduler.text.entities import protected_spans

if TYPE_CHECKING:
    from pysbd import Segmenter  # untyped: mypy sees Any

_PYSBD_LANGUAGES = frozenset("en hi mr zh es am ar hy bg ur ru pl fa nl da fr my el it ja de kk sk".split())
_ABBREVIATIONS = Path(__file__).with_name("data") / "de_abbreviations.txt"
#: What a masked period becomes: a letter, so pysbd sees a word and no punctuation.
_MASK = "x"


@lru_cache(maxsize=16)
def _segmenter(language: str) -> Segmenter:
    import pysbd  # imported on first use: only fitting needs it

    return pysbd.Segmenter(language=language if language in _PYSBD_LANGUAGES else "en", clean=False)


#: What pysbd appends to a sentence when it finds it in the text: the whitespace after it.
_TRAILING_SPACE = re.compile(r"\s*")


def _segments(segmenter: Segmenter, text: str) -> list[str]:
    """What `segmenter.segment(text)` returns, found in `text` without a regex per sentence.

    pysbd's `segment` locates each sentence with `re.finditer(re.escape(sentence) + r"\\s*", text)`:
    a new pattern for every sentence, which pushes pysbd's own few hundred rules out of the `re`
    module's cache (512 patterns, oldest dropped first), so they are compiled again and again —
    a quarter of the time of a large `queue add`. This does the same search with `str.find`:
    each sentence's first occurrence (with the whitespace after it) that ends after the previous
    one's end, scanning matches left to right without overlap as `finditer` does; a sentence found
    nowhere is dropped, as pysbd drops it."""
    if not text:
        return []
    found_sentences: list[str] = segmenter.processor(text).process()
    if not all(found_sentences):  # an empty sentence matches anywhere: leave that to pysbd
        segmented: list[str] = segmenter.segment(text)
        return segmented
    located: list[str] = []
    previous_end = 0
    for sentence in found_sentences:
        start = 0
        while (found := text.find(sentence, start)) >= 0:
            space = _TRAILING_SPACE.match(text, found + len(sentence))
            assert space is not None  # \s* matches everywhere
            end = space.end()
            if end > previous_end:
                located.append(text[found:end])
                previous_end = end
                break
            start = end
    return located


@lru_cache(maxsize=1)
def _german_periods() -> regex.Pattern[str]:
    """A pattern matching exactly the periods (and one kind of hyphen) that do not end a German sentence."""
    always: list[str] = []
    in_context: list[str] = []
    for line in _ABBREVIATIONS.read_text(encoding="utf-8").splitlines():
        word, _, mark = line.partition(" ")
        if not word or word.startswith("#"):
            continue
        forms = {word, word[0].upper() + word[1:]}
        (in_context if mark.strip() == "~" else always).extend(forms)

    def alternatives(words: list[str]) -> str:
        return "|".join(sorted(map(regex.escape, words), key=len, reverse=True))

    before = r"(?<![\w.])"
    context_before = r"(?:\d\.|\b(?:[Bb]is|und|[Ii]m|[Aa]b|[Ss]eit|Ende|Anfang|Mitte|zum|vom|[Vv]on))\s?|[–-]"
    context_after = r"(?=\s*(?:\d|[,–-])|\s+(?:bis|und|u\.)\s)"
    return regex.compile(
        rf"(?<={before}(?:{alternatives(always)}))\."  # Mo. Fr. Tel. ca. inkl.
        rf"|(?<={before}(?:{alternatives(in_context)}))\.{context_after}"  # Art. 5, So., Jan. 2025
        rf"|(?<=(?:{context_before})(?:{alternatives(in_context)}))\."  # 3. Jan., bis So., im Jan.
        r"|(?<=(?<!\S)\d{1,2})\.(?=\s)"  # ordinals (12. Febr., 2. OG): pysbd takes "7. … 8." for a list
        r"|(?<=\b[a-zäöü])\.(?=\s[a-zäöüA-ZÄÖÜ]\.)"  # the inner periods of u. v. m., i. d. R.
        r"|(?<=\b\w+str)\.(?=\s*\d)"  # Hauptstr. 12
        r"|(?<=\d)-(?=\d+\.\s)"  # the hyphen of 1234-0. (pysbd reads "-0." as a negative number)
    )


#: A link longer than this is masked as this many letters. pysbd's rules single out words of one or
#: two letters (`x.` as an abbreviation, list letters, roman numerals up to `xx`), never a longer
#: run of `x`, so where a sentence ends does not depend on a link's length (the tests compare both
#: maskings); masked short, a text and its UTM-tagged variants (one per platform, each link longer
#: by `?utm_source=…`) are the same text and split once.
_LINK_MASK = 8


def _mask(text: str, language: str) -> tuple[str, tuple[tuple[int, int], ...]]:
    """`text` as pysbd is given it: links, e-mail addresses, hashtags and mentions made letters (a link
    longer than `_LINK_MASK` as that many), and (German) the periods that end no sentence made
    letters too. Second: for each shortened link, the offset just after it in the masked text and
    how many characters it lost, so that offsets can be taken back to `text`."""
    spans = protected_spans(text)
    if spans:
        chars = list(text)
        for span in spans:
            chars[span.start : span.end] = "x" * (span.end - span.start)
        text = "".join(chars)
    if language == "de":
        text = _german_periods().sub(_MASK, text)  # links masked already
    links = [span for span in spans if span.kind == "url" and span.end - span.start > _LINK_MASK]
    if not links:
        return text, ()
    pieces, shortened, position, lost = [], [], 0, 0
    for span in links:
        pieces += [text[position : span.start], "x" * _LINK_MASK]
        position = span.end
        after = span.start - lost + _LINK_MASK  # just after the shortened link, in the masked text
        lost += span.end - span.start - _LINK_MASK
        shortened.append((after, lost))
    pieces.append(text[position:])
    return "".join(pieces), tuple(shortened)


#: The same text is split several times: for the item's title when the issue is read, then by each
#: platform's `paragraphs` filter and fitting. 16,384 masked texts (at most about 30 MB for
#: newsletter paragraphs) keep a 10,000-item issue's splits from reading to rendering (with 4,096,
#: a large `queue add` split every item twice).
@lru_cache(maxsize=16_384)
def _masked_ends(masked: str, language: str) -> tuple[int, ...]:
    """Offsets in `masked` just after each sentence pysbd finds there."""
    ends: list[int] = []
    position = 0
    for segment in _segments(_segmenter(language), masked):
        found = masked.find(segment.strip(), position)
        if found < 0:  # pysbd changed the text: fall back to what we have
            continue
        position = found + len(segment.strip())
        ends.append(position)
    return tuple(ends)


@lru_cache(maxsize=2048)  # the texts of the posts being rendered: spares masking them again
def sentence_ends(text: str, language: str) -> tuple[int, ...]:
    """Offsets just after each sentence (trailing spaces excluded); the last one is len(text.rstrip())."""
    masked, shortened = _mask(text, language)
    ends = list(_masked_ends(masked, language))
    if shortened:  # back to offsets in `text`: add what the links before each end lost
        ends = [end + next((lost for after, lost in reversed(shortened) if after <= end), 0) for end in ends]
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
