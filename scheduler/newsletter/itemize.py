"""The one set of rules that splits any `Document` into the items of an `Issue`.

Every reader (plain text, HTML page, HTML e-mail, Markdown, feed, e-mail message) hands on the
same `Document`; this decides what an item is:

1. What is not an item goes first (`noise`): the page above the issue's title, navigation,
   boilerplate, the footer, the greeting and editorial, the sign-off, a table of contents, a list
   of dates, a closing funding note. The phrases are `Rules` (German and English defaults, a team
   adds its own: `boilerplate` and `footer` in the issue's options file).
2. Headings are sections or item titles (`structure`): a heading with nothing of its own beneath,
   or naming a category over item headings, is a section; a heading with text beneath is an
   item's title — unless it names a category ("Vernetzt", "Kurz notiert", one word) or stands over
   paragraphs with bold lead-ins or list entries that are items of their own. A bold line or a
   line that is one link over text is a heading too.
3. An item under a heading is the heading (its title) and everything up to the next heading (its
   body). Under a section without item headings, each paragraph or list entry is an item (its
   title: the bold lead-in, else its title-like link's text, else its first sentence,
   shortened); a list after a paragraph ending in ":", a line that is only a link, an address or
   a date, or a paragraph without lead-in among paragraphs with lead-ins continue the item before.
   A thematic break ends an item. One or two paragraphs above the first heading are an introduction.
4. Each item keeps its section, title, body (not repeating the title, without the words of links
   a post cannot carry: "Zum Kataster", "Mehr dazu hier." — `buttons`), links in order, main link
   (`mainlink`), images with alt text and date (its own, a date line's, else the issue's). The
   same item twice (in a table of contents and the body; once shortened) comes out once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from scheduler.errors import InputError
from scheduler.models import Image, Issue, IssueOptions, Item, item_id
from scheduler.newsletter import buttons, noise
from scheduler.newsletter.dates import is_date_only, only_date
from scheduler.newsletter.document import Block, Document, Kind, Link
from scheduler.newsletter.identity import unique_items
from scheduler.newsletter.incoming import Deadline
from scheduler.newsletter.language import detect_language
from scheduler.newsletter.links import relative_links
from scheduler.newsletter.mainlink import URLS_AND_ADDRESSES, item_links, main_link, own_sites, title_link
from scheduler.newsletter.rules import DEFAULT, Rules
from scheduler.newsletter.structure import PSEUDO_LEVEL, is_pseudo_heading, section_headings, titled
from scheduler.text.sentences import sentences

__all__ = ["Rules", "itemize"]

log = logging.getLogger(__name__)

_TITLE_LENGTH = 80  # a title made from an item's first sentence
_REAL_TITLE_LENGTH = 150  # a heading, lead-in or link text
_TRIM = " \t:;,–—-|•·»›→"
_CHECK_EVERY = 64  # blocks between two looks at the clock


@dataclass(slots=True)
class _Draft:
    """An item before its language is known: its section, heading (None for an entry under a
    section) and blocks (body, images, "read more" links, a date line)."""

    section: str
    heading: Block | None
    blocks: list[Block] = field(default_factory=list)


def itemize(
    document: Document,
    *,
    source: str,
    languages: Sequence[str] = ("de", "en"),
    options: IssueOptions | None = None,
    max_items: int | None = None,
    rules: Rules = DEFAULT,
    deadline: Deadline | None = None,
) -> Issue:
    """The issue `document` is, split into items. More than `max_items` items is an `InputError`
    before any item is analysed (sentences, language); no item at all is one too, and so is the
    read's time running out (`deadline`, looked at every few blocks and before each item)."""
    options = options or IssueOptions()
    rules = rules.extended(boilerplate=options.boilerplate, footer=options.footer)
    title, blocks = _title(document, rules)
    date, kept = _date(document, noise.content(document, blocks, rules))
    drafts = _drafts(kept, rules, deadline, source)
    if not drafts:  # a letter that is all news: keep the paragraphs between greeting and sign-off
        date, kept = _date(document, noise.content(document, blocks, rules, editorial=False))
        drafts = _drafts(kept, rules, deadline, source)
    if max_items is not None and len(drafts) > max_items:
        raise InputError(
            f"{source}: more than {max_items:,} items ({len(document.blocks):,} paragraphs), the most one "
            "issue may have (SCHEDULER_MAX_ITEMS); split it into several issues or raise the setting"
        )
    if not drafts:
        raise InputError(f"{source}: no newsletter items found; expected section headings followed by paragraphs")
    language = _language(document, drafts, languages, options, rules)
    own = own_sites(document)
    items: list[Item] = []
    for draft in drafts:
        if deadline is not None:
            deadline.check(source)
        items.append(_item(draft, language, document, rules, date, own))
    items = _once(items, source)
    issue = Issue(
        title=title or items[0].section or "Newsletter",
        date=date,
        source=source,
        language=language,
        items=tuple(items),
        options=options,
    )
    return unique_items(issue)


