"""`scheduler queue …`: add, list, show, edit, reschedule, cancel, approve, retry, export, import."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from scheduler.cli import (
    actor,
    cli,
    clock,
    current_time,
    issue_sources,
    local,
    platforms_option,
    tell_warnings,
    write_output,
)
from scheduler.errors import InputError, QueueError
from scheduler.models import STATES, State

#: The years a time given on the command line may name.
YEARS = (1970, 2999)

#: A post's number as the database can hold it (a larger one names no post: a usage error, not a crash).
POST_ID = click.IntRange(1, 2**63 - 1)

if TYPE_CHECKING:
    from scheduler.models import QueuedPost
    from scheduler.wiring import Wiring


#: `--platform/-p`, repeatable: the posts of these platforms only.
platform_filter = click.option(
    "--platform", "-p", "platforms", multiple=True, callback=platforms_option, help="Only this platform (repeatable)."
)
#: `--state`, repeatable: the posts in these states only.
state_filter = click.option(
    "--state",
    "states",
    multiple=True,
    type=click.Choice([state.value for state in STATES]),
    help="Only posts in this state (repeatable).",
)


def _wiring() -> Wiring:
    """The parts the queue commands use, from the settings (read once per command)."""
    from scheduler.wiring import Wiring

    return Wiring.from_environment(clock=clock())


def parse_day(value: str) -> dt.date | None:
    """The date when `value` is an ISO 8601 date without a time (2025-01-20), else None."""
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        return None


def parse_when(value: str, timezone: str, *, now: dt.datetime, option: str) -> dt.datetime:
    """ISO 8601 time, or a date (the start of that local day), or `now`. A time without an offset
    is a wall time in `timezone`; one that a daylight-saving change skips or repeats is an error
    naming the fix (`planner.wall_time`)."""
    from zoneinfo import ZoneInfo

    from scheduler.planner import wall_time

    if value.strip().lower() == "now":
        return now
    day = parse_day(value)
    try:
        moment = dt.datetime.fromisoformat(value.strip()) if day is None else None
    except ValueError:
        raise InputError(
            f"{option} {value!r} is not a time; use ISO 8601 such as 2025-01-20T09:30, 2025-01-20 or now"
        ) from None
    year = day.year if day is not None else moment.year if moment is not None else YEARS[0]
    if not YEARS[0] <= year <= YEARS[1]:
        raise InputError(
            f"{option} {value!r} is out of range; use a year from {YEARS[0]} to {YEARS[1]}"
        )  # year 1 or 9999 would overflow planning's date arithmetic
    if day is not None:
        return dt.datetime.combine(day, dt.time(), ZoneInfo(timezone)).astimezone(dt.UTC)
    assert moment is not None
    return wall_time(moment, timezone, what=option)


def as_row(post: QueuedPost, timezone: str) -> dict[str, Any]:
    return {
        "id": post.id,
        "item_id": post.item_id,
        "platform": post.platform,
        "account": post.account,
        "state": post.state,
        "publish_at": local(post.publish_at, timezone),
        "text": post.text,
        "images": [image.as_dict() for image in post.images],
        "attempts": post.attempts,
        "remote_id": post.remote_id,
        "remote_url": post.remote_url,
        "error": post.error,
    }


@cli.group()
def queue() -> None:
    """The queue of posts: add an issue, review, edit, approve, reschedule.

    Example: scheduler queue add posts/2024-12-13-vernetzungsstelle.txt --start 2025-01-06
    """


@queue.command("add")
@click.argument("paths", nargs=-1)
@platform_filter
@click.option("--start", help="Plan from this date or time (ISO 8601, local time), default now.")
@click.option("--approve", is_flag=True, help="Schedule at once instead of waiting for approval.")
@click.option(
    "--account",
    "-a",
    "chosen_accounts",
    multiple=True,
    help="Only this account, as platform:name (repeatable). Default: every configured account.",
)
@click.option(
    "--update",
    is_flag=True,
    help="Rewrite queued posts the issue, a template or the options have changed (shown as diffs).",
)
def add(
    paths: tuple[str, ...],
    platforms: tuple[str, ...],
    start: str | None,
    approve: bool,
    chosen_accounts: tuple[str, ...],
    update: bool,
) -> int:
    """Queue every item of the issues at PATHS as posts at planned times.

    Adding an issue again (corrected, or with changed templates or options) queues nothing twice:
    new items are queued, queued posts that would read differently are shown as diffs and rewritten
    only with --update; published posts never change. Exits 1 (changing nothing) when a post does
    not fit. A post that leaves a reader at a dead end is queued with a warning, as preview shows it.

    Example: scheduler queue add posts/ --platform mastodon --start 2025-01-06 --approve
    """
    wiring = _wiring()
    settings = wiring.settings
    now = current_time()
    begin = start_of_planning(start, settings.timezone, now=now)
    _ = wiring.planning  # a bad slot setting is said before any issue is read
    issues = wiring.load_issues(issue_sources(paths, settings.posts_dir))
    report, problems = wiring.add_issues(
        issues,
        platforms=platforms,
        chosen=chosen_accounts,
        start=begin,
        approve=approve,
        update=update,
        now=now,
        actor=actor(),
    )
    for problem in problems:
        click.echo(f"warning: {problem}", err=True)
    store = wiring.store
    for post in report.misfits:
        click.echo(f"does not fit: item {post.item_id} on {post.platform}: {post.reason}", err=True)
    tell_warnings(report.previews)  # warnings only: the posts are queued all the same
    if report.misfits:
        click.echo("nothing queued: fix the posts above (scheduler preview shows them)", err=True)
        return 1
    state = "scheduled" if (approve or not settings.require_approval) else "drafts awaiting approval"
    click.echo(
        f"queued {_posts(len(report.added))} ({state}); {report.skipped} "
        f"{'was' if report.skipped == 1 else 'were'} queued already"
    )
    if report.added:
        first = store.get(report.added[0])
        click.echo(f"first at {local(first.publish_at, settings.timezone)}")
    _tell_changes(report, update=update)
    return 0


def start_of_planning(start: str | None, timezone: str, *, now: dt.datetime) -> dt.datetime:
    """`--start` of `queue add`: now when not given or in the past (said in a note on stderr; a
    date that is today counts as now without a note)."""
    from zoneinfo import ZoneInfo

    if not start:
        return now
    begin = parse_when(start, timezone, now=now, option="--start")
    if begin < now and parse_day(start) != now.astimezone(ZoneInfo(timezone)).date():
        click.echo(f"note: --start {start} is in the past; planning from now ({local(now, timezone)})", err=True)
    return max(begin, now)


def _posts(count: int) -> str:
    return f"{count} post{'' if count == 1 else 's'}"


def _ids(posts: list[Any]) -> str:
    return ", ".join(str(post.id) for post in sorted(posts, key=lambda post: post.id))


def _tell_changes(report: Any, *, update: bool) -> None:
    """What adding an issue again found: stale posts (as diffs), the ones kept, items gone."""
    from scheduler.report.diff import post_diff

    if report.stale:
        count = len(report.stale)
        click.echo(
            f"{count} queued post{' is' if count == 1 else 's are'} stale: {_ids([s.queued for s in report.stale])}"
        )
        groups: dict[tuple[str, str], list[Any]] = {}
        for stale in report.stale:
            groups.setdefault((stale.queued.text, stale.text), []).append(stale)
        for (old, new), members in groups.items():
            names = ", ".join(
                f"{s.queued.id} ({s.queued.platform}{'' if s.queued.account == 'default' else ':' + s.queued.account})"
                for s in members
            )
            first = members[0]
            for line in post_diff(
                old,
                new,
                before=f"post {names}, as queued",
                after=f"post {names}, from {first.candidate.source}",
                language=first.queued.language,
            ):
                color = (
                    {"+": "green", "-": "red", "@": "cyan"}.get(line[:1])
                    if not line.startswith(("+++", "---"))
                    else None
                )
                click.echo(click.style(line, fg=color) if color else line)
    if report.stale and update:
        if report.updated:
            click.echo(f"updated {_posts(len(report.updated))}: {', '.join(map(str, sorted(report.updated)))}")
        missed = sorted({s.queued.id for s in report.stale} - set(report.updated))
        if missed:
            click.echo(
                f"not updated, changed while this command ran: {', '.join(map(str, missed))}; add the issue again"
            )
    elif report.stale:
        click.echo(
            "run again with --update to update "
            f"{'it' if len(report.stale) == 1 else 'them'} (published posts are never changed)"
        )
    for stale in report.by_hand:
        click.echo(
            f"post {stale.queued.id} was edited by hand and is kept as it is; "
            f"change it with scheduler queue edit {stale.queued.id}"
        )
    if report.kept:
        kept = len(report.kept)
        click.echo(
            f"{_posts(kept)} {'keeps its' if kept == 1 else 'keep their'} text (published, being published "
            f"or needing attention): {_ids([s.queued for s in report.kept])}"
        )
    for removed in report.removed:
        click.echo(
            f"item {removed.item.number} ({removed.item.body[:40].rstrip()}…) is no longer in the issue "
            f"{removed.source}; its {'post' if len(removed.posts) == 1 else 'posts'} {_ids(list(removed.posts))} "
            f"{'stays' if len(removed.posts) == 1 else 'stay'} queued "
            f"(to drop one: scheduler queue cancel {removed.posts[0].id})"
        )


@queue.command("list")
@state_filter
@platform_filter
@click.option("--from", "start", help="Publish time at or after (ISO 8601).")
@click.option("--to", "end", help="Publish time before (ISO 8601).")
@click.option("--limit", type=click.IntRange(1), help="At most this many posts.")
@click.option("--format", "-f", "fmt", type=click.Choice(("table", "json")), default="table", show_default=True)
def list_posts(
    states: tuple[str, ...], platforms: tuple[str, ...], start: str | None, end: str | None, limit: int | None, fmt: str
) -> int:
    """List queued posts by publish time (shown in local time with its offset).

    Example: scheduler queue list --state scheduled --limit 20
    """
    from scheduler.quicksettings import listing_settings
    from scheduler.storage.sqlite_read import list_posts, sqlite_file

    now = current_time()

    def filters(timezone: str) -> dict[str, Any]:
        return {
            "states": states,
            "platforms": platforms,
            "limit": limit,
            "start": parse_when(start, timezone, now=now, option="--from") if start else None,
            "end": parse_when(end, timezone, now=now, option="--to") if end else None,
        }

    # the fast path: two settings and the standard library's sqlite3, no pydantic, no SQLAlchemy
    quick = listing_settings()
    path = sqlite_file(quick.database_url) if quick is not None else None
    posts = list_posts(path, **filters(quick.timezone)) if quick is not None and path is not None else None
    timezone = quick.timezone if quick is not None else ""
    if posts is not None:  # else load_settings() warns
        from scheduler.settingnames import warn_about_names

        warn_about_names()
    if posts is None:
        wiring = _wiring()
        settings = wiring.settings
        timezone = settings.timezone
        posts = wiring.store.list_posts(**filters(timezone))
    if fmt == "json":
        click.echo(json.dumps([as_row(post, timezone) for post in posts], ensure_ascii=False, indent=2))
        return 0
    if not posts:
        click.echo("no posts")
        return 0
    # the account shows when there is more than the default one, as platform:name
    named = any(post.account != "default" for post in posts)
    width = max(len(f"{post.platform}:{post.account}") for post in posts) if named else 9
    click.echo(f"{'id':>6}  {'publish at':<22} {'account' if named else 'platform':<{width}} {'state':<15} text")
    for post in posts:
        text = post.text.replace("\n", " ")
        where = f"{post.platform}:{post.account}" if named else post.platform
        click.echo(
            f"{post.id:>6}  {local(post.publish_at, timezone):<22} {where:<{width}} "
            f"{post.state:<15} {text[:60] + ('…' if len(text) > 60 else '')}"
        )
    return 0


def local_times(text: str, timezone: str) -> str:
    """`text` with every UTC time in it (`2025-01-20T08:30:00+00:00`, as the history records them)
    shown in local time with its offset, like every other time."""
    import re

    def shown(match: re.Match[str]) -> str:
        return local(dt.datetime.fromisoformat(match[0].replace("Z", "+00:00")), timezone)

    return re.sub(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\+00:00|Z)", shown, text)


@queue.command("show")
@click.argument("post_id", type=POST_ID)
def show(post_id: int) -> int:
    """Show one post in full, with its history (who made each change, when known).

    Example: scheduler queue show 12
    """

    wiring = _wiring()
    settings, store = wiring.settings, wiring.store
    post = store.get(post_id)
    row = as_row(post, settings.timezone)
    for key in (
        "id",
        "item_id",
        "platform",
        "account",
        "state",
        "publish_at",
        "attempts",
        "remote_id",
        "remote_url",
        "error",
    ):
        if row[key] is not None:
            click.echo(f"{key:<11} {row[key]}")
        if key == "account":
            click.echo(f"{'posts as':<11} {_posting_as(wiring, post.platform, post.account)}")
    click.echo("")
    click.echo(post.text)
    click.echo("")
    for number, image in enumerate(post.images, start=1):
        click.echo(f"image {number}: {image.path}\n  alt: {image.alt}")
    if post.images:
        click.echo("")
    for change in store.history(post_id):
        reason = local_times(change.reason, settings.timezone)
        by = f" (by {change.actor})" if change.actor else ""
        click.echo(
            f"{local(change.at, settings.timezone)}  {change.from_state or '—'} → {change.to_state}: {reason}{by}"
        )
    return 0


def _limits(wiring: Wiring) -> dict[str, int]:
    """The length limits of every account's server, each problem asking one said on stderr."""
    limits, problems = wiring.limits()
    for problem in problems:
        click.echo(f"warning: {problem}", err=True)
    return limits


