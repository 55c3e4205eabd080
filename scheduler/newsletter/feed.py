"""RSS 2.0 and Atom feeds (also RSS 0.9x/1.0 and Atom 0.3, as feedparser reads them) → `Document`s.

A feed is read one of two ways, chosen by `per_entry` (a setting or a source's option):

- `"issue"`: each entry is one newsletter issue — a newsletter archive's feed (WordPress, Ghost,
  Substack, a static site), its entries holding the whole issue as HTML. One `Document` per entry,
  in the feed's order (usually newest first): the entry's title, date, address and language, and
  its content (`content:encoded` or Atom `<content>`; else the summary) walked into blocks by the
  HTML reader's walk (`scheduler.newsletter.html_blocks`), so it splits into items as a web page
  would. An entry whose content has no items of its own — no heading, not two or more bold lines,
  paragraphs with bold lead-ins or linked list entries (the forms an issue without headings takes)
  — is one item, as in "item" mode: a news feed read with the default setting still gives each
  post its title, link and image, where its text alone would give an item titled by its first
  sentence and sending nowhere.
- `"item"`: each entry is one item — a news or press feed. One `Document` for the whole feed (its
  title, address, language and date); each entry gives its title as a heading (level 2, its link
  as the heading's link — the item's main link — and its date on every block of the entry)
  followed by its summary (else its content) as paragraphs, headings and bold lines in it read as
  paragraphs, so that each entry stays one item; an image the entry carries (`media:content`, an
  image enclosure) goes with the heading when the feed describes it.

An entry's title heading is a `noise.ItemTitle`: the items' rules never take it for a section (so
no entry is filed under another's title), nor drop it when nothing of the entry is left under it.
An entry without a title is titled by its first sentence. An excerpt (a summary cut by the
publisher's software, ending in "[…]", "[...]" or "…" with or without a "Weiterlesen"/"Read more"
link) loses the mark and the link's words, and a sentence it cuts in half where whole ones stand
before it: the post ends with the entry's link, which says where to read on. The line an SEO
plugin adds under each entry ("Der Beitrag … erschien zuerst auf …") goes too.

`read` returns a list either way (one Document in "item" mode), so that every caller handles one
type.

Dates are the calendar day the feed writes (`Fri, 07 Mar 2025 00:30:00 +0100` is 7 March, not the
6th in UTC).

**Broken XML.** feedparser reads a feed that is not well-formed with its lenient parser ("bozo").
That is right for the harmless faults real feeds have — an HTML entity XML does not know (`&nbsp;`
in RSS), a bare `&`, a wrongly declared charset, unescaped HTML inside a description, a missing
`</channel>` — but not where the damage loses content: a file cut off mid-way (a download that
stopped; the lenient parser would post the half entry) or a title or description left unclosed
(it swallows what follows). So when feedparser reports a fault, the markup is checked (outside
CDATA sections and comments): the document must end after its root element is closed, and no
feed element that holds text (`title`, `description`, `content:encoded`, …) may be left open or be
closed by a misspelt tag. Either is an `InputError` naming the line, as is a feed of which nothing
can be read and every failure inside feedparser.

**Entity expansion (XML bombs).** Before feedparser sees the bytes, every `<!ENTITY` declaration is
checked: only an internal general entity whose value is short text (at most 64 characters, or one
character reference) is let through, and only while all references to declared entities together
expand to less than 1 MB. Anything else — an entity that refers to other entities ("billion
laughs"), a parameter entity, an external entity (`SYSTEM`/`PUBLIC`: a file or an address), a long
value referenced many times (quadratic blow-up) — refuses the feed with an `InputError` before any
parsing. Beyond that, expat's own amplification limit (expat ≥ 2.4) and feedparser's removal of
unsafe entity declarations apply, and external DTDs are never fetched.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import html
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, Literal, NamedTuple
from xml.sax import SAXParseException

from scheduler.errors import InputError
from scheduler.models import Image
from scheduler.newsletter import noise
from scheduler.newsletter.document import Block, Document, Kind, Link
from scheduler.newsletter.incoming import MAX_BYTES, Deadline, absolute, check_size, clean, date_of, language_code
from scheduler.newsletter.noise import ItemTitle
from scheduler.newsletter.rules import DEFAULT
from scheduler.newsletter.structure import is_pseudo_heading, titled

PerEntry = Literal["issue", "item"]
PER_ENTRY: tuple[PerEntry, ...] = ("issue", "item")

_WHAT = "feed"
#: An entity declaration we let through: a name and a short literal value, or one character reference.
_SAFE_ENTITY = re.compile(
    rb"""<!ENTITY\s+([A-Za-z_][\w.-]*)\s+(?:"([^"&%<]*|&\#x?[0-9A-Fa-f]+;)"|'([^'&%<]*|&\#x?[0-9A-Fa-f]+;)')\s*>"""
)
_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
_REFERENCE = re.compile(rb"&([A-Za-z_][\w.-]*);")
MAX_ENTITY_VALUE = 64
MAX_EXPANSION = 1_000_000
#: Elements a feed may have outside CDATA sections (see `refuse_element_flood`).
MAX_ELEMENTS = 50_000
#: The longest title made of the first sentence of an entry without one.
_UNTITLED_LENGTH = 80
_CDATA = re.compile(rb"<!\[CDATA\[.*?\]\]>", re.DOTALL)
_START_TAG = re.compile(rb"<[A-Za-z_]")
#: What stands before a document's root element: the XML declaration (even a broken one), comments,
#: processing instructions and a doctype.
_PROLOG = re.compile(
    r"""\s*(?:<\?xml[^>]*>\s*)?(?:(?:<!--.*?-->|<\?.*?\?>|<!DOCTYPE[^\[>]*(?:\[.*?\])?\s*>)\s*)*""",
    re.IGNORECASE | re.DOTALL,
)
#: The root element's name (a prefix, as in `atom:feed` or `rdf:RDF`, aside).
_ROOT = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")
_FEED_ROOTS = ("rss", "feed", "rdf")
_XML_DECLARATION = re.compile(r"\s*<\?xml[\s?>]", re.IGNORECASE)
_HTML_DOCTYPE = re.compile(r"<!DOCTYPE\s+html\b", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]*>")


