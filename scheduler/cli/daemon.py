"""`scheduler run` and `scheduler status`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from scheduler.cli import cli, clock, current_time, daemon_logging, local

if TYPE_CHECKING:
    from scheduler.config import Settings
    from scheduler.daemon import RunSummary
    from scheduler.storage import Store


@cli.command()
@click.option("--once", is_flag=True, help="Publish everything due now, then exit (for cron and CI).")
@click.option(
    "--dry-run",
    is_flag=True,
    help="Write the exact requests to the outbox instead of sending them; the queue is left as it is.",
)
@click.option(
    "--next",
    "upcoming",
    type=click.IntRange(min=1),
    metavar="N",
    help="With --once --dry-run: also show the next N scheduled posts, due or not.",
)
def run(once: bool, dry_run: bool, upcoming: int | None) -> int:
    """Publish queued posts at their time, exactly once, until stopped (SIGTERM or Ctrl-C).

    A dry run (--dry-run, or no platform credentials configured) writes the exact requests to the
    outbox (SCHEDULER_OUTBOX) and changes no post: a post is published only when a platform says so.
    Posts of an account without credentials are shown in the outbox too and stay queued. The
    watched sources (scheduler sources add) are checked every SCHEDULER_WATCH_INTERVAL, and once
    with --once; --dry-run leaves them and the queue as they are.

    An outbox or log that cannot be written (disk full, read-only) pauses publishing, changing no
    post: it is said once (log, notice, 'scheduler status') and publishing resumes by itself when it
    can be written again; with --once the command says so and exits 75 (try again later).

    Example: scheduler run --once --dry-run --next 6
    """
    from scheduler import running
    from scheduler.wiring import Wiring

    if upcoming and not (dry_run and once):
        raise click.UsageError("--next goes with --once --dry-run, e.g. scheduler run --once --dry-run --next 6")
    daemon_logging()  # one line per publish, retry or failure; not APScheduler's or urllib3's chatter
    wiring = Wiring.from_environment(clock=clock())
    settings = wiring.settings
    if dry_run or not wiring.accounts:
        if not dry_run:
            click.echo(
                f"no platform credentials configured: a dry run, the requests go to {settings.outbox} "
                "and the posts stay queued",
                err=True,
            )
        daemon = running.rehearsing_daemon(wiring, watch=not dry_run)
        summary = running.run(wiring, daemon, once=once, upcoming=upcoming or 0)
        if summary.paused:
            return _report_paused(summary)
        _report_dry_run(summary, settings, wiring.store)
        return 130 if summary.interrupted else 0
    summary = running.run(wiring, running.publishing_daemon(wiring), once=once)
    click.echo(
        f"published {summary.published}, reconciled {summary.reconciled}"
        + "".join(f", {state} {n}" for state, n in sorted(summary.other.items())),
        err=True,
    )
    _report_waiting(summary, settings)
    if summary.paused:
        return _report_paused(summary)
    if summary.interrupted:
        click.echo("stopped: the post in flight was finished; posts not yet sent stay queued", err=True)
        return 130
    return 0


#: `run --once` stopped by a fault of the machine: sysexits' EX_TEMPFAIL (cron: try again later).
PAUSED_EXIT = 75


def _report_paused(summary: RunSummary) -> int:
    click.echo(
        f"paused: {summary.paused}; no post was changed for it — free space or fix the permissions, then run again",
        err=True,
    )
    return PAUSED_EXIT


def _report_waiting(summary: RunSummary, settings: Settings) -> None:
    """A real run: say which due posts wait for an account's credentials."""
    from scheduler.wording import plural

    waiting: dict[str, int] = {}
    for post in summary.rehearsed.posts:
        name = f"{post.platform}:{post.account}"
        waiting[name] = waiting.get(name, 0) + 1
    for name, n in sorted(waiting.items()):
        platform, _, account = name.partition(":")
        how = f"scheduler auth {platform}" + ("" if account == "default" else f" --account {account}")
        click.echo(
            f"{name} has no credentials: {plural(n, 'post')} due, left queued (the requests are in "
            f"{settings.outbox}); configure it (see .env.example) or run '{how}'",
            err=True,
        )


