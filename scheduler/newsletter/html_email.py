"""A newsletter sent as an HTML e-mail (table layouts of Mailchimp, Mailjet/MJML, CleverReach,
Brevo, rapidmail and the like) → `Document`.

An e-mail has no main-content element to find: its whole body is the issue, wrapped in the
mailing tool's chrome. A web page extractor is no help here (trafilatura kept only the preheader of
our MJML fixture and put the CleverReach one's first item after its sign-off), so the chrome is
taken away by rules instead. What goes, before the body is walked into blocks (`html_blocks`):

- Outlook's conditional comments (`<!--[if mso]>…<![endif]-->`) with everything in them, like
  every comment; the preheader and anything else hidden by its style (`display:none`,
  `mso-hide:all`, `max-height:0`, `opacity:0`, a font size of 0 or 1 px);
- the tool's chrome: a "view in browser" / "Im Browser ansehen" / "Webversion" line, the
  unsubscribe / "abmelden" / "abbestellen" footer and the preferences, "forward to a friend" and
  "you receive this e-mail because" lines — each with the part of the layout around it that holds
  nothing else (a cell or a row of the table, never more than a third of the e-mail's text, never a
  part with a heading);
- rows of social icons (a link holding only an icon of Facebook, Instagram, LinkedIn, Mastodon, …);
- tracking pixels and spacer images;
- merge tags the tool did not fill (`mergetags`): "Hallo *|FNAME|*," is read "Hallo," (still a
  greeting for `itemize` to recognise), a line that was nothing but merge tags goes;
- a masthead heading that the title repeats ("Stiftungsbrief" under the subject "… Stiftungsbrief
  September 2025") with the issue's line beneath it ("September 2025"), and logos standing alone.

Tracking redirects stay the links' addresses (`Link.url`): they are where the newsletter sends its
readers, and the tool counts the clicks. When the e-mail shows the target (the link's text is
itself an address, "www.example.org/artikel"), that address is `Link.shown`; else, when the
tracker's own address carries the target (Mailjet's base64 path, a `url=` parameter), the target
decoded (`scheduler.text.trackers.target`). A tracker is never requested: that would be a click.

Headings in e-mails are seldom `<h2>`: a cell or a `<span>` set in a large font is one. A short
line (at most 15 words, 120 characters, not only link text: a button is no heading) in at least
22 px, or in at least 18 px and bold, is a heading: level 1 from 28 px, 2 from 22 px, else 3. A
short line all in bold in the body's size stays a paragraph whose lead-in is all of it: that is
how `itemize` recognises an e-mail builder's heading (and it decides what such a line heads).

The title is the e-mail's `<title>` (its subject, as most tools write it), else its first heading;
the language its `<html lang>`, else "" (detected later).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from scheduler.newsletter import html_input
from scheduler.newsletter.document import Block, Document, Kind
from scheduler.newsletter.html_blocks import Raw, Walker, clean, is_logo
from scheduler.newsletter.incoming import Deadline
from scheduler.newsletter.mergetags import is_merge_tag, strip_merge_tags
from scheduler.newsletter.reading import Limits

if TYPE_CHECKING:
    from lxml.html import HtmlElement

__all__ = ["looks_like", "read"]

_VIEW = (
    r"view (?:this (?:e-?mail|newsletter|message) )?(?:in (?:your |a )?(?:web )?browser|online|as a web ?page)"
    r"|web ?version|online[- ]version|im (?:web)?browser (?:ansehen|anzeigen|öffnen|lesen)"
    r"|(?:e-mail|newsletter|nachricht) (?:online|im browser) (?:ansehen|anzeigen|lesen|öffnen)"
    r"|(?:wird )?diese (?:e-mail|nachricht|mail) (?:wird )?nicht (?:richtig|korrekt)(?: dargestellt| angezeigt)?"
    r"|probleme mit der darstellung|having trouble (?:viewing|reading)|can[’']t see (?:this|the) (?:e-?mail|images)"
)
_UNSUBSCRIBE = (
    r"unsubscribe|abmelden|abbestellen|austragen|opt[- ]?out"
    r"|(?:update|manage|change) (?:your )?(?:preferences|subscription|profile|e-?mail settings)"
    r"|(?:einstellungen|profil|daten) (?:ändern|verwalten|aktualisieren|bearbeiten)"
    r"|forward (?:this )?to a friend|an (?:eine[nr]? )?(?:freund|bekannte)\w* weiterleiten|weiterempfehlen"
)
_RECEIVING = (
    r"you (?:are receiving|received|receive|get) this|this (?:e-?mail|message|newsletter) was sent to"
    r"|sie erhalten (?:diese[nrs]?|den|unseren)\b|diese (?:e-mail|nachricht) wurde an|why (?:did )?i (?:get|receive)"
    r"|add us to your address book|zum adressbuch hinzufügen|our mailing address is|unsere (?:post)?anschrift lautet"
    r"|^copyright\b|^©|all rights reserved|alle rechte vorbehalten"
)
_CHROME_LINK = re.compile(rf"{_VIEW}|{_UNSUBSCRIBE}", re.IGNORECASE)
_CHROME_TEXT = re.compile(rf"{_VIEW}|{_UNSUBSCRIBE}|{_RECEIVING}", re.IGNORECASE)
_CHROME_HREF = re.compile(
    r"unsub|abmeld|abbestell|opt-?out|archive|mirror|permalink|online_?version|webversion|forward|profile|preferences",
    re.IGNORECASE,
)
_FOLLOW = re.compile(
    r"^(?:folgen sie uns|folge uns|follow us|find us on|connect with us|besuchen sie uns auf|join us on|stay connected)\b",
    re.IGNORECASE,
)
_NETWORKS = (
    "facebook|instagram|twitter|x|linkedin|xing|youtube|tiktok|mastodon|bluesky|threads|pinterest|whatsapp|"
    "telegram|flickr|vimeo|snapchat|rss|website|webseite|homepage|e-?mail"
)
_SOCIAL_ALT = re.compile(
    rf"^(?:(?:folgen sie uns auf|folge uns auf|follow us on|besuchen sie uns auf|find us on)\s+)?(?:{_NETWORKS})"
    r"(?:[\s_-]*(?:icon|logo|symbol))?$",
    re.IGNORECASE,
)
_SOCIAL_SRC = re.compile(rf"social|/icons?/.*(?:{_NETWORKS})|(?:{_NETWORKS})[_-]?(?:icon|\d+(?:px)?)\b", re.IGNORECASE)
_SOCIAL_HOSTS = re.compile(
    r"(?:^|\.)(?:facebook\.com|instagram\.com|twitter\.com|x\.com|linkedin\.com|xing\.com|youtube\.com|tiktok\.com|"
    r"bsky\.app|threads\.net|pinterest\.\w+|whatsapp\.com|t\.me|flickr\.com|vimeo\.com)$",
    re.IGNORECASE,
)
_ISSUE_LINE = re.compile(r"\b(?:19|20)\d\d\b")
_TOOL_ELEMENTS = ("webversion", "unsubscribe", "preferences", "forwardtoafriend")
_CHROME_MAX_CHARS = 700
_CHROME_BLOCK_CHARS = 250
_STRONG_MARKS = re.compile(
    r"urn:schemas-microsoft-com:office|<!--\[if\s+(?:gte\s+|lt\s+|lte\s+|gt\s+|!)?\(?mso|\*\|[A-Z_:]+\|\*"
    r"|class=[\"'][^\"']*(?:mcn\w|mj-column|nl2go|preheader)|x-apple-disable-message-reformatting"
    r"|\{\{\s*(?:mirror|unsubscribe|contact\.)|\[\[(?:PERMALINK|UNSUB_LINK)|\{(?:ONLINE_VERSION|UNSUBSCRIBE)\}",
    re.IGNORECASE,
)
_WEAK_MARKS = re.compile(
    rf"role=[\"']presentation[\"']|mso-|bgcolor=|cellpadding=|{_VIEW}|{_UNSUBSCRIBE}",
    re.IGNORECASE,
)
_PAGE_MARKS = re.compile(r"<(?:nav|header|main|article|aside)[\s>]|<link[^>]+rel=[\"']?canonical", re.IGNORECASE)


def looks_like(sample: str) -> bool:
    """Whether `sample` (the start of a file) is an HTML e-mail: HTML with a mark only e-mails have
    (Outlook's namespaces or conditional comments, a mailing tool's merge tags or classes), or with
    several weaker ones (presentation tables, `mso-` styles, "view in browser", "unsubscribe") and
    none of a web page's own elements (<nav>, <header>, <main>, <article>, a canonical link)."""
    if not html_input.looks_html(sample):
        return False
    if _STRONG_MARKS.search(sample):
        return True
    return not _PAGE_MARKS.search(sample) and len(set(_WEAK_MARKS.findall(sample))) >= 2


