from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.render.helpers import add_utm, tag_links
from scheduler.text import sentences as sentences_module
from scheduler.text.entities import protected_spans
from scheduler.text.sentences import _german_periods, _segmenter, _segments, sentence_ends, sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Bremens Senatorin, Dr. Claudia Schilling, begrüßte die Anwesenden. Danach ging es los.",
            ["Bremens Senatorin, Dr. Claudia Schilling, begrüßte die Anwesenden.", "Danach ging es los."],
        ),
        ("Das gilt z. B. für Eltern. Und für Kinder.", ["Das gilt z. B. für Eltern.", "Und für Kinder."]),
        (
            "Der Landesverband e. V. lädt ein. Alle sind willkommen.",
            ["Der Landesverband e. V. lädt ein.", "Alle sind willkommen."],
        ),
        ("Der Verein e.V. lädt ein. Alle kommen.", ["Der Verein e.V. lädt ein.", "Alle kommen."]),
        ("Siehe Nr. 5 der Liste. Fertig.", ["Siehe Nr. 5 der Liste.", "Fertig."]),
        ("Eltern bzw. Großeltern kamen. Es war voll.", ["Eltern bzw. Großeltern kamen.", "Es war voll."]),
        (
            "Der Fachtag war am 02. Dezember 2024 in Köln. Es kamen viele.",
            ["Der Fachtag war am 02. Dezember 2024 in Köln.", "Es kamen viele."],
        ),
        ("Die Quote stieg auf 3.5 Prozent. Das ist gut.", ["Die Quote stieg auf 3.5 Prozent.", "Das ist gut."]),
        ("Mehr als 2.000 Mitglieder. Viele Verbände.", ["Mehr als 2.000 Mitglieder.", "Viele Verbände."]),
        ("Infos unter https://example.org/a.b?c=1. Danke!", ["Infos unter https://example.org/a.b?c=1.", "Danke!"]),
        ("Fragen? Schreiben Sie uns! Wir antworten.", ["Fragen?", "Schreiben Sie uns!", "Wir antworten."]),
    ],
)
def test_german_sentence_boundaries(text, expected):
    assert sentences(text, "de") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Dr. Smith went home. He slept.", ["Dr. Smith went home.", "He slept."]),
        (
            "Prices rose by 3.5 percent, e.g. for bread. Wages did not.",
            ["Prices rose by 3.5 percent, e.g. for bread.", "Wages did not."],
        ),
        ("Read more at example.org/a. Thanks!", ["Read more at example.org/a.", "Thanks!"]),
    ],
)
def test_english_sentence_boundaries(text, expected):
    assert sentences(text, "en") == expected


_PIECES = [
    "Am 12. Nov. traf Dr. Weber die Gruppe.",
    "Sie sprach über Nr. 5 bzw. 6.",
    "Mo. bis Fr. von 9 Uhr.",
    "Fragen?",
    "Wow!!!",
    "„Zitat. Mit Punkt.“",
    "(siehe S. 5.)",
    "1. Punkt 2. Punkt",
    "z. B. u. a.",
    "Infos unter https://example.org/a.b?c=1.",
    "#AktifPlus",
    "info@example.org.",
    "...",
    "…",
    "Dr. Smith went home.",
    "e.V.",
    "'single' quote.",
    "3.5 Prozent.",
    "x.",
    "ii. Liste",
    "(a) eins (b) zwei",
]


@settings(max_examples=150, deadline=None)
@given(
    pieces=st.lists(
        st.one_of(st.sampled_from(_PIECES), st.text(alphabet="ab x.?!…„“\"'():;,-\n\t\u00a01Ä", max_size=12)),
        max_size=8,
    ),
    separator=st.sampled_from([" ", "  ", "\n", "\n\n", ""]),
    language=st.sampled_from(["de", "en"]),
)
def test_sentences_are_found_in_the_text_as_pysbd_finds_them(pieces, separator, language):
    """Splitting finds pysbd's sentences in the text without a regex per sentence, with the same result."""
    segmenter = _segmenter(language)
    text = separator.join(pieces)
    assert _segments(segmenter, text) == segmenter.segment(text)


