"""Post length exactly as each platform counts it, and whether it fits.

| platform | unit                                                         | limit   |
|----------|--------------------------------------------------------------|---------|
| x        | twitter-text v3 weighted length (URLs 23, CJK and emoji 2)   | 280     |
| mastodon | grapheme clusters; http(s) URLs 23; @user@host as @user;     | 500 *   |
|          | spoiler_text counts too                                      |         |
| bluesky  | grapheme clusters AND UTF-8 bytes of the text as shown,      | 300 / 3000 |
|          | links in their short form (`text.facets.shown_text`)         |         |
| linkedin | UTF-16 code units of the escaped commentary                  | 3000    |
| threads  | characters, each emoji counting its UTF-8 bytes              | 500     |
| facebook | UTF-16 code units                                            | 63,206  |

* per instance (`configuration.statuses.max_characters`). Each platform's module names its rule and
limit (`scheduler.platforms.registry.measure` measures by platform name).
LinkedIn's and Facebook's unit is not documented; UTF-16 code units (what Java and JavaScript count)
is never less than the number of characters, so a post we call fitting is not rejected.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from scheduler.text import littletext, twitter
from scheduler.text.entities import MENTION
from scheduler.text.facets import shown_text
from scheduler.text.graphemes import emoji_clusters, grapheme_count, utf16_length

MASTODON_URL_LENGTH = 23


@dataclass(frozen=True, slots=True)
class Measure:
    """A text's length on one platform; `problem` says why it does not fit (None when it fits)."""

    length: int
    limit: int
    problem: str | None = None

    @property
    def fits(self) -> bool:
        return self.problem is None


def _over(length: int, limit: int, unit: str) -> str | None:
    return f"{length} {unit} exceeds the limit of {limit}" if length > limit else None


def measure_x(text: str, spoiler_text: str = "", *, limit: int = 280) -> Measure:
    length = twitter.weighted_length(text)
    if not text.strip():
        return Measure(length, limit, "an empty post cannot be sent")
    if length <= limit and not twitter.is_valid(text, weighted=length):
        return Measure(length, limit, "contains characters X rejects (U+FFFE, U+FEFF or U+FFFF)")
    return Measure(length, limit, _over(length, limit, "weighted characters"))


def mastodon_countable(text: str) -> str:
    """Mastodon's `countable_text`: each http(s) URL as 23 characters, `@user@host` as `@user`."""
    text = unicodedata.normalize("NFC", text)
    spans = [(start, end, "url") for start, end in twitter.url_spans(text, require_scheme=True)]
    if "@" in text:
        spans += [(m.start(), m.end(), "@" + m.group(1)) for m in MENTION.finditer(text)]
    spans.sort(key=lambda span: (span[0], -span[1]))
    parts, position = [], 0
    for start, end, kind in spans:
        if start < position:
            continue  # overlapping entity: the earlier one wins, as in twitter-text
        parts.append(text[position:start])
        parts.append("x" * MASTODON_URL_LENGTH if kind == "url" else kind)
        position = end
    parts.append(text[position:])
    return "".join(parts)


def measure_mastodon(text: str, spoiler_text: str = "", *, limit: int = 500) -> Measure:
    length = grapheme_count(spoiler_text + mastodon_countable(text))
    return Measure(length, limit, _over(length, limit, "characters"))


def measure_bluesky(text: str, spoiler_text: str = "", *, limit: int = 300) -> Measure:
    text = shown_text(text)  # what the record's text will be: links shortened, the facet holds the address
    length = grapheme_count(text)
    size = len(text.encode())
    problem = _over(length, limit, "graphemes") or _over(size, 3000, "UTF-8 bytes")
    return Measure(length, limit, problem)


def measure_linkedin(text: str, spoiler_text: str = "", *, limit: int = 3000) -> Measure:
    length = utf16_length(littletext.commentary(text))
    return Measure(length, limit, _over(length, limit, "characters of escaped commentary"))


def threads_length(text: str) -> int:
    """Meta counts each emoji as its UTF-8 byte length; other characters count one each."""
    return len(text) + sum(len(emoji.encode()) - len(emoji) for emoji in emoji_clusters(text))


def measure_threads(text: str, spoiler_text: str = "", *, limit: int = 500) -> Measure:
    length = threads_length(text)
    return Measure(length, limit, _over(length, limit, "characters (emoji count their UTF-8 bytes)"))


def measure_facebook(text: str, spoiler_text: str = "", *, limit: int = 63_206) -> Measure:
    length = utf16_length(text)
    return Measure(length, limit, _over(length, limit, "characters"))
