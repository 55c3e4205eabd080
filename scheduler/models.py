"""Frozen values that move between the layers: an imported `Issue` with its `Item`s, the rendered
`Post` for one item on one platform and the `QueuedPost` it becomes, both saying one `Content`
(with its `Image`s); the dashboard's `User`s with their `Role`, and their `Comment`s on posts."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

_GERMAN_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})


def slugify(text: str) -> str:
    """`Vernetzt & Umgeschaut` → `vernetzt-umgeschaut`; German umlauts become ae/oe/ue/ss."""
    folded = unicodedata.normalize("NFKD", text.translate(_GERMAN_FOLD))
    ascii_text = folded.encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def item_id(body: str) -> str:
    """Stable id of an item: the same text (whitespace aside) gives the same id on every run."""
    canonical = " ".join(unicodedata.normalize("NFC", body).split())
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


@dataclass(frozen=True, slots=True)
class Image:
    """An image attached to a post. `path` is a local file (absolute once read from an options file
    or CSV) or an https URL; `alt` describes it for people who cannot see it (never empty)."""

    path: str
    alt: str

    @property
    def is_url(self) -> bool:
        return self.path.startswith(("https://", "http://"))

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "alt": self.alt}

    @classmethod
    def from_dict(cls, value: Mapping[str, str]) -> Image:
        return cls(path=str(value["path"]), alt=str(value["alt"]))


@dataclass(frozen=True, slots=True)
class Item:
    """One news item of an issue."""

    id: str
    section: str
    title: str
    body: str
    links: tuple[str, ...] = ()  # every link of the item, in order (web and mailto:)
    images: tuple[Image, ...] = ()  # from the issue (with alt text) and its options file ([[images]])
    link: str | None = None  # the main link, as the newsletter chose it (never a home page or profile)
    date: dt.date | None = None  # the item's date, else the issue's
    # links its issue gives relative to a web address the file does not say ("/de/artikel.html"):
    # no post can use them, so its posts name them (render.readon)
    relative: tuple[str, ...] = ()

    @property
    def url(self) -> str | None:
        """The item's main link; without one, its first web link; or None."""
        if self.link is not None:
            return self.link
        return next((link for link in self.links if link.startswith(("http://", "https://"))), None)


@dataclass(frozen=True, slots=True)
class IssueOptions:
    """Per-issue choices, read from an optional `<issue>.toml` beside the issue file."""

    hashtags: tuple[str, ...] = ()
    section_hashtags: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    utm: bool | None = None  # None: use the setting
    link: str | None = None  # a link for items that have none (e.g. the issue's web page)
    url: str = ""  # the issue's web address: what a saved page's relative links resolve against
    content_warning: str = ""  # Mastodon spoiler_text
    images: tuple[ItemImage, ...] = ()  # [[images]]: which item gets which image
    language: str = ""  # the issue's language ("de", "en"); "" to take the declared or detected one
    boilerplate: tuple[str, ...] = ()  # phrases (regular expressions) of blocks that are not items
    footer: tuple[str, ...] = ()  # phrases (regular expressions) of the block that starts the footer


@dataclass(frozen=True, slots=True)
class ItemImage:
    """An `[[images]]` entry of an options file: `item` is a 1-based item number or the start of
    an item's title."""

    item: int | str
    image: Image


@dataclass(frozen=True, slots=True)
class Placement:
    """Where and when a single post goes, as its file's front matter says (`posts/*.md`): its
    platforms and accounts (empty: the command's), a fixed time (naive: a wall time in the team's
    time zone; None: the next free slot), and whether it becomes a thread where it is too long
    (None: as SCHEDULER_THREADS says)."""

    platforms: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()
    publish_at: dt.datetime | None = None
    thread: bool | None = None


@dataclass(frozen=True, slots=True)
class Issue:
    """An imported newsletter issue; or a single post kept as a file, one item with its `placement`."""

    title: str
    date: dt.date | None
    source: str
    language: str
    items: tuple[Item, ...]
    options: IssueOptions = field(default_factory=IssueOptions)
    placement: Placement | None = None

    @property
    def slug(self) -> str:
        """`2024-12-13-die-vernetzungsstelle-informiert`: the UTM campaign of the issue's links."""
        prefix = f"{self.date.isoformat()}-" if self.date else ""
        return prefix + slugify(self.title)


