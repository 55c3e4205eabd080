"""Grapheme counting's fast path: a character it lets through must be one that never joins a neighbour."""

from __future__ import annotations

import sys

import pytest

from scheduler.text.graphemes import _JOINING, _MAYBE_JOINING, grapheme_count, graphemes


def test_no_character_passed_over_by_the_quick_scan_can_join_a_neighbour():
    passed_over = (chr(code) for code in range(sys.maxunicode + 1) if not _MAYBE_JOINING.match(chr(code)))
    assert [hex(ord(char)) for char in passed_over if _JOINING.match(char)] == []


@pytest.mark.parametrize(
    "text",
    [
        "Große Fußstapfen – „Zitat“ … 5 €",
        "e\u0301",
        "a\r\nb",
        "a\rb",
        "👍🏽 👨\u200d👩\u200d👧",
        "🇩🇪",
        "1\ufe0f\u20e3",
        "한국어",
        "ab\u200cc",
        "x\u0308y",
    ],
)
def test_grapheme_count_is_the_number_of_clusters(text):
    assert grapheme_count(text) == len(graphemes(text))