def _posting_as(wiring: Wiring, platform: str, account: str) -> str:
    """Whom the post's account publishes as, from the settings and the token store."""
    from scheduler.platforms.identity import describe

    setup = wiring.setup
    if (platform, account) in setup.ready:
        return describe(platform, setup.ready[(platform, account)])
    if (platform, account) in setup.broken:
        return setup.broken[(platform, account)]
    return "no credentials configured: a dry run writes its requests to the outbox, it stays queued"


@queue.command("edit")
@click.argument("post_id", type=POST_ID)
@click.option("--text", "new_text", help="The new text; without it $EDITOR opens.")
def edit(post_id: int, new_text: str | None) -> int:
    """Change a post's text; it is checked against the platform's limit again.

    Example: scheduler queue edit 12 --text "Neu: …"
    """
    from scheduler.queueing import edit_text

    wiring = _wiring()
    store = wiring.store
    if new_text is None:
        new_text = click.edit(store.get(post_id).text)
        if new_text is None:
            click.echo("unchanged")
            return 0
    current = store.get(post_id)
    limits, problems = wiring.account_limits(current.platform, current.account)
    for problem in problems:
        click.echo(f"warning: {problem}", err=True)
    post = edit_text(store, post_id, new_text, now=current_time(), limits=limits, actor=actor())
    click.echo(f"post {post.id} edited")
    return 0


