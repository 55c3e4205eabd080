"""Markdown (a static site's issue, a newsletter written in an editor) → `Document`.

    ---                                   ← front matter, YAML (---) or TOML (+++), optional:
    title: "Newsletter 12/2024"             title, date, lang/language, link/url (the page's
    date: 2024-12-13                        address: relative links and images resolve against it)
    ---
    ## Vorgestellt                        ← ATX or Setext headings → HEADING with their level
    **KArAD:** Das Projekt … [mehr](…)    ← a paragraph → PARAGRAPH; an opening bold span is its
                                            `lead` ("KArAD:"; a colon right after the span counts)
    - [Termin](https://…) am 12. Mai      ← a list entry → LIST_ITEM, `level` its depth
      - nested                              (continuation paragraphs join their entry)

The token stream of markdown-it-py (CommonMark, plus tables and strikethrough) is walked once.
Reference-style links are resolved by the parser; every link keeps its visible text (an image
link has none), and bare web addresses in the text count as links too. Images keep their alt text
and are resolved against the document's address (they stay relative without one); an image without
alt text is left out. Entities are
decoded; inline HTML tags are dropped (`<a href>` and `<img>` in them are kept as link and image),
an HTML block is read for its text, links and images. Table rows are paragraphs (cells joined by
" | "), code is kept as a paragraph, HTML comments are dropped; a thematic break (`---`, `***`)
marks the block after it (`after_break`): it ends the item above.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from scheduler.errors import InputError
from scheduler.models import Image
from scheduler.newsletter.document import Block, Document, Kind, Link
from scheduler.newsletter.incoming import (
    MAX_BYTES,
    Deadline,
    absolute,
    as_text,
    check_size,
    clean,
    date_of,
    language_code,
)
from scheduler.newsletter.links import extract_links

if TYPE_CHECKING:
    from markdown_it.token import Token

_WHAT = "Markdown"
#: Lines a Markdown issue may have (a 30-item issue has a few hundred): reading the blocks costs up
#: to ~30 µs a line and cannot be interrupted, so this bounds it to ~1.5 s.
MAX_LINES = 50_000
#: A block longer than this many characters is read as plain text (see `_tokens`).
MAX_INLINE = 20_000
_FENCES = {"---": ("yaml", ("---", "...")), "+++": ("toml", ("+++",))}
_KEY_LINE = re.compile(r"^[\w-]+\s*[:=]")
_TAG_ATTRIBUTE = re.compile(r"""\b(href|src|alt)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.IGNORECASE)
#: Markdown's own marks, for `looks_like`.
_SIGNS = (
    re.compile(r"^#{1,6}[ \t]+\S", re.MULTILINE),  # ATX heading
    re.compile(r"^(?:=+|-+)[ \t]*$", re.MULTILINE),  # Setext underline
    re.compile(r"\[[^\]\n]+\]\([^)\s]+\)"),  # [text](url)
    re.compile(r"^\[[^\]\n]+\]:[ \t]*\S+", re.MULTILINE),  # [ref]: url
    re.compile(r"(\*\*|__)\S[^\n]*?\S\1"),  # **bold**
    re.compile(r"^[ \t]{0,3}[-*+][ \t]+\S", re.MULTILINE),  # - list entry
    re.compile(r"!\[[^\]\n]*\]\("),  # ![alt](image)
)


def looks_like(sample: str) -> bool:
    """Whether `sample` (the start of a file) reads as Markdown: a front matter, or at least two
    different Markdown marks (headings, links, bold, list entries …), and no HTML or XML document."""
    head = sample.lstrip("\ufeff \t\r\n")
    if head[:1] == "<":
        return False
    if _front_matter_fence(head):
        return True
    return sum(1 for sign in _SIGNS if sign.search(sample)) >= 2


