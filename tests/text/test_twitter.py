"""scheduler.text.twitter: twitter-text v3 weighted length and URL extraction.

Tables pin known answers; the oracle tests compare with twitter-text-parser (the reference the module
re-implements) over generated texts, every code point of the BMP, and the module's vendored data.
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
import unicodedata
from types import ModuleType

import pytest

from scheduler.text import twitter
from tests.scale import examples

ZWJ, VS = "\u200d", "\ufe0f"
FAMILY = ZWJ.join("👨👩👧👦")

# (text, weighted length, valid): twitter-text's conformance examples, then edge cases.
LENGTHS = [
    ("Hi http://test.co", 26, True),
    ("😷👾😡🔥💩", 10, True),
    ("🙋🏽👨" + ZWJ + "🎤", 4, True),
    ("H🐱☺" + FAMILY, 7, True),
    ("1\u20e3", 2, True),
    ("héllo 👋 https://example.com/very/long/path", 32, True),
    ("中" * 160, 320, False),
    (FAMILY * 140, 280, True),
    ("a" * 280, 280, True),
    ("a" * 281, 281, False),
    ("", 0, False),
    ("   ", 3, True),
    ("a\ufeffb", 4, False),  # U+FEFF makes a text invalid
    ("a\ufffe", 3, False),
    ("Grüße aus München", 17, True),
    ("e\u0301", 1, True),  # NFC makes one character of it
    ("e\u0301" * 3, 3, True),
    ("q\u0301", 2, True),  # no precomposed form: two characters
    ("a\r\nb", 3, True),  # CR LF counts as one LF
    ("a\rb", 3, True),
    ("–„“′", 4, True),  # U+2010-201F and U+2032-2037 weigh 1
    ("…€", 4, True),  # U+2026 and U+20AC weigh 2
    ("日本語", 6, True),
    ("한", 2, True),
    ("привет", 6, True),
    ("🇩🇪", 2, True),
    ("🇩🇪🇫🇷", 4, True),
    ("🇦🇦", 4, True),  # no such flag: two regional indicators
    ("🇩🇪🇦", 4, True),
    ("#" + VS + "\u20e3", 2, True),
    ("#\u20e3", 2, True),
    ("1" + VS + "\u20e32" + VS + "\u20e3", 4, True),
    ("©", 2, True),  # an emoji in the reference's list, though U+00A9 < 4352
    ("®", 2, True),
    ("™‼☺", 6, True),
    ("☺" + VS, 2, True),
    ("©" + VS, 2, True),
    ("a" + VS, 3, True),  # a lone FE0F weighs 2
    ("🏻", 2, True),
    ("👍🏻", 2, True),
    ("👩🏽" + ZWJ + "🤝" + ZWJ + "👨🏻", 2, True),
    ("👩" + ZWJ + "❤" + VS + ZWJ + "💋" + ZWJ + "👨", 2, True),
    ("👁" + VS + ZWJ + "🗨" + VS, 2, True),
    ("🏳" + VS + ZWJ + "🌈", 2, True),
    ("🏌🏻" + ZWJ + "♀" + VS, 2, True),
    ("🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f", 2, True),  # Scotland
    ("❤" + VS + ZWJ + "🔥", 5, True),  # Emoji 13.1: not in the reference's list, counts as its parts
    ("🫠", 2, True),
    ("bund.de", 23, True),
    ("Infos: bund.de/aktuell.", 31, True),
    ("z.B. e.V. Nr.5 3.5 2.000 Akti(F) Plus Mitstreiter*innen", 55, True),
    ("x " + "https://example.com/" + "a" * 300, 25, True),
]


@pytest.mark.parametrize(("text", "length", "valid"), LENGTHS)
def test_weighted_length_and_validity(text: str, length: int, valid: bool) -> None:
    assert twitter.weighted_length(text) == length
    assert twitter.is_valid(text) is valid


# (text, url_spans(text), url_spans(text, require_scheme=True))
SPANS = [
    ("Hi http://test.co", [(3, 17)], [(3, 17)]),
    ("Mehr auf bund.de.", [(9, 16)], []),
    ("example.com/path", [(0, 16)], []),
    ("z.B. e.V. Nr.5 3.5 2.000 Akti(F) Plus Mitstreiter*innen u.a. d.h. ca. 28.04.2025", [], []),
    ("Siehe https://example.com/a, danke", [(6, 27)], [(6, 27)]),  # trailing comma left out
    ("(https://de.wikipedia.org/wiki/Foo_(bar))", [(1, 40)], [(1, 40)]),  # balanced parentheses kept
    ("(https://example.com)", [(1, 20)], [(1, 20)]),
    ("https://example.com/path?x=1.", [(0, 28)], [(0, 28)]),
    ("http://test.co.", [(0, 14)], [(0, 14)]),
    ("Hallo!https://example.com", [(6, 25)], [(6, 25)]),
    ("Link:https://x.org", [(5, 18)], [(5, 18)]),
    ("HTTPS://EXAMPLE.COM", [(0, 19)], [(0, 19)]),
    ("https://example.com/über-uns", [(0, 28)], [(0, 28)]),
    ("http://münchen.de/x", [(0, 19)], [(0, 19)]),
    ("http://example.com/@user/", [(0, 25)], [(0, 25)]),
    ("http://t.co/abc123/path", [(0, 18)], [(0, 18)]),  # t.co: no path after the slug
    ("www.münchen.de", [(0, 14)], []),
    ("日本example.com中国", [(2, 13)], []),  # scheme-less: ASCII domain only
    ("example.com:8080/x", [(0, 18)], []),
    ("example.com?q=1", [(0, 11)], []),  # scheme-less and no path: the query is left out
    ('"bund.de"', [(1, 8)], []),
    ("Termin 12.03. – Infos unter www.verein.de/termine!", [(28, 49)], []),
    ("mail@example.com", [], []),
    ("@bund.de #hashtag.com $cash.com -example.com", [], []),
    ("a" * 64 + ".com", [], []),  # a label longer than 63: Python's idna codec rejects it
    ("ftp://example.com http://localhost:8000", [], []),
    ("no dot here: http//x", [], []),
]


@pytest.mark.parametrize(("text", "spans", "scheme_spans"), SPANS)
def test_url_spans(text: str, spans: list[tuple[int, int]], scheme_spans: list[tuple[int, int]]) -> None:
    assert twitter.url_spans(text) == spans
    assert twitter.url_spans(text, require_scheme=True) == scheme_spans


def test_url_spans_index_the_text_as_given() -> None:
    text = "e\u0301 bund.de"  # not NFC: url_spans does not normalise
    assert twitter.url_spans(text) == [(3, 10)]
    assert twitter.url_spans(unicodedata.normalize("NFC", text)) == [(2, 9)]


def test_url_longer_than_4096_is_not_a_url() -> None:
    # The reference adds the protocol's length to the URL's (protocol included): 8 + 4088 = 4096.
    assert twitter.url_spans("https://example.com/" + "a" * 4068) == [(0, 4088)]
    assert twitter.url_spans("https://example.com/" + "a" * 4069) == []


def test_import_does_not_load_the_reference() -> None:
    code = "import sys, scheduler.text.twitter; print('twitter_text' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "False\n"


# --- against the reference ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tt() -> ModuleType:
    """The reference, twitter-text-parser."""
    return pytest.importorskip("twitter_text")


@pytest.fixture(scope="module")
def reference_emoji(tt: ModuleType) -> list[str]:
    from twitter_text.regexp.emoji import emoji_list

    return [entry.emoji for entry in emoji_list]


def test_emoji_sequences_are_the_references(reference_emoji: list[str]) -> None:
    assert twitter._emoji_sequences() == {e for e in reference_emoji if len(e) > 1}
    assert max(map(len, twitter._emoji_sequences())) == twitter._EMOJI_MAX
    assert all(twitter._EMOJI_SECOND.fullmatch(e[1]) for e in twitter._emoji_sequences())


def test_single_emoji_below_4352_are_copyright_and_registered(reference_emoji: list[str]) -> None:
    light = [e for e in reference_emoji if len(e) == 1 and (ord(e) < 4352 or 8192 <= ord(e) <= 8247)]
    assert sorted(light) == ["©", "®"]


def test_url_grammar_is_the_references(tt: ModuleType) -> None:
    """The fragments are verbatim, and assembled the way the module's matching code assumes."""
    from twitter_text.regexp.extract_url import extract_url
    from twitter_text.regexp.valid_ascii_domain import valid_ascii_domain
    from twitter_text.regexp.valid_cctld import valid_cctld
    from twitter_text.regexp.valid_domain import valid_domain
    from twitter_text.regexp.valid_gtld import valid_gtld
    from twitter_text.regexp.valid_tco_url import valid_tco_url

    tlds = "(?:" + valid_gtld.pattern + "|" + valid_cctld.pattern + "|" + twitter._PUNYCODE + ")"
    assert valid_gtld.pattern.endswith(")" + twitter._TLD_LOOKAHEAD + ")")
    assert valid_cctld.pattern.endswith(")" + twitter._TLD_LOOKAHEAD + ")")
    assert valid_domain.pattern == "(?:" + twitter._SUBDOMAIN + "*" + twitter._DOMAIN_NAME + tlds + ")"
    assert valid_ascii_domain.pattern == "(?:" + twitter._ASCII_LABEL + ")+" + tlds
    assert extract_url.pattern == (
        "((" + twitter._PRECEDING + ")((https?:\\/\\/)?(" + valid_domain.pattern + ")" + twitter._AFTER_DOMAIN + "))"
    )
    assert twitter._AFTER_DOMAIN.count(twitter._PATH) == 1
    assert valid_tco_url.pattern == twitter._TCO
    assert extract_url.flags & re.IGNORECASE and valid_ascii_domain.flags & re.IGNORECASE
    assert valid_tco_url.flags & re.IGNORECASE


