"""Sentence boundaries on real-world German text with abbreviations (weekdays, months, titles, contact
details, legal references, quantities): none of them may end a sentence."""

from __future__ import annotations

from pathlib import Path

import pytest

from scheduler.text.sentences import sentences

DATA = Path(__file__).with_name("data") / "german_abbreviations.txt"
SENTENCES = [
    line.strip() for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")
]


def test_the_collection_is_large_enough():
    assert len(SENTENCES) >= 100


@pytest.mark.parametrize("sentence", SENTENCES)
def test_each_sentence_stays_whole(sentence):
    assert sentences(sentence, "de") == [sentence]


@pytest.mark.parametrize("index", range(len(SENTENCES)))
def test_two_sentences_are_split_exactly_between_them(index):
    first, second = SENTENCES[index], SENTENCES[(index + 1) % len(SENTENCES)]
    assert sentences(f"{first} {second}", "de") == [first, second]


def test_a_paragraph_of_all_sentences_splits_into_them():
    assert sentences(" ".join(SENTENCES), "de") == SENTENCES


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Das Grußwort sprach Jan.", "Er leitet das Familienzentrum seit vielen Jahren."),
        ("Die Führung durch das Haus dauerte 20 Min.", "Danach gab es Kaffee und Kuchen."),
        ("So.", "Nun beginnt der zweite Teil."),
        ("Das Projekt startete im Jahr 2024.", "Es läuft bis 2027."),
        ("Die Durchwahl ist 030 1234-0.", "Wir freuen uns auf Ihren Anruf."),
    ],
)
def test_words_that_are_abbreviations_only_in_context_still_end_a_sentence(first, second):
    assert sentences(f"{first} {second}", "de") == [first, second]