def looks_like(sample: str) -> bool:
    """Whether `sample` (the start of a file) is an RSS or Atom feed: an XML document whose root
    element is `<rss>`, `<feed>` or `<rdf:RDF>` (with any prefix: `<atom:feed>`) — or one that
    declares itself XML and is cut off before its root element shows (or in its name: `<rs`), which
    only the feed reader can say is broken."""
    text = sample.lstrip("\ufeff")[:65536]
    prolog = _PROLOG.match(text)
    rest = text[prolog.end() if prolog else 0 :]
    root = _ROOT.match(rest)
    if root is not None:
        name = root.group(1).lower()
        if root.end() < len(rest):  # the whole name
            return name in _FEED_ROOTS
        return declares_xml(text) and any(whole.startswith(name) for whole in _FEED_ROOTS)
    return declares_xml(text) and (not rest.strip() or rest.lstrip().startswith("<"))


def declares_xml(sample: str) -> bool:
    """Whether `sample` opens with an XML declaration (`<?xml …?>`) and is no XHTML page: XML that no
    reader but the feed reader reads (it says what the document is not, or where it is broken)."""
    text = sample.lstrip("\ufeff")[:65536]
    if not _XML_DECLARATION.match(text):
        return False
    prolog = _PROLOG.match(text)
    end = prolog.end() if prolog else 0
    root = _ROOT.match(text, end)
    html = _HTML_DOCTYPE.search(text, 0, end) or _HTML_DOCTYPE.match(text, end)
    return not html and (root is None or root.group(1).lower() != "html")


