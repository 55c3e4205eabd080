"""Which headings of a document are sections and which are the titles of items.

From the document's structure first: a heading with no text of its own beneath it is a section;
so is one with an item heading beneath it (a deeper heading with text of its own) when it names a
category (see below) — else it is an item whose successor was set one size smaller; and so are all
headings of a level where most (two or more) are sections over item headings (an `h2` "Termine"
among `h2`s over `h3`s). A heading with text beneath (a leaf) is an item's title, except when

- the text beneath is two or more items of its own (paragraphs with bold lead-ins, list entries
  with links): a section written as entries;
- it names a category rather than news: one word ("Vernetzt"), or a phrase of `Rules.sections`
  ("Kurz notiert", "Aus dem Verband"); a heading of five words or more, with a digit or with
  `: ? ! – „"` reads as a title;
- neither decides, and no section heading stands above it: then the document's other leaf
  headings vote (most category-like: a section; else an item's title).

A heading its reader marks as an item's title (`noise.ItemTitle`: a feed entry's title when the
entry is one item, the heading of a kept list of dates) is never a section.

Copied text knows no heading levels (every heading but the title is level 2), so there the
structure shows as a heading directly followed by another one.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence

from scheduler.newsletter.document import Block, Kind
from scheduler.newsletter.noise import ItemTitle, key
from scheduler.newsletter.rules import Rules

#: The level of a bold line or a line that is one link, taken for a heading: below every real one.
PSEUDO_LEVEL = 7
_PSEUDO_LENGTH = 150
_TITLE_MARKS = re.compile(r"[:?!„“”\"«»–—]|\d")


def is_pseudo_heading(blocks: Sequence[Block], index: int, rules: Rules) -> bool:
    """A paragraph that is a heading in all but name: bold and nothing else (an e-mail builder's
    heading), or one link with text beneath it (a teaser's title)."""
    block = blocks[index]
    if block.kind is not Kind.PARAGRAPH or not block.text or len(block.text) > _PSEUDO_LENGTH:
        return False
    if rules.is_read_more(block.text) or rules.matches("greeting", block.text) or rules.matches("sign_off", block.text):
        return False
    if block.lead and key(block.lead) == key(block.text):
        return True
    if len(block.links) != 1 or key(block.links[0].text) != key(block.text):
        return False
    following = blocks[index + 1] if index + 1 < len(blocks) else None
    return following is not None and following.kind is not Kind.HEADING and len(following.text) > _PSEUDO_LENGTH


def title_score(text: str, rules: Rules) -> bool | None:
    """True when a heading reads like an item's title, False like a category's name, None unsure."""
    words = text.split()
    if rules.matches("sections", " ".join(words)) or rules.matches("events", text):
        return False
    if len(words) >= 5 or _TITLE_MARKS.search(text):
        return True
    if len(words) <= 1:
        return False
    return None


def titled(block: Block, rules: Rules) -> bool:
    """Whether a block opens with a lead-in that titles it ("Neu im Netzwerk:", not "Wann:")."""
    lead = key(block.lead)
    return bool(lead) and lead != key(block.text) and not rules.is_label(block.lead)


def _entries(beneath: Sequence[Block], rules: Rules) -> bool:
    """Whether the blocks under a heading are two or more items of their own."""
    texts = [block for block in beneath if block.text]
    introduced = any(block.kind is Kind.PARAGRAPH and block.text.rstrip().endswith(":") for block in texts)
    shaped = sum(
        1
        for block in texts
        if titled(block, rules)
        or (block.kind is Kind.LIST_ITEM and block.level == 1 and block.links and not introduced)
    )
    return shaped >= 2 and 2 * shaped >= len(texts)


def section_headings(blocks: Sequence[Block], rules: Rules) -> set[int]:
    """The positions of the headings among `blocks` that are sections (see the module's doc)."""
    heads = [
        index for index, block in enumerate(blocks) if block.kind is Kind.HEADING and not isinstance(block, ItemTitle)
    ]
    ends = dict(zip(heads, [*heads[1:], len(blocks)], strict=False))
    has_text = {head: any(blocks[i].text for i in range(head + 1, ends[head])) for head in heads}
    children: dict[int, bool] = {}
    for number, head in enumerate(heads):
        children[head] = False
        for deeper in heads[number + 1 :]:
            if blocks[deeper].level <= blocks[head].level:
                break
            if has_text[deeper]:
                children[head] = True
                break
    scores = {head: title_score(blocks[head].text, rules) for head in heads}
    # Nothing of its own beneath: a section. Text of its own and item headings beneath: a section
    # when it names a category, else an item (whose successor a builder set one size smaller).
    sections = {head for head in heads if not has_text[head] or (children[head] and scores[head] is False)}
    by_level: dict[int, list[int]] = defaultdict(list)
    for head in heads:
        by_level[blocks[head].level].append(head)
    for same in by_level.values():
        over_items = [head for head in same if head in sections and children[head]]
        if len(over_items) >= 2 and 2 * len(over_items) > len(same):
            sections.update(same)
    structural = set(sections)
    leaves = [head for head in heads if head not in sections]
    categories = sum(1 for head in leaves if scores[head] is False)
    titles = sum(1 for head in leaves if scores[head] is True)
    for number, head in enumerate(heads):
        if head in structural:
            continue
        score = scores[head]
        voted = score is None and not _under_section(blocks, heads[:number], structural, head) and categories > titles
        if score is False or voted or _entries(blocks[head + 1 : ends[head]], rules):
            sections.add(head)
    return sections


def _under_section(blocks: Sequence[Block], before: Sequence[int], structural: set[int], head: int) -> bool:
    """Whether a section heading found by the structure stands above the heading at `head`."""
    level = blocks[head].level
    return any(other in structural and blocks[other].level <= level for other in before)
