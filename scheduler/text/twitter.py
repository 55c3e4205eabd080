"""X (Twitter) weighted tweet length and URL extraction, exactly as twitter-text v3 computes them.

The reference is twitter-text-parser 3.0.0 (a Python port of twitter-text v3; the tests use it as an
oracle). It is exact but slow (240 ms import, ~2 ms per text), so this module re-implements it:

* Weights (config v3, scale 100): code points 0-4351, 8192-8205, 8208-8223 and 8242-8247 weigh 1, all
  others 2; a URL weighs 23 and an emoji 2, however many code points it has. An emoji is a sequence
  of the Emoji 12.0 list the reference uses (`emoji-test.txt`, "Component" group excluded): so © and
  ® count 2 like every other listed emoji, while ZWJ sequences newer than Emoji 12.0 ("heart on fire",
  "face exhaling") count as their parts, as in the reference. The text is NFC-normalised and CR LF
  and CR become LF first.
* URLs follow twitter-text's extractor, quirks included: scheme-less URLs need a known TLD (gTLD and
  ccTLD lists in `data/twitter_tlds.txt`) and count from the first ASCII-only domain on; t.co URLs
  lose trailing path characters; URLs longer than 4096 characters or whose domain Python's `idna`
  codec rejects are not URLs. The big TLD alternation is replaced by a set lookup that matches
  exactly what the reference's case-insensitive `re` alternation matches.

Indices are Python `str` indices (code points) into the string as given to `url_spans`.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path

__all__ = ["MAX_LENGTH", "URL_LENGTH", "is_valid", "url_spans", "weighted_length"]

MAX_LENGTH = 280
URL_LENGTH = 23

# --- URL grammar: the reference's regular expressions, verbatim (the tests compare them) --------------
_PUNCT = r"\!'#%&'\(\)*\+,\\\-\.\/:;<=>\?@\[\]\^_{|}~\$/"
_SPACES = r"\x09-\x0D\x20\x85\xA0\u1680\u180E\u2000-\u200A\u2028\u2029\u202F\u205F\u3000"
_INVALID = r"\uFFFE\uFEFF\uFFFF"
_DIRECTIONAL = r"\u202A-\u202E\u061C\u200E\u200F\u2066\u2067\u2068\u2069"
_LATIN = (
    r"\xC0-\xD6\xD8-\xF6\xF8-\xFF\u0100-\u024F\u0253\u0254\u0256\u0257\u0259\u025B\u0263"
    r"\u0268\u026F\u0272\u0289\u028B\u02BB\u0300-\u036F\u1E00-\u1EFF"
)
_DOMAIN_CHAR = "[^" + _PUNCT + _SPACES + _INVALID + _DIRECTIONAL + "]"
_SUBDOMAIN = "(?:(?:" + _DOMAIN_CHAR + "(?:[_-]|" + _DOMAIN_CHAR + ")*)?" + _DOMAIN_CHAR + r"\.)"
_DOMAIN_NAME = "(?:(?:" + _DOMAIN_CHAR + "(?:-|" + _DOMAIN_CHAR + ")*)?" + _DOMAIN_CHAR + r"\.)"
_PRECEDING = "(?:[^A-Za-z0-9@＠$#＃" + _INVALID + "]|[" + _DIRECTIONAL + "]|^)"
_PATH_CHAR = r"[a-z\u0400-\u04FF0-9!\*';:=\+,\.\$\/%#\[\]\-\u2013_~@\|&" + _LATIN + "]"
_PARENS = r"\((?:" + _PATH_CHAR + "+|(?:" + _PATH_CHAR + r"*\(" + _PATH_CHAR + r"+\)" + _PATH_CHAR + r"*))\)"
_PATH_END = r"[\+\-a-z\u0400-\u04FF0-9=_#\/" + _LATIN + "]|(?:" + _PARENS + ")"
_PATH = "(?:(?:" + _PATH_CHAR + "*(?:" + _PARENS + _PATH_CHAR + "*)*" + _PATH_END + ")|(?:@" + _PATH_CHAR + "+/))"
_QUERY = r"[a-z0-9!?*'@();:&=+$/%#\[\]\-_.,~|]*[a-z0-9\-_&=#/]"
_AFTER_DOMAIN = r"(?::([0-9]+))?(\/" + _PATH + r"*)?(\?" + _QUERY + ")?"  # port, path, query
_TCO = r"^https?:\/\/t\.co\/([a-z0-9]+)(?:\?" + _QUERY + ")?"
_ASCII_LABEL = r"(?:[\-a-z0-9" + _LATIN + r"]+)\."
_TLD_LOOKAHEAD = "(?=[^0-9a-zA-Z@+-]|$)"
_PUNYCODE = r"(?:xn--[\-0-9a-z]+)"

_I = re.IGNORECASE  # the reference compiles every URL pattern case-insensitively
_SUB_RE, _NAME_RE, _ASCII_LABEL_RE = (re.compile(p, _I) for p in (_SUBDOMAIN, _DOMAIN_NAME, _ASCII_LABEL))
_PREC_RE = re.compile(_PRECEDING[3:-3], _I)  # without the `^` alternative, which the scan handles
_AFTER_RE, _TCO_RE = re.compile(_AFTER_DOMAIN, _I), re.compile(_TCO, _I)
_LOOKAHEAD_RE, _PUNY_RE = re.compile(_TLD_LOOKAHEAD, _I), re.compile(_PUNYCODE, _I)
_PROTOCOL_RE = re.compile(r"https?:\/\/", _I)
# Characters that end a run of domain characters (the domain-char class's complement, minus "_-").
_RUN_BREAKS = frozenset(
    "!'#%&()*+,\\./:;<=>?@[]^{|}~$\x85\xa0\u1680\u180e\u2028\u2029\u202f\u205f\u3000"
    "\ufffe\ufeff\uffff\u061c\u200e\u200f\u2066\u2067\u2068\u2069"
    + "".join(map(chr, [*range(9, 14), 32, *range(0x2000, 0x200B), *range(0x202A, 0x202F)]))
)
_NO_LABEL = _RUN_BREAKS | {"", "_", "-"}  # no domain label and no TLD starts with these
# What `re.IGNORECASE` equates with a TLD letter besides str.lower(): the `re` module's extra cases.
_FOLD = str.maketrans("\u0130\u0131\u017f\u03f5\u1c80\u1c81\u1c82\u1c83\u1c84\u1c85", "iisεвдостт")
_TLD_FILE = Path(__file__).with_name("data") / "twitter_tlds.txt"


@cache
def _tlds() -> tuple[frozenset[str], frozenset[str], int]:
    """The TLDs, their first two characters (no TLD is shorter) and the longest TLD's length."""
    lines = _TLD_FILE.read_text(encoding="utf-8").splitlines()
    tlds = frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))
    return tlds, frozenset(tld[:2] for tld in tlds), max(map(len, tlds))