def read(
    data: bytes | str,
    *,
    source: str = "",
    url: str = "",
    per_entry: PerEntry = "issue",
    max_bytes: int = MAX_BYTES,
    deadline: Deadline | None = None,
) -> list[Document]:
    """The feed as Documents: one per entry with `per_entry="issue"`, a list of one with
    `per_entry="item"` (see the module's words). `source`: the file or address the errors name;
    `url`: where the feed was read from (relative links resolve against it). `InputError` for
    input above `max_bytes` (SCHEDULER_MAX_ISSUE_BYTES) — before parsing —, for entity
    declarations that could expand without bound, for XML whose damage loses content, for a feed
    nothing can be read from, or when the read takes longer than its `deadline` (else
    `incoming.TIME_LIMIT` from now; looked at before each entry)."""
    deadline = deadline or Deadline.start()
    what = source or (f"{_WHAT} {url}" if url else _WHAT)
    if per_entry not in PER_ENTRY:
        raise InputError(f"{what}: per_entry must be 'issue' or 'item', not {per_entry!r}")
    check_size(data, max_bytes, what=what)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    refuse_entity_expansion(raw, what=what)
    refuse_element_flood(raw, what=what)
    parsed = _parse(raw, url=url, text=isinstance(data, str), what=what)
    feed: Mapping[str, Any] = parsed.get("feed", {})
    entries: Sequence[Mapping[str, Any]] = parsed.get("entries", [])
    feed_url = absolute(str(feed.get("link", "")), url) or url
    feed_language = language_code(feed.get("language"))
    if per_entry == "issue":
        documents = []
        for entry in entries:
            deadline.check(what)
            documents.append(_issue(entry, feed_url, feed_language))
        return documents
    blocks: list[Block] = []
    for entry in entries:
        deadline.check(what)
        blocks.extend(_item(entry, feed_url, _entry_language(entry) or feed_language))
    document = Document(
        blocks=tuple(blocks),
        title=_text(feed, "title"),
        date=_date(feed, "updated", "published"),
        language=feed_language,
        url=feed_url,
    )
    return [document]


# -- safety and parsing -----------------------------------------------------------------------------


def refuse_entity_expansion(data: bytes, *, what: str = _WHAT) -> None:
    """`InputError` when the XML declares entities that could expand without bound (see the
    module's words); nothing when it declares none or only short literal ones."""
    if not _ENTITY_DECLARATION.search(data):
        return
    sizes: dict[bytes, int] = {}
    for declaration in _ENTITY_DECLARATION.finditer(data):
        safe = _SAFE_ENTITY.match(data, declaration.start())
        value = (safe.group(2) if safe.group(2) is not None else safe.group(3)) if safe else None
        if safe is None or value is None or len(value) > MAX_ENTITY_VALUE:
            raise InputError(_BOMB.format(what=what, why="an entity that refers to others, to a file or is long"))
        sizes[safe.group(1)] = len(value)
    expansion = 0
    for reference in _REFERENCE.finditer(data):
        expansion += sizes.get(reference.group(1), 0)
        if expansion > MAX_EXPANSION:
            raise InputError(_BOMB.format(what=what, why="entities referenced so often they expand to over 1 MB"))


_BOMB = (
    "{what}: declares {why} (an 'XML bomb' or external entity); refused before reading — a feed needs "
    "no entity declarations, ask its publisher to remove them"
)


