"""Downloading a newsletter issue from the address a user gives (`scheduler preview https://…`).

The readers in `scheduler.newsletter` stay pure — bytes in, a `Document` out — and may not import
`requests`; so the download lives here, beside the one fetcher every outbound request for content
goes through (`scheduler.platforms.fetching.Fetcher`): GET only, a timeout, at most a few
redirects, each address checked against the address policy. An issue's address reaches the
public internet, and a private address (an intranet's newsletter archive, a test server on
127.0.0.1) only when SCHEDULER_FETCH_ALLOW lists its host or network — the same rule as for link
cards and images, since the same address may come from a watched source or the dashboard later.

On top of the fetcher: the body is streamed and refused above SCHEDULER_MAX_ISSUE_BYTES (also when
the server announces a larger Content-Length, before reading); the media type is checked before
the body is read (web pages, RSS/Atom and other XML, Markdown, plain text and e-mail messages pass;
images, PDFs, audio, video, archives and office documents are refused with a clear error, and so
is a body whose first bytes say it is one of them whatever the server called it); the charset is
taken from the Content-Type header, else from the document (a byte order mark, `<meta charset>`,
`<?xml encoding>`), else detected. Every failure is one `InputError` line naming the address and
what happened (the server's status, no answer within the timeout, too large, wrong type).
"""

from __future__ import annotations

import codecs
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from scheduler import media
from scheduler.errors import InputError, PublishError, RejectedError
from scheduler.platforms.fetching import Fetcher, RefusedAddress, charset_param, status_line

#: The setting that caps an issue's size, named in the refusal.
SIZE_SETTING = "SCHEDULER_MAX_ISSUE_BYTES"
#: What we ask for: the formats the readers read, HTML first.
ACCEPT = (
    "text/html,application/xhtml+xml;q=0.9,application/rss+xml;q=0.9,application/atom+xml;q=0.9,"
    "application/xml;q=0.8,text/xml;q=0.8,text/markdown;q=0.8,text/plain;q=0.7,message/rfc822;q=0.5,*/*;q=0.1"
)
#: Media types a reader reads (any `…+xml` and `text/…` too); "" when the server names none.
_READABLE = frozenset(
    {
        "",
        "text/html",
        "application/xhtml+xml",
        "application/xml",
        "text/xml",
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "text/markdown",
        "text/x-markdown",
        "text/plain",
        "message/rfc822",
        "application/octet-stream",  # how many servers serve .md and .eml files: the content decides
    }
)
#: What a refused type is, in words.
_KINDS = (
    ("image/", "an image"),
    ("application/pdf", "a PDF document"),
    ("audio/", "an audio file"),
    ("video/", "a video"),
    ("font/", "a font"),
    ("application/zip", "a ZIP archive"),
    ("application/json", "JSON data"),
    ("application/javascript", "a script"),
    ("application/vnd.openxmlformats", "an office document"),
    ("application/msword", "an office document"),
    ("application/vnd.ms-", "an office document"),
    ("application/vnd.oasis.opendocument", "an office document"),
)
_PRESCAN = 8192
_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))

#: Single-byte Latin charsets that detection cannot tell apart on short text: Windows-1252 for all.
_WESTERN = frozenset(
    {"cp1250", "cp1252", "iso8859-2", "iso8859-15", "iso8859-16", "mac-roman", "mac-latin2", "cp850", "cp437"}
)

CharsetSource = Literal["header", "document", "detected"]


@dataclass(frozen=True, slots=True)
class Download:
    """An issue as the server gave it: its bytes, media type (lower case, no parameters; "" when
    the server named none), charset and where that came from, and the address after redirects
    (links and images in it resolve against this one)."""

    body: bytes
    content_type: str
    charset: str
    charset_from: CharsetSource
    url: str
    validators: Mapping[str, str] = field(default_factory=dict)  # ETag, Last-Modified: for the next request

    def __repr__(self) -> str:  # never the bytes
        return (
            f"Download(url={self.url!r}, content_type={self.content_type!r}, charset={self.charset!r}, "
            f"charset_from={self.charset_from!r}, size={len(self.body)})"
        )

    @property
    def readable(self) -> bytes:
        """The body as the readers take it: recoded to UTF-8 when the server named its charset (the
        header wins over what the document says), else the bytes as sent."""
        return self.text.encode("utf-8") if self.charset_from == "header" else self.body

    @property
    def text(self) -> str:
        """The body decoded with `charset` (a byte order mark wins; undecodable bytes replaced)."""
        for bom, name in _BOMS:
            if self.body.startswith(bom):
                return self.body[len(bom) :].decode(name if name != "utf-16" else _utf16(bom), errors="replace")
        return self.body.decode(self.charset, errors="replace")


def _utf16(bom: bytes) -> str:
    return "utf-16-le" if bom == b"\xff\xfe" else "utf-16-be"


#: The answer headers a conditional request sends back, and the request header each goes in.
CONDITIONS = {"ETag": "If-None-Match", "Last-Modified": "If-Modified-Since"}


def download_issue(
    url: str,
    *,
    max_bytes: int,
    allow: Iterable[str] = (),
    timeout: float = 10.0,
    max_redirects: int = 5,
    fetcher: Fetcher | None = None,
) -> Download:
    """GET the issue at `url` (see the module's words). `allow`: SCHEDULER_FETCH_ALLOW's entries;
    `timeout`: seconds for the connection and for each wait for data (the whole body must come
    within twice that); `fetcher`: one to use instead (a test's, a dry run's)."""
    got = download_if_changed(
        url, {}, max_bytes=max_bytes, allow=allow, timeout=timeout, max_redirects=max_redirects, fetcher=fetcher
    )
    assert got is not None  # reason: an unconditional request is never answered 304 Not Modified
    return got


