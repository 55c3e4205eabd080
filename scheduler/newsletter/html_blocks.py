"""An HTML tree walked into blocks: headings, paragraphs and list entries, in reading order.

Used by both HTML readers on the part of a document they keep (a web page's main content, an
e-mail's body once its chrome is gone). What the walk does:

- `<h1>`–`<h6>` are headings with their level; `<p>`, `<blockquote>`, `<dd>`, `<figcaption>` and
  any text standing directly in a `<div>` or table cell are paragraphs (a figure's caption only
  when the figure has no image: else it is the image's alt text when it has none); `<li>` a list entry whose
  level is its list's depth. Two `<br>` in a row end a paragraph (e-mail editors write paragraphs
  so); one `<br>` is a space.
- Text: entities decoded (by the parser), whitespace collapsed, invisible characters (soft hyphens,
  zero-width spaces, the padding e-mails use) removed. Text hidden by its style (`display:none`,
  `visibility:hidden`, `mso-hide:all`, `max-height:0`, `opacity:0`, a font size of 0 or 1 px) is
  not read; scripts, styles, forms and buttons neither.
- Links: `<a href>` resolved against the page; only web addresses and `mailto:` are kept (a link to
  `#top`, `javascript:` or `tel:` is text only). A link whose text is itself an address
  ("www.example.org/artikel", "info@example.org") records that address as `Link.shown`, as a URL;
  so does a mailing tool's click tracker whose own address carries its target
  (`scheduler.text.trackers.target`). Where the page's address is unknown (a saved page that does
  not say it), a relative link is kept as written (`relative`): no post can use it, but it is not
  lost without a word.
- Images: `src` resolved; tracking pixels and spacers (1×1, 0 or 1 px wide or high, `spacer.gif`)
  skipped; the alt text, else the title, else the figure's caption; an image without any is left
  out (HTML's `alt=""` marks an image as decoration, and a post cannot show an image it cannot
  describe). An image standing alone (a figure, a cell of its own) is a block of its own without
  text (`itemize` gives it to the item it stands in, below or above), with its link when it has one.
- A bold lead-in (`<strong>`/`<b>`, or a bold style, opening a paragraph or list entry) is the
  block's `lead`; a paragraph all in bold has itself as its lead (as `itemize` reads it), but a
  button (bold link text only) has none. What the walk also measures — whether all of a
  block's text is bold, its smallest font size, whether it is all link text — is left to the
  reader to judge (an e-mail's styled headings).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from scheduler.models import Image
from scheduler.newsletter.document import Block, Kind, Link
from scheduler.newsletter.mergetags import strip_merge_tags
from scheduler.text.trackers import target

if TYPE_CHECKING:
    from lxml.html import HtmlElement

    from scheduler.newsletter.incoming import Deadline

#: Elements whose content is never read.
SKIPPED = frozenset(
    "script style noscript template head title meta link iframe object embed svg math canvas form button input "
    "select textarea option datalist video audio source track map area".split()
)
_HEADINGS = {f"h{level}": level for level in range(1, 7)}
_PARAGRAPHS = frozenset("p blockquote dd dt figcaption caption pre address summary".split())
_LISTS = frozenset(("ul", "ol", "menu"))
#: Elements that start and end blocks; every other element is read as inline text.
_BLOCKS = (
    _PARAGRAPHS
    | _LISTS
    | frozenset(
        "html body div section article main header footer aside nav table thead tbody tfoot tr td th dl figure center "
        "hgroup fieldset details dialog hr".split()
    )
)
_BOLD_TAGS = frozenset(("b", "strong", "th"))
_INVISIBLE = str.maketrans(dict.fromkeys("\u00ad\u200b\u200c\u2060\ufeff\u034f\u180e", ""))
_ADDRESS = re.compile(
    r"^(?:(?:https?://)?(?:www\.)?[a-z0-9äöü-]+(?:\.[a-z0-9äöü-]+)*\.[a-z]{2,}(?:[/?#]\S*)?|[\w.+-]+@[\w-]+(?:\.[\w-]+)+)$",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"^[\w.+-]+@[\w-]+(?:\.[\w-]+)+$")
_BARE_WWW = re.compile(r"www\.[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}(?:[/?#]|$)", re.IGNORECASE)
#: The characters of a relative address (not a merge tag's: `*|ARCHIVE|*`, `{UNSUBSCRIBE}`).
_RELATIVE = re.compile(r"[\w\-./~%?=&+,;:@!$'()#]+")
_SIZE = re.compile(r"^\s*([\d.]+)\s*(px|pt|em|rem|%)?\s*$")
_KEYWORD_SIZES = {"xx-small": 9.0, "x-small": 10.0, "small": 13.0, "medium": 16.0, "large": 18.0, "x-large": 24.0}
_KEYWORD_SIZES |= {"xx-large": 32.0, "xxx-large": 48.0, "smaller": 13.0, "larger": 19.0}
#: <font size="1">…<font size="7"> as browsers show them.
_FONT_SIZES = {1: 10.0, 2: 13.0, 3: 16.0, 4: 18.0, 5: 24.0, 6: 32.0, 7: 48.0}
_HEADING_SIZES = {1: 32.0, 2: 24.0, 3: 18.7, 4: 16.0, 5: 13.3, 6: 10.7}
_PIXEL_NAME = re.compile(r"(?:spacer|pixel|blank|transparent|shim|clear|trans|dot|1x1|open)\.(?:gif|png)\b", re.I)
_MAX_DEPTH = 400
#: Elements walked between two looks at the clock.
_CHECK_EVERY = 256
_LOGO = re.compile(r"\blogos?\b|logo[-_.]|[-_/]logo", re.IGNORECASE)


def clean(text: str) -> str:
    """Invisible characters removed, whitespace collapsed to single spaces."""
    return " ".join(text.translate(_INVISIBLE).split())


def declarations(element: HtmlElement) -> dict[str, str]:
    """An element's inline style as {property: value}, lower-cased."""
    style = element.get("style")
    if not style:
        return {}
    found: dict[str, str] = {}
    for declaration in style.split(";"):
        name, colon, value = declaration.partition(":")
        if colon:
            found[name.strip().lower()] = value.replace("!important", "").strip().lower()
    return found