def test_tld_file_is_the_references(tt: ModuleType) -> None:
    from twitter_text.regexp.valid_cctld import valid_cctld
    from twitter_text.regexp.valid_gtld import valid_gtld

    def names(pattern: re.Pattern[str]) -> list[str]:
        return pattern.pattern[len("(?:(?:") : pattern.pattern.index(")(?=")].split("|")

    lines = twitter._TLD_FILE.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("#") and "Apache" in lines[0]
    assert lines[1:] == names(valid_gtld) + names(valid_cctld)
    assert twitter._tlds()[0] == set(lines[1:])
    # _tld_end tries the longest TLD first; the reference's alternation tries them in list order. That
    # agrees because no TLD comes before a longer one that starts with it.
    order = {tld: i for i, tld in enumerate(lines[1:])}
    assert [tld for tld in order if any(order.get(tld[:n], len(order)) < order[tld] for n in range(1, len(tld)))] == []


def _all_code_points() -> str:
    return "".join(map(chr, [*range(0xD800), *range(0xE000, 0x110000)]))


def test_tld_case_folding_is_re_ignorecase() -> None:
    """A text character matches a TLD letter under re.IGNORECASE exactly when _tld_end folds it to it."""
    letters = set("".join(twitter._tlds()[0]))
    # Only cased characters can match a letter other than themselves, under re.IGNORECASE or folding.
    chars = "".join(c for c in _all_code_points() if c.lower() != c or c.upper() != c or c in letters)
    folded = chars.translate(twitter._FOLD).lower()
    assert len(folded) == len(chars)  # U+0130, the one character lower() expands, is translated first
    for letter in letters:
        by_re = set(re.findall(re.escape(letter), chars, re.IGNORECASE))
        by_fold = {chars[m.start()] for m in re.finditer(re.escape(letter), folded)}
        assert by_re == by_fold, letter