def test_splitting_new_texts_compiles_no_regex(monkeypatch):
    """pysbd's rules stay compiled: a new text costs no regex compilation (a large `queue add` spent a
    quarter of its time recompiling them when every sentence compiled a pattern of its own)."""
    texts = [
        f"Meldung {n}: Am 12. Nov. traf Dr. Weber die Gruppe. Sie sprach über Nr. {n}. Danach gab es "
        f"Kaffee, z. B. mit Kuchen. Mehr unter https://example.org/{n}."
        for n in range(30)
    ]
    # A pattern of its own per text or sentence would be compiled here whatever the cache's size; a
    # large cache keeps pysbd's rules from being pushed out by what other threads of this test worker
    # compile meanwhile (it failed once in the full suite for two of them, compiled again).
    monkeypatch.setattr(re, "_MAXCACHE", 100_000)
    sentence_ends(texts[0], "de")  # pysbd compiles its rules once
    compiled = []
    compile_pattern = re._compiler.compile
    monkeypatch.setattr(re._compiler, "compile", lambda *args: compiled.append(args) or compile_pattern(*args))
    for text in texts[1:]:
        sentence_ends(text, "de")
    assert compiled == []


def _ends_of_fully_masked(text: str, language: str) -> tuple[int, ...]:
    """Sentence ends as pysbd finds them when every link is masked at its full length (no shortening)."""
    masked = list(text)
    for span in protected_spans(text):
        masked[span.start : span.end] = "x" * (span.end - span.start)
    masked_text = "".join(masked)
    if language == "de":
        masked_text = _german_periods().sub("x", masked_text)
    ends, position = [], 0
    for segment in _segmenter(language).segment(masked_text):
        if (found := masked_text.find(segment.strip(), position)) >= 0:
            position = found + len(segment.strip())
            ends.append(position)
    stripped = len(text.rstrip())
    return tuple(ends if ends and ends[-1] == stripped else [end for end in ends if end < stripped] + [stripped])


_LINKS = st.builds(
    "{}{}{}".format,
    st.sampled_from(["https://", "http://", "", "HTTPS://"]),
    st.sampled_from(["www.ab", "www.a.de", "example.org", "www.gsub.de", "EXAMPLE.ORG"]),
    st.text(alphabet="abcx/.?=&-_1", max_size=60).map(lambda path: "/" + path if path else ""),
)
_AROUND = [
    "{}",
    "({})",
    "({}) Danach",
    "„{}“",
    "Siehe {}.",
    "{}. Dann",
    "x {} x.",
    "1. {} 2.",
    "({}). Neu",
    "{}…",
    "Dr. {} Nr. 5.",
]


@settings(max_examples=150, deadline=None)
@given(
    pieces=st.lists(
        st.one_of(st.sampled_from(_PIECES), st.builds(str.format, st.sampled_from(_AROUND), _LINKS)),
        min_size=1,
        max_size=6,
    ),
    separator=st.sampled_from([" ", "\n", ""]),
    language=st.sampled_from(["de", "en"]),
)
def test_a_links_length_does_not_move_sentence_ends(pieces, separator, language):
    """Links are masked short (so a text's UTM-tagged variants are split once); the ends are the same
    as with every link masked at its full length."""
    text = separator.join(pieces)
    assert sentence_ends(text, language) == _ends_of_fully_masked(text, language)


def test_a_text_and_its_utm_tagged_variants_are_split_once(monkeypatch):
    text = "Am 3. März stellt Dr. Weber das Projekt vor. Programm unter https://example.org/fachtag-2031. Kommen Sie!"
    calls = []
    split = sentences_module._segments
    monkeypatch.setattr(sentences_module, "_segments", lambda *args: calls.append(args) or split(*args))
    variants = [text] + [
        tag_links(text, lambda url, p=platform: add_utm(url, source=p, campaign="2031-03"))
        for platform in ("mastodon", "bluesky", "x")
    ]
    assert len(set(variants)) == 4
    assert [
        sentences(variant, "de")[1].startswith("Programm unter https://example.org/fachtag-2031")
        for variant in variants
    ] == [True] * 4
    assert len(calls) == 1
