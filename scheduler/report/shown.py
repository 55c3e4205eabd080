"""A post's text as its platform shows it: on Bluesky, links in their short form (the record's text);
everywhere else, as written."""

from __future__ import annotations

from scheduler.platforms import registry


def shown(platform: str, part: str) -> str:
    return registry.get(platform).show(part)
