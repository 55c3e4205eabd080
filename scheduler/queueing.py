"""Use cases of the queue: add an issue's posts at planned times, edit, reschedule, import, export.

Each use case that changes posts takes `actor`, who asks for the change (a user of the dashboard,
the system user of a command), and records it in the posts' history; None for the daemon and the
watcher, whose reasons name them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from scheduler.errors import FitError, InputError, SchedulerError
from scheduler.models import Issue, Post, QueuedPost, State
from scheduler.newsletter import Limits
from scheduler.planner import HORIZON, Holidays, Request, SlotRule, plan
from scheduler.platforms import registry
from scheduler.render.renderer import Renderer
from scheduler.requeue import Candidate, Removed, Rendering, Stale, identify, sort_out
from scheduler.service import DEFAULT_READING, IssuePreview, Reading, Source, load_issues, render_issues
from scheduler.storage import Store
from scheduler.storage.items import queued, rewrite

DEFAULT_ACCOUNT = "default"
#: How far ahead a post can be moved to a day's first free slot: as far as the planner looks for a
#: free slot (two years); a day further off is refused (`reschedule_to_day`).
REACH = HORIZON
#: The first day a post can be moved to (with `force`, a past day): the first a publish time may
#: name (`exchange.YEARS`); an earlier one would overflow the arithmetic on its times.
EARLIEST = dt.date(1970, 1, 1)


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
    stale: list[Stale] = field(default_factory=list)  # queued posts that would change (see requeue)
    updated: list[int] = field(default_factory=list)  # the stale posts rewritten (with update=True)
    by_hand: list[Stale] = field(default_factory=list)  # would change, but edited by hand: kept
    kept: list[Stale] = field(default_factory=list)  # would change, but published or on their way: kept
    removed: list[Removed] = field(default_factory=list)  # items no longer in their issue, posts still queued
    previews: list[IssuePreview] = field(default_factory=list)  # the posts as rendered (with their warnings)

    def merge(self, other: AddReport) -> None:
        """Add what `other` (another part of the same command) did to this report."""
        for name in ("added", "misfits", "stale", "updated", "by_hand", "kept", "removed", "previews"):
            getattr(self, name).extend(getattr(other, name))
        self.skipped += other.skipped


def add_issues(
    paths: Sequence[Source],
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
    update: bool = False,
    limits: Limits = Limits(),
    footers: Mapping[tuple[str, str], str] | None = None,
    fetch_allow: Sequence[str] = (),
    reading: Reading = DEFAULT_READING,
    actor: str | None = None,
) -> AddReport:
    """Read the issues at `paths` (files, folders, addresses; every one before any is queued) and
    queue them (`add_loaded`)."""
    return add_loaded(
        load_issues(paths, languages=languages, limits=limits, fetch_allow=fetch_allow, reading=reading),
        store=store,
        renderer=renderer,
        platforms=platforms,
        planning=planning,
        start=start,
        approve=approve,
        now=now,
        accounts=accounts,
        media_base_url=media_base_url,
        update=update,
        footers=footers,
        actor=actor,
    )


def add_loaded(
    issues: Sequence[Issue],
    *,
    store: Store,
    renderer: Renderer,
    platforms: Sequence[str],
    planning: Planning,
    start: dt.datetime,
    approve: bool,
    now: dt.datetime,
    accounts: Mapping[str, Sequence[str]] | None = None,
    media_base_url: str | None = None,
    update: bool = False,
    footers: Mapping[tuple[str, str], str] | None = None,
    at: dt.datetime | None = None,
    actor: str | None = None,
) -> AddReport:
    """Render and queue every item of `issues` (read already: see `add_issues`). Items keep their
    identity when their text is corrected (`newsletter.identity`): an item queued already is not queued again; its
    queued posts that would now read differently are reported as stale and, with `update`,
    rewritten in place (their time and state stay; see `requeue`). Images are checked for each
    platform before anything is queued (see `service.preview`); nothing changes when any post does
    not fit.

    `accounts`: platform → its accounts (default: `default`). `footers`: (platform, account) → the
    account's line (an account not in it gets the renderer's own). The posts are rendered once per
    distinct line, and the same way again when the issue is added again: a post is stale only when
    its own account's line changed. `at`: every new post at this instant instead of planned slots
    (a single post's `publish_at`). `actor`: who queued them."""
    report = AddReport()
    targets = {platform: list((accounts or {}).get(platform, [DEFAULT_ACCOUNT])) for platform in platforms}
    groups: dict[str | None, dict[str, list[str]]] = {None: {}}  # line (None: the renderer's) → accounts
    for platform, names in targets.items():
        for name in names:
            groups.setdefault((footers or {}).get((platform, name)), {}).setdefault(platform, []).append(name)
    renderings = [
        Rendering(
            render_issues(
                issues,
                renderer=renderer if line is None else renderer.with_footer(line),
                platforms=list(by_platform),
                now=now,
                media_base_url=media_base_url,
            ),
            by_platform,
        )
        for line, by_platform in groups.items()
        if by_platform or line is None
    ]
    report.previews = [p for rendering in renderings for p in rendering.previews]
    report.misfits = [post for p in report.previews for post in p.misfits]
    if report.misfits:
        return report
    identified = identify(renderings, store, targets)
    report.removed = identified.removed
    candidates = identified.candidates
    sorted_out = sort_out(candidates, queued(store, [candidate.key for candidate in candidates]))
    fresh, report.skipped = sorted_out.fresh, sorted_out.queued
    report.stale, report.by_hand, report.kept = sorted_out.stale, sorted_out.by_hand, sorted_out.kept
    rows = [row for row in identified.items if update or row.id not in identified.held]
    if fresh:

        def key(candidate: Candidate) -> str:
            return "|".join(candidate.key)

        names = sorted({f"{c.post.platform}:{c.account}" for c in fresh})
        times = (
            {key(c): at for c in fresh}
            if at is not None
            else plan(
                [Request(key=key(c), item=c.post.item_id, account=f"{c.post.platform}:{c.account}") for c in fresh],
                rules=planning.rule,
                holidays=planning.holidays,
                start=start,
                min_gap=planning.min_gap,
                stagger=planning.stagger,
                taken=store.taken(names, since=start - planning.min_gap),
            )
        )
        report.added = store.add(
            [c.new_post(times[key(c)]) for c in fresh],
            state=State.SCHEDULED if approve else State.DRAFT,
            now=now,
            reason="queued from " + ", ".join(sorted({c.source for c in fresh})),
            items=rows,
            actor=actor,
        )
        report.skipped += len(fresh) - len(report.added)  # queued by another process at the same moment
        rows = []
    if (update and report.stale) or rows:
        report.updated = rewrite(
            store, [stale.rewrite() for stale in report.stale] if update else [], known=rows, now=now, actor=actor
        )
    return report


RETRYABLE = (State.FAILED, State.NEEDS_ATTENTION)


def retry_posts(
    store: Store,
    *,
    now: dt.datetime,
    states: Sequence[str] = (),
    platforms: Sequence[str] = (),
    accounts: Sequence[tuple[str, str]] = (),
    actor: str | None = None,
) -> list[QueuedPost]:
    """Schedule again, due now, every failed or unclear post matching the filters (`states` among
    RETRYABLE, `platforms`, (platform, account) pairs; empty: any). A post changed meanwhile (a
    daemon, another command) is left as it is. Nothing matching is a `QueueError` naming the filters."""
    from scheduler.errors import QueueError

    wanted = [state for state in RETRYABLE if not states or state in states]
    chosen = [
        post
        for post in store.list_posts(states=wanted, platforms=platforms)
        if not accounts or (post.platform, post.account) in accounts
    ]
    if not chosen:
        where = "".join(
            f" {word} {', '.join(values)}"
            for word, values in (("on", platforms), ("of", [f"{p}:{a}" for p, a in accounts]))
            if values
        )
        raise QueueError(
            f"no {' or '.join(wanted)} post{where} to retry; see 'scheduler queue list"
            + "".join(f" --state {state}" for state in wanted)
            + "'"
        )
    done = []
    for post in chosen:
        try:
            done.append(
                store.transition(
                    post.id,
                    State.SCHEDULED,
                    reason="retry by hand",
                    now=now,
                    allowed_from={post.state},
                    action="be retried",
                    values={"due_at": now, "error": None},
                    actor=actor,
                )
            )
        except QueueError:
            continue
    return done


def retry_post(store: Store, post_id: int, *, now: dt.datetime, actor: str | None = None) -> QueuedPost:
    """Schedule one failed or unclear post again, due now, its error cleared (`queue retry ID`, the
    dashboard's History). Any other state is a `QueueError` saying the post cannot be retried."""
    return store.transition(
        post_id,
        State.SCHEDULED,
        reason="retry by hand",
        now=now,
        allowed_from=set(RETRYABLE),
        action="be retried",
        values={"due_at": now, "error": None},
        actor=actor,
    )


def edit_text(
    store: Store,
    post_id: int,
    text: str | Sequence[str],
    *,
    now: dt.datetime,
    limits: Mapping[str, int] | None = None,
    actor: str | None = None,
    approve_again: bool = False,
) -> QueuedPost:
    """Replace a post's text after checking it against its platform's limit: one text (the post
    becomes one part), or a thread's parts (the dashboard's editor: each part measured on its own,
    empty parts left out). A part that does not fit is a `FitError` and nothing changes.
    `approve_again`: an approved (scheduled) post goes back to draft, to be approved again."""
    post = store.get(post_id)
    parts = [text.strip()] if isinstance(text, str) else [part.strip() for part in text if part.strip()] or [""]
    for number, part in enumerate(parts, start=1):
        result = registry.measure(post.platform, part, post.spoiler_text, limits=limits)
        if not result.fits:
            where = f", part {number}" if len(parts) > 1 else ""
            raise FitError(f"post {post_id} on {post.platform}{where}: {result.problem}; shorten the text")
    from scheduler.storage.transitions import EDITABLE

    return store.update_fields(
        post_id,
        now=now,
        reason="text edited" + (AGAIN if approve_again and post.state == State.SCHEDULED else ""),
        allowed_from=EDITABLE,
        action="be edited",
        values={"parts": parts},
        actor=actor,
        demote=_AGAIN if approve_again else None,
    )


#: What an edit adds to the history's reason when it takes an approved post back to draft.
AGAIN = ": approve it again"
_AGAIN: Mapping[str, str] = {State.SCHEDULED: State.DRAFT}


def edit_alt_texts(
    store: Store,
    post_id: int,
    alts: Sequence[str],
    *,
    now: dt.datetime,
    actor: str | None = None,
    approve_again: bool = False,
) -> QueuedPost:
    """Replace the alt texts of a post's images, one per image in order: none may be empty, and
    each within the platform's limit for alt text; otherwise an `InputError` and nothing changes.
    `approve_again`: an approved (scheduled) post goes back to draft, to be approved again."""
    from scheduler.models import Image
    from scheduler.storage.transitions import EDITABLE

    post = store.get(post_id)
    if len(alts) != len(post.images):
        raise InputError(f"post {post_id} has {len(post.images)} images; give one alt text for each")
    most = registry.get(post.platform).images.max_alt
    images = []
    for number, (image, alt) in enumerate(zip(post.images, alts, strict=True), start=1):
        text = " ".join(alt.split())
        if not text:
            raise InputError(
                f"post {post_id}: image {number} needs an alt text (what it shows, for those who cannot see it)"
            )
        if most is not None and len(text) > most:
            raise InputError(
                f"post {post_id}: the alt text of image {number} has {len(text)} characters; "
                f"{registry.get(post.platform).title} takes at most {most}; shorten it"
            )
        images.append(Image(image.path, text).as_dict())
    return store.update_fields(
        post_id,
        now=now,
        reason="alt texts edited" + (AGAIN if approve_again and post.state == State.SCHEDULED else ""),
        allowed_from=EDITABLE,
        action="be edited",
        values={"images": images},
        actor=actor,
        demote=_AGAIN if approve_again else None,
    )


def _local(moment: dt.datetime, timezone: str) -> str:
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo(timezone)).isoformat(timespec="minutes")