@dataclass(frozen=True, slots=True)
class Content:
    """What a post says, from render to publish: its parts (one, or a thread's), language, links
    (the first web link is the main one), images with alt text and content warning. Request bodies
    are built from this value alone."""

    parts: tuple[str, ...]
    language: str
    links: tuple[str, ...] = ()
    images: tuple[Image, ...] = ()
    spoiler_text: str = ""  # the content warning, where the platform shows one
    title: str = ""  # the item's title (a link card's title when the page gives none)

    @property
    def text(self) -> str:
        return "\n\n".join(self.parts)

    @property
    def link(self) -> str | None:
        """The main link: the first web link, or None."""
        return next((link for link in self.links if link.startswith(("https://", "http://"))), None)


class Says:
    """Read-only shortcuts to what a post says (its `content`), shared by the rendered `Post` and
    the `QueuedPost`, so code that reads a post reads either the same way. No data of its own."""

    __slots__ = ()
    content: Content

    @property
    def title(self) -> str:
        return self.content.title

    @property
    def parts(self) -> tuple[str, ...]:
        return self.content.parts

    @property
    def language(self) -> str:
        return self.content.language

    @property
    def links(self) -> tuple[str, ...]:
        return self.content.links

    @property
    def images(self) -> tuple[Image, ...]:
        return self.content.images

    @property
    def spoiler_text(self) -> str:
        return self.content.spoiler_text

    @property
    def text(self) -> str:
        return self.content.text


@dataclass(frozen=True, slots=True)
class Post(Says):
    """One item rendered for one platform: what it says (`content`: a single post, or the parts of a
    thread) and how it measures against the platform's limit."""

    item_id: str
    section: str
    platform: str
    content: Content
    length: int  # as the platform counts; for a thread, the longest part
    limit: int
    reason: str | None = None  # why it does not fit; None when it does
    warnings: tuple[str, ...] = ()  # it fits, but a reader may hit a dead end (see render.readon)

    @property
    def fits(self) -> bool:
        return self.reason is None


class State(StrEnum):
    """States of a queued post. Every change is recorded as a transition with time and reason.
    The values are what the database stores."""

    DRAFT = "draft"  # awaiting approval
    SCHEDULED = "scheduled"  # approved, waiting for its time
    PUBLISHING = "publishing"  # claimed by a daemon; the request may be in flight
    PUBLISHED = "published"  # remote id and URL known
    FAILED = "failed"  # permanent error, with the platform's message
    NEEDS_ATTENTION = "needs_attention"  # outcome unknown, or the account must be re-authorised
    CANCELLED = "cancelled"


#: Every state, in the order lists and counts show them.
STATES: tuple[State, ...] = tuple(State)
#: Allowed transitions: state → states it may move to.
TRANSITIONS: Mapping[str, frozenset[State]] = {
    State.DRAFT: frozenset({State.SCHEDULED, State.CANCELLED}),
    State.SCHEDULED: frozenset({State.SCHEDULED, State.DRAFT, State.PUBLISHING, State.CANCELLED}),
    State.PUBLISHING: frozenset({State.PUBLISHED, State.FAILED, State.NEEDS_ATTENTION, State.SCHEDULED}),
    State.PUBLISHED: frozenset(),
    State.FAILED: frozenset({State.SCHEDULED, State.CANCELLED}),
    State.NEEDS_ATTENTION: frozenset({State.SCHEDULED, State.PUBLISHED, State.FAILED, State.CANCELLED}),
    State.CANCELLED: frozenset(),
}


@dataclass(frozen=True, slots=True)
class QueuedPost(Says):
    """One post for one account, as stored in the queue: what it says (`content`, the value it was
    rendered as and its requests are built from) and where it stands."""

    id: int
    item_id: str
    platform: str
    account: str
    state: str
    publish_at: dt.datetime  # aware, UTC
    content: Content
    section: str = ""
    source: str = ""
    attempts: int = 0
    idempotency_key: str | None = None
    remote_id: str | None = None
    remote_url: str | None = None
    error: str | None = None
    due_at: dt.datetime | None = None  # next attempt (after a transient error); None: publish_at
    claimed_at: dt.datetime | None = None  # when the current or last attempt started
    claimed_by: str | None = None  # the worker whose claim it is (with claimed_at: the claim that fences changes)
    updated_at: dt.datetime | None = None  # the row's last change (a sender touches it just before sending)
    rendered: str | None = None  # content_hash of the post as the renderer last made it (None before 0004)

    @property
    def digest(self) -> str:
        """`content_hash` of what the post says now (differs from `rendered` after a hand edit)."""
        return content_hash(self.content)


