"""Reading each kind of source for the watcher: a feed, a newsletter archive page, a folder.

Every source is read with the readers of `scheduler.newsletter`, so every form they take works in
every source. Addresses are fetched with the package's one fetcher (`platforms.download`), as
conditional requests: the ETag and Last-Modified of the last answer go with the next request, and
an answer 304 Not Modified ends the check without reading anything.

- A **feed** gives its entries (each an issue, or each an item of one issue: the source's
  `per_entry`, else SCHEDULER_FEED_ENTRIES).
- An **archive page** gives the issues its links point to: links matching the source's pattern
  (`re:` a regular expression on the address, `css:` a CSS selector of the links). Each link is
  fetched once; the links seen are kept with the validators, and a check fetches at most
  `MAX_NEW_LINKS` new ones (the first on the page first).
- A **folder** gives the issues of the files whose size or time changed since the last check.
- A **mailbox** (IMAP) gives the messages that arrived since the last check (`mailbox`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urldefrag, urljoin

from scheduler import newsletter
from scheduler.errors import InputError
from scheduler.models import Issue, WatchedSource
from scheduler.newsletter import Limits, Rules
from scheduler.newsletter.formats import SUFFIXES, Format, detect, sample
from scheduler.newsletter.rules import DEFAULT
from scheduler.watching import Found

if TYPE_CHECKING:
    from scheduler.platforms.download import Download

#: New issue links an archive page's check fetches at most (the rest at the next check).
MAX_NEW_LINKS = 30
_LINKS = "links"  # the validator that keeps an archive page's links seen


@dataclass(frozen=True, slots=True)
class Readers:
    """A `SourceReader` for every kind of source, reading as the settings say."""

    languages: Sequence[str] = ("de", "en")
    limits: Limits = Limits()
    fetch_allow: Sequence[str] = ()
    rules: Rules = DEFAULT
    feed_entries: newsletter.PerEntry = "issue"
    timeout: float = 10.0
    imap_password: str = field(default="", repr=False)  # SCHEDULER_IMAP_PASSWORD
    imap_ca_file: str | None = None

    def __call__(self, source: WatchedSource, validators: Mapping[str, str]) -> Found | None:
        if source.kind == "feed":
            return self.feed(source, validators)
        if source.kind == "page":
            return self.page(source, validators)
        if source.kind == "folder":
            return self.folder(source, validators)
        if source.kind == "imap":
            return self.mailbox(source, validators)
        raise InputError(f"source {source.name}: {source.kind} sources cannot be read by this version")

    def _download(self, url: str, validators: Mapping[str, str]) -> Download | None:
        from scheduler.platforms.download import download_if_changed  # requests only when a source is fetched

        return download_if_changed(
            url, validators, max_bytes=self.limits.max_bytes, allow=self.fetch_allow, timeout=self.timeout
        )

    def _issues(
        self,
        data: bytes,
        *,
        source: str,
        url: str = "",
        per_entry: newsletter.PerEntry = "issue",
        form: Format | None = None,
    ) -> list[Issue]:
        return newsletter.read_issues(
            data,
            source=source,
            url=url,
            languages=self.languages,
            limits=self.limits,
            per_entry=per_entry,
            rules=self.rules,
            form=form,
        )

    def feed(self, source: WatchedSource, validators: Mapping[str, str]) -> Found | None:
        got = self._download(source.location, validators)
        if got is None:
            return None
        data = got.readable
        if detect(sample(data)) is not Format.FEED:
            raise InputError(
                f"{source.location}: is no RSS or Atom feed (any more); give the feed's address, "
                "or add the page as an archive page with --links"
            )
        issues = self._issues(
            data, source=source.location, url=got.url, per_entry=source.per_entry or self.feed_entries
        )
        return Found(issues, validators=dict(got.validators))

    def page(self, source: WatchedSource, validators: Mapping[str, str]) -> Found | None:
        got = self._download(source.location, {name: value for name, value in validators.items() if name != _LINKS})
        if got is None:
            return None
        links = issue_links(got.text, base=got.url, pattern=source.pattern)
        if not links:
            kind, _, expression = source.pattern.partition(":")
            what = "CSS selector" if kind == "css" else "pattern"
            raise InputError(
                f"{source.location}: no link on the page matches the {what} {expression!r}; check it and the page"
            )
        known = set(validators.get(_LINKS, "").split())
        fresh = [link for link in links if link not in known][:MAX_NEW_LINKS]
        issues: list[Issue] = []
        for link in fresh:
            page = self._download(link, {})
            if page is None:  # reason: unreachable, an unconditional request is never answered 304
                continue
            issues.extend(self._issues(page.readable, source=link, url=page.url, per_entry="issue"))
        seen = [link for link in links if link in known or link in fresh]
        kept = {**dict(got.validators), _LINKS: "\n".join(seen)}
        return Found(issues, validators=kept)

    def mailbox(self, source: WatchedSource, validators: Mapping[str, str]) -> Found | None:
        from scheduler.watching.mailbox import Mailbox, new_messages

        mailbox = Mailbox.parse(source.location)
        if not self.imap_password:
            raise InputError(f"{mailbox.shown}: no password; set SCHEDULER_IMAP_PASSWORD")
        got = new_messages(
            mailbox,
            validators,
            password=self.imap_password,
            sender=source.sender,
            ca_file=self.imap_ca_file,
            timeout=self.timeout * 2,
            max_bytes=self.limits.max_bytes,
        )
        if got is None:
            return None
        messages, kept = got
        issues: list[Issue] = []
        for message in messages:
            issues.extend(self._issues(message, source=mailbox.shown, form=Format.EML))
        return Found(issues, validators=kept)

    def folder(self, source: WatchedSource, validators: Mapping[str, str]) -> Found | None:
        folder = Path(source.location)
        if not folder.is_dir():
            raise InputError(f"{folder}: no such folder (any more); check the path or remove the source")
        stamps: dict[str, str] = {}
        for path in sorted(folder.iterdir()):
            if path.is_file() and not path.name.startswith(".") and path.suffix.lower() in SUFFIXES:
                stat = path.stat()
                stamps[str(path)] = f"{stat.st_mtime_ns}:{stat.st_size}"
        if stamps == dict(validators):
            return None
        issues: list[Issue] = []
        for name, stamp in stamps.items():
            if validators.get(name) != stamp:
                issues.extend(
                    newsletter.load_issues(
                        Path(name),
                        languages=self.languages,
                        limits=self.limits,
                        per_entry=source.per_entry or self.feed_entries,
                        rules=self.rules,
                    )
                )
        return Found(issues, validators=stamps)


def issue_links(html: str, *, base: str, pattern: str) -> list[str]:
    """The addresses of the issues an archive page links to, in the page's order, each once:
    links whose address matches the regular expression (`re:…`), or the links a CSS selector
    finds (`css:…`), resolved against `base`, without their #fragment."""
    import lxml.html

    if not html.strip():
        return []
    # as bytes: lxml refuses a str that declares its encoding (<?xml … encoding="UTF-8"?>)
    tree = lxml.html.document_fromstring(html.encode("utf-8"), parser=lxml.html.HTMLParser(encoding="utf-8"))
    kind, _, expression = pattern.partition(":")
    if kind == "css":
        from lxml.cssselect import CSSSelector

        elements = list(CSSSelector(expression)(tree))
        anchors = [
            anchor for element in elements for anchor in ([element] if element.tag == "a" else element.iter("a"))
        ]
        hrefs = [anchor.get("href", "") for anchor in anchors]
    else:
        matcher = re.compile(expression)
        hrefs = [
            anchor.get("href", "") for anchor in tree.iter("a") if matcher.search(urljoin(base, anchor.get("href", "")))
        ]
    links = [urldefrag(urljoin(base, href.strip()))[0] for href in hrefs if href.strip()]
    return [link for link in dict.fromkeys(links) if link.startswith(("http://", "https://"))]


def folder_key(path: str) -> str:
    """A folder's location as stored: absolute, so the watcher finds it from any working folder."""
    return os.path.abspath(path)