def _parse(raw: bytes, *, url: str, text: bool, what: str) -> Mapping[str, Any]:
    import feedparser

    # Response headers tell feedparser the type (no complaint about a missing one), the charset of
    # text we encoded ourselves (it wins over the XML declaration, as an HTTP header does) and the
    # base address of relative links.
    headers = {"content-type": "application/xml; charset=utf-8" if text else "application/xml"}
    if url:
        headers["content-location"] = url
    try:
        # A stream, never the bytes: feedparser takes a string for a file name or an address.
        # No sanitising or resolving of the HTML in entries: we never show that HTML, the walk into
        # blocks drops what is unsafe and resolves addresses itself; both passes are feedparser's
        # slowest (sgmllib over every entry's HTML: 4 s instead of 1 s for a 4 MB feed).
        parsed: Mapping[str, Any] = feedparser.parse(
            io.BytesIO(raw), response_headers=headers, sanitize_html=False, resolve_relative_uris=False
        )
    except RecursionError:
        raise InputError(f"{what}: nested too deeply to read; check the feed with a feed validator") from None
    except Exception as exc:  # noqa: BLE001  # reason: feedparser's lenient parsers can fail in ways it does not document; one line, never a traceback
        raise InputError(f"{what}: cannot be read as RSS or Atom ({type(exc).__name__})") from None
    if parsed.get("bozo"):
        refuse_damage(raw, what=what)
    if not parsed.get("entries") and (parsed.get("bozo") or not parsed.get("version")):
        problem = parsed.get("bozo_exception")
        reason = f" ({_first_line(problem)})" if problem else ""
        raise InputError(
            f"{what}: not a readable RSS or Atom feed{reason}; check the address or the file with a feed validator"
        )
    if not parsed.get("entries"):
        raise InputError(f"{what}: the feed has no entries yet; try again once an issue has been published")
    return parsed


def _first_line(problem: object) -> str:
    """The parser's complaint in a few words: `line 2: not well-formed (invalid token)`."""
    if isinstance(problem, SAXParseException):
        return f"line {problem.getLineNumber()}: {problem.getMessage()}"[:160]
    lines = [line.strip() for line in str(problem).splitlines() if line.strip()]
    return (lines[0] if lines else type(problem).__name__)[:160]


class _Damage(NamedTuple):
    """Where a feed's markup loses content: the byte offset, what is wrong, and whether the file
    ends there (cut off) rather than being damaged within."""

    offset: int
    problem: str
    cut: bool


#: The markup of an XML document, outside text: a CDATA section, a comment, a processing
#: instruction, a doctype (with its internal subset), a start or end tag — each also when the file
#: ends inside it (nothing after the `\Z`).
_MARKUP = re.compile(
    rb"""<!\[CDATA\[.*?(?:\]\]>|\Z)"""
    rb"""|<!--.*?(?:-->|\Z)"""
    rb"""|<\?[^>]*(?:>|\Z)"""
    rb"""|<!(?:[^\[>]|\[.*?(?:\]|\Z))*(?:>|\Z)"""
    rb"""|<(?P<end>/?)(?P<name>[A-Za-z_][\w.:-]*)(?P<rest>(?:[^>"']|"[^"]*(?:"|\Z)|'[^']*(?:'|\Z))*)(?P<close>>|\Z)""",
    re.DOTALL,
)
_ENDINGS = ((b"<![CDATA[", b"]]>", "a CDATA section"), (b"<!--", b"-->", "a comment"), (b"<?", b">", "a declaration"))
#: The feed elements whose text feedparser reads (by local name, lower case): one left open takes
#: in what follows it — the next entry's title, the rest of the feed.
_TEXT_ELEMENTS = frozenset(
    {
        "title", "subtitle", "tagline", "link", "description", "summary", "content", "encoded",
        "pubdate", "published", "updated", "issued", "modified", "created", "date", "guid", "id",
        "name", "category", "language",
    }
)  # fmt: skip
#: HTML elements that stand unescaped inside a description: an end tag of one that was never
#: opened is stray HTML, which the lenient parser reads past.
_HTML_ELEMENTS = frozenset(
    "a abbr b big blockquote br center cite code dd div dl dt em figcaption figure font h1 h2 h3 h4 h5 h6 "
    "hr i img li ol p pre s small span strike strong sub sup table tbody td th thead tr u ul".split()
)


def _local(name: str) -> str:
    """An element's name without its prefix: `content:encoded` → `encoded`."""
    return name.rsplit(":", 1)[-1]


