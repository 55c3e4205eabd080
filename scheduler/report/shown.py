"""A post's text as its platform shows it: on Bluesky, links in their short form (the record's text);
everywhere else, as written."""

from __future__ import annotations

from scheduler.text.facets import shown_text


def shown(platform: str, part: str) -> str:
    return shown_text(part) if platform == "bluesky" else part
