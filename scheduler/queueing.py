"""Use cases of the queue: add an issue's posts at planned times, edit, reschedule, import, export."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from scheduler.errors import InputError
from scheduler.models import Post, QueuedPost, State
from scheduler.planner import Holidays, Request, SlotRule, plan
from scheduler.render.renderer import Renderer
from scheduler.service import preview
from scheduler.storage import NewPost, Store
from scheduler.text.length import measure

DEFAULT_ACCOUNT = "default"


@dataclass(frozen=True, slots=True)
class Planning:
    """How publish times are chosen."""

    rule: SlotRule
    holidays: Holidays
    min_gap: dt.timedelta = dt.timedelta(hours=2)
    stagger: dt.timedelta = dt.timedelta(0)


@dataclass
class AddReport:
    added: list[int] = field(default_factory=list)
    skipped: int = 0  # queued already
    misfits: list[Post] = field(default_factory=list)  # nothing is added when any post does not fit


def add_issues(
    paths: Sequence[Path],
    *,
    store: Store,
    renderer: Renderer,
    platforms: Sequence[str],
    languages: Sequence[str],
    planning: Planning,
    start: dt.datetime,
    approve: bool,
    now: dt.datetime,
    accounts: Mapping[str, Sequence[str]] | None = None,
    media_base_url: str | None = None,
) -> AddReport:
    """Render and queue every item of the issues at `paths`; already queued posts are skipped.
    Images are checked for each platform before anything is queued (see `service.preview`)."""
    report = AddReport()
    previews = preview(paths, renderer=renderer, platforms=platforms, languages=languages, now=now,
                       media_base_url=media_base_url)
    report.misfits = [post for p in previews for post in p.misfits]
    if report.misfits:
        return report
    candidates: list[tuple[Post, str, str]] = []  # post, account, source
    for issue_preview in previews:
        for entry in issue_preview.posts:
            for account in (accounts or {}).get(entry.post.platform, [DEFAULT_ACCOUNT]):
                candidates.append((entry.post, account, issue_preview.issue.source))
    present = store.existing({(post.item_id, post.platform, account) for post, account, _ in candidates})
    fresh = [(post, account, source) for post, account, source in candidates
             if (post.item_id, post.platform, account) not in present]
    report.skipped = len(candidates) - len(fresh)
    if not fresh:
        return report
    key = lambda post, account: f"{post.item_id}|{post.platform}|{account}"  # noqa: E731
    names = sorted({f"{post.platform}:{account}" for post, account, _ in fresh})
    queued = store.taken(names, since=start - planning.min_gap)
    times = plan(
        [Request(key=key(post, account), item=post.item_id, account=f"{post.platform}:{account}") for post, account, _ in fresh],
        rules=planning.rule, holidays=planning.holidays, start=start, min_gap=planning.min_gap,
        stagger=planning.stagger, taken=queued,
    )
    new = [
        NewPost(
            item_id=post.item_id, platform=post.platform, account=account,
            publish_at=times[key(post, account)], parts=post.parts, language=post.language, section=post.section,
            title=post.title, source=source, spoiler_text=post.spoiler_text, link=post.links[0] if post.links else None,
            images=post.images,
        )
        for post, account, source in fresh
    ]
    report.added = store.add(new, state=State.SCHEDULED if approve else State.DRAFT, now=now,
                             reason="queued from " + ", ".join(sorted({source for _, _, source in fresh})))
    return report


def edit_text(store: Store, post_id: int, text: str, *, now: dt.datetime, mastodon_limit: int = 500) -> QueuedPost:
    """Replace a post's text after checking it against its platform's limit."""
    post = store.get(post_id)
    text = text.strip()
    result = measure(post.platform, text, post.spoiler_text, mastodon_limit=mastodon_limit)
    if not result.fits:
        raise InputError(f"post {post_id} on {post.platform}: {result.problem}; shorten the text")
    from scheduler.storage.queue import EDITABLE

    return store.update_fields(post_id, now=now, reason="text edited", allowed_from=EDITABLE, action="be edited",
                               values={"parts": [text]})


def reschedule(store: Store, post_id: int, when: dt.datetime, *, now: dt.datetime) -> QueuedPost:
    """Move a post to `when`; drafts stay drafts, failed and unclear posts are scheduled again."""
    post = store.get(post_id)
    values = {"publish_at": when, "due_at": when}
    if post.state in (State.DRAFT, State.SCHEDULED):
        return store.update_fields(post_id, now=now, reason=f"rescheduled to {when.isoformat(timespec='seconds')}",
                                   allowed_from={State.DRAFT, State.SCHEDULED}, action="be rescheduled", values=values)
    return store.transition(post_id, State.SCHEDULED, now=now, reason=f"rescheduled to {when.isoformat(timespec='seconds')}",
                            allowed_from={State.FAILED, State.NEEDS_ATTENTION}, action="be rescheduled",
                            values={**values, "error": None})
