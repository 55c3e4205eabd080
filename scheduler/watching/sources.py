"""The watched sources as people change them — from `scheduler sources add|pause|resume|remove` and
from the dashboard's Sources page alike: a new source described and checked (`new_source`), and
pausing, resuming and removing one by name. Checking them is `scheduler.watching.Watcher`'s.

Every problem is an `InputError` with one line that says what to give instead; its words are the
command line's (`--links`, `--name` …), which the dashboard's form fields are named after.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from scheduler.errors import InputError
from scheduler.models import SourceKind, WatchedSource

if TYPE_CHECKING:
    from scheduler.models import SourceState
    from scheduler.storage import Store

#: What a source's name may be.
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}")


def name_of(location: str) -> str:
    """A source's name from its address or folder: `example-org-newsletter-feed`."""
    from urllib.parse import urlsplit

    from scheduler.models import slugify

    if location.startswith(("http://", "https://")):
        parts = urlsplit(location)
        location = f"{parts.hostname or ''} {parts.path}"
    else:
        location = Path(location).resolve().name
    words = [word for word in slugify(location).split("-") if word not in {"www", "xml", "rss", "atom", "html"}]
    return "-".join(words)[:60] or "source"


def new_source(
    location: str,
    *,
    name: str | None = None,
    platforms: Sequence[str] = (),
    accounts: Sequence[str] = (),
    approve: bool = False,
    per_entry: str | None = None,
    links: str | None = None,
    selector: str | None = None,
    sender: str | None = None,
) -> WatchedSource:
    """The source at `location` — a feed's or an archive page's address (with `links`, a regular
    expression its issues' addresses match, or `selector`, a CSS selector of their links), a folder
    of issue files, or a mailbox (imaps://user@host/Folder, only mail from `sender`) — checked as
    far as it can be without reading it. Its `accounts` are checked against the settings by
    `Wiring.add_source`, which reads it once and stores it."""
    from scheduler.errors import UnknownPlatformError
    from scheduler.platforms import registry
    from scheduler.service import is_address

    location = location.strip()
    if not location:
        raise InputError("give the address of a feed or an archive page, a folder, or a mailbox (imaps://…)")
    chosen = tuple(dict.fromkeys(platform.strip().lower() for platform in platforms if platform.strip()))
    for platform in chosen:
        if platform not in registry.NAMES:
            raise UnknownPlatformError(platform, registry.NAMES)
    if links and selector:
        raise InputError("give --links or --selector, not both")
    pattern = ""
    if links:
        try:
            re.compile(links)
        except re.error as error:
            raise InputError(
                f"--links {links!r} is no regular expression ({error}); e.g. --links '/newsletter/\\d+'"
            ) from None
        pattern = f"re:{links}"
    elif selector:
        from scheduler.newsletter.rules import check_selectors

        check_selectors([selector], "--selector")
        pattern = f"css:{selector}"
    if sender and not location.startswith(("imaps://", "imap://")):
        raise InputError("--sender is for a mailbox (imaps://user@host/Folder)")
    kind: SourceKind
    if location.startswith(("imaps://", "imap://")):
        from scheduler.watching.mailbox import Mailbox

        if pattern:
            raise InputError("--links and --selector are for an archive page's address, not a mailbox")
        kind, where = "imap", Mailbox.parse(location).shown
    elif is_address(location):
        kind = "page" if pattern else "feed"
        where = location
    else:
        folder = Path(location)
        if "://" in location or re.match(r"^[\w.-]+:\d+(/|$)", location):
            raise InputError(
                f"{location}: not an address this reads; give an http(s)://… feed or page, an imaps://… mailbox or a folder"
            )
        if not folder.is_dir():
            problem = "is a file" if folder.exists() else "no such folder"
            raise InputError(f"{location}: {problem}; a source is a folder of issue files, a feed or an archive page")
        if pattern:
            raise InputError("--links and --selector are for an archive page's address, not a folder")
        kind, where = "folder", str(folder.resolve())
    if per_entry and kind != "feed":
        raise InputError("--per-entry is for a feed's address")
    if per_entry not in (None, "", "issue", "item"):
        raise InputError(f"--per-entry {per_entry!r}: give issue or item")
    source = WatchedSource(
        name=(name or "").strip() or name_of(location),
        kind=kind,
        location=where,
        platforms=chosen,
        accounts=tuple(account.strip() for account in accounts if account.strip()),
        approve=approve,
        per_entry=per_entry or "",  # type: ignore[arg-type]  # reason: "issue" or "item", checked just above
        pattern=pattern,
        sender=sender or "",
    )
    if not NAME.fullmatch(source.name):
        raise InputError(f"--name {source.name!r}: use letters, digits, '.', '_' and '-' (at most 80)")
    return source


def _unknown(store: Store, name: str) -> InputError:
    known = ", ".join(state.source.name for state in store.sources()) or "none"
    return InputError(f"no source named {name!r}; the sources are: {known}")


def remove(store: Store, name: str) -> None:
    """Stop watching the source `name` (its queued posts stay; its issues stay seen)."""
    if not store.remove_source(name):
        raise _unknown(store, name)


def pause(store: Store, name: str, *, now: dt.datetime) -> SourceState:
    """Stop checking the source `name` until it is resumed (it stays, with what its checks found);
    a paused source stays paused since the first time."""
    state = store.pause_source(name, now=now)
    if state is None:
        raise _unknown(store, name)
    return state


def resume(store: Store, name: str) -> SourceState:
    """Check the source `name` again, at the watcher's next round (also one that was waiting after
    failures: a person asked for it)."""
    state = store.resume_source(name)
    if state is None:
        raise _unknown(store, name)
    return state