def _tld_end(s: str, at: int) -> int | None:
    """End of the TLD the reference accepts at `s[at:]` (gTLD/ccTLD + lookahead, else punycode)."""
    tlds, heads, longest = _tlds()
    head = s[at : at + longest]
    head = head.lower() if head.isascii() else head.translate(_FOLD).lower()  # U+0130 folded before lower()
    if head[:2] in heads:
        for n in range(len(head), 1, -1):  # longest first, which is the reference's alternation order
            if head[:n] in tlds and _LOOKAHEAD_RE.match(s, at + n):
                return at + n
    if head[:4] == "xn--" and (m := _PUNY_RE.match(s, at)):
        return m.end()
    return None


def _domain_end(text: str, at: int, memo: dict[int, int | None]) -> int | None:
    """End of `subdomain* domain_name tld` matched at `at` with the regex engine's backtracking order."""
    chain = []
    while at not in memo:
        if not (m := _SUB_RE.match(text, at)):
            memo[at] = None
            break
        chain.append((at, m.end()))
        at = m.end()
    end = memo[at]
    for start, after in reversed(chain):  # greedy `subdomain*`: the deepest label is tried as domain_name first
        if end is None and _NAME_RE.match(text, start):
            end = _tld_end(text, after)
        memo[start] = end
    return end


def _candidates(text: str, memo: dict[int, int | None]) -> list[int]:
    """Every position where a URL might begin, in the order the reference's finditer tries them."""
    found = {m.start() for m in _PROTOCOL_RE.finditer(text)} if ":" in text else set()
    dot = text.find(".")
    while dot != -1:
        after = dot + 1
        if text[after : after + 1] not in _NO_LABEL and (
            _domain_end(text, after, memo) is not None or _tld_end(text, after) is not None
        ):
            start = dot
            while start and text[start - 1] not in _RUN_BREAKS:
                start -= 1
            found.update(i for i in range(start, dot) if text[i] not in "_-")
        dot = text.find(".", after)
    return sorted(found, key=lambda u: (u - 1, 0) if u else (0, 1))  # at 0: after a preceding char, then `^`


