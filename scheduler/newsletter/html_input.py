"""HTML in, before any reading: the byte cap (`incoming.check_size`), the charset, a parse that cannot hang, and what a
document says about itself (its base address, language, title, date).

Shared by the web page reader (`html_page`) and the e-mail reader (`html_email`). The charset is
taken the way a browser takes it — a byte order mark, then `<meta charset>` or `http-equiv`, with
the WHATWG mapping of the legacy labels (a page that says ISO-8859-1 is read as Windows-1252, as
every browser does) — with one correction browsers do not make: bytes that are valid UTF-8 with
non-ASCII characters in them are read as UTF-8 whatever the page declares, since such a
declaration is a mistake that would otherwise turn every umlaut into two letters. Without a
declaration: UTF-8 when valid, else what charset_normalizer detects, else Windows-1252.

lxml (libxml2) parses; it stops descending at 255 nested elements instead of recursing without
end, so deeply nested tags cost nothing. No library exception leaves this module: each becomes an
`InputError` with one line.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from scheduler.errors import InputError
from scheduler.newsletter.incoming import Deadline, check_size

if TYPE_CHECKING:
    from lxml.html import HtmlElement

    from scheduler.newsletter.document import Document

#: How far into the bytes a charset declaration is looked for (browsers look at 1024 bytes; pages
#: with long <head>s of scripts put it later).
_PRESCAN = 8192
_META_CHARSET = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""",
    re.IGNORECASE,
)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9._:-]+)""", re.IGNORECASE)
#: Labels a browser reads as another encoding (WHATWG Encoding Standard).
_WHATWG = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "iso-8859-9": "cp1254",
    "latin5": "cp1254",
    "iso-8859-11": "cp874",
    "tis-620": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "utf-16": "utf-8",  # a declaration in bytes we could read as ASCII cannot be right
    "utf-16le": "utf-8",
    "utf-16be": "utf-8",
    "x-user-defined": "cp1252",
}
#: Characters XML (and so lxml) refuses, and lone surrogates that cannot be encoded.
_UNPARSEABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>")
_LOOKS_HTML = re.compile(
    r"<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]|<(?:p|div|table|h[1-6]|ul|a|br|span|td)[\s>/]",
    re.IGNORECASE,
)
_DATED_TITLE = re.compile(
    r"^\s*(?:(?P<d>\d{1,2})\.\s?(?P<m>\d{1,2})\.\s?(?P<y>\d{4})|(?P<iy>\d{4})-(?P<im>\d{2})-(?P<id>\d{2}))"
    r"\s*[:–—|-]\s*(?P<title>\S.*)$"
)
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def _codec(label: bytes | str) -> str | None:
    name = label.decode("ascii", "ignore") if isinstance(label, bytes) else label
    name = name.strip().lower()
    name = _WHATWG.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def declared_charset(data: bytes) -> str | None:
    """The codec a `<meta>` or XML declaration names in the first bytes, if Python knows it."""
    head = data[:_PRESCAN]
    match = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    return _codec(match.group(1)) if match else None


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def decode(data: bytes, what: str) -> str:
    """The text of an HTML document's bytes (see the module docstring for the order)."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", "replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", "replace")
    if b"\x00" in data[:_PRESCAN]:
        raise InputError(f"{what}: not an HTML document (binary content); save the page or e-mail as HTML")
    if _is_utf8(data):
        return data.decode("utf-8")
    declared = declared_charset(data)
    if declared is not None and declared != "utf-8":
        return data.decode(declared, "replace")
    from charset_normalizer import from_bytes

    best = from_bytes(data[:65536]).best()
    encoding = _codec(best.encoding) if best is not None else None
    return data.decode(encoding or "cp1252", "replace")


def text_of(data: bytes | str, *, max_bytes: int | None, what: str) -> str:
    """Size check (`incoming.check_size`, as every reader's), then decoding: the document as text,
    or `InputError`."""
    check_size(data, max_bytes, what=what)
    text = decode(data, what) if isinstance(data, bytes) else data
    if not text.strip():
        raise InputError(f"{what}: the document is empty; save the whole page or e-mail as HTML")
    return text