def _zero(value: str | None) -> bool:
    if value is None:
        return False
    match = _SIZE.match(value)
    return match is not None and float(match.group(1) or 0) == 0


def hidden(element: HtmlElement, style: dict[str, str]) -> bool:
    """Whether the element is hidden from every reader (by attribute or inline style)."""
    if element.get("hidden") is not None or element.get("aria-hidden", "").lower() == "true":
        return True
    return (
        style.get("display") == "none"
        or style.get("visibility") == "hidden"
        or style.get("mso-hide") == "all"
        or _zero(style.get("max-height"))
        or _zero(style.get("opacity"))
    )


def _px(value: str, inherited: float) -> float | None:
    if value in _KEYWORD_SIZES:
        return _KEYWORD_SIZES[value]
    match = _SIZE.match(value)
    if match is None:
        return None
    try:
        number = float(match.group(1))
    except ValueError:
        return None
    unit = match.group(2) or "px"
    if unit == "pt":
        return number * 4 / 3
    if unit in ("em", "rem"):
        return number * (16.0 if unit == "rem" else inherited)
    if unit == "%":
        return number * inherited / 100
    return number


def _bold(weight: str) -> bool | None:
    if weight in ("bold", "bolder"):
        return True
    if weight in ("normal", "lighter"):
        return False
    return int(weight) >= 600 if weight.isdigit() else None


def _dimension(element: HtmlElement, name: str, style: dict[str, str]) -> float | None:
    value = style.get(name) or element.get(name) or ""
    match = _SIZE.match(value)
    if match is None or match.group(2) in ("%", "em", "rem"):
        return None
    try:
        return float(match.group(1))
    except ValueError:
        return None


def is_pixel(element: HtmlElement, src: str) -> bool:
    """A tracking pixel or spacer: at most 2 px wide or high, or named so."""
    style = declarations(element)
    width, height = _dimension(element, "width", style), _dimension(element, "height", style)
    if (width is not None and width <= 2) or (height is not None and height <= 2):
        return True
    return bool(_PIXEL_NAME.search(urlsplit(src).path))