def _ascii_domains(domain: str) -> list[tuple[int, int]]:
    """`valid_ascii_domain.finditer(domain)` as (start, end) pairs."""
    found, at = [], 0
    while at < len(domain):
        ends, p = [], at
        while m := _ASCII_LABEL_RE.match(domain, p):
            ends.append(p := m.end())
        end = next((e for x in reversed(ends) if (e := _tld_end(domain, x)) is not None), None)
        if end is not None:
            found.append((at, end))
        at = end if end is not None else ends[0] if ends else at + 1  # no match can start inside a label
    return found


def _idna_length(domain: str) -> int | None:
    try:
        return len(domain.encode("idna").decode("ascii")) or None
    except UnicodeError:  # the reference treats every encoding failure as "not a URL"
        return None


def _url_entities(text: str, without_protocol: bool = True) -> list[tuple[int, int, int]]:
    """(start, end, length of the reference's `url` string) for each URL entity, in text order."""
    if "." not in text if without_protocol else ":" not in text:
        return []
    entities: list[tuple[int, int, int]] = []
    memo: dict[int, int | None] = {}
    position = 0
    for start in _candidates(text, memo):
        if start:  # a preceding character, not inside the previous match
            if start - 1 < position or not _PREC_RE.match(text, start - 1):
                continue
        elif position:  # `^`
            continue
        before = text[start - 1] if start else ""
        protocol = _PROTOCOL_RE.match(text, start)
        domain_start, domain_end = start, None
        if protocol and (domain_end := _domain_end(text, protocol.end(), memo)) is not None:
            domain_start = protocol.end()
        else:
            protocol = None
            if (domain_end := _domain_end(text, start, memo)) is None:
                continue
        rest = _AFTER_RE.match(text, domain_end)
        assert rest is not None  # port, path and query are all optional: it matches everywhere
        position = end = rest.end()
        url, domain = text[start:end], text[domain_start:domain_end]
        puny_length = _idna_length(domain)  # the reference counts the protocol twice here
        scheme_length = len(protocol[0] if protocol else "https://")
        if not puny_length or scheme_length + len(url) - len(domain) + puny_length > 4096:
            continue
        if protocol:
            if tco := _TCO_RE.search(url):
                if tco.group(1) and len(tco.group(1)) > 40:
                    continue
                url, end = tco.group(), start + len(tco.group())
            entities.append((start, end, len(url)))
        elif without_protocol and before not in ("-", "_", ".", "/"):
            ascii_domains = _ascii_domains(domain)
            entities += [(start + a, start + b, b - a) for a, b in ascii_domains]
            if ascii_domains and rest.group(2):  # a path: the last domain takes it (and the query)
                a, b = ascii_domains[-1]
                entities[-1] = (start + a, end, len(url.replace(domain, domain[a:b])))
    return entities


def url_spans(text: str, *, require_scheme: bool = False) -> list[tuple[int, int]]:
    """Start and end index of each URL in `text`, as twitter-text's `extractUrlsWithIndices`.

    Indices refer to `text` exactly as given: nothing is normalised here, so pass NFC text (which is
    what `weighted_length` measures). With `require_scheme`, only http:// and https:// URLs count,
    like Mastodon (`extractUrlsWithoutProtocol: false`); a scheme-less URL still hides any URL in it.
    """
    return [(start, end) for start, end, _ in _url_entities(text, not require_scheme)]


