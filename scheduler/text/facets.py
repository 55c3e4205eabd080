"""Bluesky rich-text facets: links, hashtags and mentions with UTF-8 byte offsets.

A URL in a Bluesky post is only a link when a facet says so, and facet offsets count UTF-8 bytes,
not characters: `text.encode()[byteStart:byteEnd]` must be exactly the link text.

Because the link is the facet, the text need not spell it out: like the Bluesky app, a post shows a
link as its host and the start of its path (`www.example.org/aktuelles/vera…`), and the facet points
to the full address. A post's stored text (its parts) keeps the full address; `rich_text` makes the
short form when the record is built, and Bluesky's length (`text.length`) counts `shown_text`. The
app shows 13 characters of the path and `...`; we show 15 and `…`, the same width. `utm_*`
parameters are left out of the short form (they are in the facet's address).

A mention is `@handle` where the handle is a domain name (`@verein.bsky.social`); its facet names
the account's DID, which only the PDS knows, so the caller passes `did_of`. A handle that does not
resolve (`did_of` returns None) stays plain text: no facet, the post still goes out. Mastodon-style
`@user@host` and bare `@user` are not Bluesky handles and get no facet either.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

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


#: How many characters of a link's path (with query and fragment) the short form shows at most.
SHOWN_PATH = 16


def _uri(link: str) -> str:
    return link if "://" in link else "https://" + link


def short_link(link: str) -> str:
    """`https://www.example.org/aktuelles/veranstaltungen?utm_source=…` → `www.example.org/aktuelles/vera…`:
    the host (lower case, with its port) and the path, query and fragment, cut to 15 characters and `…`
    when longer than 16; `utm_*` parameters are left out. Anything but an http(s) link is returned as it is."""
    try:
        parts = urlsplit(_uri(link))
        host = (parts.hostname or "") + (f":{parts.port}" if parts.port else "")
    except ValueError:
        return link
    if parts.scheme.lower() not in ("http", "https") or not host:
        return link
    query = urlencode(
        [(key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True) if not key.startswith("utm_")]
    )
    path = (
        ("" if parts.path == "/" else parts.path)
        + (f"?{query}" if query else "")
        + (f"#{parts.fragment}" if parts.fragment else "")
    )
    if len(path) > SHOWN_PATH:
        path = path[: SHOWN_PATH - 1] + "…"
    return host + path


@dataclass(frozen=True, slots=True)
class RichText:
    """A Bluesky record's `text` (links in their short form) and its `facets`."""

    text: str
    facets: list[dict[str, Any]]


def rich_text(text: str, *, did_of: Resolver = placeholder_did) -> RichText:
    """The record text of `text` as Bluesky shows it — each web link in its short form — with a link
    facet (to the full address) for every link, a tag facet for every hashtag and a mention facet for
    every Bluesky handle that `did_of` resolves (the others stay plain text)."""
    shown = bytearray()
    result: list[dict[str, Any]] = []
    position = 0
    for span in protected_spans(text):
        shown += text[position : span.start].encode()
        position = span.end
        piece = span.text
        feature: dict[str, Any] | None = None
        if span.kind == "url":
            piece = short_link(span.text)
            feature = {"$type": "app.bsky.richtext.facet#link", "uri": _uri(span.text)}
        elif span.kind == "hashtag":
            feature = {"$type": "app.bsky.richtext.facet#tag", "tag": span.text[1:]}
        elif span.kind == "mention" and (handle := _handle(span)) is not None:
            if (did := did_of(handle)) is not None:  # unresolvable: plain text rather than a mention of nobody
                feature = {"$type": "app.bsky.richtext.facet#mention", "did": did}
        start = len(shown)
        shown += piece.encode()
        if feature is not None:
            result.append({"index": {"byteStart": start, "byteEnd": len(shown)}, "features": [feature]})
    shown += text[position:].encode()
    return RichText(shown.decode(), result)


def shown_text(text: str) -> str:
    """`text` as a Bluesky post shows it: each web link in its short form (see `short_link`)."""
    if "://" not in text and "www." not in text.lower():
        return text  # no link to shorten (the common case while fitting: spares the entity scan)
    out, position = [], 0
    for span in protected_spans(text):
        if span.kind == "url":
            out += [text[position : span.start], short_link(span.text)]
            position = span.end
    out.append(text[position:])
    return "".join(out)