def relative(href: str) -> bool:
    """Whether `href` is a relative address of a page or file (`/de/artikel.html`, `bericht.pdf`,
    `../2025/`): no scheme, no host, not a place within the page (`#top`), no spaces, no merge tag
    a mailing tool left unfilled (`%%unsubscribe%%`)."""
    if not href or href.startswith(("#", "//")) or not _RELATIVE.fullmatch(href) or strip_merge_tags(href)[1]:
        return False
    try:
        parts = urlsplit(href)
    except ValueError:
        return False
    return not parts.scheme and not parts.netloc and bool(parts.path)


def shown_address(text: str) -> str:
    """The address a link's text shows, as a URL ("" when the text is not an address)."""
    candidate = text.strip().rstrip(".,;:")
    if not candidate or " " in candidate or not _ADDRESS.match(candidate):
        return ""
    if _EMAIL.match(candidate):
        return "mailto:" + candidate
    return candidate if "://" in candidate else "https://" + candidate


@dataclass(frozen=True, slots=True)
class Raw:
    """A block as walked, with what the reader may still judge it by."""

    block: Block
    all_bold: bool  # every letter of it is bold (and it has some)
    min_size: float  # the smallest font size its text is set in (px)
    link_only: bool  # all its text is link text (a button, a "read more" line)
    residue: bool  # the text filter removed something from it (a merge tag)


@dataclass(slots=True)
class _Piece:
    text: str
    bold: bool
    size: float
    link: int  # index into the walk's links, -1 for none


@dataclass(slots=True)
class _Buffer:
    kind: Kind
    level: int
    pieces: list[_Piece] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    image_links: set[int] = field(default_factory=set)
    residue: bool = False


@dataclass(frozen=True, slots=True)
class _Style:
    size: float = 16.0
    bold: bool = False
    link: int = -1


#: An optional text filter: (text) → (text, whether something was removed).
TextFilter = Callable[[str], tuple[str, bool]]


