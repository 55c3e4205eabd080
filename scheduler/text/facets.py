"""Bluesky rich-text facets: links, hashtags and mentions with UTF-8 byte offsets.

A URL in a Bluesky post is only a link when a facet says so, and facet offsets count UTF-8 bytes,
not characters: `text.encode()[byteStart:byteEnd]` must be exactly the link text.

A mention is `@handle` where the handle is a domain name (`@verein.bsky.social`); its facet names
the account's DID, which only the PDS knows, so the caller passes `did_of`. A handle that does not
resolve (`did_of` returns None) stays plain text: no facet, the post still goes out. Mastodon-style
`@user@host` and bare `@user` are not Bluesky handles and get no facet either.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from scheduler.text.entities import Span, protected_spans

#: handle → DID, or None when the handle does not resolve.
Resolver = Callable[[str], str | None]

# atproto handle syntax: labels of letters, digits and hyphens (not at either end), at least two
# labels, the last one starting with a letter; 253 characters at most.
_HANDLE = re.compile(r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?")


def placeholder_did(handle: str) -> str:
    """What a payload built without an account shows in place of a mentioned account's DID."""
    return f"<DID of @{handle}>"


def _handle(span: Span) -> str | None:
    """The Bluesky handle of a mention span (lower-cased, as handles are case-insensitive), or None."""
    name = span.text[1:]
    if len(name) > 253 or not _HANDLE.fullmatch(name):
        return None
    return name.lower()


def handles(text: str) -> list[str]:
    """The Bluesky handles mentioned in `text`, lower-cased, each once, in order."""
    found: list[str] = []
    for span in protected_spans(text):
        if span.kind == "mention" and (handle := _handle(span)) and handle not in found:
            found.append(handle)
    return found


def facets(text: str, *, did_of: Resolver = placeholder_did) -> list[dict[str, Any]]:
    """Link facets for every web link, tag facets for every hashtag and mention facets for every
    Bluesky handle in `text` that `did_of` resolves (the others stay plain text)."""
    result: list[dict[str, Any]] = []
    for span in protected_spans(text):
        if span.kind == "url":
            uri = span.text if "://" in span.text else "https://" + span.text
            feature: dict[str, Any] = {"$type": "app.bsky.richtext.facet#link", "uri": uri}
        elif span.kind == "hashtag":
            feature = {"$type": "app.bsky.richtext.facet#tag", "tag": span.text[1:]}
        elif span.kind == "mention" and (handle := _handle(span)) is not None:
            did = did_of(handle)
            if did is None:  # unresolvable: plain text rather than a mention of nobody
                continue
            feature = {"$type": "app.bsky.richtext.facet#mention", "did": did}
        else:
            continue
        byte_start = len(text[: span.start].encode())
        byte_end = byte_start + len(span.text.encode())
        result.append({"index": {"byteStart": byte_start, "byteEnd": byte_end}, "features": [feature]})
    return result