def find_damage(data: bytes) -> _Damage | None:
    """Where the markup of the XML in `data` loses content (see the module's words), None where
    its faults are harmless. Looks only at the markup, so an undefined entity or a bare `&` never
    hides damage further on (expat stops at the first fault). A cut is placed at the file's end."""
    end = len(data.rstrip())
    stack: list[tuple[str, str, int]] = []  # the open elements: lower-cased name, name, offset
    started = False
    for token in _MARKUP.finditer(data):
        if started and not stack:
            break  # after the root element: what a server appended (a cache's comment), not the feed
        whole, start, name = token.group(0), token.start(), token.group("name")
        if name is None:
            for opening, ending, what in _ENDINGS:
                if whole.startswith(opening) and not (whole.endswith(ending) and len(whole) >= len(opening + ending)):
                    return _Damage(end, f"ends inside {what}", cut=True)
            if not whole.endswith(b">"):
                return _Damage(end, "ends inside its doctype", cut=True)
            continue
        shown = name.decode("ascii", "replace")
        lower = shown.lower()
        if not token.group("close"):
            return _Damage(end, f"ends inside the tag <{token.group('end').decode()}{shown}", cut=True)
        if not token.group("end"):
            started = True
            if not token.group("rest").rstrip().endswith(b"/"):
                stack.append((lower, shown, start))
            continue
        depth = next((index for index in range(len(stack) - 1, -1, -1) if stack[index][0] == lower), None)
        if depth is None:
            top = stack[-1] if stack else ("", "", 0)
            if _local(top[0]) in _TEXT_ELEMENTS and _local(lower) not in _HTML_ELEMENTS:
                return _Damage(start, f"</{shown}> does not close <{top[1]}>", cut=False)
            continue  # a stray end tag of HTML in a description: read past
        unclosed = [
            (open_name, offset)
            for lowered, open_name, offset in stack[depth + 1 :]
            if _local(lowered) in _TEXT_ELEMENTS
        ]
        if unclosed:
            open_name, offset = unclosed[0]
            return _Damage(offset, f"<{open_name}> is not closed", cut=False)
        del stack[depth:]  # containers (an item, the channel) and HTML left open: closed here
    if stack:
        return _Damage(end, f"ends inside <{stack[-1][1]}>", cut=True)
    if not started and declares_xml(data[:4096].decode("utf-8", "replace")):
        return _Damage(end, "ends before its first element", cut=True)
    return None


def refuse_damage(data: bytes, *, what: str = _WHAT) -> None:
    """`InputError` naming the line when the feed's damage loses content (`find_damage`); nothing
    when it is well-formed or its faults are harmless."""
    damage = find_damage(data)
    if damage is None:
        return
    line = data.count(b"\n", 0, damage.offset) + 1
    advice = (
        "it may have been cut off — fetch it again"
        if damage.cut
        else "part of it cannot be read — fetch it again, or ask its publisher to check it with a feed validator"
    )
    raise InputError(f"{what}: the feed is not well-formed XML (line {line}: {damage.problem}); {advice}")


def refuse_element_flood(data: bytes, *, what: str = _WHAT) -> None:
    """`InputError` when the feed has more than `MAX_ELEMENTS` XML elements outside CDATA
    sections. A real feed has a few dozen per entry (its HTML is escaped or in CDATA, which does
    not count); feedparser spends some 10 µs on each element, twice when the XML is broken, so a
    file of nothing but tags would take it many seconds."""
    if data.count(b"<") <= MAX_ELEMENTS:
        return
    outside = _CDATA.sub(b"", data)
    count = len(_START_TAG.findall(outside))
    if count > MAX_ELEMENTS:
        raise InputError(
            f"{what}: has {count:,} XML elements, more than the {MAX_ELEMENTS:,} a feed is read with; "
            "refused, as reading it would take too long — check that this is the feed's address"
        )


# -- entries ----------------------------------------------------------------------------------------


def _issue(entry: Mapping[str, Any], feed_url: str, feed_language: str) -> Document:
    link = absolute(str(entry.get("link", "")), feed_url)
    title = _text(entry, "title")
    date = _date(entry, "published", "updated", "created")
    language = _entry_language(entry) or feed_language
    body = _body(entry, prefer_summary=False)
    blocks = _blocks(body.text, body.kind, base=absolute(body.base, feed_url) or link or feed_url)
    blocks = _without_excerpt_mark(_without_first_published(blocks), excerpt=body.summary, language=language)
    if title and _one_item(blocks):
        blocks = [_title_block(entry, title, link, date, feed_url), *_as_one_item(blocks)]
    return Document(blocks=tuple(blocks), title=title, date=date, language=language, url=link)


