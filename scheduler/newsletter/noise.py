"""What is not an item, taken out of a document's blocks before they are split into items.

In reading order: everything above the issue's title (a page's header and menu); navigation lines,
boilerplate (credits, "view in browser", share buttons, bylines, cookie banners) and the footer,
which ends the issue (a call for submissions, unsubscribing, the imprint; or the issue's title
again); the editor's greeting with the editorial it opens, the sign-off with the signature under
it; a table of contents (entries that repeat later headings or titles, or link within the page);
a list of dates (three or more short dated lines, or the dated lines under a heading such as
"Termine"), unless `Rules.keep_events` keeps it as one item; a funding note closing the issue.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, replace

from scheduler.newsletter.dates import leading_date
from scheduler.newsletter.document import Block, Document, Kind
from scheduler.newsletter.rules import Rules

#: Blocks longer than this are never taken for boilerplate or a footer: a paragraph of news that
#: mentions "unsubscribe" or "Datenschutz" stays.
_SHORT = 300
#: A block at most this long may be an entry of a table of contents or a line of a list of dates.
_ENTRY = 200
_LONG = 200  # a paragraph this long above the title is content, not a page's header
_BULLET = re.compile(r"^\s*(?:[•*·›»>→–-]|\d{1,2}[.)])\s+")
_PAGE_NUMBER = re.compile(r"(?:\s*(?:\.{2,}|…|\t)\s*\d{1,3}|\s+(?:s\.|seite|page|p\.)\s*\d{1,3})\s*$", re.IGNORECASE)
_NON_WORD = re.compile(r"[\W_]+")
_SENTENCE_END = re.compile(r"[.!?…]$")


def key(text: str) -> str:
    """What two mentions of one title share: `1. Neue Geschäftsführerin …… 3` → `neue geschäftsführerin`."""
    text = _PAGE_NUMBER.sub("", _BULLET.sub("", text.casefold()))
    return _NON_WORD.sub(" ", text).strip()


@dataclass(frozen=True, slots=True)
class ItemTitle(Block):
    """A heading its reader knows to be an item's title — a feed entry's, when the entry is one
    item. The reader has decided what it is: never a section (`structure`), never a table of
    contents' entry, kept when nothing stands under it (the item is then its title and link) and
    when it repeats the issue's title (an issue of one item)."""


def content(document: Document, blocks: Sequence[Block], rules: Rules, *, editorial: bool = True) -> list[Block]:
    """`blocks` (the document's, headings found) without what is not an item. With `editorial`
    False only the greeting and sign-off themselves are dropped, not the paragraphs between them
    (for a letter that is all news)."""
    kept = _after_title(document, blocks)
    kept = _walk(document, kept, rules, editorial=editorial)
    kept = _without_contents(document, kept, rules)
    kept = _without_events(kept, rules)
    while kept and (
        (kept[-1].kind is Kind.HEADING and not isinstance(kept[-1], ItemTitle))
        or _is(rules, "funding", kept[-1], limit=600)
    ):
        kept.pop()  # a heading with nothing under it, a funding note closing the issue
    return kept


def _is(rules: Rules, name: str, block: Block, *, limit: int = _SHORT) -> bool:
    return len(block.text) <= limit and rules.matches(name, block.text)


def _after_title(document: Document, blocks: Sequence[Block]) -> list[Block]:
    """The blocks after the heading that repeats the issue's title; those above it (a page's
    header, menu, breadcrumbs) are dropped unless one of them is a long paragraph."""
    title = key(document.title)
    if not title:
        return list(blocks)
    for index, block in enumerate(blocks):
        if block.kind is Kind.HEADING and key(block.text) == title and not isinstance(block, ItemTitle):
            above = blocks[:index]
            if any(b.kind is not Kind.HEADING and len(b.text) > _LONG for b in above):
                return [*above, *blocks[index + 1 :]]
            return list(blocks[index + 1 :])
    return list(blocks)


def _signature(block: Block, sign_off: Block) -> bool:
    """A line under a sign-off: a name, a role, a team; short, and no heading (unless deeper than a
    sign-off that is one: copied text's second line of the same paragraph)."""
    heading = block.kind is Kind.HEADING
    under = not heading or (sign_off.kind is Kind.HEADING and block.level > sign_off.level)
    return under and len(block.text) <= 80 and len(block.text.split()) <= 8


