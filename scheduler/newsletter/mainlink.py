"""Which of an item's links sends its readers on: the main link, and the item's links in order.

The main link is a heading's own link, else a "read more" link ("Weiterlesen", "hier", "Sign up for
a shift"), else the link whose text is the item's title — any site's home page but the
organisation's own will do for these —, else the first link in the item's text that is no site's
home page. Never a social network profile, a share button, an address within the page or an
e-mail address. A link through a mailing tool's click tracker gives way to the address the e-mail
shows as its target, or else to an address written out in the item's text: a post should send its
readers to the article, not through the newsletter's tracker. A button of its own with other words ("Join a mapathon") is a call to action of
its own, not the item's link.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from scheduler.newsletter import noise
from scheduler.newsletter.document import Block, Document, Link
from scheduler.newsletter.links import extract_links, never_main, site
from scheduler.newsletter.rules import Rules
from scheduler.text.trackers import tracking

TITLE_LENGTH = 150  # the longest link text taken for a title
URLS_AND_ADDRESSES = re.compile(r"(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def title_link(blocks: Sequence[Block], rules: Rules, own: frozenset[str] | None) -> Link | None:
    """The first link whose text reads like a title: it opens its block (a link in the middle of a
    sentence, "Die <a>Ergebnisse des Treffens</a> stehen bereit", is no title), two words or more,
    not "read more", not an address, and pointing somewhere an item may send its readers."""
    for block in blocks:
        for link in block.links:
            text = " ".join(link.text.split())
            if (
                noise.key(block.text).startswith(noise.key(text))
                and len(text.split()) >= 2
                and len(text) <= TITLE_LENGTH
                and not rules.is_read_more(text)
                and not URLS_AND_ADDRESSES.search(text)
                and not never_main(link.shown or link.url, own=own)
            ):
                return link
    return None


def _button(block: Block) -> bool:
    """A block that is one link and nothing else (a button such as "Join a mapathon")."""
    return bool(block.text) and len(block.links) == 1 and noise.key(block.links[0].text) == noise.key(block.text)


def main_link(
    heading: Block | None, blocks: Sequence[Block], titled_by: Link | None, rules: Rules, own: frozenset[str] | None
) -> str | None:
    """A heading's own link, else a "read more" link, else the title's link — any site's home
    page but the organisation's (`own`) will do for these —, else the first link in the item's
    text that is no site's home page (a button of its own with other words is a call to action of
    its own)."""

    def usable(link: Link, own: frozenset[str] | None) -> bool:
        return not link.url.startswith("#") and not never_main(link.shown or link.url, own=own)

    candidates: list[Link] = []
    if heading is not None:
        candidates += [link for link in heading.links if usable(link, own)]
    candidates += [link for b in blocks for link in b.links if rules.is_read_more(link.text) and usable(link, own)]
    if titled_by is not None:
        candidates.append(titled_by)
    candidates += [link for b in blocks if not _button(b) for link in b.links if usable(link, None)]
    if candidates:
        chosen = candidates[0]
        if not tracking(chosen.url):
            return chosen.url
        if chosen.shown and not never_main(chosen.shown):
            return chosen.shown
        return _written(blocks) or chosen.url
    return _written(blocks)


def _written(blocks: Sequence[Block]) -> str | None:
    """The first web address written out in the blocks' text that may be a main link."""
    for block in blocks:  # addresses written out in the text (copied text has no others)
        for url in extract_links(block.text):
            if not never_main(url):
                return url
    return None


def own_sites(document: Document) -> frozenset[str] | None:
    """The organisation's own sites, whose home pages are never a main link: the page's, else the
    site most linked to (three links or more); None when unknown (every home page then counts)."""
    if document.url:
        return frozenset({site(document.url)})
    counts = Counter(site(link.shown or link.url) for block in document.blocks for link in block.links)
    counts.pop("", None)
    if not counts:
        return None
    top, count = counts.most_common(1)[0]
    return frozenset({top}) if count >= 3 else None


def item_links(document: Document, blocks: Sequence[Block]) -> tuple[str, ...]:
    """Every web and e-mail link of the blocks in order, once; links within the page left out."""
    page = document.url.split("#", 1)[0]
    found: list[str] = []
    for block in blocks:
        for url in [*(link.url for link in block.links), *extract_links(block.text)]:
            if not url.startswith(("http://", "https://", "mailto:")):
                continue
            if page and "#" in url and url.split("#", 1)[0] == page:
                continue
            found.append(url)
    return tuple(dict.fromkeys(found))
