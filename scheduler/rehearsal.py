"""Dry runs: the exact requests of scheduled posts written to the outbox, the posts left as they are.

A dry run never claims a post and never changes its state: a post is `published` only when a
platform said so. It adds a line to the post's history ("dry run: …") and nothing else. Used by
`scheduler run --dry-run` for every post, and by a real run for the posts of accounts that have no
credentials (they stay queued until the account is configured).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from scheduler.errors import SystemFault
from scheduler.models import QueuedPost
from scheduler.platforms.dryrun import DryRunPublisher
from scheduler.storage import Store

#: What a dry run's outbox line says about an account that has no credentials.
NO_CREDENTIALS = "no credentials configured"
#: How every line a dry run adds to a post's history starts (the dashboard's History finds them so).
NOTE = "dry run: "


@dataclass
class Rehearsed:
    """What one dry-run pass did."""

    written: list[QueuedPost] = field(default_factory=list)  # new lines in the outbox
    unchanged: list[QueuedPost] = field(default_factory=list)  # the outbox showed these requests already

    def __iadd__(self, other: Rehearsed) -> Rehearsed:
        self.written += other.written
        self.unchanged += other.unchanged
        return self

    @property
    def posts(self) -> list[QueuedPost]:
        return self.written + self.unchanged


class Rehearsal:
    """Writes the requests of due scheduled posts to the outbox without touching the posts.

    `skip`: (platform, account)s published for real by the same run, left to it. `identities`:
    whom each account posts as (see `config.identity`), named in every outbox line; an account not
    in it has no credentials."""

    def __init__(
        self,
        store: Store,
        outbox: DryRunPublisher,
        *,
        skip: Collection[tuple[str, str]] = (),
        identities: Mapping[tuple[str, str], str] | None = None,
    ) -> None:
        self.store = store
        self.outbox = outbox
        self.skip = frozenset(skip)
        self.identities = dict(identities or {})

    def __repr__(self) -> str:
        return f"Rehearsal(outbox={str(self.outbox.outbox)!r}, skip={sorted(self.skip)!r})"

    def _why(self, post: QueuedPost) -> str:
        if (post.platform, post.account) in self.identities:
            return f"{NOTE}the requests went to {self.outbox.outbox}; nothing was sent"
        return (
            f"{NOTE}{post.platform}:{post.account} has no credentials; the requests went to "
            f"{self.outbox.outbox} and the post stays queued"
        )

    def show(self, *, now: dt.datetime, since: dt.datetime | None = None, upcoming: int = 0) -> Rehearsed:
        """Write every scheduled post due by `now` (with `since`, only those due or changed after it),
        then the next `upcoming` posts not yet due. An outbox that cannot be written (disk full,
        read-only, no permission) is a `SystemFault`: the posts stay as they are."""
        posts = self.store.scheduled(due_by=now, touched_since=since, skip=self.skip)
        if upcoming:
            posts += self.store.scheduled(due_after=now, skip=self.skip, limit=upcoming)
        done = Rehearsed()
        for post in posts:
            identity = self.identities.get((post.platform, post.account), NO_CREDENTIALS)
            try:
                written = self.outbox.write(post, identity=identity)
            except OSError as error:  # a full or read-only disk: the machine's fault, not the post's
                fault = SystemFault.of(error, f"the outbox {self.outbox.outbox}")
                if fault is None:
                    raise
                raise fault from None
            if written:
                done.written.append(post)
                self.store.note(post.id, self._why(post), now=now)
            else:
                done.unchanged.append(post)
        return done

    def next_due(self, *, since: dt.datetime | None) -> dt.datetime | None:
        """When a post this dry run has not shown yet is due (it may be due already)."""
        return self.store.next_touched(since=since, skip=self.skip)
