"""Length exactly as each platform counts it — table-driven, one table per platform."""

from __future__ import annotations

import pytest

from scheduler.platforms.registry import measure

FAMILY = "👨\u200d👩\u200d👧\u200d👦"  # ZWJ sequence: 7 code points, 25 UTF-8 bytes, one grapheme
FLAG = "🇩🇪"  # two regional indicators: 8 UTF-8 bytes, one grapheme
COMBINING = "Mu\u0308nchen"  # u + combining diaeresis: 8 code points, 7 graphemes
LONG_URL = "https://www.example.org/" + "a" * 100


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hallo", 5),
        ("Grüße aus Köln", 14),
        (COMBINING, 7),  # NFC makes ü one character
        ("Hi http://test.co", 26),  # conformance: URL counts 23
        (LONG_URL, 23),
        ("Mehr auf bund.de", 9 + 23),  # bare domain is a URL too
        ("Mehr auf bund.de/familie.", 9 + 23 + 1),
        ("😷👾😡🔥💩", 10),
        ("🙋🏽👨\u200d🎤", 4),
        ("H🐱☺" + FAMILY, 7),
        ("1\u20e3", 2),  # keycap
        (FLAG, 2),
        ("中文字", 6),
        ("héllo 👋 https://example.com/very/long/path", 32),
        ("z. B. e. V. Nr. 5 bzw. 3.5", 26),  # German abbreviations are no URLs
    ],
)
def test_x_weighted_length(text, expected):
    assert measure("x", text).length == expected


def test_x_limit_is_280_weighted():
    assert measure("x", "a" * 280).fits
    assert not measure("x", "a" * 281).fits
    assert measure("x", "中" * 140).fits
    assert not measure("x", "中" * 141).fits
    assert measure("x", FAMILY * 140).fits


@pytest.mark.parametrize(
    ("text", "spoiler", "expected"),
    [
        ("Grüße", "", 5),
        (COMBINING, "", 7),
        (FAMILY + FLAG, "", 2),
        ("see " + LONG_URL, "", 4 + 23),
        ("see http://x.co", "", 4 + 23),  # short URLs count 23 too
        ("visit bund.de today", "", 19),  # without scheme: counted literally
        ("Hi @alice@example.social see https://example.com/very/long", "", 37),  # doc example
        ("Hi @bob", "", 7),
        ("Text", "CW: Politik", 4 + 11),  # spoiler_text counts too
    ],
)
def test_mastodon_length(text, spoiler, expected):
    assert measure("mastodon", text, spoiler).length == expected


def test_mastodon_limit_is_configurable():
    text = "a" * 600
    assert not measure("mastodon", text).fits
    assert measure("mastodon", text, limits={"mastodon": 1000}).fits
    assert measure("mastodon", text, limits={"mastodon": 1000}).limit == 1000


@pytest.mark.parametrize(
    ("text", "graphemes", "fits"),
    [
        ("Grüße", 5, True),
        (COMBINING, 7, True),
        (FAMILY * 300, 300, False),  # 300 graphemes but 7500 bytes > 3000
        (FAMILY * 100, 100, True),  # 2500 bytes
        (FLAG * 300, 300, True),  # 2400 bytes
        ("ä" * 300, 300, True),
        ("ä" * 301, 301, False),
        ("https://example.org/" + "x" * 290, 27, True),  # a link counts as shown: example.org/xxxxxxxxxxxxxxx…
        ("https://example.org/" + "x" * 290 + " " + "ä" * 273, 301, False),
    ],
)
def test_bluesky_graphemes_and_bytes(text, graphemes, fits):
    result = measure("bluesky", text)
    assert result.length == graphemes
    assert result.fits is fits


def test_bluesky_byte_limit_is_reported():
    assert "UTF-8 bytes" in (measure("bluesky", FAMILY * 200).problem or "")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Grüße", 5),
        ("Akti(F) Plus", 14),  # ( and ) are escaped: two backslashes more
        ("Mitstreiter*innen", 18),
        ("#Familie", len("{hashtag|\\#|Familie}")),
        ("a\\b", 4),  # the backslash itself is escaped
        ("😀", 2),  # UTF-16 surrogate pair
        (FLAG, 4),
        (COMBINING, 8),
        ("https://example.org/a_b", 24),  # '_' is escaped inside links too
    ],
)
def test_linkedin_counts_the_escaped_commentary(text, expected):
    assert measure("linkedin", text).length == expected


def test_linkedin_limit_applies_after_escaping():
    assert measure("linkedin", "a" * 3000).fits
    assert not measure("linkedin", "(" * 1501).fits  # 1501 characters, 3002 once escaped


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Grüße", 5),
        ("😀", 4),  # an emoji counts its UTF-8 bytes
        (FAMILY, 25),
        (FLAG, 8),
        ("Hi 👋", 3 + 4),
        ("https://example.org/x", 21),
        (COMBINING, 8),  # code points: the combining mark counts
        ("bund.de/familie", 15),
    ],
)
def test_threads_length(text, expected):
    assert measure("threads", text).length == expected


def test_threads_limit():
    assert measure("threads", "a" * 500).fits
    assert not measure("threads", "😀" * 126).fits  # 504 bytes of emoji


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Grüße", 5), ("😀", 2), (FLAG, 4), (FAMILY, 11), (COMBINING, 8), ("a" * 63_206, 63_206)],
)
def test_facebook_length(text, expected):
    assert measure("facebook", text).length == expected


def test_facebook_limit():
    assert not measure("facebook", "a" * 63_207).fits


def test_unknown_platform():
    from scheduler.errors import UnknownPlatformError

    with pytest.raises(UnknownPlatformError, match="use one of linkedin"):
        measure("myspace", "hi")
