"""Plain text copied from a newsletter's web page → `Issue`.

The shape we read (our first user's issues look like this):

    Hauptnavigation                  ← navigation before the dated heading: dropped
    13.12.2024: Die Vernetzungsstelle informiert      ← date and title
    Vorgestellt                      ← a section heading: a short line without final punctuation
    <paragraph>                      ← each paragraph is one item
    Möchten auch Sie …               ← the call for submissions starts the footer: dropped
    Die Vernetzungsstelle informiert ← so does the repeated title, and the funding note
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from scheduler.errors import InputError
from scheduler.models import Issue, IssueOptions, Item, item_id
from scheduler.newsletter.language import detect_language
from scheduler.newsletter.links import deobfuscate, extract_links
from scheduler.text.sentences import sentences

_DATED_HEADING = re.compile(
    r"^(?:(?P<d>\d{1,2})\.\s?(?P<m>\d{1,2})\.\s?(?P<y>\d{4})|(?P<iy>\d{4})-(?P<im>\d{2})-(?P<id>\d{2}))"
    r"\s*[:–—|-]\s*(?P<title>\S.*)$"
)
_FILE_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_NAVIGATION = frozenset(
    "hauptnavigation metanavigation servicenavigation navigation informationen menü menu startseite "
    "home suche search inhalt".split()
) | {"zum inhalt springen", "skip to content", "skip to main content"}
_READ_MORE = frozenset({"weiterlesen", "mehr erfahren", "mehr", "read more", "more", "zum artikel", "hier"})
_FOOTER = re.compile(
    r"^(?:möchten|wollen|würden) (?:auch )?sie\b|^(?:would|do) you (?:like|want)\b|abbestellen|abmelden"
    r"|unsubscribe|^impressum\b|^datenschutz|privacy (?:policy|notice)|newsletter (?:abonnieren|bestellen)"
    r"|alle rechte vorbehalten|all rights reserved",
    re.IGNORECASE,
)
_FUNDING = re.compile(r"\b(?:gefördert|kofinanziert|funded by|co-funded)\b", re.IGNORECASE)
_TITLE_LENGTH = 80


@dataclass(frozen=True, slots=True)
class _Block:
    text: str
    single_line: bool


def _blocks(text: str) -> list[_Block]:
    """Paragraphs: runs of non-blank lines (a line of spaces or no-break spaces is blank)."""
    blocks, lines = [], []
    for line in [*text.replace("\u00a0", " ").split("\n"), ""]:
        if line.strip():
            lines.append(line.strip())
        elif lines:
            blocks.append(_Block(" ".join(" ".join(lines).split()), len(lines) == 1))
            lines = []
    return blocks


def _is_heading(block: _Block) -> bool:
    words = block.text.split()
    return (
        block.single_line
        and len(words) <= 6
        and len(block.text) <= 60
        and block.text[-1] not in ".!?…:;,"
        and (block.text[0].isupper() or block.text[0].isdigit())
    )


def _date(match: re.Match[str]) -> dt.date | None:
    try:
        if match["y"]:
            return dt.date(int(match["y"]), int(match["m"]), int(match["d"]))
        return dt.date(int(match["iy"]), int(match["im"]), int(match["id"]))
    except ValueError:
        return None


def _title(body: str, language: str) -> str:
    first = (sentences(body, language) or [body])[0]
    if len(first) <= _TITLE_LENGTH:
        return first
    cut = first[: _TITLE_LENGTH - 1].rsplit(" ", 1)[0].rstrip(" ,;:–-")
    return cut + "…"


def parse(
    text: str,
    *,
    source: str,
    languages: Sequence[str] = ("de", "en"),
    options: IssueOptions | None = None,
    file_name: str = "",
    max_items: int | None = None,
) -> Issue:
    """Split plain newsletter text into an `Issue` with its items; more than `max_items` items is an
    `InputError` before any item is analysed (sentences, language)."""
    blocks = _blocks(text)
    title, date, start = "", None, 0
    for index, block in enumerate(blocks):
        match = _DATED_HEADING.match(block.text)
        if match and block.single_line:
            title, date, start = match["title"].strip(), _date(match), index + 1
            break
    if not title:  # no dated heading: skip navigation, the first heading-like line is the title
        while start < len(blocks) and blocks[start].text.casefold() in _NAVIGATION:
            start += 1
        if start < len(blocks) and _is_heading(blocks[start]):
            title, start = blocks[start].text, start + 1
    if date is None and (file_date := _FILE_DATE.search(file_name)):
        date = dt.date(*map(int, file_date.groups()))

    section, bodies = "", []
    for index, block in enumerate(blocks[start:], start):
        folded = block.text.casefold()
        if _FOOTER.search(block.text) or (title and folded == title.casefold()):
            break
        if folded in _NAVIGATION or folded in _READ_MORE:
            continue
        if _is_heading(block):
            section = block.text
            continue
        if _FUNDING.search(block.text) and index == len(blocks) - 1:
            break  # a funding note closing the issue
        bodies.append((section, deobfuscate(block.text)))
        if max_items is not None and len(bodies) > max_items:  # stop here: the rest would only cost time
            raise InputError(
                f"{source}: more than {max_items:,} items ({len(blocks):,} paragraphs), the most one "
                "issue may have (SCHEDULER_MAX_ITEMS); split it into several issues or raise the setting"
            )
    if not bodies:
        raise InputError(f"{source}: no newsletter items found; expected section headings followed by paragraphs")
    language = detect_language(" ".join(body for _, body in bodies), languages)
    items = tuple(
        Item(
            id=item_id(body),
            section=section,
            title=_title(body, language),
            body=body,
            links=extract_links(body),
        )
        for section, body in bodies
    )
    return Issue(
        title=title or (items[0].section or "Newsletter"),
        date=date,
        source=source,
        language=language,
        items=items,
        options=options or IssueOptions(),
    )