def test_run_breaks_are_the_complement_of_domain_characters() -> None:
    everything = _all_code_points()
    run_char = re.compile("[_-]|" + twitter._DOMAIN_CHAR, re.IGNORECASE)
    breaks = set(everything) - set(run_char.findall(everything))
    assert breaks == twitter._RUN_BREAKS
    assert breaks | {"", "_", "-"} == twitter._NO_LABEL


def test_single_characters_weigh_as_in_the_reference(tt: ModuleType) -> None:
    """All of the BMP, every astral character NFC changes, and a sample of the others."""
    rng = random.Random(7)
    astral = [c for c in range(0x10000, 0x110000) if unicodedata.normalize("NFC", chr(c)) != chr(c)]
    points = [*range(0xD800), *range(0xE000, 0x10000), *astral, *rng.sample(range(0x10000, 0x110000), 3000)]
    wrong = [hex(c) for c in points if twitter.weighted_length(chr(c)) != tt.parse_tweet(chr(c)).weightedLength]
    assert wrong == []


TLDS = sorted(twitter._tlds()[0])
WORDS = (
    "Am 3. Mai lädt der Verein e.V. zur Mitgliederversammlung ein, z.B. Mitstreiter*innen. Nr.5 3.5 "
    "2.000 Akti(F) Plus Straße Größe ÄÖÜ ß ca. bzw. u.a. d.h. 28.04. S.1 Abs.2 the quick brown fox"
).split()
ODD = list(
    "©®™‼☺♀❤✈–—„“”‘’…€°§·×\xa0\u2009\u200b\u200c\u200d\ufe0f\ufe0e\u20e3\U0001f3fb\U0001f3ff\U0001f1e9"
    "\U0001f1ea\U000e0067\U000e007f\ufeff\ufffe\u0301\u0308\u0130\u0131\u017f\u212a\u03f5\u1c80\u202e"
    "@#$＠＃_-./:?&=()[]!*'+,;~|%\\\"<>{}^`"
)
SCRIPTS = [
    "中文字",
    "日本語",
    "한국어",
    "русский",
    "ελληνικά",
    "हिन्दी",
    "العربية",
    "ไทย",
    "e\u0301",
    "a\u0308",
    "🧡",
    "🫠",
    "❤" + VS + ZWJ + "🔥",
    "🫶🏽",
    "🇦🇦",
    "🇩🇪🇦",
    "👍🏻" + ZWJ,
    ZWJ + "👦",
    "👨" + ZWJ + ZWJ + "👩",
]
SEPARATORS = [" ", " ", " ", "", "\n", "\r\n", ", ", ". ", "(", ")", '"', "/", ".", "-", "'", "\t"]


