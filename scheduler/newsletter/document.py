"""What every reader hands on: an issue as a `Document` of `Block`s, before it is split into items.

A reader (plain text, an HTML page, an HTML e-mail, Markdown, a feed entry, an e-mail message) knows
its format; it does not decide what an item is. It turns its input into blocks in reading order —
headings with their level, paragraphs, list entries — each with clean text (entities decoded,
whitespace normalised, no template residue), the links it holds with their visible text, and its
images with their alt text. `scheduler.newsletter.itemize` then splits any document into items
with the same rules, so that every format gives the same items for the same issue.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from scheduler.models import Image


class Kind(StrEnum):
    HEADING = "heading"
    PARAGRAPH = "paragraph"
    LIST_ITEM = "list_item"


@dataclass(frozen=True, slots=True)
class Link:
    """A link as the reader saw it: `url` absolute (resolved against the page) or `mailto:` — or,
    where the page's address is unknown, relative as written (no post can use it; its item's posts
    name it); `text` what the reader clicks ("" for an image link). A tracking redirect stays as it
    is; `shown` is the address the e-mail shows as the link's target when it shows one, else the
    target the tracker's own address carries (`text.trackers.target`), else ""."""

    url: str
    text: str = ""
    shown: str = ""


@dataclass(frozen=True, slots=True)
class Block:
    """One heading, paragraph or list entry. `text` is what a reader reads (link texts in place);
    `lead` a bold lead-in that opens it ("Neu im Netzwerk:"), "" for none; `level` a heading's level
    (1–6) or a list entry's depth (1 = top level); `date` a date the source gives this block (a feed
    entry's); `after_break` whether a thematic break (Markdown's `---`, a horizontal rule) stands
    right above it, which ends the item before it."""

    kind: Kind
    text: str
    level: int = 1
    links: tuple[Link, ...] = ()
    images: tuple[Image, ...] = ()
    lead: str = ""
    date: dt.date | None = None
    after_break: bool = False


@dataclass(frozen=True, slots=True)
class Document:
    """An issue as read: its blocks in reading order, and what the source says about the whole —
    its title, date and declared language ("" to detect), and the address it came from (links and
    images are already resolved against it)."""

    blocks: tuple[Block, ...]
    title: str = ""
    date: dt.date | None = None
    language: str = ""
    url: str = ""
