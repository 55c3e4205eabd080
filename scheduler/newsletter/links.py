"""Links in newsletter text: web addresses and e-mail addresses, including obfuscated ones."""

from __future__ import annotations

import re
from collections.abc import Iterable

from scheduler.text.entities import url_spans

# name(at)domain.de, name [at] domain [dot] de, name{at}domain.de, name(ät)domain.de
_OBFUSCATED_AT = re.compile(r"\s?[\(\[\{]\s*(?:at|ät|@)\s*[\)\]\}]\s?", re.IGNORECASE)
_OBFUSCATED_DOT = re.compile(r"\s?[\(\[\{]\s*(?:dot|punkt)\s*[\)\]\}]\s?", re.IGNORECASE)
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b")


def deobfuscate(text: str) -> str:
    """`aktif-vernetzt(at)gsub.de` → `aktif-vernetzt@gsub.de` (only where an address results)."""

    def at(match: re.Match[str]) -> str:
        before, after = text[: match.start()], text[match.end() :]
        return "@" if re.search(r"[\w.+-]$", before) and re.match(r"[\w-]", after) else match.group(0)

    text = _OBFUSCATED_AT.sub(at, text)
    return _OBFUSCATED_DOT.sub(".", text) if "@" in text else text


def extract_links(text: str) -> tuple[str, ...]:
    """Web links (`https://…`, `www.…` as `https://www.…`) then e-mail addresses as `mailto:`,
    in order of appearance, without duplicates."""
    found: list[tuple[int, str]] = []
    for span in url_spans(text):
        url = span.text if "://" in span.text else "https://" + span.text
        found.append((span.start, url))
    covered = [(span.start, span.end) for span in url_spans(text)]
    found.extend(
        (match.start(), "mailto:" + match.group(0))
        for match in _EMAIL.finditer(text)
        if not any(start <= match.start() < end for start, end in covered)
    )
    ordered = [link for _, link in sorted(found)]
    return tuple(dict.fromkeys(ordered))


_SOCIAL_HOSTS = frozenset(
    "facebook.com fb.com instagram.com x.com twitter.com linkedin.com youtube.com tiktok.com threads.net "
    "bsky.app xing.com pinterest.com flickr.com vimeo.com soundcloud.com t.me whatsapp.com wa.me".split()
)
#: Paths of a social network's profile pages: the profile's name, nothing after it.
_PROFILE_PATH = re.compile(
    r"^/(?:@[^/]+|(?:company|school|showcase|in|pub|pages|groups|c|channel|user|profile)/[^/]+"
    r"|(?!(?:watch|playlist|events|hashtag|search|p|reel|shorts)/?$)[^/]*[^/\d][^/]*)/?$",
    re.IGNORECASE,
)
#: Share buttons: a link that shares the page, not the page.
_SHARE_PATH = re.compile(r"/(?:sharer|share|sharing|shareArticle|intent/(?:tweet|post))\b", re.IGNORECASE)
#: A site's home page: "/", "/de/", "/index.html", "/en/home".
_HOME_PATH = re.compile(
    r"^/?(?:[a-z]{2}(?:[-_][a-z]{2})?/?)?(?:(?:index|home|start|startseite)(?:\.\w+)?/?)?$", re.IGNORECASE
)
#: Query parameters that only track a visit: a home page with them is still the home page.
_QUERY = re.compile(r"(?:^|&)(?:utm_\w+|fbclid|gclid|mc_[ce]id|ref|source)=[^&]*", re.IGNORECASE)
_MASTODON_PROFILE = re.compile(r"^/@[\w.-]+(?:@[\w.-]+)?/?$")


#: What a link of an item may be (a web or e-mail address), and a place within the page.
_USABLE = ("http://", "https://", "mailto:", "#")

_SECOND_LEVEL = frozenset("co com org net ac gov edu or ne go".split())


def site(url: str) -> str:
    """The site an address belongs to, by its registered domain: `www.verein.de` → `verein.de`,
    `news.uni.ac.uk` → `uni.ac.uk`; "" for no web address."""
    from urllib.parse import urlsplit

    try:
        host = (urlsplit(url).hostname or "").casefold().rstrip(".")
    except ValueError:
        return ""
    labels = host.split(".")
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def never_main(url: str, *, own: frozenset[str] | None = None) -> bool:
    """Whether `url` can never be an item's main link: not a web address, the organisation's home
    page (`https://verein.de/`; any site's when `own`, the organisation's sites, is None), a social
    network profile (`https://www.facebook.com/verein`, `https://social.example/@verein`) or a
    share button."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").casefold().removeprefix("www.").removeprefix("m.")
    except ValueError:
        return True
    if parts.scheme.casefold() not in ("http", "https") or not host:
        return True
    if _SHARE_PATH.search(parts.path):
        return True
    home = _HOME_PATH.match(parts.path) is not None and not _QUERY.sub("", parts.query).strip("&")
    if home and (own is None or site(url) in own):
        return True
    if host in _SOCIAL_HOSTS or any(host.endswith("." + name) for name in _SOCIAL_HOSTS):
        return bool(_PROFILE_PATH.match(parts.path)) or home
    return bool(_MASTODON_PROFILE.match(parts.path))


def relative_links(urls: Iterable[str]) -> tuple[str, ...]:
    """The addresses among `urls` that are relative ("/de/artikel.html", "bericht.pdf": a saved
    page's links where its web address is unknown), each once: no post can use them."""
    return tuple(dict.fromkeys(url for url in urls if url and not url.startswith(_USABLE)))
