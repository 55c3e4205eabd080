"""Helpers that templates call: hashtags and UTM tagging of links."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit


def add_utm(url: str, *, source: str, campaign: str, medium: str = "social") -> str:
    """Add `utm_source`, `utm_medium` and `utm_campaign` to a web link, keeping its query and
    fragment; parameters the link already has are left as they are; other links are unchanged."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
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