def _item(entry: Mapping[str, Any], feed_url: str, language: str) -> list[Block]:
    link = absolute(str(entry.get("link", "")), feed_url)
    date = _date(entry, "published", "updated", "created")
    body = _body(entry, prefer_summary=True)
    blocks = _blocks(body.text, body.kind, base=absolute(body.base, feed_url) or link or feed_url)
    blocks = [
        replace(block, date=date)
        for block in _as_one_item(
            _without_excerpt_mark(_without_first_published(blocks), excerpt=body.summary, language=language)
        )
    ]
    title = _text(entry, "title") or _first_sentence(blocks, language)
    if title:
        blocks.insert(0, _title_block(entry, title, link, date, feed_url))
    return blocks


def _title_block(entry: Mapping[str, Any], title: str, link: str, date: dt.date | None, feed_url: str) -> Block:
    """The entry's title as the heading of its one item: its link the item's main link, the image
    the feed gives it (described) its picture."""
    return ItemTitle(
        kind=Kind.HEADING,
        text=title,
        level=2,
        links=(Link(link, title),) if link else (),
        images=_media_images(entry, base=link or feed_url),
        date=date,
    )


def _one_item(blocks: Sequence[Block]) -> bool:
    """Whether an entry's content is one item rather than an issue: no heading, and fewer than two
    of the things an issue without headings is made of — bold lines or link lines over text,
    paragraphs with bold lead-ins, list entries with links (not a list a paragraph introduces)."""
    if any(block.kind is Kind.HEADING for block in blocks):
        return False
    lines = sum(1 for index in range(len(blocks)) if is_pseudo_heading(blocks, index, DEFAULT))
    introduced = any(block.kind is Kind.PARAGRAPH and block.text.rstrip().endswith(":") for block in blocks)
    entries = sum(
        1
        for block in blocks
        if titled(block, DEFAULT)
        or (block.kind is Kind.LIST_ITEM and block.level == 1 and block.links and not introduced)
    )
    return lines < 2 and entries < 2


def _as_one_item(blocks: Sequence[Block]) -> list[Block]:
    """An entry's content as the text of one item: headings read as paragraphs, a bold line as
    emphasis (not the heading of an item of its own)."""
    return [
        replace(block, kind=Kind.PARAGRAPH, level=1)
        if block.kind is Kind.HEADING
        else replace(block, lead="")
        if block.lead and noise.key(block.lead) == noise.key(block.text)
        else block
        for block in blocks
    ]


def _first_sentence(blocks: Sequence[Block], language: str) -> str:
    """A title for an entry without one: the first sentence of its text, shortened."""
    text = next((block.text for block in blocks if block.text), "")
    if not text:
        return ""
    from scheduler.text.sentences import sentences

    first = (sentences(text, language or "de") or [text])[0].strip()
    if len(first) <= _UNTITLED_LENGTH:
        return first
    return first[: _UNTITLED_LENGTH - 1].rsplit(" ", 1)[0].rstrip(" ,;:–-") + "…"


# -- excerpts ---------------------------------------------------------------------------------------

#: The line an SEO plugin (Yoast) puts under each entry of a WordPress feed: "Der Beitrag <title>
#: erschien zuerst auf <site>." / "The post <title> appeared first on <site>."
_FIRST_PUBLISHED = re.compile(
    r"^(?:der beitrag|the post)\s.+\s(?:erschien zuerst auf|appeared first on)\s", re.I | re.S
)


def _without_first_published(blocks: Sequence[Block]) -> list[Block]:
    """`blocks` without the "Der Beitrag … erschien zuerst auf …" line that ends them: a plugin's
    words about the feed, which a post would repeat to its readers."""
    kept = list(blocks)
    last = next((index for index in range(len(kept) - 1, -1, -1) if kept[index].text), None)
    if last is not None and len(kept[last].text) <= 300 and _FIRST_PUBLISHED.match(kept[last].text):
        del kept[last]
    return kept