@queue.command("reschedule")
@click.argument("post_id", type=POST_ID)
@click.argument("when")
@click.option("--force", is_flag=True, help="Accept a time in the past: the post is then due at once.")
def reschedule_post(post_id: int, when: str, force: bool) -> int:
    """Move a post to WHEN: ISO 8601 (without an offset: the team's time zone), a date (the first
    free posting slot of that day) or now. A time in the past needs --force.

    Example: scheduler queue reschedule 12 2025-01-20T09:30
    """
    from scheduler.queueing import reschedule, reschedule_to_day

    wiring = _wiring()
    settings = wiring.settings
    now = current_time()
    store = wiring.store
    day = parse_day(when)
    if day is not None:
        post = reschedule_to_day(store, post_id, day, planning=wiring.planning, now=now, force=force, actor=actor())
        click.echo(
            f"post {post.id} at {local(post.publish_at, settings.timezone)} ({post.state}), "
            "the first free slot that day"
        )
        return 0
    moment = parse_when(when, settings.timezone, now=now, option="WHEN")
    post = reschedule(store, post_id, moment, now=now, force=force, timezone=settings.timezone, actor=actor())
    click.echo(f"post {post.id} at {local(post.publish_at, settings.timezone)} ({post.state})")
    return 0


@queue.command("cancel")
@click.argument("post_id", type=POST_ID)
def cancel(post_id: int) -> int:
    """Cancel a post that has not been published.

    Example: scheduler queue cancel 12
    """

    from scheduler import approval

    outcome = approval.cancel(_wiring().store, [post_id], now=current_time(), actor=actor())
    for _post, why in outcome.refused:
        raise QueueError(why)
    click.echo(f"post {post_id} cancelled")
    return 0