def read(
    data: bytes | str,
    *,
    url: str = "",
    max_bytes: int = MAX_BYTES,
    time_limit: float | None = None,
    deadline: Deadline | None = None,
) -> Document:
    """The Markdown `data` as a `Document`. `url`: where it was read from (links and images resolve
    against it, or against the front matter's link). `InputError` for input above `max_bytes`
    (SCHEDULER_MAX_ISSUE_BYTES) or `MAX_LINES` — before parsing —, for a front matter that cannot be
    read, and when reading takes longer than `time_limit` seconds (`incoming.TIME_LIMIT`), or
    past the `deadline` of the whole read when one is given."""
    deadline = deadline or Deadline.start(time_limit)
    what = f"{_WHAT} {url}" if url else _WHAT
    check_size(data, max_bytes, what=what)
    text = as_text(data, what=what).removeprefix("\ufeff")
    lines = text.count("\n") + 1
    if lines > MAX_LINES:
        raise InputError(
            f"{what}: {lines:,} lines, more than the {MAX_LINES:,} a Markdown issue is read with; "
            "split it into several issues"
        )
    meta, body = split_front_matter(text, what=what)
    link = _scalar(meta, "link", "url", "permalink")
    base = absolute(link, url) if link else url
    try:
        tokens = _tokens(body, deadline=deadline, what=what)
    except RecursionError:
        raise InputError(f"{what}: nested too deeply to read; flatten the nesting of lists or quotes") from None
    return Document(
        blocks=tuple(_Walker(base).blocks(tokens)),
        title=clean(_scalar(meta, "title")),
        date=date_of(meta.get("date")),
        language=language_code(meta.get("lang") or meta.get("language")),
        url=base,
    )


# -- front matter ---------------------------------------------------------------------------------


def _front_matter_fence(text: str) -> str | None:
    first = text.split("\n", 1)[0].rstrip()
    return first if first in _FENCES else None


def split_front_matter(text: str, *, what: str = _WHAT) -> tuple[dict[str, Any], str]:
    """The front matter's fields and the Markdown after it; `({}, text)` when there is none. A
    block that looks like fields (`key: value` lines) but is not valid YAML or TOML is an
    `InputError`; one that does not (a `---` rule above prose) is left to the Markdown."""
    fence = _front_matter_fence(text)
    if fence is None:
        return {}, text
    kind, closers = _FENCES[fence]
    lines = text.split("\n")
    end = next((index for index in range(1, len(lines)) if lines[index].rstrip() in closers), None)
    if end is None:
        return {}, text
    raw = "\n".join(lines[1:end])
    body = "\n".join(lines[end + 1 :])
    fields_like = any(_KEY_LINE.match(line) for line in raw.split("\n") if line.strip())
    try:
        meta = _yaml(raw) if kind == "yaml" else tomllib.loads(raw)
    except (ValueError, TypeError, RecursionError) as exc:  # yaml.YAMLError is a ValueError below
        if not fields_like:
            return {}, text
        raise InputError(
            f"{what}: the {kind.upper()} front matter cannot be read ({_first_line(exc)}); fix it or remove it"
        ) from None
    if not isinstance(meta, dict):
        return ({}, text) if not fields_like else ({}, body)
    return {str(key).lower(): value for key, value in meta.items()}, body


class _YamlError(ValueError):
    pass


def _yaml(raw: str) -> object:
    import yaml

    try:
        return yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise _YamlError(str(exc)) from None


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return " ".join(lines[:1])[:160] or type(exc).__name__


def _scalar(meta: Mapping[str, Any], *keys: str) -> str:
    """The first of `keys` whose value is text (or a number), as text."""
    for key in keys:
        value = meta.get(key)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool) and str(value).strip():
            return str(value)
    return ""


# -- the token stream -----------------------------------------------------------------------------


def _tokens(body: str, *, deadline: Deadline, what: str) -> list[Token]:
    """markdown-it-py's tokens for `body`, in two stages so that reading keeps to its time: the
    blocks (at most `MAX_LINES` lines: ~30 µs each at worst), then each block's inline content,
    with the clock looked at in between. markdown-it-py is linear but slow on markup-dense text
    (~10 µs a character of brackets or stars), so a block longer than `MAX_INLINE` characters —
    no newsletter's paragraph — is taken as plain text."""
    from markdown_it import MarkdownIt  # here, not with the module: detecting a form must stay cheap
    from markdown_it.token import Token

    parser = MarkdownIt("commonmark", {"maxNesting": 20}).enable(["table", "strikethrough"]).disable("inline")
    env: dict[str, Any] = {}
    tokens = parser.parse(body, env)
    for token in tokens:
        if token.type != "inline":
            continue
        deadline.check(what)
        children: list[Token] = []
        if len(token.content) > MAX_INLINE:
            children.append(Token("text", "", 0, content=token.content))
        else:
            parser.inline.parse(token.content, parser, env, children)
        token.children = children
    return tokens


