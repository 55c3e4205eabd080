"""`scheduler sources add|list|pause|resume|remove` and `scheduler watch`: where new issues appear, and checking
them (see `scheduler.watching`)."""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import TYPE_CHECKING

import click

from scheduler.cli import cli, clock, current_time, local, platforms_option
from scheduler.errors import InputError
from scheduler.wording import plural

if TYPE_CHECKING:
    from scheduler.models import SourceState, WatchedSource
    from scheduler.watching import SourceResult, WatchReport
    from scheduler.wiring import Wiring


def _wiring() -> Wiring:
    from scheduler.wiring import Wiring

    return Wiring.from_environment(clock=clock())


@cli.group(name="sources")
def sources() -> None:
    """Where new issues appear: feeds, archive pages, folders and mailboxes that `scheduler watch` and
    `scheduler run` check for new issues, queueing each one's posts.

    Example: scheduler sources add https://example.org/newsletter/feed.xml --platform mastodon
    """


def describe(source: WatchedSource) -> str:
    """Where a source's issues go, in words."""
    where = ", ".join(source.accounts or source.platforms) or "the platforms of SCHEDULER_PLATFORMS"
    return f"{where}, {'scheduled at once' if source.approve else 'as drafts awaiting approval'}"


@sources.command(name="add")
@click.argument("location")
@click.option("--name", help="A short name for the source (default: made from the address or folder).")
@click.option(
    "--platform",
    "platforms",
    multiple=True,
    callback=platforms_option,
    help="Queue its issues on this platform (repeatable; default: SCHEDULER_PLATFORMS).",
)
@click.option("--account", "accounts", multiple=True, help="Only this account, as platform:name (repeatable).")
@click.option("--approve", is_flag=True, help="Schedule its posts at once instead of as drafts awaiting approval.")
@click.option(
    "--per-entry",
    type=click.Choice(["issue", "item"]),
    help="For a feed: each entry is an issue (split into items) or one item (default: SCHEDULER_FEED_ENTRIES).",
)
@click.option("--links", help="For an archive page: a regular expression that the addresses of its issues match.")
@click.option("--selector", help="For an archive page: a CSS selector of the links to its issues.")
@click.option("--sender", help="For a mailbox: only messages from this address (the newsletter's sender).")
@click.option(
    "--backfill",
    type=click.IntRange(0, 100),
    default=0,
    show_default=True,
    help="Queue the newest N issues it holds now (the others count as seen).",
)
def add(
    location: str,
    name: str | None,
    platforms: tuple[str, ...],
    accounts: tuple[str, ...],
    approve: bool,
    per_entry: str | None,
    links: str | None,
    selector: str | None,
    sender: str | None,
    backfill: int,
) -> int:
    """Watch a feed, a newsletter archive page, a folder or a mailbox for new issues.

    LOCATION is the address of an RSS or Atom feed, of an archive page listing the issues (with
    --links or --selector), a folder of issue files, or a mailbox folder the newsletter arrives in
    (imaps://user@host/Folder; password in SCHEDULER_IMAP_PASSWORD; --sender takes only its mail).
    The source is read once now: the issues it holds count as seen, and only issues that appear
    later are queued (--backfill N queues the newest N now).

    Example: scheduler sources add https://example.org/newsletter/feed.xml --platform mastodon
    """
    from scheduler.watching.sources import new_source

    source = new_source(
        location,
        name=name,
        platforms=platforms,
        accounts=accounts,
        approve=approve,
        per_entry=per_entry,
        links=links,
        selector=selector,
        sender=sender,
    )
    result = _wiring().add_source(source, now=current_time(), worker="sources add", backfill=backfill)
    click.echo(f"added source {source.name} ({source.kind}: {source.location}); its issues go to {describe(source)}")
    found = f"{result.issues} issue{'' if result.issues == 1 else 's'}"
    click.echo(f"found {found} in it now; {result.seen} count as seen, new ones are queued when they appear")
    for title in result.queued:
        click.echo(f"queued the issue “{title}”")
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    if result.error:
        click.echo(f"warning: could not queue every issue: {result.error}", err=True)
    return 0


def _state(state: SourceState, timezone: str) -> str:
    if state.paused_at is not None:
        return f"paused since {local(state.paused_at, timezone)}; resume it with 'scheduler sources resume {state.source.name}'"
    if state.failures:
        when = local(state.next_check_at, timezone) if state.next_check_at else "at the next check"
        return f"failing ({state.failures} in a row, next try {when}): {state.error}"
    return "ok" if state.checked_at else "not checked yet"