@queue.command("approve")
@click.argument("post_id", type=POST_ID, required=False)
@click.option("--all", "approve_all", is_flag=True, help="Approve every draft.")
def approve(post_id: int | None, approve_all: bool) -> int:
    """Approve a draft (or --all drafts) so it is published at its time.

    Example: scheduler queue approve --all
    """

    if (post_id is None) == (not approve_all):
        raise click.UsageError("give a post ID or --all (one of them, not both)")
    store = _wiring().store
    now = current_time()
    ids = [post_id] if post_id is not None else [post.id for post in store.list_posts(states=[State.DRAFT])]
    from scheduler import approval

    outcome = approval.approve(store, ids, now=now, actor=actor())
    for _post, why in outcome.refused:
        raise QueueError(why)
    click.echo(f"approved {len(ids)} post{'s' if len(ids) != 1 else ''}")
    return 0


@queue.command("retry")
@click.argument("post_id", type=POST_ID, required=False)
@click.option("--all", "retry_all", is_flag=True, help="Every failed post and every post needing attention.")
@click.option(
    "--state",
    "states",
    multiple=True,
    type=click.Choice((State.FAILED.value, State.NEEDS_ATTENTION.value)),
    help="Only posts in this state (repeatable).",
)
@platform_filter
@click.option("--account", "-a", "accounts", multiple=True, help="Only this account, as platform:name (repeatable).")
def retry(
    post_id: int | None, retry_all: bool, states: tuple[str, ...], platforms: tuple[str, ...], accounts: tuple[str, ...]
) -> int:
    """Try a failed or unclear post again now (only this post; the item's other posts are untouched),
    or many at once: --all, or the ones matching --state, --platform, --account.

    Example: scheduler queue retry --state needs_attention --platform mastodon
    """
    from scheduler.queueing import retry_post, retry_posts
    from scheduler.wording import plural

    filters = bool(retry_all or states or platforms or accounts)
    if (post_id is None) == (not filters):
        raise click.UsageError("give a post ID, or --all or filters (--state, --platform, --account), not both")
    pairs = []
    for entry in accounts:
        platform, _, name = entry.partition(":")
        if not platform or not name:
            raise InputError(f"--account {entry!r} is not platform:name; write it e.g. as mastodon:main")
        pairs.append((platform, name))
    now = current_time()
    store = _wiring().store
    if post_id is None:
        done = retry_posts(store, now=now, states=states, platforms=platforms, accounts=pairs, actor=actor())
        click.echo(f"retried {plural(len(done), 'post')}")
        return 0
    post = retry_post(store, post_id, now=now, actor=actor())
    click.echo(f"post {post.id} scheduled again")
    return 0