def _label(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.6:
        return "".join(rng.choices("abcdefghijklmnopqrstuvwxyz0123456789", k=rng.randint(1, 10)))
    if roll < 0.75:
        return rng.choice(
            ["foo-bar", "a_b", "-x", "x-", "_", "über", "日本", "яндекс", "xn--bcher-kva", "www", "a" * 64]
        )
    return "".join(rng.choices("abcdefghijklmnopqrstuvwxyz0123456789-_äöüé日я", k=rng.randint(1, 8)))


def _url(rng: random.Random) -> str:
    if rng.random() < 0.05:
        slug = "".join(rng.choices("abcXYZ019", k=rng.randint(1, 45)))
        return "http://t.co/" + slug + rng.choice(["", "/x", "?a=1", ".", "!"])
    schemes = ["http://", "https://", "HTTP://", "Https://", "http:/", "ftp://", ""]
    scheme = rng.choice(schemes) if rng.random() < 0.4 else ""
    tld = rng.choice(TLDS) if rng.random() < 0.8 else rng.choice(["xyz1", "b", "xn--p1ai", "c0m", "comx", "co"])
    if rng.random() < 0.3:
        tld = "".join(c.upper() if rng.random() < 0.3 else c for c in tld)
    if rng.random() < 0.1:
        tld = tld.replace("k", "\u212a").replace("s", "\u017f").replace("i", "\u0130")
    url = scheme + ".".join(_label(rng) for _ in range(rng.randint(1, 3))) + "." + tld
    if rng.random() < 0.15:
        url += f":{rng.randint(0, 99999)}"
    if rng.random() < 0.5:
        segments = [
            "path",
            "a_(b)",
            "(x)",
            "Wiki_(Begriff)",
            "x(y(z))",
            "ä",
            "日",
            "@user/",
            "~u",
            "a.b",
            "-",
            "!",
            ".",
            "%20",
            "a,b",
            "кот",
            "#frag",
            "",
        ]
        url += "/" + "/".join(rng.choices(segments, k=rng.randint(1, 3)))
    if rng.random() < 0.3:
        url += "?" + rng.choice(["a=1", "x=1&y=2", "q=(a)", "a=1.", "utm=x!", "a=b#c", "", "="])
    return url


def _text(rng: random.Random, emoji: list[str]) -> str:
    """A mix of German, other scripts, emoji of every kind, URLs, punctuation and line breaks."""
    multi = [e for e in emoji if len(e) > 1]
    parts = []
    for _ in range(rng.randint(1, 25)):
        roll = rng.random()
        if roll < 0.35:
            parts.append(rng.choice(WORDS))
        elif roll < 0.5:
            parts.append(_url(rng))
        elif roll < 0.65:
            parts.append(rng.choice(multi if rng.random() < 0.6 else emoji))
        elif roll < 0.75:
            parts.append(rng.choice(ODD))
        elif roll < 0.85:
            parts.append(rng.choice(SCRIPTS))
        elif roll < 0.9:
            parts.append(rng.choice(TLDS))
        else:
            parts.append("".join(rng.choices(ODD + list("abc."), k=rng.randint(1, 4))))
        parts.append(rng.choice(SEPARATORS))
    return "".join(parts)


def _reference_spans(tt: ModuleType, text: str, without_protocol: bool = True) -> list[tuple[int, int]]:
    return [tuple(url["indices"]) for url in tt.extract_urls_with_indices(text, without_protocol)]


def test_generated_texts_match_the_reference(tt: ModuleType, reference_emoji: list[str]) -> None:
    rng = random.Random(20241213)
    wrong = []
    for _ in range(examples(1000)):
        text = _text(rng, reference_emoji)
        reference = tt.parse_tweet(text)
        if (twitter.weighted_length(text), twitter.is_valid(text)) != (reference.weightedLength, reference.valid):
            wrong.append(text)
        if twitter.url_spans(text) != _reference_spans(tt, text):
            wrong.append(text)
        if twitter.url_spans(text, require_scheme=True) != _reference_spans(tt, text, False):
            wrong.append(text)
    assert wrong == []


URL_ALPHABET = [
    *"aAbcoOmMdDeEtTxXnNhHpPsS01.-_/:?=#@()&!,;~ \n.äé日яİıſ\u212a\u03f5\u1c80\u202e©\ufeff'*+$%[]|",
    "http://",
    "https://",
    ".com",
    ".de",
    ".co",
    ".t.co/",
    "xn--",
    ".рф",
    ".商城",
    ".嘉里大酒店",
    ".онлайн",
    "www.",
    ".ελ",
]


def test_url_dense_strings_match_the_reference(tt: ModuleType) -> None:
    rng = random.Random(4096)
    wrong = []
    for _ in range(examples(2000)):
        text = "".join(rng.choices(URL_ALPHABET, k=rng.randint(1, 40)))
        if twitter.url_spans(text) != _reference_spans(tt, text):
            wrong.append(text)
        if twitter.url_spans(text, require_scheme=True) != _reference_spans(tt, text, False):
            wrong.append(text)
        if twitter.weighted_length(text) != tt.parse_tweet(text).weightedLength:
            wrong.append(text)
    assert wrong == []


def test_hypothesis_texts_match_the_reference(tt: ModuleType, reference_emoji: list[str]) -> None:
    hypothesis = pytest.importorskip("hypothesis")
    st = hypothesis.strategies
    pieces = st.sampled_from(URL_ALPHABET + WORDS + ODD + SCRIPTS + reference_emoji + SEPARATORS)

    @hypothesis.settings(max_examples=examples(200), deadline=None, database=None)
    @hypothesis.given(st.lists(pieces | st.text(max_size=3), max_size=20).map("".join))
    def check(text: str) -> None:
        assert twitter.weighted_length(text) == tt.parse_tweet(text).weightedLength
        assert twitter.url_spans(text) == _reference_spans(tt, text)
        assert twitter.url_spans(text, require_scheme=True) == _reference_spans(tt, text, False)

    check()
