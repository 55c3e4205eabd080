"""Adding an issue whose posts may be queued already: which item each rendered post belongs to
(`newsletter.identity`), and which queued posts the issue's text, a template or the issue's
options have made stale.

A queued post is compared with the post rendered now by `content_hash`. It is *stale* when the
new render differs from the one it was queued (or last updated) with and it can still change:
draft, scheduled or failed. Published and publishing posts, and those needing attention (they may
be out already), keep their text; cancelled ones stay cancelled. A post edited by hand since it
was rendered (`queue edit`) is kept as the person left it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from scheduler.errors import InputError
from scheduler.models import KnownItem, Post, QueuedPost, State, content_hash
from scheduler.newsletter.identity import issue_key, match_items, renamed_from
from scheduler.service import IssuePreview
from scheduler.storage import NewPost, Store
from scheduler.storage.items import Rewrite, known_items, posts_of

#: States in which a queued post is rewritten when its item, template or options change.
UPDATABLE = frozenset({State.DRAFT, State.SCHEDULED, State.FAILED})
#: States in which a post of an item no longer in its issue is worth naming (it may still go out).
PENDING = frozenset({State.DRAFT, State.SCHEDULED, State.FAILED, State.NEEDS_ATTENTION})


@dataclass(frozen=True, slots=True)
class Candidate:
    """A post rendered now for one account; `post.item_id` is the item's identity."""

    post: Post
    account: str
    source: str
    edited: bool  # the item's text differs from the text it was queued with

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.post.item_id, self.post.platform, self.account)

    @property
    def rendered(self) -> str:
        return content_hash(self.post.content)

    def new_post(self, publish_at: dt.datetime) -> NewPost:
        post = self.post
        return NewPost(
            item_id=post.item_id,
            platform=post.platform,
            account=self.account,
            publish_at=publish_at,
            content=post.content,
            section=post.section,
            source=self.source,
            rendered=self.rendered,
        )


@dataclass(frozen=True, slots=True)
class Stale:
    """A queued post and what it would say now."""

    queued: QueuedPost
    candidate: Candidate

    @property
    def text(self) -> str:
        return self.candidate.post.text

    @property
    def by_hand(self) -> bool:
        """Edited by hand since it was rendered: kept as the person left it."""
        return self.queued.rendered is not None and self.queued.digest != self.queued.rendered

    def rewrite(self) -> Rewrite:
        post, why = (
            self.candidate.post,
            "the item's text changed" if self.candidate.edited else "template or options changed",
        )
        return Rewrite(
            post_id=self.queued.id,
            state=self.queued.state,
            content=post.content,
            section=post.section,
            rendered=self.candidate.rendered,
            reason=f"updated from {self.candidate.source}: {why}",
        )


@dataclass(frozen=True, slots=True)
class Removed:
    """An item queued from an issue that is no longer in it, with its posts that may still go out."""

    source: str
    item: KnownItem
    posts: tuple[QueuedPost, ...]


@dataclass
class Identified:
    candidates: list[Candidate] = field(default_factory=list)  # one per (item, platform, account)
    items: list[KnownItem] = field(default_factory=list)  # rows to save when the issue is queued as it is now
    held: set[str] = field(default_factory=set)  # ids of edited items: their rows change only with the posts
    removed: list[Removed] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Rendering:
    """The issues' posts as rendered for some of the accounts: those whose posts read alike (the
    same account line, see `queueing.add_issues`); `previews` in the order of the issues."""

    previews: Sequence[IssuePreview]
    accounts: Mapping[str, Sequence[str]]  # platform → the accounts these posts are for


