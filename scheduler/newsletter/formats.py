"""Which reader an issue needs, told from its content, not its name.

A file called `issue.txt` may hold an HTML e-mail a colleague saved; a URL may answer with a feed.
`detect` looks at the first 64 KB and asks the readers' own `looks_like` in an order that puts the
most specific forms first (a reader is loaded only where the input could be its form: copied text
costs no HTML or feed library): an e-mail message (header lines), a feed (an <rss>, <feed> or RDF root),
an HTML e-mail (Outlook's marks, merge tags, layout tables), an HTML page, Markdown (front matter,
headings, links), and plain text copied from a page, which takes whatever is left.

What declares itself XML (`<?xml …?>`) and is no XHTML page goes to the feed reader too, whatever
its root: a feed cut off before its root element, or XML of another kind, is then refused in one
line saying so, where the plain-text reader would find "no items" in its markup.
"""

from __future__ import annotations

import re
from enum import StrEnum

#: How much of an input `detect` looks at.
SAMPLE_BYTES = 65_536
#: An e-mail message starts with a header line (an mbox file with "From "); anything else is none.
_HEADER_LINE = re.compile(r"From |[!-9;-~]+:")
#: Where markup must show for the feed and HTML readers to be asked (they look at no more either).
_MARKUP_WINDOW = 4096


class Format(StrEnum):
    EML = "e-mail message"
    FEED = "RSS/Atom feed"
    HTML_EMAIL = "HTML e-mail"
    HTML_PAGE = "HTML page"
    MARKDOWN = "Markdown"
    TEXT = "plain text"


#: File suffixes a folder's newsletter files have (a named file is read whatever its suffix).
SUFFIXES = frozenset(
    {".txt", ".text", ".md", ".markdown", ".html", ".htm", ".xhtml", ".eml", ".xml", ".rss", ".atom", ".feed"}
)


def sample(data: bytes) -> str:
    """The start of `data` as text for `detect` (UTF-8, undecodable bytes replaced: the marks it
    looks for are ASCII)."""
    return data[:SAMPLE_BYTES].decode("utf-8", "replace")


def detect(text: str) -> Format:
    """The form of an issue whose first bytes are `text` (see the module's words)."""
    start = text.lstrip("\ufeff \t\r\n")
    if _HEADER_LINE.match(start):  # only then can it be a message: its reader is loaded to tell
        from scheduler.newsletter import eml

        if eml.looks_like(text):
            return Format.EML
    if "<" in text[:_MARKUP_WINDOW]:  # markup: the feed and HTML readers tell which (copied text has none)
        from scheduler.newsletter import feed, html_email, html_input, html_page

        if feed.looks_like(text) or feed.declares_xml(text):
            return Format.FEED
        if html_email.looks_like(text):
            return Format.HTML_EMAIL
        if html_page.looks_like(text) or html_input.looks_html(text):
            return Format.HTML_PAGE
    from scheduler.newsletter import markdown

    if markdown.looks_like(text):
        return Format.MARKDOWN
    return Format.TEXT