def _report_dry_run(summary: RunSummary, settings: Settings, store: Store) -> None:
    """A dry run: what would go out, when and where; the exact requests are in the outbox."""
    from scheduler.wording import plural

    shown = summary.rehearsed
    if summary.interrupted and not shown.posts:
        click.echo("dry run stopped before anything was written", err=True)
        return
    if not shown.posts:
        due = store.next_due()
        hint = (
            f"; the next post is due {local(due, settings.timezone)} — add --next 5 to see the next posts now"
            if due
            else "; nothing is scheduled (queue add, then queue approve)"
        )
        click.echo(f"dry run: nothing due{hint}")
        return
    unchanged = f" ({len(shown.unchanged)} shown there already, unchanged)" if shown.unchanged else ""
    click.echo(
        f"dry run: {plural(len(shown.posts), 'post')} in {settings.outbox}{unchanged}; nothing was sent and "
        "the queue is unchanged"
    )
    for post in sorted(shown.posts, key=lambda p: (p.due_at or p.publish_at, p.id)):
        first = post.parts[0].replace("\n", " ")
        text = first if len(first) <= 60 else first[:59] + "…"
        click.echo(
            f"  #{post.id:<5} {local(post.due_at or post.publish_at, settings.timezone)}  {post.platform + ':' + post.account:<18} {text}"
        )


@cli.command()
def status() -> int:
    """Whether the daemon is alive, the next due post, the number of posts per state, the posts
    running late (and the worst lateness of the last hour), and the watched sources that fail.

    Exits 0 when a daemon is alive, 1 when none is (for monitoring). A daemon that paused publishing
    because the outbox or its log cannot be written (disk full, read-only) says so: "paused: … since …".

    Example: scheduler status
    """
    from scheduler.daemon import HEARTBEAT_SECONDS
    from scheduler.wiring import Wiring

    wiring = Wiring.from_environment(clock=clock())
    settings, store = wiring.settings, wiring.store
    now = current_time()
    alive = [
        (worker, beat)
        for worker, _started, beat, stopped in store.daemons()
        if stopped is None and (now - beat).total_seconds() <= 3 * HEARTBEAT_SECONDS
    ]
    if alive:
        for worker, beat in alive:
            click.echo(f"daemon {worker} alive (heartbeat {(now - beat).total_seconds():.0f} s ago)")
    else:
        click.echo(f"daemon down: no heartbeat in the last {3 * HEARTBEAT_SECONDS} s; start it with 'scheduler run'")
    from scheduler.storage.pauses import current_pauses

    for paused in current_pauses(store):
        click.echo(
            f"paused: {paused.why} since {local(paused.since, settings.timezone)} ({paused.worker}); "
            "it resumes by itself once that can be written"
        )
    due = store.next_due()
    click.echo(f"next due: {local(due, settings.timezone) if due else 'nothing scheduled'}")
    counts = store.counts()
    click.echo("posts: " + ", ".join(f"{state} {counts[state]}" for state in counts))
    from scheduler.lateness import report

    for line in report(store, now=now).lines(settings.timezone):
        click.echo(line)
    watched = store.sources()
    if watched:
        from scheduler.wording import plural

        failing = [state for state in watched if state.failures]
        resting = sum(state.paused_at is not None for state in watched)
        click.echo(
            f"sources: {len(watched)} watched, {len(failing)} failing" + (f", {resting} paused" if resting else "")
        )
        for state in failing:
            when = local(state.next_check_at, settings.timezone) if state.next_check_at else "at the next check"
            click.echo(
                f"source {state.source.name} failing ({plural(state.failures, 'check')} in a row, next try {when}): "
                f"{state.error}"
            )
    return 0 if alive else 1
