"""Helpers that templates call: hashtags, UTM tagging of links, short paragraphs, fixed phrases."""

from __future__ import annotations

import re
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


def _written(url: str) -> re.Pattern[str] | None:
    """How `url` may be written in a text: with or without scheme and "www.", with or without a
    slash at the end; not as the start of a longer address (`…/juleica.html`, `…/juleica/2025`)."""
    try:
        parts = urlsplit(url)
        port = f":{parts.port}" if parts.port else ""
    except ValueError:  # no address, or a port that is no number
        return None
    host = (parts.hostname or "").removeprefix("www.")
    if parts.scheme not in ("http", "https") or not host or parts.username or parts.password:
        return None
    rest = (f"?{parts.query}" if parts.query else "") + (f"#{parts.fragment}" if parts.fragment else "")
    return re.compile(
        rf"(?<![\w.@/:-])(?:https?://)?(?:www\.)?(?i:{re.escape(host)}){re.escape(port + parts.path.rstrip('/'))}/?"
        rf"{re.escape(rest)}(?!\.?[\w/?#=&%+~@-])"
    )


def link_in_text(text: str, url: str, *, after_colon: bool = True) -> str | None:
    """`text` with the link `url` in it, or None when it has no place for it. Where the text writes
    the address already ("Alle Termine: verein.example/termine", "www.verein.example/termine/"),
    each mention becomes `url` itself: a platform makes a link only of a full address, and the
    link is tagged like any in the text. Where the text ends in a colon ("Anmeldung bis 25. April:")
    and `after_colon`, `url` follows it."""
    pattern = _written(url)
    if pattern is not None and pattern.search(text):
        return pattern.sub(lambda _: url, text)
    stripped = text.rstrip()
    if after_colon and stripped.endswith(":"):
        return f"{stripped} {url}"
    return None


#: A list's entry: "• Chat: Samstag 14–20 Uhr", "  – nested", "2. Schritt".
_ENTRY = re.compile(r"^\s*(?:[•◦▪‣*–-]|\d{1,2}[.)])\s+\S")


def paragraphs(text: str, language: str, *, size: int = 320) -> str:
    """`text` in short paragraphs, blank lines between: its first sentence alone (the hook), then
    sentences grouped while a paragraph stays within `size` characters (two or three, as a rule).
    Existing paragraph breaks are kept, and so is a list (a block whose every line is an entry): its
    entries stay one a line."""
    out: list[str] = []
    for block in (block.strip() for block in text.split("\n\n")):
        if not block:
            continue
        lines = block.split("\n")
        if all(_ENTRY.match(line) for line in lines):
            out.append("\n".join(line.rstrip() for line in lines))
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