#: The mark a publisher's software puts where it cut an excerpt: "[…]", "[...]", "(…)"; a bare
#: ellipsis counts in a summary only (in an entry's full text it may be the writer's own).
_BRACKETED_MARK = re.compile(r"\s*(?:\[\s*(?:…|\.\.\.)\s*\]|\(\s*(?:…|\.\.\.)\s*\))$")
_BARE_MARK = re.compile(r"\s*(?:…|\.\.\.)$")
_ARROWS = " \t»›→>|–-"
_SENTENCE_END = re.compile(r"[.!?][\"'“”«»‘’)\]]*$")


def _without_excerpt_mark(blocks: Sequence[Block], *, excerpt: bool, language: str) -> list[Block]:
    """`blocks` without the mark that ends an excerpt (see the module's words): its last text —
    before a line that is only a "read more" link — loses the mark and the words of a "read more"
    link after it, and the sentence the excerpt cuts off where whole ones stand before it."""
    kept = list(blocks)
    last = len(kept) - 1
    while last >= 0 and (not kept[last].text or DEFAULT.is_read_more(kept[last].text)):
        last -= 1
    if last < 0:
        return kept
    block = kept[last]
    text = block.text.rstrip(_ARROWS)
    for link in reversed(block.links):  # "… [&hellip;] <a>Weiterlesen</a>"
        words = link.text.strip(_ARROWS)
        if words and text.endswith(words) and DEFAULT.is_read_more(words):
            text = text[: -len(words)].rstrip(_ARROWS)
    mark = _BRACKETED_MARK.search(text) or (_BARE_MARK.search(text) if excerpt else None)
    if mark is None:
        return kept
    text = _whole_sentences(text[: mark.start()].rstrip(), language)
    if text:
        kept[last] = replace(block, text=text)
    else:
        del kept[last]
    return kept


def _whole_sentences(text: str, language: str) -> str:
    """`text` without its last sentence when the excerpt cut it (it does not end as a sentence
    does) and whole sentences stand before it; `text` itself when it is all one sentence."""
    if not text or _SENTENCE_END.search(text):
        return text
    from scheduler.text.sentences import sentence_ends

    ends = [end for end in sentence_ends(text, language or "de") if end < len(text.rstrip())]
    if not ends:
        return text
    return text[: ends[-1]].rstrip()


class _Body(NamedTuple):
    """An entry's text to read: the text, its type ("html" or "text"), the base address it names
    (Atom's xml:base; "" for none), and whether it is the entry's summary (maybe an excerpt)."""

    text: str
    kind: str
    base: str
    summary: bool


def _body(entry: Mapping[str, Any], *, prefer_summary: bool) -> _Body:
    """The entry's text: its HTML content (`content:encoded`, Atom content), or its summary; with
    `prefer_summary`, the summary first. Plain-text content comes last: feedparser files a
    `media:description` there too."""
    contents = [part for part in entry.get("content", []) or [] if isinstance(part, Mapping)]
    rich = [part for part in contents if "html" in str(part.get("type", "text/html"))]
    summary = entry.get("summary")
    detail = entry.get("summary_detail") or {}
    summary_kind = "html" if "html" in str(detail.get("type", "text/html")) else "text"
    options = [_Body(str(part.get("value", "")), "html", str(part.get("base", "")), False) for part in rich]
    if isinstance(summary, str) and summary.strip():
        read = _Body(summary, summary_kind, str(detail.get("base", "")), True)
        options.insert(0 if prefer_summary else len(options), read)
    options += [_Body(str(part.get("value", "")), "text", "", False) for part in contents if part not in rich]
    return next((option for option in options if option.text.strip()), _Body("", "text", "", False))