def read(
    data: bytes | str,
    *,
    url: str = "",
    max_bytes: int | None = Limits().max_bytes,
    remove: Sequence[str] = (),
    deadline: Deadline | None = None,
) -> Document:
    """The e-mail's content as a `Document`; `InputError` when it cannot be read or is larger than
    `max_bytes` (SCHEDULER_MAX_ISSUE_BYTES), or when the read takes longer than its `deadline` (else
    `incoming.TIME_LIMIT` from now)."""
    return html_input.read_document(
        data,
        url=url,
        max_bytes=max_bytes,
        remove=remove,
        deadline=deadline,
        what=url or "HTML e-mail",
        build=_document,
        failed="the e-mail's content could not be read",
    )


def _document(root: HtmlElement, url: str, deadline: Deadline, what: str) -> Document:
    body = root.find(".//body")
    body = body if body is not None else root
    title = _title(root)
    _remove_chrome(body)
    raws = Walker(html_input.base_url(root, url), text_filter=strip_merge_tags, deadline=deadline, what=what).walk(body)
    if not title:
        title = next((raw.block.text for raw in raws if raw.block.kind is Kind.HEADING), "")
    blocks = _judge(raws, title)
    heading = next((block.text for block in blocks if block.kind is Kind.HEADING), "")
    return Document(
        blocks=tuple(blocks),
        title=title,
        date=html_input.page_date(root, heading),
        language=html_input.language(root),
        url=url,
    )