def identify(renderings: Sequence[Rendering], store: Store, accounts: Mapping[str, Sequence[str]]) -> Identified:
    """Give every rendered post its item's identity and an account; one candidate per key (an
    item in two issues of one call is queued once). Candidates come in the order of the items,
    then of the platforms and their accounts in `accounts` (the order the planner staggers them in)."""
    if not renderings:
        return Identified()
    order = {
        (platform, name): index
        for index, (platform, name) in enumerate(
            (platform, name) for platform, names in accounts.items() for name in names
        )
    }
    seen: dict[str, str] = {}
    unique = []
    for at, issue_preview in enumerate(renderings[0].previews):
        key, source = issue_key(issue_preview.issue), issue_preview.issue.source
        if seen.get(key) == source:  # the same file given twice
            continue
        if key in seen:
            raise InputError(
                f"{seen[key]} and {source} are the same issue ({key}: same date and title); "
                "add only the current one (move the other out of the folder)"
            )
        seen[key] = source
        unique.append(at)
    result = Identified()
    keys: set[tuple[str, str, str]] = set()
    saved: set[str] = set()
    for at in unique:
        issue = renderings[0].previews[at].issue
        key = issue_key(issue)
        prints = [item.id for item in issue.items]
        stored = known_items(store, issues=[key], fingerprints=prints)
        moved: set[str] = set()  # items of the issue under its previous key (its date or title was corrected)
        if (previous := renamed_from(stored, prints, key=key)) is not None:
            if previous in seen:
                raise InputError(
                    f"{seen[previous]} and {issue.source} are the same issue (most paragraphs alike, the "
                    "date or title corrected); add only the current one (move the other out of the folder)"
                )
            stored = [
                dataclasses.replace(s, issue=key) if s.issue == previous else s
                for s in known_items(store, issues=[key, previous], fingerprints=prints)
            ]
            moved = {s.id for s in stored if s.issue == key}
        matching = match_items(issue.items, stored, key=key)
        for number, item in enumerate(issue.items, start=1):
            identity = matching.ids[item.id]
            row = KnownItem(
                id=identity, issue=key, number=number, section=item.section, body=item.body, fingerprint=item.id
            )
            known = matching.known.get(identity)
            if identity not in saved and (
                known is None or (known.issue == key and (known != row or identity in moved))
            ):
                saved.add(identity)
                result.items.append(row)
                if matching.edited(item):
                    result.held.add(identity)
        position = {item.id: index for index, item in reversed(list(enumerate(issue.items)))}
        rendered = sorted(
            (
                (post.post, account)
                for rendering in renderings
                for post in rendering.previews[at].posts
                for account in rendering.accounts.get(post.post.platform, ())
            ),
            key=lambda pair: (position[pair[0].item_id], order[(pair[0].platform, pair[1])]),
        )
        for post, account in rendered:
            identity = matching.ids[post.item_id]
            edited = identity in matching.known and matching.known[identity].fingerprint != post.item_id
            candidate = Candidate(dataclasses.replace(post, item_id=identity), account, issue.source, edited)
            if candidate.key not in keys:
                keys.add(candidate.key)
                result.candidates.append(candidate)
        if matching.removed and matching.known:  # nothing found again: another issue with this key
            pending = posts_of(store, [item.id for item in matching.removed], states=PENDING)
            result.removed += [
                Removed(issue.source, item, tuple(pending[item.id])) for item in matching.removed if item.id in pending
            ]
    return result


@dataclass
class Sorted:
    fresh: list[Candidate] = field(default_factory=list)  # not queued yet
    queued: int = 0  # candidates queued already (in any state)
    stale: list[Stale] = field(default_factory=list)  # to rewrite
    by_hand: list[Stale] = field(default_factory=list)  # would change, but edited by hand: kept
    kept: list[Stale] = field(default_factory=list)  # would change, but published or on its way: kept


def sort_out(candidates: Sequence[Candidate], queued: Mapping[tuple[str, str, str], QueuedPost]) -> Sorted:
    """Which candidates are new, which queued posts they make stale, and which of those are kept."""
    result = Sorted()
    for candidate in candidates:
        post = queued.get(candidate.key)
        if post is None:
            result.fresh.append(candidate)
            continue
        result.queued += 1
        if post.state == State.CANCELLED or candidate.rendered == (post.rendered or post.digest):
            continue
        stale = Stale(post, candidate)
        if post.state not in UPDATABLE:
            result.kept.append(stale)
        elif stale.by_hand:
            result.by_hand.append(stale)
        else:
            result.stale.append(stale)
    return result