def _closing(blocks: Sequence[Block], rules: Rules) -> int:
    """The position after the last paragraph of news (longer than 150 characters, and neither a
    footer nor boilerplate): a sign-off after it closes the issue."""
    for index in range(len(blocks) - 1, -1, -1):
        block = blocks[index]
        if (
            block.kind is not Kind.HEADING
            and len(block.text) > 150
            and not _is(rules, "footer", block)
            and not _is(rules, "boilerplate", block)
        ):
            return index + 1
    return 0


def _closing_words(block: Block) -> bool:
    """A short exclamation before the sign-off ("Wir freuen uns auf einen schönen Sommer mit Ihnen!")."""
    return (
        block.kind is Kind.PARAGRAPH
        and not block.lead
        and not block.links
        and len(block.text) <= 150
        and block.text.endswith("!")
    )


def _walk(document: Document, blocks: Sequence[Block], rules: Rules, *, editorial: bool) -> list[Block]:
    title = key(document.title)
    closing = _closing(blocks, rules)
    kept: list[Block] = []
    found = False  # a paragraph or list entry was kept: a footer phrase now ends the issue
    signature: Block | None = None  # the sign-off above, while under it
    letter = False  # in an editorial: from a greeting to the next heading, sign-off or lead-in
    skipped = 0  # under an "Editorial" heading or a boilerplate heading of this level (0: not)
    for index, block in enumerate(blocks):
        text = block.text
        if not any(character.isalnum() for character in text):  # nothing to read: "", "»", "|"
            if block.images and not letter and not skipped:
                kept.append(replace(block, text="") if text else block)
            continue
        heading = block.kind is Kind.HEADING
        if rules.is_navigation(text):
            continue
        if heading:
            if skipped and block.level > skipped:
                continue
            skipped = 0
        if signature is not None and _signature(block, signature):
            continue
        signature = None
        if _is(rules, "sign_off", block, limit=160):
            if found and index >= closing:  # the letter's end: the signature and footer follow
                if kept and kept[-1] is blocks[index - 1] and _closing_words(kept[-1]):
                    kept.pop()
                break
            signature, letter = block, False
            continue
        if heading:
            letter = False
        repeats_title = heading and bool(title) and key(text) == title and not isinstance(block, ItemTitle)
        if _is(rules, "footer", block) or repeats_title:
            if found:
                break
            continue
        if _is(rules, "boilerplate", block) or (heading and _is(rules, "editorial", block)):
            if heading and (editorial or not _is(rules, "editorial", block)):
                skipped = block.level  # and what stands under it
            continue
        if skipped:
            continue
        if not heading and _is(rules, "greeting", block, limit=10_000):
            letter = editorial
            continue
        if letter and not block.lead:
            continue
        letter = False
        kept.append(block)
        found = found or not heading
    return kept


def _in_page(document: Document, block: Block) -> bool:
    """Whether each of the block's links points within the page (a table of contents' anchors)."""
    if not block.links:
        return False
    page = document.url.split("#", 1)[0]
    return all(
        link.url.startswith("#") or (bool(page) and "#" in link.url and link.url.split("#", 1)[0] == page)
        for link in block.links
    )


class _Titles:
    """The keys of the headings, lead-ins and paragraph openings of a document, by position."""

    def __init__(self, blocks: Sequence[Block]) -> None:
        found: list[tuple[str, int]] = []
        for position, block in enumerate(blocks):
            if block.kind is Kind.HEADING or block.lead:
                found.append((key(block.lead or block.text), position))
            if block.kind is not Kind.HEADING and block.text:
                found.append((key(block.text[:_ENTRY]), position))
        self.sorted = sorted(found)
        self.keys = [entry for entry, _ in self.sorted]
        self.last: dict[str, int] = {}
        for entry, position in found:
            self.last[entry] = max(position, self.last.get(entry, -1))

    def later(self, text: str, position: int) -> bool:
        """Whether a heading or title after `position` repeats `text` (or starts with it, or is
        the start of it), also without a label before a colon ("Forschung: <title>")."""
        labelled = text.split(": ", 1)
        return self._later(text, position) or (len(labelled) == 2 and self._later(labelled[1], position))

    def _later(self, text: str, position: int) -> bool:
        wanted = key(text)
        if len(wanted) < 3:
            return False
        if self.last.get(wanted, -1) > position:
            return True
        words = wanted.split()
        if len(words) >= 2 or len(wanted) >= 12:  # a later title that starts with the entry
            start = bisect_left(self.keys, wanted + " ")
            for entry, where in self.sorted[start : start + 50]:
                if not entry.startswith(wanted + " "):
                    break
                if where > position:
                    return True
        # an entry that adds to a later title ("… – Seite 3")
        return any(self.last.get(" ".join(words[:cut]), -1) > position for cut in range(2, len(words)))


