"""Helpers that templates call: hashtags, UTM tagging of links, short paragraphs, fixed phrases."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from scheduler.text.entities import url_spans
from scheduler.text.sentences import sentences
from scheduler.text.trackers import tracking


def add_utm(url: str, *, source: str, campaign: str, medium: str = "social") -> str:
    """Add `utm_source`, `utm_medium` and `utm_campaign` to a web link, keeping its query and
    fragment; parameters the link already has are left as they are; other links are unchanged, and
    so is a link through a mailing tool's click tracker (its parameters would not reach the article,
    only make the tracker's address longer)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or tracking(url):
        return url
    query = parse_qsl(parts.query, keep_blank_values=True)
    present = {key for key, _ in query}
    for key, value in (("utm_source", source), ("utm_medium", medium), ("utm_campaign", campaign)):
        if key not in present:
            query.append((key, value))
    return urlunsplit(parts._replace(query=urlencode(query)))


def format_hashtags(*groups: Iterable[str]) -> str:
    """`#A #B`: the tags of all groups in order, without duplicates (compared case-insensitively)."""
    seen: dict[str, str] = {}
    for group in groups:
        for tag in group:
            tag = tag.strip().lstrip("#")
            if tag and tag.casefold() not in seen:
                seen[tag.casefold()] = tag
    return " ".join(f"#{tag}" for tag in seen.values())


#: The fixed phrases of the default templates, per issue language (`phrases.read_more` in a template);
#: other languages get the English ones.
PHRASES: dict[str, dict[str, str]] = {
    "de": {"read_more": "Mehr dazu"},
    "en": {"read_more": "Read more"},
}


def phrases(language: str) -> dict[str, str]:
    return PHRASES.get(language, PHRASES["en"])


def tag_links(text: str, tag: Callable[[str], str]) -> str:
    """`text` with each web link replaced by `tag(link)` (e.g. UTM-tagged)."""
    if "://" not in text and "www." not in text.lower():
        return text
    out, position = [], 0
    for span in url_spans(text):
        link = span.text if "://" in span.text else "https://" + span.text
        tagged = tag(link)
        out += [text[position : span.start], span.text if tagged == link else tagged]
        position = span.end
    out.append(text[position:])
    return "".join(out)


def paragraphs(text: str, language: str, *, size: int = 320) -> str:
    """`text` in short paragraphs, blank lines between: its first sentence alone (the hook), then
    sentences grouped while a paragraph stays within `size` characters (two or three, as a rule).
    Existing paragraph breaks are kept."""
    out: list[str] = []
    for block in (block.strip() for block in text.split("\n\n")):
        if not block:
            continue
        current = ""
        for sentence in sentences(" ".join(block.split()), language):
            if not out and not current:
                out.append(sentence)  # the hook stands alone
            elif current and len(current) + 1 + len(sentence) > size:
                out.append(current)
                current = sentence
            else:
                current = f"{current} {sentence}" if current else sentence
        if current:
            out.append(current)
    return "\n\n".join(out)