# --- emoji: the Emoji 12.0 sequences of the reference's list, generated (the tests compare them) -----
_VS, _ZWJ, _KEYCAP, _BLACK_FLAG = "\ufe0f", "\u200d", "\u20e3", "\U0001f3f4"
_TONES = [chr(c) for c in range(0x1F3FB, 0x1F400)]
_TEXT_STYLE = (  # emoji shown as text unless followed by U+FE0F; their fully-qualified form has it
    "©®‼⁉™ℹ↔↕↖↗↘↙↩↪⌨⏏⏭⏮⏯⏱⏲⏸⏹⏺Ⓜ▪▫▶◀◻◼☀☁☂☃☄☎☑☘☝☠☢☣☦☪☮☯☸☹☺♀♂♟♠♣♥♦♨♻♾⚒⚔⚕⚖⚗⚙⚛⚜⚠⚰⚱⛈⛏⛑⛓⛩⛰⛱⛴"
    "⛷⛸⛹✂✈✉✌✍✏✒✔✖✝✡✳✴❄❇❣❤➡⤴⤵⬅⬆⬇〰〽㊗㊙🅰🅱🅾🅿🈂🈷🌡🌤🌥🌦🌧🌨🌩🌪🌫🌬🌶🍽🎖🎗🎙🎚🎛🎞🎟🏋🏌🏍🏎🏔🏕🏖🏗🏘🏙"
    "🏚🏛🏜🏝🏞🏟🏳🏵🏷🐿👁📽🕉🕊🕯🕰🕳🕴🕵🕶🕷🕸🕹🖇🖊🖋🖌🖍🖐🖥🖨🖱🖲🖼🗂🗃🗄🗑🗒🗓🗜🗝🗞🗡🗣🗨🗯🗳🗺🛋🛍🛎🛏🛠🛡🛢🛣🛤🛥🛩🛰🛳"
)
_TONE_BASES = (  # emoji that take a skin tone in Emoji 12.0
    "☝⛹✊✋✌✍🎅🏂🏃🏄🏇🏊🏋🏌👂👃👆👇👈👉👊👋👌👍👎👏👐👦👧👨👩👫👬👭👮👰👱👲👳👴👵👶👷👸👼💁💂💃💅💆💇💪🕴🕵🕺🖐🖕"
    "🖖🙅🙆🙇🙋🙌🙍🙎🙏🚣🚴🚵🚶🛀🛌🤏🤘🤙🤚🤛🤜🤞🤟🤦🤰🤱🤲🤳🤴🤵🤶🤷🤸🤹🤽🤾🦵🦶🦸🦹🦻🧍🧎🧏🧑🧒🧓🧔🧕🧖🧗🧘🧙🧚🧛🧜🧝"
)
_FLAGS = (  # region codes with a flag, grouped by first letter
    "ACDEFGILMOQRSTUWXZ BABDEFGHIJLMNOQRSTVWYZ CACDFGHIKLMNOPRUVWXYZ DEGJKMOZ EACEGHRSTU FIJKMOR "
    "GABDEFGHILMNPQRSTUWY HKMNRTU ICDELMNOQRST JEMOP KEGHIMNPRWYZ LABCIKRSTUVY MACDEFGHKLMNOPQRSTUVWXYZ "
    "NACEFGILOPRUZ OM PAEFGHKLMNRSTWY QA REOSUW SABCDEGHIJKLMNORSTVXYZ TACDFGHJKLMNORTVWZ UAGMNSYZ "
    "VACEGINU WFS XK YET ZAMW"
)
_GENDERED = "⛹🏃🏄🏊🏋🏌👮👯👱👳👷💁💂💆💇🕵🙅🙆🙇🙋🙍🙎🚣🚴🚵🚶🤦🤷🤸🤹🤼🤽🤾🦸🦹🧍🧎🧏🧖🧗🧘🧙🧚🧛🧜🧝🧞🧟"  # + ZWJ ♀/♂
_ROLES = "⚕⚖✈🌾🍳🎓🎤🎨🏫🏭💻💼🔧🔬🚀🚒🦯🦰🦱🦲🦳🦼🦽"  # 👨/👩 + ZWJ + role
_OTHER_ZWJ = "🏳🌈 🏴☠ 🐕🦺 👁🗨 👨❤👨 👨❤💋👨 👩❤👨 👩❤👩 👩❤💋👨 👩❤💋👩 🧑🤝🧑"  # components, ZWJ left out
_EMOJI_MAX = 8  # code points in the longest sequence
_EMOJI_SECOND = re.compile(r"[\u200d\u20e3\ufe0f\U0001F1E6-\U0001F1FF\U0001F3FB-\U0001F3FF\U000E0067]")