def _title(document: Document, rules: Rules) -> tuple[str, Sequence[Block]]:
    """The issue's title (the document's, else its one top-level heading, which then leaves the
    blocks) and its blocks, with bold lines and link lines over text taken for headings."""
    blocks: list[Block] = []
    level = PSEUDO_LEVEL  # a bold line ranks with the heading before it (a builder's heading)
    for index, block in enumerate(document.blocks):
        if block.kind is Kind.HEADING and rules.is_read_more(block.text):
            block = dataclasses.replace(block, kind=Kind.PARAGRAPH, level=1)
        elif block.kind is Kind.HEADING:
            level = max(block.level, 2)
        elif is_pseudo_heading(document.blocks, index, rules):
            block = dataclasses.replace(block, kind=Kind.HEADING, level=level, lead="")
        blocks.append(block)
    if document.title:
        return " ".join(document.title.split()), blocks
    tops = [index for index, block in enumerate(blocks) if block.kind is Kind.HEADING and block.level == 1]
    first = next((index for index, block in enumerate(blocks) if block.kind is Kind.HEADING), None)
    if len(tops) == 1 and tops[0] == first:
        return " ".join(blocks[first].text.split()), [*blocks[:first], *blocks[first + 1 :]]
    return "", blocks


def _date(document: Document, blocks: list[Block]) -> tuple[dt.date | None, list[Block]]:
    """The issue's date (the document's, else a line that is only a date above its first paragraph:
    "Veröffentlicht am 14.02.2025"), and the blocks without that line."""
    first = next((index for index, block in enumerate(blocks) if block.kind is not Kind.HEADING), None)
    if first is None or (date := only_date(blocks[first].text)) is None:
        return document.date, blocks
    return document.date or date, [*blocks[:first], *blocks[first + 1 :]]


def _read_more(block: Block, rules: Rules) -> bool:
    """A block that is only a "read more" link (or its text, the link lost in copying)."""
    return block.kind is not Kind.HEADING and rules.is_read_more(block.text)


def _link_line(block: Block) -> bool:
    """A short line that is a web or e-mail address with a few words ("Mehr: https://…")."""
    if not (block.links or URLS_AND_ADDRESSES.search(block.text)) or block.lead:
        return False
    rest = URLS_AND_ADDRESSES.sub("", block.text)
    for link in block.links:
        rest = rest.replace(link.text, "")
    return len(rest.strip(_TRIM + ".")) <= 40


def _introduces_list(draft: _Draft) -> bool:
    """Whether the item's paragraph ends in ":" with only list entries after it (a list it
    introduces, which goes on)."""
    texts = [block for block in draft.blocks if block.text]
    while texts and texts[-1].kind is Kind.LIST_ITEM and len(texts) > 1:
        texts.pop()
    return bool(texts) and texts[-1].kind is not Kind.LIST_ITEM and texts[-1].text.rstrip().endswith(":")


def _continues(draft: _Draft, block: Block, leads: bool, rules: Rules) -> bool:
    """Whether `block`, under a section without item headings, belongs to the item before it."""
    if block.kind is Kind.LIST_ITEM:
        if block.level > 1 or _introduces_list(draft):
            return True
        return not block.links and not block.lead and len(block.text.split()) < 4
    if _read_more(block, rules) or is_date_only(block.text) or _link_line(block):
        return True
    return leads and not titled(block, rules)


def _without_intro(blocks: Sequence[Block]) -> Sequence[Block]:
    """Without the one or two paragraphs above the first heading: an introduction ("This month:
    …"), not news. Paragraphs with a lead-in stay; so do three or more (news without a heading)."""
    first = next((index for index, block in enumerate(blocks) if block.kind is Kind.HEADING), len(blocks))
    intro = [block for block in blocks[:first] if block.kind is Kind.PARAGRAPH and block.text and not block.lead]
    if first == len(blocks) or not intro or len(intro) > 2:
        return blocks
    return [block for block in blocks[:first] if block.kind is not Kind.PARAGRAPH or block.lead] + list(blocks[first:])


def _ends(draft: _Draft) -> bool:
    """Whether an image standing alone after `draft` and before the next heading ends it: when the
    item has text and no picture yet (an image below an item's text). An item that has its picture
    already leaves the image to the next one (the layout of an image above each heading)."""
    everything = [*([draft.heading] if draft.heading is not None else []), *draft.blocks]
    return any(block.text for block in draft.blocks) and not any(block.images for block in everything)