@queue.command("export")
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(("ics", "csv")),
    required=True,
    help="ics for a calendar, csv for a spreadsheet.",
)
@state_filter
@platform_filter
@click.option(
    "--excel",
    is_flag=True,
    help="CSV for Excel set to German: UTF-8 with BOM, ';' between cells (opens by double-click).",
)
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False), help="Write to FILE.")
def export(fmt: str, states: tuple[str, ...], platforms: tuple[str, ...], excel: bool, output: Path | None) -> int:
    """Export queued posts as an iCalendar feed or a CSV table.

    In the CSV a cell a spreadsheet would run as a formula (=, +, -, @) starts with ' (import-csv
    takes it off again).

    Example: scheduler queue export --format csv --excel -o posts.csv
    """
    from scheduler.exchange import to_csv, to_ics

    if excel and fmt != "csv":
        raise click.UsageError("--excel is for --format csv")
    wiring = _wiring()
    settings = wiring.settings
    posts = wiring.store.list_posts(states=states, platforms=platforms)
    text = to_ics(posts, now=current_time()) if fmt == "ics" else to_csv(posts, settings.timezone, excel=excel)
    write_output(output, text)
    return 0


@queue.command("import-csv")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--approve", is_flag=True, help="Schedule at once instead of waiting for approval.")
def import_csv(file: Path, approve: bool) -> int:
    """Queue hand-written posts from a CSV file.

    The columns: platform, account, publish_at, text, link, image, alt (several images: a.png|b.png
    with alt texts First|Second). A link is tagged for analytics and put into the text. Separated by
    , or ; in UTF-8 or Windows-1252, as spreadsheets save it; a file from 'queue export' is read too
    (posts queued already and rows no longer pending are left out).

    Every row is checked before anything is stored; importing the same file again adds nothing twice.

    Example: scheduler queue import-csv posts/extra.csv --approve
    """
    from scheduler.exchange import read_csv
    from scheduler.wording import plural

    wiring = _wiring()
    settings = wiring.settings
    now = current_time()
    store = wiring.store
    found = read_csv(
        file,
        timezone=settings.timezone,
        now=now,
        limits=_limits(wiring),
        languages=settings.languages,
        media_base_url=settings.media_base_url or None,
        utm=settings.utm,
        queued=store.existing,
    )
    state = State.SCHEDULED if approve or not settings.require_approval else State.DRAFT
    added = store.add(found.posts, state=state, now=now, reason=f"imported from {file}", actor=actor())
    already = found.queued_already + len(found.posts) - len(added)
    click.echo(
        f"imported {plural(len(added), 'post')} ({state}); {already} {'was' if already == 1 else 'were'} "
        "queued already"
        + (f"; {plural(found.not_pending, 'row')} of posts no longer pending left out" if found.not_pending else "")
    )
    return 0
