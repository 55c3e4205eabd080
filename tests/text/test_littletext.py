from __future__ import annotations

import pytest

from scheduler.text.littletext import RESERVED, commentary, escape


def test_all_fifteen_reserved_characters_are_escaped():
    assert len(RESERVED) == 15
    assert escape("\\|{}@[]()<>#*_~") == "\\\\\\|\\{\\}\\@\\[\\]\\(\\)\\<\\>\\#\\*\\_\\~"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Akti(F) Plus", "Akti\\(F\\) Plus"),
        ("Mitstreiter*innen", "Mitstreiter\\*innen"),
        ("Not reserved: \" ' % $ !", "Not reserved: \" ' % $ !"),
        ("Zeile 1\nZeile 2", "Zeile 1\nZeile 2"),
        ("#Familie und #ESFPlus", "{hashtag|\\#|Familie} und {hashtag|\\#|ESFPlus}"),
        ("Platz #1", "Platz \\#1"),  # not a hashtag: escaped
        ("Tag #snake_case", "Tag {hashtag|\\#|snake\\_case}"),
        ("https://example.org/a_b#top", "https://example.org/a\\_b\\#top"),  # a URL fragment is no hashtag
        ("C:\\Pfad", "C:\\\\Pfad"),
    ],
)
def test_commentary(text, expected):
    assert commentary(text) == expected