def _short(block: Block) -> bool:
    if isinstance(block, ItemTitle):
        return False
    return block.kind is Kind.HEADING or len(block.text) <= (_ENTRY if block.kind is Kind.LIST_ITEM else 150)


def _without_contents(document: Document, blocks: list[Block], rules: Rules) -> list[Block]:
    """`blocks` without tables of contents: runs of short entries most of which repeat a later
    heading or title (or link within the page), with the heading ("In dieser Ausgabe") above them."""
    titles = _Titles(blocks)
    drop: set[int] = set()
    index = 0
    while index < len(blocks):
        if not _short(blocks[index]) or not blocks[index].text:
            index += 1
            continue
        end = index
        while end < len(blocks) and blocks[end].text and _short(blocks[end]):
            end += 1
        hits = [i for i in range(index, end) if _in_page(document, blocks[i]) or titles.later(blocks[i].text, i)]
        headed = (index > 0 and _is(rules, "contents", blocks[index - 1])) or _is(rules, "contents", blocks[index])
        if hits and (len(hits) >= 2 or headed):
            first, last = hits[0], hits[-1]
            if headed or 2 * len(hits) >= last - first + 1:
                drop.update(range(first, last + 1))
                for above in (first - 1, index - 1):
                    if above >= 0 and _is(rules, "contents", blocks[above]):
                        drop.add(above)
        index = end
    return [block for position, block in enumerate(blocks) if position not in drop]


def _dated(block: Block) -> bool:
    return block.kind is not Kind.HEADING and len(block.text) <= _ENTRY and leading_date(block.text) is not None


@dataclass(frozen=True, slots=True)
class EventsHeading(ItemTitle):
    """The heading of a list of dates that `Rules.keep_events` keeps: always an item's title."""


def _without_events(blocks: list[Block], rules: Rules) -> list[Block]:
    """`blocks` without lists of dates: three or more short dated lines in a row, or the lines
    under an events heading ("Termine") when most of them are dated. With `rules.keep_events`, such
    a list stays, as one item under an `EventsHeading` (its heading, or "Termine"/"Events")."""
    out: list[Block] = []
    level = 2  # of the last heading: a list of dates without one of its own is kept at this level
    index = 0
    while index < len(blocks):
        block = blocks[index]
        if block.kind is Kind.HEADING:
            level = block.level
        if block.kind is Kind.HEADING and _is(rules, "events", block):
            end = index + 1
            while end < len(blocks) and blocks[end].kind is not Kind.HEADING:
                end += 1
            span = [b for b in blocks[index + 1 : end] if b.text]
            if span and 2 * sum(map(_dated, span)) >= len(span):
                if rules.keep_events:
                    out += [EventsHeading(Kind.HEADING, block.text.rstrip(": "), level=block.level), *span]
                index = end
                continue
        if _dated(block):
            end = index
            while end < len(blocks) and _dated(blocks[end]):
                end += 1
            if end - index >= 3:
                if rules.keep_events:
                    out += [
                        EventsHeading(Kind.HEADING, _events_word(blocks[index:end]), level=level),
                        *blocks[index:end],
                    ]
                index = end
                continue
        out.append(block)
        index += 1
    return out


_ENGLISH_MONTHS = re.compile(r"\b(?:january|february|march|may|june|july|october|december)\b", re.IGNORECASE)


def _events_word(lines: Sequence[Block]) -> str:
    return "Events" if any(_ENGLISH_MONTHS.search(line.text) for line in lines) else "Termine"
