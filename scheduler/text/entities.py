"""Finding the parts of a post that must stay whole: links, e-mail addresses, hashtags, mentions."""

from __future__ import annotations

import re
from dataclasses import dataclass

# A web link with a scheme, or starting with www. Trailing sentence punctuation is not part of it.
_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"'“”„«»]+", re.IGNORECASE)
_URL_TRAILING = ".,;:!?…'\"’”)]}"
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b")
# A hashtag: '#' not preceded by a word character or '&' (HTML entities), then a word that
# starts with a letter (so '#1' or '#' alone are not hashtags).
HASHTAG = re.compile(r"(?<![\w&#])#([^\W\d_][\w]*)")
# Mastodon's Account::MENTION_RE: @user or @user@domain.
MENTION = re.compile(r"(?<![=/\w])@([a-z0-9_]+(?:[.-]+[a-z0-9_]+)*)(?:@[\w.-]+\w+)?", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Span:
    """A piece of text at str indices [start, end)."""

    start: int
    end: int
    kind: str  # "url" | "email" | "hashtag" | "mention"
    text: str


def _trim_url(text: str, start: int, end: int) -> int:
    """Drop trailing punctuation, but keep a closing parenthesis that balances one in the URL."""
    while end > start and text[end - 1] in _URL_TRAILING:
        if text[end - 1] == ")" and text.count("(", start, end) >= text.count(")", start, end):
            break
        end -= 1
    return end


def url_spans(text: str) -> list[Span]:
    if "://" not in text and "www." not in text.lower():  # what every match contains: spares the scan
        return []
    spans = []
    for match in _URL.finditer(text):
        end = _trim_url(text, match.start(), match.end())
        spans.append(Span(match.start(), end, "url", text[match.start() : end]))
    return spans


def protected_spans(text: str) -> list[Span]:
    """Every link, e-mail address, hashtag and mention, sorted, without overlaps."""
    found = url_spans(text)
    for pattern, kind, sign in ((_EMAIL, "email", "@"), (HASHTAG, "hashtag", "#"), (MENTION, "mention", "@")):
        if sign in text:  # every match contains it: spares the scan
            found += [Span(m.start(), m.end(), kind, m.group(0)) for m in pattern.finditer(text)]
    found.sort(key=lambda span: (span.start, -span.end))
    result: list[Span] = []
    for span in found:
        if not result or span.start >= result[-1].end:
            result.append(span)
    return result


def hashtag_spans(text: str) -> list[Span]:
    """Hashtags outside links (a '#fragment' in a URL is not a hashtag)."""
    return [span for span in protected_spans(text) if span.kind == "hashtag"]
