"""Links through a mailing tool's click tracker: they count the click, then redirect to the article.

Where a tracker leads is known to the tracker alone — unless its own address carries the target:
Mailjet writes it base64-encoded as the last part of the path (`…mjt.lu/lnk/…/aHR0cHM6Ly9…`),
other redirects put it in a query parameter (`?url=https%3A%2F%2F…`, `&u=…`). `target` reads it
from there; nothing is ever requested, since following a tracker counts as a reader's click (and
may do more: confirm a subscription, unsubscribe).
"""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import parse_qsl, unquote, urlsplit

#: The click-tracking hosts of common mailing tools, with the tool's name: a link through one of
#: them counts the click, then redirects to the article. The tools' own web sites
#: (`www.mailjet.com`, `www.brevo.com`) are no trackers.
_TOOLS = (
    ("Mailchimp", r"list-manage\.com|mailchi\.mp"),
    ("Brevo", r"sendibt\d*\.com|sendibm\d*\.com|brevo\.com"),
    ("Mailjet", r"mjt\.lu|mailjet\.com"),
    ("CleverReach", r"cleverreach\.(?:com|de)"),
    ("rapidmail", r"rmail\d*\.de|rapidmail\.(?:de|com)|emailsys\w*\.net"),
    ("SendGrid", r"sendgrid\.net"),
    ("HubSpot", r"hubspotlinks\.com"),
    ("Campaign Monitor", r"createsend\d*\.com|cmail\d+\.com"),
    ("Outlook's Safe Links", r"safelinks\.protection\.outlook\.com"),
)
_HOSTS = tuple((name, re.compile(rf"(?:^|\.)(?:{hosts})$", re.IGNORECASE)) for name, hosts in _TOOLS)
#: The tools' own sites: `www.` or the bare domain of a tool whose trackers are on subdomains.
_SITES = re.compile(r"^(?:www\.)?(?:brevo\.com|mailjet\.com|cleverreach\.(?:com|de)|rapidmail\.(?:de|com))$")
#: Query parameters that redirects carry their target in.
_PARAMETERS = ("url", "u", "target", "redirect", "redirect_url", "link", "dest", "destination")
#: The longest part of an address decoded (a target longer than this is no article's address).
_LONGEST = 4096
_BASE64 = re.compile(r"[A-Za-z0-9_\-+/]{12,}={0,2}")


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").casefold().rstrip(".")
    except ValueError:
        return ""


def tool(url: str) -> str:
    """The mailing tool whose click tracker `url` goes through ("Mailjet", "CleverReach" …), or ""."""
    host = _host(url)
    if not host or _SITES.match(host):
        return ""
    return next((name for name, pattern in _HOSTS if pattern.search(host)), "")


def tracking(url: str) -> bool:
    """Whether `url` goes through a mailing tool's click tracker (see `_TOOLS`)."""
    return bool(tool(url))


def web_address(text: str) -> bool:
    """Whether `text` is an absolute http(s) address with a host, and nothing else: no spaces,
    control characters or user name (`https://bank.example@evil.example/`)."""
    if not text or len(text) > _LONGEST or any(ch.isspace() or not ch.isprintable() for ch in text):
        return False
    try:
        parts = urlsplit(text)
        host = parts.hostname
        _ = parts.port  # raises ValueError for a port that is not a number
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(host) and "@" not in parts.netloc


def _decoded(value: str) -> str:
    """`value` as a web address: itself, or its base64 (URL-safe or standard, padded or not) when
    that is one; "" otherwise."""
    if web_address(value):
        return value
    if len(value) > _LONGEST or not _BASE64.fullmatch(value):
        return ""
    padded = value.rstrip("=") + "=" * (-len(value.rstrip("=")) % 4)
    try:
        raw = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
        text = raw.decode("utf-8")
    except (binascii.Error, ValueError):  # not base64, or not UTF-8 text
        return ""
    return text if web_address(text) else ""


def _carried(url: str) -> str:
    """The target `url` carries in a query parameter or a path segment (the last first), or ""."""
    try:
        parts = urlsplit(url)
        query = parse_qsl(parts.query, keep_blank_values=False)
    except ValueError:
        return ""
    for name in _PARAMETERS:
        for key, value in query:
            if key.casefold() == name and (found := _decoded(value.strip())):
                return found
    for segment in reversed([segment for segment in parts.path.split("/") if segment]):
        if found := _decoded(unquote(segment)):
            return found
    return ""


def target(url: str) -> str:
    """Where the tracker `url` leads when its own address says so (decoded, only ever an http(s)
    address), else "" — also for a link that goes through no tracker. A target that is itself a
    tracker (Safe Links around a newsletter's link) is unwrapped too, three levels at most."""
    found = ""
    for _ in range(3):
        if not tracking(url) or not (url := _carried(url)):
            break
        found = url
    return found