def reschedule(
    store: Store,
    post_id: int,
    when: dt.datetime,
    *,
    now: dt.datetime,
    force: bool = False,
    timezone: str = "UTC",
    actor: str | None = None,
) -> QueuedPost:
    """Move a post to `when`; drafts stay drafts, failed and unclear posts are scheduled again.

    A time before `now` is refused (as in `import-csv`) unless `force`: the post is then due at
    once. `timezone` is the one messages show times in. The history records the time in UTC;
    `queue show` shows it in local time."""
    if when < now and not force:
        raise InputError(
            f"post {post_id}: {_local(when, timezone)} is in the past (it is {_local(now, timezone)}); "
            "give a later time or now, or add --force to publish it at the next run"
        )
    post = store.get(post_id)
    values = {"publish_at": when, "due_at": when}
    reason = f"rescheduled to {when.astimezone(dt.UTC).isoformat(timespec='seconds')}"
    if post.state in (State.DRAFT, State.SCHEDULED):
        return store.update_fields(
            post_id,
            now=now,
            reason=reason,
            allowed_from={State.DRAFT, State.SCHEDULED},
            action="be rescheduled",
            values=values,
            actor=actor,
        )
    return store.transition(
        post_id,
        State.SCHEDULED,
        now=now,
        reason=reason,
        allowed_from={State.FAILED, State.NEEDS_ATTENTION},
        action="be rescheduled",
        values={**values, "error": None},
        actor=actor,
    )


