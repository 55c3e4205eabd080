"""Plain text copied from a newsletter's web page (select all, copy) → `Document`.

What a browser's copy of a page looks like, and how it is read:

    Startseite                       ← the menu: lines above the issue's title (dropped by itemize)
    Über uns
    13.12.2024: Die Vernetzungsstelle informiert      ← the title, with the issue's date
    In dieser Ausgabe                ← a short line without final punctuation is a heading
    • Neue Geschäftsführerin         ← "•", "-", "*", "1." start a list entry
    Neu im Netzwerk: Der Verein …    ← a plausible "Title: text" opening is a lead-in
    <paragraph>                      ← paragraphs are separated by blank lines; lines of one
                                       paragraph wrapped at a fixed width are joined

Paragraphs, headings and list entries become the document's blocks, with the web and e-mail
addresses written in them as links (`name(at)verein.de` read as an address). Which of them are
items, and which are navigation, a table of contents or the footer, `itemize` decides.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Sequence

from scheduler.models import Issue, IssueOptions
from scheduler.newsletter.dates import is_date_only, leading_date
from scheduler.newsletter.document import Block, Document, Kind, Link
from scheduler.newsletter.incoming import Deadline, as_text, check_size
from scheduler.newsletter.itemize import itemize
from scheduler.newsletter.links import deobfuscate, extract_links
from scheduler.newsletter.reading import Limits
from scheduler.newsletter.rules import DEFAULT, Rules

_DATED_TITLE = re.compile(
    r"^(?:(?P<d>\d{1,2})\.\s?(?P<m>\d{1,2})\.\s?(?P<y>\d{4})|(?P<iy>\d{4})-(?P<im>\d{2})-(?P<id>\d{2}))"
    r"\s*[:–—|-]\s*(?P<title>\S.*)$"
)
#: A heading that names the issue: "Newsletter März 2025", "Rundbrief 3/2025", "Issue 12".
_ISSUE_TITLE = re.compile(
    r"\b(?:newsletter|rundbrief|infobrief|infodienst|infopost|rundschreiben|mitteilungen|bulletin|digest|brief"
    r"|update)\b|\b(?:ausgabe|issue|edition|nr\.|no\.)\s*\d|\b\d{1,2}/(?:19|20)\d{2}\b"
    r"|\b(?:januar|februar|märz|april|mai|juni|juli|august|september|oktober|november|dezember|january|february"
    r"|march|may|june|july|october|december)\s+(?:19|20)\d{2}\b",
    re.IGNORECASE,
)
_FILE_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_BULLET = re.compile(r"^(?P<indent>\s*)(?:[•·▪◦‣*-]|\d{1,2}[.)])\s+(?=\S)")
_URL = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\w+", re.IGNORECASE)
_LEAD = re.compile(r"^(?P<lead>[A-ZÄÖÜ„\"'][^.!?:]{1,68}?):\s+(?P<rest>[A-ZÄÖÜ„\"'0-9].{29,})$", re.DOTALL)
_WRAP_WIDTH = 100  # lines wrapped at a fixed width are at most this long
_HEADING_WORDS = 14
_HEADING_LENGTH = 110
#: A paragraph longer than this is content: the issue's title comes before it.
_CONTENT = 200


def looks_like(sample: str) -> bool:
    """Whether `sample` (the start of a file) can be read as copied text: not markup, not a feed,
    not an e-mail message. Text is the reader of last resort, so this says yes to anything else."""
    start = sample.lstrip("\ufeff \t\r\n")[:500].casefold()
    if "\x00" in sample or start.startswith(("<", "<?xml")):
        return False
    if re.match(r"(?:[\w-]+:[^\n]*\n){3}", sample.lstrip()[:2000]) and re.search(
        r"^(?:from|subject|mime-version|received|date|to):", sample[:2000], re.IGNORECASE | re.MULTILINE
    ):
        return False
    return not re.search(r"<(?:html|body|table|div|p)\b", start)


def read(
    data: bytes | str, *, url: str = "", file_name: str = "", max_bytes: int | None = Limits().max_bytes
) -> Document:
    """The document in copied text; `file_name`'s date (`2024-12-13-…`) when the text gives none.
    `InputError` for input above `max_bytes` (SCHEDULER_MAX_ISSUE_BYTES; None: no cap), before it
    is read."""
    what = file_name or url or "text"
    check_size(data, max_bytes, what=what)
    text = as_text(data, what=what)
    blocks = _run_in_headings(
        [[_block(line, first=number == 0) for number, line in enumerate(_lines(chunk))] for chunk in _chunks(text)]
    )
    title, date, blocks = _title(blocks)
    if date is None and (file_date := _FILE_DATE.search(file_name)):
        try:
            date = dt.date(*map(int, file_date.groups()))
        except ValueError:
            date = None
    return Document(blocks=tuple(blocks), title=title, date=date, url=url)


def parse(
    text: str,
    *,
    source: str,
    languages: Sequence[str] = ("de", "en"),
    options: IssueOptions | None = None,
    file_name: str = "",
    max_items: int | None = None,
    rules: Rules = DEFAULT,
    deadline: Deadline | None = None,
) -> Issue:
    """Split copied newsletter text into an `Issue` with its items (`read`, then `itemize`); more
    than `max_items` items is an `InputError` before any item is analysed, and so is the read's
    time running out (`deadline`, else `incoming.TIME_LIMIT` from now)."""
    document = read(text, file_name=file_name, max_bytes=None)  # the caller checked the file's size
    return itemize(
        document,
        source=source,
        languages=languages,
        options=options,
        max_items=max_items,
        rules=rules,
        deadline=deadline or Deadline.start(),
    )


def _chunks(text: str) -> list[list[str]]:
    """Runs of non-blank lines (a line of spaces or no-break spaces is blank), tabs as " | "."""
    chunks: list[list[str]] = []
    lines: list[str] = []
    for line in [*text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), ""]:
        line = line.replace("\u00a0", " ").replace("\u202f", " ").rstrip()
        if line.strip():
            lines.append(
                " | ".join(part.strip() for part in line.split("\t") if part.strip()) if "\t" in line else line
            )
        elif lines:
            chunks.append(lines)
            lines = []
    return chunks


#: Rules whose headings head no item (a section, a list of dates, a footer): not counted as an
#: item heading's style.
_NO_ITEM_HEADINGS = ("contents", "events", "sections", "footer", "boilerplate", "sign_off", "greeting")


def _run_in_headings(chunks: Sequence[Sequence[Block]]) -> list[Block]:
    """The blocks of all chunks, with run-in sub-headings made paragraphs of their item: where the
    headings of a copied page stand alone in their paragraph (a blank line below each, at least
    two of them, more than otherwise), a heading with its text right below it, in the same
    paragraph, is a sub-heading inside an item ("Neues Vormerkportal" under "Kita-Platz für
    2025/26"), not an item of its own: it opens its paragraph as a run-in heading ("Neues
    Vormerkportal: Seit April …"), so a post shortened there never ends on a heading. Only below
    the first long paragraph: the issue's title and its subtitle line stand above it."""
    top = next(
        (number for number, chunk in enumerate(chunks) if any(len(block.text) > _CONTENT for block in chunk)),
        len(chunks),
    )

    def opens(chunk: Sequence[Block]) -> bool:
        return chunk[0].kind is Kind.HEADING and chunk[0].level == 2

    def run_in(chunk: Sequence[Block]) -> bool:
        return opens(chunk) and len(chunk) > 1 and chunk[1].kind is Kind.PARAGRAPH and not chunk[1].lead

    def item_heading(number: int) -> bool:  # alone, over a paragraph, no section, list or footer
        chunk, following = chunks[number], chunks[number + 1] if number + 1 < len(chunks) else ()
        return (
            opens(chunk)
            and len(chunk) == 1
            and bool(following)
            and following[0].kind is Kind.PARAGRAPH
            and not any(DEFAULT.matches(rule, chunk[0].text) for rule in _NO_ITEM_HEADINGS)
        )

    below = chunks[top:]
    alone = sum(1 for number in range(top, len(chunks)) if item_heading(number))
    attached = sum(1 for chunk in below if run_in(chunk))
    subheadings = alone >= 2 and alone > attached
    blocks: list[Block] = []
    for number, chunk in enumerate(chunks):
        if subheadings and number > top and run_in(chunk):
            head, text = chunk[0], chunk[1]
            joined = f"{head.text}{' ' if head.text.endswith(('?', '!')) else ': '}{text.text}"
            blocks.append(Block(Kind.PARAGRAPH, joined, links=(*_links(head.text), *text.links)))  # no lead: no item
            blocks.extend(chunk[2:])
        else:
            blocks.extend(chunk)
    return blocks


def _wrapped(lines: Sequence[str]) -> bool:
    """Whether the lines of a paragraph were wrapped at a fixed width (an e-mail's text): three or
    more lines, nearly all as wide as the widest (at most `_WRAP_WIDTH`), broken mid-sentence at
    least once, none opening with a date (a list of dates looks alike)."""
    if len(lines) < 3:
        return False
    stripped = [line.strip() for line in lines]
    widths = [len(line) for line in stripped[:-1]]
    widest = max(widths)
    return (
        50 <= widest <= _WRAP_WIDTH
        and sum(width >= 0.8 * widest for width in widths) >= 0.7 * len(widths)
        and any(
            after[:1].islower() and not before.endswith((".", "!", "?", ":"))
            for before, after in itertools.pairwise(stripped)
        )
        and not any(leading_date(line) for line in stripped)
    )


def _lines(chunk: Sequence[str]) -> list[str]:
    """The logical lines of a chunk: each line of a browser's copy, with lines that continue the
    line before (a lower-case start, a hyphen or comma at the end, a paragraph wrapped at a fixed
    width) joined to it. List entries keep their indentation."""
    wrapped = _wrapped(chunk)
    lines: list[str] = []
    for raw in chunk:
        line = raw.strip()
        if lines and not _BULLET.match(raw):
            before = lines[-1]
            continues = (
                wrapped
                or (line[:1].islower() and not before.endswith((".", "!", "?", ":")))
                or (before.endswith((",", "-", "–", "(", "/")) and not before.endswith(" -"))
            )
            if continues:
                joiner = "" if before.endswith("-") and line[:1].islower() else " "
                lines[-1] = before + joiner + line
                continue
        lines.append(raw.rstrip() if _BULLET.match(raw) else line)
    return lines


def _is_heading(text: str) -> bool:
    """A short line without final punctuation (an exclamation only in five words or fewer) that
    starts like a title and is no date, address, "read more" or sentence fragment."""
    words = text.split()
    return (
        0 < len(words) <= _HEADING_WORDS
        and len(text) <= _HEADING_LENGTH
        and text[-1] not in ".:;,…"
        and (text[-1] != "!" or len(words) <= 5)
        and ((text[0].isalnum() and not text[0].islower()) or text[0] in "„\"'»«£$€#")
        and leading_date(text) is None
        and not is_date_only(text)
        and not _URL.search(text)
        and not DEFAULT.is_read_more(text)
        and not _labelled(text)
    )


def _labelled(text: str) -> bool:
    """A detail's line, "Referentin: Dipl.-Psych. Martina Vogt": a label, a colon, its value."""
    label, colon, value = text.partition(":")
    return bool(colon and value.strip()) and DEFAULT.is_label(label)


def _lead(text: str) -> str:
    """A "Title: text" opening when it is plausible: a short capitalised phrase that is no label
    such as "Ort" or "Kontakt", followed by a sentence."""
    match = _LEAD.match(text)
    if match is None:
        return ""
    lead = match["lead"].strip()
    if len(lead.split()) > 8 or DEFAULT.is_label(lead) or leading_date(lead) is not None or _URL.search(lead):
        return ""
    return lead + ":"


def _block(line: str, *, first: bool) -> Block:
    """A list entry, a heading (level 2 when it opens its paragraph, level 3 when it follows
    another line without a blank line between: a subtitle, a signature's second line) or a
    paragraph."""
    bullet = _BULLET.match(line)
    if bullet is not None and leading_date(line.strip()) is None:
        text = deobfuscate(" ".join(line[bullet.end() :].split()))
        level = 1 + len(bullet["indent"].expandtabs(4)) // 2
        return Block(Kind.LIST_ITEM, text, level=min(level, 6), links=_links(text), lead=_lead(text))
    text = deobfuscate(" ".join(line.split()))
    if _is_heading(text):
        return Block(Kind.HEADING, text, level=2 if first else 3)
    return Block(Kind.PARAGRAPH, text, links=_links(text), lead=_lead(text))


def _links(text: str) -> tuple[Link, ...]:
    return tuple(Link(url, text=url.removeprefix("mailto:")) for url in extract_links(text))


def _title(blocks: list[Block]) -> tuple[str, dt.date | None, list[Block]]:
    """The issue's title (and date) from its heading above the first long paragraph: a dated one
    ("13.12.2024: Die Vernetzungsstelle informiert"), else one naming the issue ("Newsletter März
    2025"), else the first heading. That heading becomes the title's heading (level 1)."""
    top = next((i for i, block in enumerate(blocks) if len(block.text) > _CONTENT), len(blocks))
    for index, block in enumerate(blocks[:top]):
        match = _DATED_TITLE.match(block.text)
        if match is not None:
            title = match["title"].strip()
            return title, _date(match), _as_title(blocks, index, title)
    candidates = [
        i
        for i, block in enumerate(blocks[:top])
        if block.kind is Kind.HEADING
        and not DEFAULT.is_navigation(block.text)
        and not DEFAULT.matches("boilerplate", block.text)
    ]
    named = next((i for i in candidates if _ISSUE_TITLE.search(blocks[i].text)), None)
    chosen = named if named is not None else next(iter(candidates), None)
    if chosen is None:
        return "", None, blocks
    title = blocks[chosen].text
    return title, None, _as_title(blocks, chosen, title)


def _as_title(blocks: list[Block], index: int, title: str) -> list[Block]:
    """The blocks with the title's line as the level 1 heading, without the heading lines under
    it in the same paragraph (a subtitle: "Ausgabe Herbst 2024")."""
    end = index + 1
    while end < len(blocks) and blocks[end].kind is Kind.HEADING and blocks[end].level == 3:
        end += 1
    return [*blocks[:index], Block(Kind.HEADING, title, level=1), *blocks[end:]]


def _date(match: re.Match[str]) -> dt.date | None:
    try:
        if match["y"]:
            return dt.date(int(match["y"]), int(match["m"]), int(match["d"]))
        return dt.date(int(match["iy"]), int(match["im"]), int(match["id"]))
    except ValueError:
        return None