@dataclass
class _Inline:
    """What one inline token sequence says: text, links, images, and the opening bold span."""

    parts: list[str] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    lead: str = ""

    @property
    def text(self) -> str:
        return clean("".join(self.parts))


@dataclass
class _Entry:
    """A list entry being read: its depth and the inline content of its paragraphs so far."""

    level: int
    content: list[_Inline] = field(default_factory=list)


class _Walker:
    def __init__(self, base: str) -> None:
        self.base = base
        self.entries: list[_Entry] = []  # open list entries, innermost last
        self.heading = 0  # the level of the heading being read, 0 outside headings
        self.in_row = False
        self.row: list[str] = []
        self.row_inline = _Inline()
        self.after_break = False  # a thematic break was read: the next block starts something new

    def blocks(self, tokens: Sequence[Token]) -> Iterator[Block]:
        for token in tokens:
            kind = token.type
            if kind == "heading_open":
                yield from self._flush_entry()
                self.heading = int(token.tag[1:]) if token.tag[1:].isdigit() else 1
            elif kind == "list_item_open":
                yield from self._flush_entry()
                self.entries.append(_Entry(level=len(self.entries) + 1))
            elif kind == "list_item_close":
                yield from self._flush_entry()
                if self.entries:
                    self.entries.pop()
            elif kind in ("bullet_list_open", "ordered_list_open"):
                yield from self._flush_entry()
            elif kind == "hr":
                yield from self._flush_entry()
                self.after_break = True
            elif kind == "inline" and self.in_row:
                inline = self._inline(token.children or [])
                self.row.append(inline.text)
                self.row_inline.links.extend(inline.links)
                self.row_inline.images.extend(inline.images)
            elif kind == "inline":
                inline = self._inline(token.children or [])
                if self.heading:
                    yield self._block(Kind.HEADING, [inline], level=self.heading)
                    self.heading = 0
                elif self.entries:
                    self.entries[-1].content.append(inline)
                else:
                    yield self._block(Kind.PARAGRAPH, [inline])
            elif kind == "tr_open":
                self.in_row, self.row, self.row_inline = True, [], _Inline()
            elif kind == "tr_close":
                cells = [cell for cell in self.row if cell]
                if cells or self.row_inline.images:
                    self.row_inline.parts = [" | ".join(cells)]
                    yield from self._emit([self.row_inline])
                self.in_row, self.row, self.row_inline = False, [], _Inline()
            elif kind in ("fence", "code_block"):
                code = _Inline(parts=[token.content])
                yield from self._emit([code])
            elif kind == "html_block":
                inline = self._html(token.content)
                if inline.text or inline.images:
                    yield from self._emit([inline])
        yield from self._flush_entry()

    def _emit(self, content: list[_Inline]) -> Iterator[Block]:
        if self.entries:
            self.entries[-1].content.extend(content)
        else:
            yield self._block(Kind.PARAGRAPH, content)

    def _flush_entry(self) -> Iterator[Block]:
        """The innermost open list entry as a block, once its text is complete (before a nested
        list, at its end); text after a nested list becomes an entry of its own at the same depth."""
        if self.entries and self.entries[-1].content:
            entry = self.entries[-1]
            yield self._block(Kind.LIST_ITEM, entry.content, level=entry.level)
            entry.content = []

    def _block(self, kind: Kind, content: Sequence[_Inline], *, level: int = 1) -> Block:
        text = " ".join(part.text for part in content if part.text)
        links = tuple(dict.fromkeys(link for part in content for link in part.links))
        images = tuple(dict.fromkeys(image for part in content for image in part.images))
        lead = content[0].lead if content else ""
        after_break, self.after_break = self.after_break, False
        return Block(
            kind=kind,
            text=text,
            level=level,
            links=links,
            images=images,
            lead=lead if text else "",
            after_break=after_break,
        )

    # -- inline content ---------------------------------------------------------------------------

    def _inline(self, children: Sequence[Token]) -> _Inline:
        inline = _Inline(lead=_lead(children))
        links: list[tuple[str, list[str]]] = []  # open links: address, text so far
        for token in children:
            kind = token.type
            piece = ""
            if kind in ("text", "text_special", "code_inline"):
                piece = token.content
            elif kind in ("softbreak", "hardbreak"):
                piece = " "
            elif kind == "link_open":
                links.append((absolute(str(token.attrs.get("href", "")), self.base), []))
            elif kind == "link_close" and links:
                href, words = links.pop()
                if href:
                    inline.links.append(Link(href, clean("".join(words))))
            elif kind == "image":
                self._image(inline, str(token.attrs.get("src", "")), _plain(token.children or []) or token.content)
            elif kind == "html_inline":
                piece = self._html_inline(inline, token.content)
            if piece:
                inline.parts.append(piece)
                for _, words in links:
                    words.append(piece)
        self._bare_links(inline)
        return inline

    def _image(self, inline: _Inline, src: str, alt: str) -> None:
        """An image with its alt text; one without is left out, as the HTML readers leave it out
        (a post cannot show an image it cannot describe)."""
        path, alt = absolute(src, self.base), clean(alt)
        if path and alt and not path.startswith("mailto:"):
            inline.images.append(Image(path=path, alt=alt))

    def _bare_links(self, inline: _Inline) -> None:
        """Web and e-mail addresses written out in the text: links whose text is the address."""
        known = {link.url for link in inline.links}
        for address in extract_links(inline.text):
            if address not in known and not any(address in link.text for link in inline.links):
                inline.links.append(Link(address, address.removeprefix("mailto:")))

    def _html_inline(self, inline: _Inline, tag: str) -> str:
        """An inline HTML tag: dropped, but `<br>` is a space, `<a href>` a link (its text follows as
        text tokens; recorded with the address's own text) and `<img>` an image."""
        lower = tag.lower()
        if lower.startswith("<br"):
            return " "
        attributes = {m[1].lower(): m[2] or m[3] or m[4] or "" for m in _TAG_ATTRIBUTE.finditer(tag)}
        if lower.startswith("<img"):
            self._image(inline, attributes.get("src", ""), attributes.get("alt", ""))
        elif lower.startswith("<a") and attributes.get("href"):
            href = absolute(attributes["href"], self.base)
            if href:
                inline.links.append(Link(href, ""))
        return ""

    def _html(self, html: str) -> _Inline:
        """An HTML block: its text, links and images (comments and scripts dropped)."""
        from bs4 import BeautifulSoup, Comment

        soup = BeautifulSoup(html, "html.parser")
        for comment in soup.find_all(string=lambda value: isinstance(value, Comment)):
            comment.extract()
        for tag in soup.find_all(["script", "style", "template"]):
            tag.decompose()
        inline = _Inline(parts=[soup.get_text(" ")])
        for anchor in soup.find_all("a", href=True):
            href = absolute(str(anchor.get("href", "")), self.base)
            if href:
                inline.links.append(Link(href, clean(anchor.get_text(" "))))
        for image in soup.find_all("img", src=True):
            self._image(inline, str(image.get("src", "")), str(image.get("alt", "")))
        self._bare_links(inline)
        return inline


def _lead(children: Sequence[Token]) -> str:
    """The text of a bold span that opens the inline content ("Neu im Netzwerk:"), with a colon
    that follows it right after the span (`**Neu**: …`); "" when the content does not open bold."""
    position = 0
    while position < len(children) and children[position].type == "text" and not children[position].content.strip():
        position += 1
    if position == len(children) or children[position].type != "strong_open":
        return ""
    depth, words = 0, list[str]()
    for index in range(position, len(children)):
        token = children[index]
        if token.type == "strong_open":
            depth += 1
        elif token.type == "strong_close":
            depth -= 1
            if depth == 0:
                lead = clean("".join(words))
                after = children[index + 1].content if index + 1 < len(children) else ""
                if lead and not lead.endswith(":") and after.lstrip().startswith(":"):
                    lead += ":"
                return lead
        elif token.type in ("text", "text_special", "code_inline"):
            words.append(token.content)
        elif token.type in ("softbreak", "hardbreak"):
            words.append(" ")
    return ""


def _plain(children: Sequence[Token]) -> str:
    return "".join(child.content for child in children if child.type in ("text", "text_special", "code_inline"))
