"""A newsletter issue published as a web page → `Document`: the main content only.

The page's chrome (navigation, header, footer, cookie banner, sidebars, share buttons, "previous
post") is left out by trafilatura's main-content extraction; what it keeps is walked into blocks by
`html_blocks` (headings with levels, paragraphs, list entries, links resolved against the page's
address or `<base href>`, images with alt text, bold lead-ins). The title (og:title, the first
<h1>, <title>), date (a dated <h1> such as "14.02.2025: …", article:published_time, the first
<time datetime>, DC.date), language (<html lang>) and address (the one given, else the canonical
one) come from the whole page.

Why trafilatura, not readability-lxml: both were run on our fixtures (a German association's
WordPress page with related posts and comments, an English university news page with `<base
href>`, tags and a sign-up box, a ministry page in Windows-1252, a 30-item digest with a table of
contents) by `benchmarks/html_extractors.py`. Both find every expected block (113 of 113: headings,
paragraphs, list entries with their links, images with alt text) and drop navigation, header,
footer, cookie banner, sidebar and share buttons; readability-lxml also keeps 13 blocks that are
not the issue (the "Ähnliche Beiträge" related posts, the issue's table of contents, the "Erschienen
am" line), trafilatura none. A whole read (decoding, parsing, extraction, walking) takes 3.5–5 ms
on the small pages and 8.3 ms on the 30-item digest with trafilatura (`fast=True`; its fallbacks,
`fast=False`, find nothing more and take 15 % longer), 3.6–6.5 ms and 9.5 ms with readability: both
far inside the 100 ms a 30-item issue may take. Importing trafilatura takes ~135 ms (readability
~60 ms), paid only when a web page is read.

Below 250 characters of main content trafilatura falls back to running the whole page together
into one paragraph; its `MIN_EXTRACTED_SIZE` is set to 1 so that a short issue keeps its structure.
When the extractor finds no main content (a page that is nearly all links), the page's <body> is
walked without its `<nav>`, `<header>`, `<footer>`, `<aside>` and `role=navigation|banner|
contentinfo|complementary` parts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from configparser import ConfigParser
from copy import deepcopy
from dataclasses import replace
from functools import cache
from typing import TYPE_CHECKING

from scheduler.newsletter import html_input
from scheduler.newsletter.document import Block, Document, Kind
from scheduler.newsletter.html_blocks import Raw, Walker, caption, clean, is_logo, is_pixel
from scheduler.newsletter.incoming import Deadline
from scheduler.newsletter.reading import Limits

if TYPE_CHECKING:
    from lxml.html import HtmlElement

__all__ = ["looks_like", "read"]

_CHROME = frozenset(("nav", "header", "footer", "aside", "form"))
_CHROME_ROLES = frozenset(("navigation", "banner", "contentinfo", "complementary", "search", "dialog"))
_EMAIL_SIGNS = re.compile(
    r"urn:schemas-microsoft-com:office|<!--\[if\s+(?:gte\s+|lt\s+|!)?mso|\*\|[A-Z_:]+\|\*|mso-hide|"
    r"role=[\"']presentation[\"']|class=[\"'][^\"']*(?:mcn|mj-column|preheader)|"
    r"view (?:this email )?in (?:your )?browser|im browser (?:ansehen|anzeigen|öffnen)|webversion",
    re.IGNORECASE,
)
_PAGE_SIGNS = re.compile(r"<(?:nav|header|main|article|aside)[\s>]|<link[^>]+rel=[\"']?canonical", re.IGNORECASE)


def looks_like(sample: str) -> bool:
    """Whether `sample` (the start of a file) is a web page rather than an HTML e-mail: HTML, with
    the page's own elements (<nav>, <header>, <main>, <article>, a canonical link) or without an
    e-mail's marks (Outlook conditional comments, merge tags, presentation tables, "view in
    browser")."""
    if not html_input.looks_html(sample):
        return False
    page = len(_PAGE_SIGNS.findall(sample))
    email = len(_EMAIL_SIGNS.findall(sample))
    return page > 0 or email == 0