def download_if_changed(
    url: str,
    validators: Mapping[str, str],
    *,
    max_bytes: int,
    allow: Iterable[str] = (),
    timeout: float = 10.0,
    max_redirects: int = 5,
    fetcher: Fetcher | None = None,
) -> Download | None:
    """As `download_issue`, asking the server to send the page only if it changed since it sent
    `validators` (the ETag and Last-Modified of an earlier `Download`): None when it answers 304
    Not Modified, which costs one request and no body."""
    fetcher = fetcher or Fetcher(timeout=timeout, max_redirects=max_redirects, allow=allow)
    deadline = time.monotonic() + 2 * fetcher.timeout
    conditions = {CONDITIONS[name]: value for name, value in validators.items() if name in CONDITIONS and value}
    try:
        with fetcher.answer(url, accept=ACCEPT, headers=conditions) as (response, final):
            status = response.status_code
            if status == 304 and conditions:
                return None
            kept = {name: response.headers[name] for name in CONDITIONS if response.headers.get(name)}
            if status != 200:
                raise InputError(_status_problem(url, final, status))
            media_type, _, params = response.headers.get("Content-Type", "").partition(";")
            media_type = media_type.strip().lower()
            _check_type(url, media_type)
            declared = response.headers.get("Content-Length", "").strip()
            if declared.isdigit() and int(declared) > max_bytes:
                raise InputError(_too_large(url, f"{int(declared):,} bytes is ", max_bytes))
            try:
                body, _ = fetcher.read_body(response, final, max_bytes=max_bytes, deadline=deadline)
            except RejectedError:  # the only refusal while reading: more than max_bytes
                raise InputError(_too_large(url, "", max_bytes)) from None
    except RefusedAddress as error:  # its words name the address and the setting that allows it
        raise InputError(str(error)) from None
    except PublishError as error:  # the fetcher's words name the address and what went wrong
        raise InputError(f"{error}; check the address") from None
    found = media.not_text(body[:16])
    if found is not None:
        kind, shown = found
        raise InputError(_wrong_type(url, kind, f"{shown}, served as {media_type or 'no type'}"))
    if not body.strip():
        raise InputError(f"{url}: the server sent an empty page; check the address")
    charset, source = charset_of(body, media_type, charset_param(params))
    return Download(
        body=body, content_type=media_type, charset=charset, charset_from=source, url=final, validators=kept
    )


def _status_problem(url: str, final: str, status: int) -> str:
    where = url if final == url else f"{url} (redirected to {final})"
    if status == 429 or status >= 500:
        advice = "the site has a problem or is busy; try again later"
    elif status in (401, 403):
        advice = "the page is not public; give the address of the issue's public web page or feed"
    else:
        advice = "check the address"
    return f"{where}: the server answered {status_line(status)}; {advice}"


def _too_large(url: str, size: str, max_bytes: int) -> str:
    """`size`: "" (the body ran over) or "5,000,001 bytes is " (the server announced it)."""
    return (
        f"{url}: {size}more than the {max_bytes:,} bytes a newsletter issue may have ({SIZE_SETTING}); "
        "raise the setting or give the address of a single issue"
    )


def _check_type(url: str, media_type: str) -> None:
    if media_type in _READABLE or media_type.endswith("+xml") or media_type.startswith("text/"):
        return
    kind = next((words for prefix, words in _KINDS if media_type.startswith(prefix)), None)
    if kind is None:
        raise InputError(f"{url}: {media_type} is not a format we read; {_GIVE}")
    raise InputError(_wrong_type(url, kind, media_type))


_GIVE = "give the address of the issue's web page, its RSS or Atom feed, or a Markdown or text file"


def _wrong_type(url: str, kind: str, media_type: str) -> str:
    return f"{url}: is {kind} ({media_type}), not a newsletter; {_GIVE}"


def _known(name: str | None) -> str | None:
    """The codec's name for a charset label Python knows; ISO-8859-1 and ASCII read as
    Windows-1252, as browsers read them (the WHATWG Encoding Standard): the quotes and dashes that
    pages labelled so contain are Windows-1252's."""
    if not name:
        return None
    try:
        codec = codecs.lookup(name.strip().strip("\"'")).name
    except (LookupError, ValueError):
        return None
    return "cp1252" if codec in ("iso8859-1", "latin-1", "ascii") else codec


def charset_of(body: bytes, media_type: str, declared: str | None) -> tuple[str, CharsetSource]:
    """The charset to read `body` in, and where it came from: the server's header (when Python
    knows it), the document's byte order mark or its own declaration (`<meta charset>` in HTML,
    `<?xml encoding>` in XML), else UTF-8 when the bytes are valid UTF-8, else what
    charset_normalizer detects, else Windows-1252."""
    header = _known(declared)
    if header:
        return header, "header"
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name, "document"
    head = body[:_PRESCAN]
    match = _XML_ENCODING.match(head) or (_META_CHARSET.search(head) if "xml" not in media_type else None)
    document = _known(match.group(1).decode("ascii", "replace")) if match else None
    if document:
        return document, "document"
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8", "detected"
    from charset_normalizer import from_bytes

    best = from_bytes(body[: 64 * 1024]).best()
    detected = _known(best.encoding) if best is not None else None
    if detected is None or detected in _WESTERN:
        return "cp1252", "detected"  # short German or English text is often taken for Central European
    return detected, "detected"