def reschedule_to_day(
    store: Store,
    post_id: int,
    day: dt.date,
    *,
    planning: Planning,
    now: dt.datetime,
    force: bool = False,
    actor: str | None = None,
) -> QueuedPost:
    """Move a post to the first free slot of `day` (a local date in the slot rule's time zone): a
    slot of the rule, on a day that is no holiday or blackout day, that keeps the gap to the
    account's other queued posts and is not past (with `force`, past slots of a past day count too).
    No such slot is an `InputError` that says why; so is a day more than `REACH` (two years) ahead,
    further than the planner looks (`planner.HORIZON`), or before `EARLIEST`."""
    from scheduler.planner import PlanningError

    rule = planning.rule
    timezone = rule.timezone
    today = now.astimezone(rule.zone).date()
    years = REACH.days // 365
    if day > today + REACH:
        raise InputError(
            f"post {post_id}: {day.isoformat()} is more than {years} years ahead; "
            f"give a day up to {(today + REACH).isoformat()}"
        )
    if day < today and not force:
        raise InputError(
            f"post {post_id}: {day.isoformat()} is in the past (it is {_local(now, timezone)}); "
            "give a later day or time, or add --force to publish it at the next run"
        )
    if day < EARLIEST:
        raise InputError(f"post {post_id}: {day.isoformat()} is before {EARLIEST.year}; give a later day, or now")
    day_start = dt.datetime.combine(day, dt.time(), rule.zone).astimezone(dt.UTC)
    day_end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), rule.zone).astimezone(dt.UTC)
    post = store.get(post_id)
    account = f"{post.platform}:{post.account}"
    start = day_start if force else max(day_start, now)
    taken = store.taken([account], since=start - planning.min_gap).get(account, [])
    if post.publish_at in taken:  # the post's own place does not block it
        taken.remove(post.publish_at)
    try:
        at = plan(
            [Request("post", "post", account)],
            rules=rule,
            holidays=planning.holidays,
            start=start,
            min_gap=planning.min_gap,
            taken={account: taken},
        )["post"]
    except PlanningError:
        at = day_end
    if at >= day_end:
        if day.weekday() not in rule.weekdays:
            weekday = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")[day.weekday()]
            why = f"{day.isoformat()} is a {weekday}, which has no posting slots ({rule.spec})"
        elif day in planning.holidays:
            why = f"{day.isoformat()} is a public holiday or blackout day"
        else:
            why = f"every slot of {day.isoformat()} is taken for {account} or past"
        raise InputError(
            f"post {post_id}: no free posting slot on {day.isoformat()}: {why}; "
            f"give a time, e.g. {day.isoformat()}T10:00"
        )
    return reschedule(store, post_id, at, now=now, force=True, timezone=timezone, actor=actor)


def reschedule_posts_to_day(
    store: Store, ids: Iterable[int], day: dt.date, *, planning: Planning, now: dt.datetime, actor: str | None = None
) -> tuple[list[int], list[tuple[int, str]]]:
    """Move posts to the first free posting slot of `day`, each as `reschedule_to_day` does (the
    dashboard's bulk move); the ids moved, and each refused one with the reason."""
    moved: list[int] = []
    refused: list[tuple[int, str]] = []
    for post_id in ids:
        try:
            reschedule_to_day(store, post_id, day, planning=planning, now=now, actor=actor)
        except SchedulerError as error:
            refused.append((post_id, str(error)))
        else:
            moved.append(post_id)
    return moved, refused