class Walker:
    """Walks one tree into `Raw` blocks. `base` resolves relative addresses; `text_filter` cleans
    every text (an e-mail's merge tags); `alt_of` gives the alt text the page had for an image whose
    extracted copy lost it, `pixel_of` whether the page showed it as a pixel or spacer. With a
    `deadline`, the walk looks at the clock every few hundred elements (an `InputError` naming
    `what` when the read's time is up)."""

    def __init__(
        self,
        base: str,
        *,
        text_filter: TextFilter | None = None,
        alt_of: Callable[[str], str] | None = None,
        pixel_of: Callable[[str], bool] | None = None,
        deadline: Deadline | None = None,
        what: str = "HTML",
    ) -> None:
        self._base = base
        self._deadline = deadline
        self._what = what
        self._visited = 0
        self._filter = text_filter
        self._alt_of = alt_of
        self._pixel_of = pixel_of
        self._links: list[str] = []
        self._out: list[Raw] = []
        self._stack: list[_Buffer] = []

    def __repr__(self) -> str:
        return f"Walker(base={self._base!r})"

    def walk(self, root: HtmlElement) -> list[Raw]:
        """The blocks under `root`, in reading order."""
        self._stack = [_Buffer(Kind.PARAGRAPH, 1)]
        self._visit(root, _Style(), 0, 0)
        self._flush()
        return self._out

    def resolve(self, href: str) -> str:
        """`href` as an absolute web address or mailto:, or "" when it cannot be one."""
        href = href.strip()
        if not href or href.startswith("#"):
            return ""
        if _BARE_WWW.match(href):  # "www.verein.de/artikel": meant as the address it says, not a file
            href = "https://" + href
        elif href.startswith("//") and not self._base:  # protocol-relative, on a page of unknown scheme
            href = "https:" + href
        try:
            scheme = urlsplit(href).scheme.lower()
            if scheme == "mailto":
                return href if "@" in href else ""
            if scheme and scheme not in ("http", "https"):
                return ""
            url = urljoin(self._base, href) if self._base else href
            parts = urlsplit(url)
        except ValueError:  # an invalid IPv6 address in brackets and the like
            return ""
        return url if parts.scheme in ("http", "https") and parts.netloc and " " not in url.strip() else ""

    def link(self, href: str) -> str:
        """A link's `href` as `resolve` gives it; without a base to resolve against, a relative
        address as written (`relative`)."""
        url = self.resolve(href)
        if url or self._base:
            return url
        href = href.strip()
        return href if relative(href) else ""

    # -- walking --------------------------------------------------------------------------------

    @property
    def _current(self) -> _Buffer:
        return self._stack[-1]

    def _text(self, text: str | None, style: _Style) -> None:
        if not text:
            return
        if self._filter is not None:
            text, removed = self._filter(text)
            if removed:
                self._current.residue = True
        text = text.translate(_INVISIBLE)
        if text and style.size > 1:
            self._current.pieces.append(_Piece(text, style.bold, style.size, style.link))

    def _visit(self, element: HtmlElement, inherited: _Style, depth: int, list_depth: int) -> None:
        tag = element.tag.rpartition("}")[2].lower() if isinstance(element.tag, str) else ""
        if depth > _MAX_DEPTH or not tag or tag in SKIPPED:
            return
        if self._deadline is not None and self._visited % _CHECK_EVERY == 0:
            self._deadline.check(self._what)
        self._visited += 1
        css = declarations(element)
        if hidden(element, css) or (tag == "figcaption" and _captions_image(element)):
            return
        style = _style(element, tag, inherited, css)
        if tag == "br":
            self._break(style)
        elif tag == "img":
            self._image(element, style)
        elif tag in _HEADINGS:
            self._block(element, style, depth, list_depth, Kind.HEADING, _HEADINGS[tag])
        elif tag == "li":
            self._block(element, style, depth, list_depth, Kind.LIST_ITEM, max(list_depth, 1))
        elif tag in _BLOCKS:
            list_depth += tag in _LISTS
            self._block(element, style, depth, list_depth, self._current.kind, self._current.level)
        else:
            if tag == "a":
                url = self.link(element.get("href") or "")
                if url:
                    self._links.append(url)
                    style = replace(style, link=len(self._links) - 1)
            self._inline(element, style, depth, list_depth)

    def _inline(self, element: HtmlElement, style: _Style, depth: int, list_depth: int) -> None:
        self._text(element.text, style)
        for child in element:
            self._visit(child, style, depth + 1, list_depth)
            self._text(child.tail, style)

    def _block(self, element: HtmlElement, style: _Style, depth: int, list_depth: int, kind: Kind, level: int) -> None:
        self._flush()
        self._stack.append(_Buffer(kind, level))
        self._inline(element, style, depth, list_depth)
        self._flush()
        self._stack.pop()

    def _break(self, style: _Style) -> None:
        """One <br> is a space; a second one (with only spaces between) ends the paragraph, and so does
        one after an opening line all in bold (a title on its own line)."""
        pieces = self._current.pieces
        last = next((piece for piece in reversed(pieces) if piece.text.strip() or piece.text == "\n"), None)
        words = [piece for piece in pieces if piece.text.strip()]
        if self._current.kind is not Kind.HEADING and (
            (last is not None and last.text == "\n")
            or (words and "\n" not in (p.text for p in pieces) and all(p.bold for p in words))
        ):
            self._flush()
        else:
            pieces.append(_Piece("\n", style.bold, style.size, style.link))

    def _image(self, element: HtmlElement, style: _Style) -> None:
        src = self.resolve(element.get("src") or element.get("data-src") or "")
        if not src or src.startswith("mailto:"):
            return
        if is_pixel(element, src) or (self._pixel_of is not None and self._pixel_of(src)):
            return
        alt = clean(element.get("alt") or "") or clean(element.get("title") or "")
        if not alt and self._alt_of is not None:
            alt = self._alt_of(src)
        if not alt:
            alt = caption(element)
        if self._filter is not None:
            alt = clean(self._filter(alt)[0])
        if not alt:
            return
        self._current.images.append(Image(path=src, alt=alt))
        if style.link >= 0:
            self._current.image_links.add(style.link)

    # -- blocks ---------------------------------------------------------------------------------

    def _flush(self) -> None:
        buffer = self._current
        pieces, images, image_links, residue = buffer.pieces, buffer.images, buffer.image_links, buffer.residue
        buffer.pieces, buffer.images, buffer.image_links, buffer.residue = [], [], set(), False
        text = clean("".join(" " if piece.text == "\n" else piece.text for piece in pieces))
        if not text and not images:
            return
        words = [piece for piece in pieces if piece.text.strip()]
        all_bold = all(piece.bold for piece in words)
        link_only = all(piece.link >= 0 for piece in words)
        block = Block(
            kind=buffer.kind if text else Kind.PARAGRAPH,
            text=text,
            level=buffer.level,
            links=_unique(self._block_links(pieces, image_links)),
            images=tuple(images),
            lead=_lead(pieces) if buffer.kind is not Kind.HEADING and not (all_bold and link_only) else "",
        )
        self._out.append(
            Raw(
                block=block,
                all_bold=all_bold,
                min_size=min((piece.size for piece in words), default=16.0),
                link_only=link_only,
                residue=residue,
            )
        )

    def _block_links(self, pieces: list[_Piece], image_links: set[int]) -> list[Link]:
        texts: dict[int, list[str]] = {}
        for piece in pieces:
            if piece.link >= 0:
                texts.setdefault(piece.link, []).append(" " if piece.text == "\n" else piece.text)
        order = sorted(texts, key=lambda index: _first(pieces, index)) + sorted(image_links - texts.keys())
        links = []
        for index in order:
            text = clean("".join(texts.get(index, [])))
            url = self._links[index]
            shown = "" if url.startswith("mailto:") else shown_address(text) or target(url)
            links.append(Link(url=url, text=text, shown=shown))
        return links