def _drafts(blocks: Sequence[Block], rules: Rules, deadline: Deadline | None, source: str) -> list[_Draft]:
    blocks = _without_intro(blocks)
    sections = section_headings(blocks, rules)
    leads = _lead_sections(blocks, rules)
    drafts: list[_Draft] = []
    section, level, entries = "", 0, False  # the section, its heading's level, whether items stand right under it
    current: _Draft | None = None
    waiting: list[Block] = []  # images and dates for the next item
    for index, block in enumerate(blocks):
        if deadline is not None and index % _CHECK_EVERY == 0:
            deadline.check(source)
        if block.kind is Kind.HEADING:
            if index in sections:
                section, level, entries, current = _clean(block.text), block.level, False, None
            else:
                if entries and block.level <= level:  # a sibling of a section written as entries
                    section, entries = "", False
                current = _Draft(section, block, waiting)
                drafts.append(current)
                waiting = []
            continue
        if block.after_break:  # a thematic break ends the item above
            current = None
        if not block.text:  # an image standing alone
            following = blocks[index + 1] if index + 1 < len(blocks) else None
            heads = following is not None and following.kind is Kind.HEADING
            (current.blocks if current is not None and (not heads or _ends(current)) else waiting).append(block)
            continue
        if current is not None and (current.heading is not None or _continues(current, block, index in leads, rules)):
            current.blocks.append(block)
            continue
        if _read_more(block, rules) or is_date_only(block.text):
            waiting.append(block)
            continue
        current = _Draft(section, None, [*waiting, block])
        drafts.append(current)
        waiting, entries = [], bool(section)
    return drafts


def _lead_sections(blocks: Sequence[Block], rules: Rules) -> set[int]:
    """The paragraphs that stand under a section written in bold lead-ins (at least two, and at
    least half of its paragraphs): there a paragraph without lead-in continues the item before."""
    found: set[int] = set()
    run: list[int] = []
    for index in [*range(len(blocks)), len(blocks)]:
        if index == len(blocks) or blocks[index].kind is Kind.HEADING:
            paragraphs = [i for i in run if blocks[i].kind is Kind.PARAGRAPH and blocks[i].text]
            with_lead = [i for i in paragraphs if titled(blocks[i], rules)]
            if len(with_lead) >= 2 and 2 * len(with_lead) >= len(paragraphs):
                found.update(paragraphs)
            run = []
        else:
            run.append(index)
    return found


def _language(
    document: Document, drafts: Sequence[_Draft], languages: Sequence[str], options: IssueOptions, rules: Rules
) -> str:
    """The options file's language, else the one the document declares, else the one detected."""
    if options.language:
        return options.language
    declared = document.language.split("-", 1)[0].split("_", 1)[0].strip().casefold()
    if declared.isalpha() and 2 <= len(declared) <= 3:
        return declared
    text = " ".join(block.text for draft in drafts for block in draft.blocks if not _read_more(block, rules))
    return detect_language(text or " ".join(d.heading.text for d in drafts if d.heading), languages)


def _clean(text: str) -> str:
    return " ".join(text.split()).strip(_TRIM)


def _shorten(text: str, length: int) -> str:
    if len(text) <= length:
        return text
    cut = text[: length - 1].rsplit(" ", 1)[0].rstrip(_TRIM + ".")
    return cut + "…"


def _starts_with(text: str, start: str) -> int:
    """How many characters of `text` repeat `start` (spacing and case aside; 0 when it does not)."""
    wanted = noise.key(start)
    if not wanted or not noise.key(text[: len(start) + 20]).startswith(wanted):
        return 0
    for end in range(len(start), min(len(text), len(start) + 20) + 1):
        if noise.key(text[:end]) == wanted and (end == len(text) or not text[end].isalnum()):
            return end
    return 0


def _text_of_post(blocks: Sequence[Block], rules: Rules, language: str, link: str | None) -> list[Block]:
    """The item's text blocks without the words of links a post cannot carry (`buttons`): buttons
    that end it, a last sentence that only points to its link, link words standing on their own."""
    kept = buttons.without_buttons(blocks, rules)
    if kept:
        kept[-1] = buttons.without_pointer(kept[-1], rules, language, link)
    return [block for block in (buttons.without_link_words(block, rules) for block in kept) if block.text]


