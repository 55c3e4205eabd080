"""Link cards: the title, description and image a page announces about itself, for a Bluesky
`app.bsky.embed.external` (the PDS does not fetch pages: the client reads them).

The page is parsed with Beautiful Soup (Python's own `html.parser` underneath, so no compiled
library): `og:title`, `og:description` and `og:image` first, then `<title>`, the `description` meta
tag and the `twitter:` tags. Only a page's head matters, so a long page is read up to a cap and cut.

A link card is a courtesy: a page that cannot be fetched or read, or that names neither a title nor a
description, means no card (`card` returns None and logs why) — never a failed post. An image that
cannot be fetched, is not JPEG, PNG, GIF or WebP, or is larger than Bluesky's 1,000,000 bytes means a
card without a thumbnail.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urljoin

from bs4 import BeautifulSoup

from scheduler import media
from scheduler.errors import PublishError
from scheduler.platforms.fetching import Fetched, Fetcher
from scheduler.text.graphemes import grapheme_boundaries

log = logging.getLogger(__name__)

HTML_TYPES = ("text/html", "application/xhtml+xml", "")
#: app.bsky.embed.external#external.thumb: maxSize 1,000,000 bytes (lexicon).
MAX_THUMB_BYTES = 1_000_000
#: Enough for any page's <head>; the rest of a longer page is not read.
MAX_PAGE_BYTES = 1_000_000
# Bluesky sets no limit on a card's title or description; a page can put anything there.
TITLE_LIMIT, DESCRIPTION_LIMIT = 300, 1000

_TITLE_KEYS = ("og:title", "twitter:title")
_DESCRIPTION_KEYS = ("og:description", "description", "twitter:description")
_IMAGE_KEYS = ("og:image", "og:image:url", "og:image:secure_url", "twitter:image", "twitter:image:src")


@dataclass(frozen=True, slots=True)
class PageInfo:
    """What a page says about itself: title and description (may be empty) and an absolute image URL."""

    title: str
    description: str
    image: str | None


@dataclass(frozen=True, slots=True)
class Thumb:
    data: bytes
    mime: str

    def __repr__(self) -> str:  # never the bytes
        return f"Thumb(mime={self.mime!r}, size={len(self.data)})"


@dataclass(frozen=True, slots=True)
class LinkCard:
    """A link card's contents: the linked address, the page's title and description, and its image."""

    uri: str
    title: str
    description: str
    thumb: Thumb | None = None


def _clean(text: str | None, limit: int) -> str:
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    cut = max(boundary for boundary in grapheme_boundaries(text) if boundary <= limit - 1)
    return text[:cut].rstrip() + "…"


def read_page(html: bytes, *, url: str, charset: str | None = None) -> PageInfo:
    """Title, description and image of the page at `url` from its HTML (relative image addresses are
    resolved against `url`, or against the page's <base href>)."""
    soup = BeautifulSoup(html, "html.parser", from_encoding=charset)
    meta: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        key = str(tag.get("property") or tag.get("name") or "").strip().lower()
        content = tag.get("content")
        if key and isinstance(content, str) and content.strip() and key not in meta:
            meta[key] = content
    title = next((meta[key] for key in _TITLE_KEYS if key in meta), None)
    if title is None and soup.title is not None:
        title = soup.title.get_text()
    description = next((meta[key] for key in _DESCRIPTION_KEYS if key in meta), "")
    image = next((meta[key].strip() for key in _IMAGE_KEYS if key in meta), None)
    base = soup.find("base", href=True)
    if image is not None:
        image = urljoin(urljoin(url, str(base["href"])) if base is not None else url, image)
        if not image.startswith(("https://", "http://")):
            image = None
    return PageInfo(title=_clean(title, TITLE_LIMIT), description=_clean(description, DESCRIPTION_LIMIT), image=image)


class LinkCards:
    """Builds link cards by fetching pages and their images through a `Fetcher`."""

    def __init__(self, fetcher: Fetcher | None = None) -> None:
        self.fetcher = fetcher or Fetcher()

    def __repr__(self) -> str:
        return f"LinkCards({self.fetcher!r})"

    def card(self, uri: str) -> LinkCard | None:
        """The card for `uri`, or None when the page cannot be fetched or says nothing about itself."""
        try:
            page = self.fetcher.get(
                uri, max_bytes=MAX_PAGE_BYTES, truncate=True, accept="text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"
            )
        except PublishError as error:
            log.info("no link card for %s: %s", uri, error)
            return None
        if page.content_type not in HTML_TYPES:
            log.info("no link card for %s: %s is not a web page", uri, page.content_type)
            return None
        info = read_page(page.body, url=page.url, charset=page.charset)
        if not info.title and not info.description:
            log.info("no link card for %s: the page names no title or description", uri)
            return None
        thumb = self._thumb(info.image, uri) if info.image else None
        return LinkCard(uri=uri, title=info.title, description=info.description, thumb=thumb)

    def _thumb(self, image: str, uri: str) -> Thumb | None:
        try:
            fetched: Fetched = self.fetcher.get(image, max_bytes=MAX_THUMB_BYTES, accept="image/*")
        except PublishError as error:
            log.info("link card for %s without its image: %s", uri, error)
            return None
        mime = media.sniff(fetched.body[:16])
        if mime is None:
            log.info("link card for %s without its image: %s is not a JPEG, PNG, GIF or WebP image", uri, image)
            return None
        return Thumb(data=fetched.body, mime=mime)
