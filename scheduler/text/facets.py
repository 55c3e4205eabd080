"""Bluesky rich-text facets: links and hashtags with UTF-8 byte offsets.

A URL in a Bluesky post is only a link when a facet says so, and facet offsets count UTF-8 bytes,
not characters: `text.encode()[byteStart:byteEnd]` must be exactly the link text.
"""

from __future__ import annotations

from typing import Any

from scheduler.text.entities import protected_spans


def facets(text: str) -> list[dict[str, Any]]:
    """Link facets for every web link and tag facets for every hashtag in `text`."""
    result: list[dict[str, Any]] = []
    for span in protected_spans(text):
        if span.kind == "url":
            uri = span.text if "://" in span.text else "https://" + span.text
            feature: dict[str, Any] = {"$type": "app.bsky.richtext.facet#link", "uri": uri}
        elif span.kind == "hashtag":
            feature = {"$type": "app.bsky.richtext.facet#tag", "tag": span.text[1:]}
        else:
            continue
        byte_start = len(text[: span.start].encode())
        byte_end = byte_start + len(span.text.encode())
        result.append({"index": {"byteStart": byte_start, "byteEnd": byte_end}, "features": [feature]})
    return result