def is_logo(block: Block) -> bool:
    """An image block of a logo only (the sender's in a page's or an e-mail's header, a funder's):
    no picture for a post."""
    return (
        not block.text
        and bool(block.images)
        and all(_LOGO.search(image.alt) or _LOGO.search(urlsplit(image.path).path) for image in block.images)
    )


def _style(element: HtmlElement, tag: str, inherited: _Style, css: dict[str, str]) -> _Style:
    """The font size and weight the element's text is set in."""
    size, bold = inherited.size, inherited.bold
    if tag in _HEADINGS:
        size, bold = _HEADING_SIZES[_HEADINGS[tag]], True
    elif tag in _BOLD_TAGS:
        bold = True
    elif tag == "font" and (element.get("size") or "").strip().isdigit():
        size = _FONT_SIZES[min(max(int((element.get("size") or "3").strip()), 1), 7)]
    for word in css.get("font", "").split():  # shorthand: "bold 20px/1.2 Arial"
        if _bold(word):
            bold = True
        elif word[:1].isdigit() and (sized := _px(word.split("/")[0], inherited.size)) is not None:
            size = sized
    if "font-size" in css and (sized := _px(css["font-size"], inherited.size)) is not None:
        size = sized
    if "font-weight" in css:
        weight = _bold(css["font-weight"])
        bold = bold if weight is None else weight
    return replace(inherited, size=size, bold=bold)


def _lead(pieces: list[_Piece]) -> str:
    """The bold text that opens the block (all of it when it is all bold)."""
    opening: list[_Piece] = []
    for piece in pieces:
        if piece.text.strip() and not piece.bold:
            break
        opening.append(piece)
    return clean("".join(" " if part.text == "\n" else part.text for part in opening))


def _unique(links: tuple[Link, ...] | list[Link]) -> tuple[Link, ...]:
    """Each link once; an image link to an address that a text link of the block also has goes."""
    with_text = {link.url for link in links if link.text}
    return tuple(dict.fromkeys(link for link in links if link.text or link.url not in with_text))


def _first(pieces: list[_Piece], link: int) -> int:
    return next((position for position, piece in enumerate(pieces) if piece.link == link), len(pieces))


def caption(element: HtmlElement) -> str:
    for ancestor in _ancestors(element, 3):
        if ancestor.tag == "figure":
            caption = next(ancestor.iterfind(".//figcaption"), None)
            return clean(caption.text_content()) if caption is not None else ""
    return ""


def _captions_image(caption: HtmlElement) -> bool:
    figure = caption.getparent()
    return figure is not None and figure.tag == "figure" and next(figure.iter("img"), None) is not None


def _ancestors(element: HtmlElement, count: int) -> Iterator[HtmlElement]:
    parent = element.getparent()
    while parent is not None and count > 0:
        yield parent
        parent = parent.getparent()
        count -= 1