def _blocks(body: str, kind: str, *, base: str) -> list[Block]:
    if not body.strip():
        return []
    if kind == "text":
        return _paragraphs(body)
    from scheduler.newsletter import html_input
    from scheduler.newsletter.html_blocks import Walker

    try:
        root = html_input.parse(body, _WHAT)
    except InputError:  # an entry of nothing but a comment or markup: nothing to read, the others still are
        return []
    return [raw.block for raw in Walker(base).walk(root)]


def _paragraphs(text: str) -> list[Block]:
    """Plain text: paragraphs at blank lines, written-out addresses as links."""
    from scheduler.newsletter.links import extract_links

    blocks = []
    for chunk in re.split(r"\n\s*\n", text):
        paragraph = clean(chunk)
        if paragraph:
            links = tuple(Link(address, address.removeprefix("mailto:")) for address in extract_links(paragraph))
            blocks.append(Block(kind=Kind.PARAGRAPH, text=paragraph, links=links))
    return blocks


def _media_images(entry: Mapping[str, Any], *, base: str) -> tuple[Image, ...]:
    """Images the entry carries (`media:content`, `media:thumbnail`, image enclosures), described
    by the feed's `media:description` (which feedparser files as the entry's plain-text content);
    an image nothing describes is left out, as the HTML walk leaves it out."""
    descriptions = [
        clean(str(part.get("value", "")))
        for part in entry.get("content", []) or []
        if isinstance(part, Mapping) and part.get("type") == "text/plain"
    ]
    alt = next((text for text in descriptions if text), "")
    if not alt:
        return ()
    media = [*(entry.get("media_content") or []), *(entry.get("media_thumbnail") or [])]
    addresses = [
        str(item.get("url", ""))
        for item in media
        if isinstance(item, Mapping)
        and (item.get("medium") == "image" or str(item.get("type", "")).startswith("image/") or "medium" not in item)
    ]
    addresses += [
        str(enclosure.get("href", ""))
        for enclosure in entry.get("enclosures") or []
        if isinstance(enclosure, Mapping) and str(enclosure.get("type", "")).startswith("image/")
    ]
    resolved = dict.fromkeys(path for path in (absolute(address, base) for address in addresses) if path)
    return tuple(Image(path=path, alt=alt) for path in resolved if not path.startswith("mailto:"))[:1]


# -- fields -----------------------------------------------------------------------------------------


def _text(entry: Mapping[str, Any], key: str) -> str:
    """A text field; an HTML one (Atom `type="html"`) without its tags and with entities decoded."""
    value = entry.get(key)
    if not isinstance(value, str):
        return ""
    detail = entry.get(f"{key}_detail") or {}
    if "html" in str(detail.get("type", "")):
        value = html.unescape(_TAGS.sub(" ", value))
    return clean(value)


def _entry_language(entry: Mapping[str, Any]) -> str:
    for key in ("content", "summary_detail", "title_detail"):
        value = entry.get(key)
        detail = value[0] if isinstance(value, list) and value else value
        if isinstance(detail, Mapping) and language_code(detail.get("language")):
            return language_code(detail.get("language"))
    return language_code(entry.get("language"))


def _date(entry: Mapping[str, Any], *keys: str) -> dt.date | None:
    """The calendar day the feed writes for the first of `keys` it has (RFC 822 or ISO 8601 as
    written, not converted to UTC), else the day feedparser made of it."""
    for key in keys:
        written = _own(entry, key)
        if isinstance(written, str) and written.strip():
            day = _written_date(written)
            if day is not None:
                return day
        parsed = _own(entry, f"{key}_parsed")
        if parsed is not None:
            try:
                return dt.date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday)
            except (AttributeError, ValueError):
                continue
    return None


def _own(entry: Mapping[str, Any], key: str) -> Any:
    """The field itself, without feedparser's aliases (its `updated` falls back to `published`,
    with a deprecation warning)."""
    return dict.get(entry, key) if isinstance(entry, dict) else entry.get(key)


def _written_date(value: str) -> dt.date | None:
    try:
        return email.utils.parsedate_to_datetime(value).date()
    except (TypeError, ValueError, IndexError):
        return date_of(value)