@cache
def _emoji_sequences() -> frozenset[str]:
    """The reference's multi-code-point emoji (its single-code-point ones weigh 2 anyway, but © and ®)."""
    found: set[str] = set()

    def add(parts: str, tones: tuple[str, ...]) -> None:  # fully-qualified form and every form lacking an FE0F
        pieces = _ZWJ.join(
            p + (t or (_VS if p in _TEXT_STYLE else "")) for p, t in zip(parts, tones, strict=True)
        ).split(_VS)
        for mask in range(1 << len(pieces) - 1):
            found.add(pieces[0] + "".join(_VS * (mask >> i & 1) + p for i, p in enumerate(pieces[1:])))

    for base in _TEXT_STYLE:
        add(base, ("",))
    found |= {key + vs + _KEYCAP for key in "#*0123456789" for vs in ("", _VS)}
    found |= {base + tone for base in _TONE_BASES for tone in _TONES}
    regional = {letter: chr(0x1F1E6 + i) for i, letter in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZ")}
    found |= {regional[group[0]] + regional[c] for group in _FLAGS.split() for c in group[1:]}
    found |= {
        _BLACK_FLAG + "".join(chr(0xE0000 + ord(c)) for c in tag) + "\U000e007f" for tag in ("gbeng", "gbsct", "gbwls")
    }  # England, Scotland, Wales
    families = [p + k for p in ("👨", "👩", "👨👨", "👨👩", "👩👩") for k in ("👦", "👦👦", "👧", "👧👦", "👧👧")]
    roles = [p + r for p in "👨👩" for r in _ROLES]
    for parts in [b + g for b in _GENDERED for g in "♀♂"] + roles + families + _OTHER_ZWJ.split():
        add(parts, ("",) * len(parts))
        if parts[0] in _TONE_BASES and not any(p in _TONE_BASES for p in parts[1:]):
            for tone in _TONES:
                add(parts, (tone,) + ("",) * (len(parts) - 1))
    for i, left in enumerate(_TONES):  # people holding hands, two skin tones
        for j, right in enumerate(_TONES):
            for parts, ok in (("🧑🤝🧑", j <= i), ("👩🤝👩", j < i), ("👨🤝👨", j < i), ("👩🤝👨", j != i)):
                if ok:
                    add(parts, (left, "", right))
    return frozenset(s for s in found if len(s) > 1)


def _emoji_entities(text: str) -> list[tuple[int, int]]:
    """(start, length) of each multi-code-point emoji, leftmost-longest like the reference's finditer."""
    found, position = [], 0
    for m in _EMOJI_SECOND.finditer(text, 1):  # every sequence's second code point is one of these
        if (i := m.start() - 1) >= position:
            sequences = _emoji_sequences()
            for n in range(min(_EMOJI_MAX, len(text) - i), 1, -1):
                if text[i : i + n] in sequences:
                    found.append((i, n))
                    position = i + n
                    break
    return found


# --- length ----------------------------------------------------------------------------------------
_HEAVY = re.compile(r"[^\x00-\xa8\xaa-\xad\xaf-\u10ff\u2000-\u200d\u2010-\u201f\u2032-\u2037]")  # weight 2


def _heavy(text: str) -> int:
    return 0 if text.isascii() else len(_HEAVY.findall(text))


def _normalize(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def _weighted(text: str) -> int:
    """Weighted length of normalised text: every code point's weight, then each entity's weight in
    place of its code points' (© and ® count as the single-code-point emoji they are)."""
    total = len(text) + _heavy(text)
    entities = [(start, 0, length, URL_LENGTH) for start, _, length in _url_entities(text)]
    if not text.isascii():
        entities += [(start, 1, length, 2) for start, length in _emoji_entities(text)]
    position = 0
    for start, _, length, weight in sorted(entities):  # a URL wins over an emoji at the same index
        if start >= position:
            total += weight - length - _heavy(text[start : start + length])
            position = start + length
    return total


def weighted_length(text: str) -> int:
    """twitter-text v3 `weightedLength` of `text` (NFC-normalised first); X allows at most 280."""
    return _weighted(_normalize(text))


def is_valid(text: str, *, weighted: int | None = None) -> bool:
    """twitter-text v3 validity: 0 < weighted length <= 280 and no U+FFFE, U+FEFF or U+FFFF.
    `weighted`: the text's `weighted_length` when the caller has it already (spares counting again)."""
    text = _normalize(text)
    length = _weighted(text) if weighted is None else weighted
    return 0 < length <= MAX_LENGTH and not any(c in text for c in "\ufffe\ufeff\uffff")