def content_hash(content: Content) -> str:
    """A hash of everything a post publishes: two posts with the same hash say the same.

    Of the links only the first counts, as when the queue stored no other (before revision 0006):
    hashing them all would change the hash of every post queued before, and `requeue` would take
    each for edited by hand. Nothing is lost: a rendered post's links are the addresses in its
    parts, which are hashed whole, and an imported post has one link."""
    first = content.links[0] if content.links else None
    value = json.dumps(
        [
            list(content.parts),
            content.spoiler_text,
            first,
            [image.as_dict() for image in content.images],
            content.title,
            content.language,
        ],
        ensure_ascii=False,
    )
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class KnownItem:
    """An item as the queue remembers it: its identity (`id`, the posts' item_id), the issue it
    came from, where it stood there, and the text it was last queued with."""

    id: str
    issue: str  # newsletter.identity.issue_key
    number: int  # 1-based position in the issue
    section: str
    body: str
    fingerprint: str  # item_id(body)


@dataclass(frozen=True, slots=True)
class Transition:
    """One line of a post's history. `actor`: who made the change — a dashboard user's name, or the
    system user who ran the command; None for the daemon and the watcher (their `reason` names the
    worker) and for changes recorded before revision 0009."""

    post_id: int
    from_state: str | None
    to_state: str
    at: dt.datetime
    reason: str
    actor: str | None = None


@dataclass(frozen=True, slots=True)
class Rewritten:
    """A post rewritten because its issue was updated (`queue add --update`, a watched source): what
    it said before (`previous`, its parts), when, and the history's reason and actor for the change."""

    post_id: int
    at: dt.datetime
    reason: str
    previous: tuple[str, ...]
    actor: str | None = None


@dataclass(frozen=True, slots=True)
class Comment:
    """What someone of the team said about a post on the dashboard (a rejection's reason, for one)."""

    id: int
    post_id: int
    author: str
    text: str
    at: dt.datetime


class Role(StrEnum):
    """What a user of the dashboard is (`team.may` says what each may do). The values are what the
    database stores."""

    EDITOR = "editor"  # imports issues, edits, submits for review
    APPROVER = "approver"  # and approves, rejects, cancels, retries
    ADMIN = "admin"  # and manages users, accounts, sources, settings


@dataclass(frozen=True, slots=True)
class User:
    """A user of the dashboard. `password_hash` is an Argon2 hash (`team.hash_password`), never the
    password; it stays out of the repr, so that a user logged or shown in an error shows no hash."""

    name: str
    role: Role
    created_at: dt.datetime
    password_hash: str = field(default="", repr=False)
    updated_at: dt.datetime | None = None  # the last change of role or password


#: What a watched source is: a feed (RSS/Atom), an archive web page listing issues, a folder of
#: issue files, or an IMAP mailbox folder the newsletter arrives in; or the webhook, where issues
#: are handed in (`scheduler serve`).
SourceKind = Literal["feed", "page", "folder", "imap", "webhook"]


@dataclass(frozen=True, slots=True)
class WatchedSource:
    """A place new issues appear, as `scheduler sources add` stored it. `platforms` and `accounts`
    (as `--account` takes them) are where its issues go (empty: the settings' platforms and
    accounts); `approve`: its posts are scheduled at once instead of waiting as drafts;
    `per_entry`: what a feed entry is ("" for SCHEDULER_FEED_ENTRIES); `pattern`: on an archive
    page, what an issue link looks like (a regular expression on the address, or a CSS selector);
    `sender`: in a mailbox, only mail from this address."""

    name: str
    kind: SourceKind
    location: str  # an address, a folder, or imaps://user@host/Folder (never a password)
    platforms: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()
    approve: bool = False
    per_entry: Literal["", "issue", "item"] = ""
    pattern: str = ""
    sender: str = ""


@dataclass(frozen=True, slots=True)
class SourceState:
    """A source with what its checks found: when it was checked and last read without a problem,
    how many checks in a row failed and the last one's reason, when it is checked next, and what a
    conditional request sends again (`validators`: ETag, Last-Modified; a folder's file times);
    `paused_at`: since when a person paused it (None: it is checked)."""

    source: WatchedSource
    created_at: dt.datetime
    checked_at: dt.datetime | None = None
    ok_at: dt.datetime | None = None
    failures: int = 0
    error: str = ""
    next_check_at: dt.datetime | None = None
    validators: Mapping[str, str] = field(default_factory=dict)
    issues: int = 0  # issues queued from it so far
    paused_at: dt.datetime | None = None  # paused by a person: not checked until resumed
