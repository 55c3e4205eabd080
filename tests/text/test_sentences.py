from __future__ import annotations

import pytest

from scheduler.text.sentences import sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bremens Senatorin, Dr. Claudia Schilling, begrüßte die Anwesenden. Danach ging es los.",
         ["Bremens Senatorin, Dr. Claudia Schilling, begrüßte die Anwesenden.", "Danach ging es los."]),
        ("Das gilt z. B. für Eltern. Und für Kinder.", ["Das gilt z. B. für Eltern.", "Und für Kinder."]),
        ("Der Landesverband e. V. lädt ein. Alle sind willkommen.",
         ["Der Landesverband e. V. lädt ein.", "Alle sind willkommen."]),
        ("Der Verein e.V. lädt ein. Alle kommen.", ["Der Verein e.V. lädt ein.", "Alle kommen."]),
        ("Siehe Nr. 5 der Liste. Fertig.", ["Siehe Nr. 5 der Liste.", "Fertig."]),
        ("Eltern bzw. Großeltern kamen. Es war voll.", ["Eltern bzw. Großeltern kamen.", "Es war voll."]),
        ("Der Fachtag war am 02. Dezember 2024 in Köln. Es kamen viele.",
         ["Der Fachtag war am 02. Dezember 2024 in Köln.", "Es kamen viele."]),
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
        ("Prices rose by 3.5 percent, e.g. for bread. Wages did not.",
         ["Prices rose by 3.5 percent, e.g. for bread.", "Wages did not."]),
        ("Read more at example.org/a. Thanks!", ["Read more at example.org/a.", "Thanks!"]),
    ],
)
def test_english_sentence_boundaries(text, expected):
    assert sentences(text, "en") == expected