def _body(blocks: Sequence[Block], *, entry: bool = False) -> str:
    """Paragraphs with blank lines between; a list's entries on lines of their own. With `entry`,
    the first block is the item itself (a list entry, too, is then a paragraph)."""
    parts: list[str] = []
    run: list[Block] = []  # the list being written
    for number, block in enumerate(blocks):
        if block.kind is Kind.LIST_ITEM and not (entry and number == 0):
            run.append(block)
            continue
        if run:
            parts.append(_entries(run))
            run = []
        parts.append(block.text)
    if run:
        parts.append(_entries(run))
    return "\n\n".join(parts)


def _entries(run: Sequence[Block]) -> str:
    """A list's entries, one a line, indented by how much deeper than its shallowest entry each is:
    the entries nested under an item that is itself a list entry start their lines with no space."""
    top = min(block.level for block in run)
    return "\n".join("  " * (block.level - top) + "• " + block.text for block in run)


def _images(blocks: Sequence[Block]) -> tuple[Image, ...]:
    """The blocks' images, each once. An image at an unencrypted `http://` address is left out with
    a warning: the platforms take images from https:// addresses only, and the page is not ours to
    fix (a local file or an https:// image stays)."""
    seen: dict[str, Image] = {}
    for block in blocks:
        for image in block.images:
            if image.path.startswith("http://"):
                log.warning("image %s is left out: platforms take images from https:// addresses only", image.path)
                continue
            seen.setdefault(image.path, image)
    return tuple(seen.values())


def _item(
    draft: _Draft,
    language: str,
    document: Document,
    rules: Rules,
    issue_date: dt.date | None,
    own: frozenset[str] | None,
) -> Item:
    heading = draft.heading
    everything = [*([heading] if heading is not None else []), *draft.blocks]
    text = [
        block for block in draft.blocks if block.text and not _read_more(block, rules) and not is_date_only(block.text)
    ]
    found_link: Link | None = None
    derived = subject = False
    if heading is not None:
        title = _shorten(_clean(heading.text), _REAL_TITLE_LENGTH)
    elif text and titled(text[0], rules):
        first = text[0]
        title = _shorten(_clean(first.lead), _REAL_TITLE_LENGTH)
        after = first.text[_starts_with(first.text, first.lead) :]
        # "**„Brücken bauen“ in Cottbus** ist ein Vorhaben …": the lead-in is the sentence's subject,
        # so the sentence keeps it; else (a colon, a full stop, a new sentence) it leaves the text
        subject = after[:1].isspace() and after.lstrip()[:1].islower()
        if not subject:
            rest = after.lstrip(_TRIM + " .")
            text = [dataclasses.replace(first, text=rest), *text[1:]] if rest else text[1:]
    elif (found_link := title_link(text[:1], rules, own)) is not None:
        title = _shorten(_clean(found_link.text), _REAL_TITLE_LENGTH)
    else:
        body = _body(text, entry=True)
        first_sentence = (sentences(" ".join(body.split()), language) or [body])[0] if body else ""
        title, derived = _shorten(first_sentence, _TITLE_LENGTH), True
    link = main_link(heading, draft.blocks, found_link, rules, own)
    body = _body(_text_of_post(text, rules, language, link), entry=heading is None)
    if not derived and not subject and (cut := _starts_with(body, title)) and cut < len(body):
        body = body[cut:].lstrip(_TRIM + " .\n")
    body = body or title
    date = next((block.date for block in everything if block.date is not None), None)
    if date is None:
        date = next((d for block in draft.blocks if block.text and (d := only_date(block.text))), None)
    return Item(
        id=item_id(body) if derived or body == title else item_id(f"{title}\n\n{body}"),
        section=draft.section,
        title=title,
        body=body,
        links=item_links(document, everything),
        images=_images(everything),
        link=link,
        date=date or issue_date,
        relative=relative_links(link.url for block in everything for link in block.links),
    )


def _once(items: list[Item], source: str) -> list[Item]:
    """The items, each that repeats another with the same title (a table of contents' entry, the
    same entry twice, once shortened) once: the one with the longer body, in its place. Items with
    the same text are left to `unique_items`, which warns about them."""
    by_title: dict[str, list[int]] = {}
    for index, item in enumerate(items):
        by_title.setdefault(noise.key(item.title), []).append(index)
    drop: set[int] = set()
    for indexes in by_title.values():
        if len(indexes) < 2:
            continue
        best = max(indexes, key=lambda i: len(items[i].body))
        for other in indexes:
            if other != best and items[other].body != items[best].body and _same(items[other], items[best]):
                log.info("%s: item %r is there twice; kept the longer one", source, items[best].title[:40])
                drop.add(other)
    return [item for index, item in enumerate(items) if index not in drop]


def _same(short: Item, long: Item) -> bool:
    return (
        short.body == short.title
        or noise.key(short.body) in noise.key(long.body)
        or (short.link is not None and short.link == long.link)
    )