def _title(root: HtmlElement) -> str:
    element = next(root.iterfind(".//title"), None)
    return clean(strip_merge_tags(element.text_content())[0]) if element is not None else ""


# -- the tool's chrome ------------------------------------------------------------------------


def _remove_chrome(body: HtmlElement) -> None:
    for element in list(body.iter(*_TOOL_ELEMENTS)):
        _drop(element)
    for link in [link for link in body.iter("a") if _social_icon(link)]:
        _drop(link)
    limit = min(_CHROME_MAX_CHARS, len(clean(body.text_content())) // 3)
    anchors = [element for element in body.iter() if isinstance(element.tag, str) and _is_anchor(element)]
    for anchor in anchors:
        if _attached(anchor, body):
            _drop(_outermost(anchor, body, limit))


def _own_text(element: HtmlElement) -> str:
    parts = [element.text or ""] + [child.tail or "" for child in element]
    return clean(" ".join(parts))


def _is_anchor(element: HtmlElement) -> bool:
    """A link or a line of the mailing tool's own: "view in browser", "unsubscribe", "you receive
    this e-mail because"."""
    if element.tag == "a":
        href = element.get("href") or ""
        if is_merge_tag(href) and _CHROME_HREF.search(href):
            return True
        if re.search(r"unsubscribe|abmelden|abbestellen|opt-?out", href, re.IGNORECASE):
            return True
        return bool(_CHROME_LINK.search(clean(element.text_content())))
    own = _own_text(element)
    return bool(own) and len(own) <= _CHROME_BLOCK_CHARS and bool(_CHROME_TEXT.search(own))


def _outermost(anchor: HtmlElement, body: HtmlElement, limit: int) -> HtmlElement:
    """The largest part of the layout around `anchor` that holds at most `limit` characters of
    text and no heading."""
    current = anchor
    parent = current.getparent()
    while parent is not None and parent is not body:
        if len(clean(parent.text_content())) > limit or _has_heading(parent):
            break
        current = parent
        parent = current.getparent()
    return current


def _has_heading(element: HtmlElement) -> bool:
    return any(True for _ in element.iter("h1", "h2", "h3"))


def _attached(element: HtmlElement, body: HtmlElement) -> bool:
    """Whether `element` is still in the body (not inside a part dropped before)."""
    return any(ancestor is body for ancestor in element.iterancestors())


def _drop(element: HtmlElement) -> None:
    if element.getparent() is not None:
        element.drop_tree()


def _social_icon(link: HtmlElement) -> bool:
    """A link that is only a social network's icon (or name), in a row of them."""
    text = clean(link.text_content())
    images = list(link.iter("img"))
    try:
        host = urlsplit(link.get("href") or "").netloc.lower().split(":")[0]
    except ValueError:  # "http://[::1" and the like
        host = ""
    if not images:
        return bool(_SOCIAL_HOSTS.search(host)) and bool(_SOCIAL_ALT.match(text))
    if text and not _SOCIAL_ALT.match(text):
        return False
    for image in images:
        alt = clean(image.get("alt") or image.get("title") or "")
        if _SOCIAL_ALT.match(alt) or (not alt and _SOCIAL_SRC.search(image.get("src") or "")):
            return True
    return bool(_SOCIAL_HOSTS.search(host))


# -- blocks -----------------------------------------------------------------------------------


def _judge(raws: list[Raw], title: str) -> list[Block]:
    """Styled headings found; a masthead heading that the title repeats, lines that were only merge
    tags, the tool's own lines and logos dropped."""
    blocks: list[Block] = []
    masthead = True  # nothing with text kept yet
    dropped = False  # the masthead's heading went
    for raw in raws:
        block = raw.block
        if _chrome_block(raw) or is_logo(block):
            continue
        if block.kind is not Kind.HEADING and (level := _styled_level(raw)) is not None:
            block = replace(block, kind=Kind.HEADING, level=level, lead="")
        if masthead and block.kind is Kind.HEADING and block.level == 1 and key(block.text) in key(title):
            dropped = True
            continue
        if dropped and masthead and len(block.text.split()) <= 4 and _ISSUE_LINE.search(block.text):
            continue  # "September 2025", "Ausgabe 3/2025" under the masthead's heading
        masthead = masthead and not block.text
        blocks.append(block)
    return blocks


def _chrome_block(raw: Raw) -> bool:
    text = raw.block.text
    if raw.residue and not re.search(r"\w", text):  # "*|FNAME|*," and the like
        return True
    if not text or len(text) > _CHROME_BLOCK_CHARS:
        return False
    return bool(_CHROME_TEXT.search(text) or _FOLLOW.match(text))


def _styled_level(raw: Raw) -> int | None:
    text = raw.block.text
    if raw.block.kind is not Kind.PARAGRAPH or raw.link_only or len(text) > 120 or len(text.split()) > 15:
        return None
    if raw.min_size >= 22 or (raw.min_size >= 18 and raw.all_bold):
        return 1 if raw.min_size >= 28 else 2 if raw.min_size >= 22 else 3
    return None


def key(text: str) -> str:
    """`text` for comparing: letters and digits only, case-folded."""
    return "".join(character for character in text.casefold() if character.isalnum())