def parse(text: str, what: str) -> HtmlElement:
    """The document's root element. lxml's limits keep this linear; every failure is one line."""
    from lxml import etree, html

    cleaned = _UNPARSEABLE.sub("", _XML_DECLARATION.sub("", text, count=1))
    if not cleaned.strip():
        raise InputError(f"{what}: the document is empty; save the whole page or e-mail as HTML")
    parser = html.HTMLParser(remove_comments=True, remove_pis=True, no_network=True, huge_tree=False)
    try:
        root = html.document_fromstring(cleaned, parser=parser)
    except (etree.LxmlError, ValueError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{what}: cannot be read as HTML ({first}); save the page or e-mail again as HTML") from None
    return root


def read_document(
    data: bytes | str,
    *,
    url: str,
    max_bytes: int | None,
    remove: Sequence[str],
    deadline: Deadline | None,
    what: str,
    build: Callable[[HtmlElement, str, Deadline, str], Document],
    failed: str,
) -> Document:
    """What the HTML readers share: `data` decoded within `max_bytes`, parsed, the team's boilerplate
    selectors (`remove`) applied, then `build(root, url, deadline, what)`; a case `build` did not
    foresee is one `InputError` line ("`what`: `failed` (the error's kind)"), not a traceback."""
    deadline = deadline or Deadline.start()
    root = parse(text_of(data, max_bytes=max_bytes, what=what), what)
    drop_matching(root, remove)
    try:
        return build(root, url, deadline, what)
    except (RecursionError, ValueError, TypeError, LookupError, AttributeError) as exc:
        raise InputError(f"{what}: {failed} ({type(exc).__name__})") from None


def drop_matching(root: HtmlElement, selectors: Sequence[str]) -> None:
    """Remove from `root` every element a selector of the team's boilerplate rules matches (their
    text and links go with them; checked when the rules were made: `rules.check_selectors`)."""
    for selector in selectors:
        for element in root.cssselect(selector):
            if element.getparent() is not None:
                element.drop_tree()


def looks_html(sample: str) -> bool:
    """Whether `sample` (the start of a file) is HTML markup at all."""
    return bool(_LOOKS_HTML.search(sample[:4096]))


# -- what the document says about itself --------------------------------------------------------


def _meta(root: HtmlElement, *names: str) -> str:
    for name in names:
        for element in root.iterfind(".//meta"):
            key = element.get("property") or element.get("name") or element.get("http-equiv") or ""
            if key.strip().lower() == name:
                value = " ".join((element.get("content") or "").split())
                if value:
                    return value
    return ""


def absolute(url: str) -> bool:
    """Whether `url` is a web address with a host (an invalid one is not)."""
    try:
        parts = urlsplit(url)
    except ValueError:  # "http://[::1" and the like
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def base_url(root: HtmlElement, url: str) -> str:
    """What relative addresses resolve against: `<base href>` (itself resolved against `url`),
    else `url`, else the page's canonical address or og:url."""
    base = next((element.get("href", "") for element in root.iterfind(".//base") if element.get("href")), "")
    if base:
        try:
            resolved = urljoin(url, base.strip()) if url else base.strip()
        except ValueError:  # an invalid address given or in <base>: the other one counts
            resolved = ""
        if absolute(resolved):
            return resolved
    return url if absolute(url) else canonical_url(root)


def canonical_url(root: HtmlElement) -> str:
    """`<link rel=canonical>` or og:url, when absolute."""
    for element in root.iterfind(".//link"):
        if "canonical" in (element.get("rel") or "").lower().split():
            href = (element.get("href") or "").strip()
            if absolute(href):
                return href
    og = _meta(root, "og:url")
    return og if absolute(og) else ""


def language(root: HtmlElement) -> str:
    """The declared language as a primary subtag ("de-DE" → "de"), "" when none is declared."""
    declared = (
        root.get("lang")
        or root.get("{http://www.w3.org/XML/1998/namespace}lang")
        or root.get("xml:lang")
        or _meta(root, "content-language", "dc.language", "og:locale", "language")
    )
    primary = re.split(r"[-_,;\s]", (declared or "").strip())[0].lower()
    return primary if re.fullmatch(r"[a-z]{2,3}", primary) else ""


def dated_title(text: str) -> tuple[dt.date | None, str]:
    """("14.02.2025: Die Servicestelle informiert") → (date, "Die Servicestelle informiert");
    (None, text) when it does not start with a date."""
    match = _DATED_TITLE.match(text)
    if match is None:
        return None, text
    try:
        if match["y"]:
            day = dt.date(int(match["y"]), int(match["m"]), int(match["d"]))
        else:
            day = dt.date(int(match["iy"]), int(match["im"]), int(match["id"]))
    except ValueError:
        return None, text
    return day, match["title"].strip()


def iso_date(value: str) -> dt.date | None:
    """The date at the start of an ISO 8601 value ("2025-03-07T08:30:00+01:00")."""
    match = _ISO_DATE.match(value.strip())
    if match is None:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def text_content(element: HtmlElement) -> str:
    return " ".join(element.text_content().split())


def first_heading(root: HtmlElement) -> HtmlElement | None:
    return next(root.iterfind(".//h1"), None)


def page_title(root: HtmlElement) -> str:
    """og:title, else the first <h1>, else <title> without the site's name after it."""
    title = _meta(root, "og:title", "twitter:title")
    if title:
        return title
    heading = first_heading(root)
    if heading is not None and text_content(heading):
        return text_content(heading)
    element = next(root.iterfind(".//title"), None)
    if element is None:
        return ""
    title = text_content(element)
    site = _meta(root, "og:site_name")
    for separator in (" | ", " – ", " — ", " - "):
        head, _, tail = title.rpartition(separator)
        if head and (not site or tail.strip() == site or separator == " | "):
            return head.strip()
    return title


def page_date(root: HtmlElement, heading_text: str) -> dt.date | None:
    """A dated heading, article:published_time, the first <time datetime>, DC.date or date."""
    day, _ = dated_title(heading_text)
    if day is not None:
        return day
    for value in (
        _meta(root, "article:published_time"),
        next((element.get("datetime", "") for element in root.iterfind(".//time") if element.get("datetime")), ""),
        _meta(root, "dc.date", "dc.date.issued", "date", "dcterms.date"),
    ):
        day = iso_date(value) if value else None
        if day is not None:
            return day
    return None