@sources.command(name="list")
@click.option("--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True)
def list_sources(output: str) -> int:
    """The watched sources: where each is, where its issues go, its last check and how it went.

    Example: scheduler sources list --format json
    """
    wiring = _wiring()
    timezone = wiring.settings.timezone
    states = wiring.store.sources()
    if output == "json":
        click.echo(json.dumps([_json(state) for state in states], ensure_ascii=False, indent=2))
        return 0
    if not states:
        click.echo("no sources; add one with 'scheduler sources add URL|FOLDER'")
        return 0
    for state in states:
        source = state.source
        checked = local(state.checked_at, timezone) if state.checked_at else "never"
        click.echo(f"{source.name}  {source.kind}  {source.location}")
        click.echo(f"    to {describe(source)}; {state.issues} issue{'' if state.issues == 1 else 's'} queued")
        if source.pattern:
            click.echo(f"    issue links: {source.pattern}")
        click.echo(f"    last check {checked}: {_state(state, timezone)}")
    return 0


def _json(state: SourceState) -> dict[str, object]:
    source = state.source

    def moment(value: dt.datetime | None) -> str | None:
        return value.isoformat(timespec="seconds") if value else None

    return {
        "name": source.name,
        "kind": source.kind,
        "location": source.location,
        "platforms": list(source.platforms),
        "accounts": list(source.accounts),
        "approve": source.approve,
        "per_entry": source.per_entry or None,
        "pattern": source.pattern or None,
        "created_at": moment(state.created_at),
        "checked_at": moment(state.checked_at),
        "ok_at": moment(state.ok_at),
        "failures": state.failures,
        "error": state.error or None,
        "next_check_at": moment(state.next_check_at),
        "issues_queued": state.issues,
        "paused_at": moment(state.paused_at),
    }


@sources.command(name="remove")
@click.argument("name")
def remove(name: str) -> int:
    """Stop watching the source NAME (its queued posts stay; its issues stay seen).

    Example: scheduler sources remove familiennetz
    """
    from scheduler.watching import sources as use

    use.remove(_wiring().store, name)
    click.echo(f"removed source {name}")
    return 0


@sources.command(name="pause")
@click.argument("name")
def pause(name: str) -> int:
    """Stop checking the source NAME until it is resumed (it keeps what its checks found).

    Example: scheduler sources pause familiennetz
    """
    from scheduler.watching import sources as use

    wiring = _wiring()
    state = use.pause(wiring.store, name, now=current_time())
    assert state.paused_at is not None  # reason: pause() answers the paused source
    click.echo(f"paused source {name} (since {local(state.paused_at, wiring.settings.timezone)})")
    return 0


@sources.command(name="resume")
@click.argument("name")
def resume(name: str) -> int:
    """Check the paused source NAME again, at the watcher's next round.

    Example: scheduler sources resume familiennetz
    """
    from scheduler.watching import sources as use

    use.resume(_wiring().store, name)
    click.echo(f"resumed source {name}; it is checked at the next round")
    return 0


def tell(report: WatchReport, timezone: str) -> int:
    """One line per source; returns how many failed."""
    if report.busy:
        click.echo("another watcher is checking the sources right now; nothing done")
        return 0
    failed = 0
    for result in report.results:
        click.echo(f"{result.name}: {_result(result, timezone)}")
        for warning in result.warnings:
            click.echo(f"warning: {result.name}: {warning}", err=True)
        failed += bool(result.error) and result.checked
    if any(result.drafts for result in report.results):
        click.echo(
            "review the drafts with 'scheduler queue list --state draft', approve with 'scheduler queue approve ID …'"
        )
    return failed


def _result(result: SourceResult, timezone: str) -> str:
    if result.paused:
        return f"paused; resume it with 'scheduler sources resume {result.name}'"
    if not result.checked:
        when = local(result.next_check_at, timezone) if result.next_check_at else "soon"
        return f"waiting after {plural(result.failures, 'failed check')} in a row, next try {when}"
    if result.error:
        when = local(result.next_check_at, timezone) if result.next_check_at else "at the next check"
        return f"failed ({result.failures} in a row, next try {when}): {result.error}"
    if result.unchanged:
        return "unchanged"
    if result.queued:
        titles = ", ".join(f"“{title}”" for title in result.queued)
        return f"queued {result.posts} post{'' if result.posts == 1 else 's'} of {titles}"
    return f"no new issue ({result.issues} read, all seen before)"


@cli.command(name="watch")
@click.option("--once", is_flag=True, help="Check every source once and exit (for cron and CI).")
@click.option("--source", "names", multiple=True, help="Only this source (repeatable).")
def watch(once: bool, names: tuple[str, ...]) -> int:
    """Check the watched sources for new issues and queue their posts.

    Runs until stopped (Ctrl-C), checking every SCHEDULER_WATCH_INTERVAL; `scheduler run` does the
    same beside publishing. With --once, checks every source now, even one waiting after failures,
    and exits 1 when a source failed.

    Example: scheduler watch --once
    """
    from scheduler.daemon import worker_name

    wiring = _wiring()
    known = {state.source.name for state in wiring.store.sources()}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise InputError(f"no source named {unknown[0]!r}; the sources are: {', '.join(sorted(known)) or 'none'}")
    if not known:
        click.echo("no sources to watch; add one with 'scheduler sources add URL|FOLDER'")
        return 0
    watcher = wiring.watcher(worker_name())
    timezone = wiring.settings.timezone
    if once:
        return 1 if tell(watcher.check(now=current_time(), names=names, force=True), timezone) else 0
    interval = wiring.settings.watch_interval.total_seconds()
    try:
        while True:
            tell(watcher.check(now=current_time(), names=names), timezone)
            time.sleep(interval)
    except KeyboardInterrupt:
        click.echo("stopped")
    return 0
