"""Review and approval of queued posts: approving and cancelling, one or many at a time (the use
case behind `queue approve`, `queue cancel` and the dashboard's bulk actions, so each front end
changes posts the same way), and the dashboard's review — an editor submits drafts for review (one
or many; a draft already waiting is not submitted twice), an approver approves it or rejects it
with a comment (it stays a draft), anyone comments.

Four-eyes mode (SCHEDULER_FOUR_EYES, on by default; the dashboard passes `four_eyes=True`): nobody
approves a post they prepared — queued, edited, updated from an issue or submitted for review, as
the post's history names its actors. The command line's `queue approve` does not ask: whoever runs
commands on the server administers the tool and could change the database anyway.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from scheduler.errors import InputError, QueueError
from scheduler.models import Comment, QueuedPost, State, Transition
from scheduler.storage import Store

#: The states a post can be cancelled from (not once it is out, nor while it is being sent).
CANCELLABLE = frozenset({State.DRAFT, State.SCHEDULED, State.FAILED, State.NEEDS_ATTENTION})
#: The history's reason when an editor asks for a draft to be approved.
SUBMITTED = "submitted for review"
#: The history's reason when an approver sends a draft back (the comment follows it).
REJECTED = "rejected"
#: The reason `queueing.edit_text` records, and how `requeue` begins a rewrite from an updated issue.
EDITED = "text edited"
ALT_EDITED = "alt texts edited"  # queueing.edit_alt_texts's reason (either may add ": approve it again")
UPDATED_FROM = "updated from "
#: The longest comment, in characters (a comment is a note on a post, not a document).
COMMENT_LENGTH = 5000


@dataclass
class Outcome:
    """Which posts changed, and why the others did not (one line each): `refused` for their state
    (or because they are gone), `forbidden` by four-eyes mode (the approver prepared them);
    `waiting`: drafts already waiting for approval, not submitted again (nothing recorded)."""

    done: list[int] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)
    forbidden: list[tuple[int, str]] = field(default_factory=list)
    waiting: list[int] = field(default_factory=list)


def authors(history: Iterable[Transition]) -> set[str]:
    """Who prepared a post, from its history: who queued it, edited its text, updated it from an
    issue or submitted it for review (changes without an actor — a daemon's — name nobody)."""
    return {
        change.actor
        for change in history
        if change.actor
        and (
            change.from_state is None
            or change.reason == SUBMITTED
            or change.reason.startswith((EDITED, ALT_EDITED, UPDATED_FROM))
        )
    }


def reviews(store: Store, post_ids: Iterable[int]) -> dict[int, str]:
    """Where the review of each of these drafts stands, from its history: "submitted" (waiting for
    an approver) or "rejected" (back to its editor); a draft edited since, or never submitted, is
    left out."""
    said = store.last_reasons(list(post_ids), (SUBMITTED, REJECTED + ":", EDITED, ALT_EDITED, UPDATED_FROM, "approved"))
    marks = {}
    for post_id, reason in said.items():
        if reason == SUBMITTED:
            marks[post_id] = "submitted"
        elif reason.startswith(REJECTED + ":"):
            marks[post_id] = "rejected"
    return marks


def own_post(store: Store, post_id: int, actor: str) -> bool:
    """Whether `actor` prepared post `post_id` (see `authors`): in four-eyes mode they may not approve it."""
    return actor in authors(store.history(post_id))


def approve(
    store: Store, ids: Iterable[int], *, now: dt.datetime, actor: str | None = None, four_eyes: bool = False
) -> Outcome:
    """Approve drafts: each is published at its time. `actor`: who did it (the history says);
    `four_eyes`: a post `actor` prepared is not approved (`Outcome.forbidden`)."""
    outcome = Outcome()
    for post_id in ids:
        if four_eyes and actor and own_post(store, post_id, actor):
            outcome.forbidden.append(
                (
                    post_id,
                    f"post {post_id}: {actor} prepared it (queued, edited or submitted it); in four-eyes "
                    "mode (SCHEDULER_FOUR_EYES) another approver approves it",
                )
            )
            continue
        _move(store, outcome, post_id, State.SCHEDULED, "approved", {State.DRAFT}, "be approved", now, actor)
    return outcome


def cancel(store: Store, ids: Iterable[int], *, now: dt.datetime, actor: str | None = None) -> Outcome:
    """Cancel posts that are not out yet. `actor`: who did it (the history says)."""
    outcome = Outcome()
    for post_id in ids:
        _move(store, outcome, post_id, State.CANCELLED, "cancelled by hand", CANCELLABLE, "be cancelled", now, actor)
    return outcome


def _move(
    store: Store,
    outcome: Outcome,
    post_id: int,
    state: str,
    reason: str,
    allowed_from: Iterable[str],
    action: str,
    now: dt.datetime,
    actor: str | None,
) -> None:
    """Move one post of a bulk action to `state`, adding it to `outcome`'s done or refused posts."""
    try:
        store.transition(
            post_id, state, reason=reason, now=now, allowed_from=set(allowed_from), action=action, actor=actor
        )
    except QueueError as error:
        outcome.refused.append((post_id, str(error)))
    else:
        outcome.done.append(post_id)


def submit(store: Store, ids: Iterable[int], *, now: dt.datetime, actor: str) -> Outcome:
    """Ask for drafts to be approved: a line in each one's history (it stays a draft) naming
    `actor`. A draft already waiting for approval — submitted, and not edited or rejected since —
    is not submitted again (`Outcome.waiting`: its history gets no second line); one that is no
    longer a draft, or gone, is refused with the reason."""
    ids = list(ids)
    marks = reviews(store, ids)
    outcome = Outcome()
    for post_id in ids:
        if marks.get(post_id) == "submitted":
            outcome.waiting.append(post_id)
            continue
        try:
            store.update_fields(
                post_id,
                now=now,
                reason=SUBMITTED,
                allowed_from={State.DRAFT},
                action="be submitted for review",
                values={},
                actor=actor,
            )
        except QueueError as error:
            outcome.refused.append((post_id, str(error)))
        else:
            outcome.done.append(post_id)
    return outcome


def comment_text(text: str) -> str:
    """`text` as a comment keeps it (trimmed); an `InputError` when it is empty or too long."""
    text = text.strip()
    if not text:
        raise InputError("a comment needs some text")
    if len(text) > COMMENT_LENGTH:
        raise InputError(f"a comment has at most {COMMENT_LENGTH} characters; this one has {len(text)}")
    return text


def comment(store: Store, post_id: int, text: str, *, now: dt.datetime, actor: str) -> Comment:
    """`actor`'s comment on a post (any state); see `comment_text` for what a comment may be."""
    return store.add_comment(post_id, author=actor, text=comment_text(text), now=now)


def reject(store: Store, post_id: int, text: str, *, now: dt.datetime, actor: str) -> QueuedPost:
    """Send a draft back with a comment saying why: it stays a draft, its history says who rejected
    it and why (the comment's first 200 characters on one line), the comment is kept whole."""
    said = comment_text(text)
    line = " ".join(said.split())
    post = store.update_fields(
        post_id,
        now=now,
        reason=f"{REJECTED}: {line[:200]}{'…' if len(line) > 200 else ''}",
        allowed_from={State.DRAFT},
        action="be rejected",
        values={},
        actor=actor,
    )
    store.add_comment(post_id, author=actor, text=said, now=now)
    return post