def read(
    data: bytes | str,
    *,
    url: str = "",
    max_bytes: int | None = Limits().max_bytes,
    remove: Sequence[str] = (),
    deadline: Deadline | None = None,
) -> Document:
    """The web page's main content as a `Document`; `InputError` when it cannot be read or is
    larger than `max_bytes` (SCHEDULER_MAX_ISSUE_BYTES), or when the read takes longer than its
    `deadline` (else `incoming.TIME_LIMIT` from now)."""
    return html_input.read_document(
        data,
        url=url,
        max_bytes=max_bytes,
        remove=remove,
        deadline=deadline,
        what=url or "web page",
        build=_document,
        failed="the page's content could not be extracted",
    )


def _document(root: HtmlElement, url: str, deadline: Deadline, what: str) -> Document:
    base = html_input.base_url(root, url)
    heading = html_input.first_heading(root)
    heading_text = html_input.text_content(heading) if heading is not None else ""
    undated = html_input.dated_title(heading_text)[1]
    title = html_input.page_title(root)
    if title == heading_text:
        title = undated
    document = Document(
        blocks=(),
        title=title,
        date=html_input.page_date(root, heading_text),
        language=html_input.language(root),
        url=url or html_input.canonical_url(root),
    )
    images = _page_images(root, base)  # before extraction, which changes the tree
    main = _main_content(root) if _has_body(root) else None
    if main is None:
        main = _without_chrome(root)
    walker = Walker(
        base,
        alt_of=lambda src: images.get(src, ("", False))[0],
        pixel_of=lambda src: images.get(src, ("", False))[1],
        deadline=deadline,
        what=what,
    )
    return replace(document, blocks=tuple(_judge(walker.walk(main), {heading_text, undated, title})))


def _has_body(root: HtmlElement) -> bool:
    body = root.find(".//body")
    return body is not None and bool(clean(body.text_content()))


def _page_images(root: HtmlElement, base: str) -> dict[str, tuple[str, bool]]:
    """Each image on the page by its resolved address: the alt text it has there (its own, its
    title or its figure's caption) and whether it is a pixel or spacer — what extraction drops."""
    resolver = Walker(base)
    found: dict[str, tuple[str, bool]] = {}
    for element in root.iter("img"):
        src = resolver.resolve(element.get("src") or element.get("data-src") or "")
        if src:
            alt = clean(element.get("alt") or "") or clean(element.get("title") or "") or caption(element)
            found.setdefault(src, (alt, is_pixel(element, src)))
    return found


def _main_content(root: HtmlElement) -> HtmlElement | None:
    """The main content as trafilatura sees it, as HTML; None when it finds none."""
    import trafilatura

    extracted = trafilatura.extract(
        root,
        config=_config(),
        output_format="html",
        include_links=True,
        include_images=True,
        include_formatting=True,
        include_tables=True,
        include_comments=False,
        deduplicate=False,
        with_metadata=False,
        fast=True,
    )
    if not extracted:
        return None
    return html_input.parse(extracted, "extracted content")


@cache
def _config() -> ConfigParser:
    """trafilatura's settings, but for a short page too: below MIN_EXTRACTED_SIZE (250 characters
    by default) it falls back to a "baseline" that runs the whole page together into one paragraph,
    navigation and all."""
    from trafilatura.settings import DEFAULT_CONFIG

    config = deepcopy(DEFAULT_CONFIG)
    config.set("DEFAULT", "MIN_EXTRACTED_SIZE", "1")
    return config


def _without_chrome(root: HtmlElement) -> HtmlElement:
    body = root.find(".//body")
    body = body if body is not None else root
    for element in list(body.iter()):
        if not isinstance(element.tag, str):
            continue
        role = (element.get("role") or "").lower()
        if element.tag in _CHROME or role in _CHROME_ROLES:
            parent = element.getparent()
            if parent is not None:
                element.drop_tree()
    return body


def _judge(raws: list[Raw], titles: set[str]) -> list[Block]:
    """The blocks without a level-1 heading that repeats the page's title (it is the Document's
    title) and without logos standing alone."""
    return [
        raw.block
        for raw in raws
        if not (raw.block.kind is Kind.HEADING and raw.block.level == 1 and raw.block.text in titles)
        and not is_logo(raw.block)
    ]
