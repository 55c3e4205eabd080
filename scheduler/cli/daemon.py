"""`scheduler run` and `scheduler status`."""

from __future__ import annotations

import logging

import click

from scheduler.cli import cli, clock, current_time, daemon_logging, local


def notifier(settings):  # type: ignore[no-untyped-def]
    """The configured notice channels, or None."""
    from scheduler.notify import AllNotifiers

    channels = []
    if settings.notify_webhook_url is not None:
        from scheduler.notify.webhook import WebhookNotifier

        channels.append(WebhookNotifier(settings.notify_webhook_url))
    if settings.smtp_host and settings.notify_email_to:
        from scheduler.notify.email import EmailNotifier

        channels.append(EmailNotifier(settings.smtp_host, settings.smtp_port, sender=settings.notify_email_from,
                                      recipients=settings.notify_email_to, user=settings.smtp_user,
                                      password=settings.smtp_password, security=settings.smtp_security,
                                      ca_file=settings.smtp_ca_file,
                                      allow_plain_login=settings.smtp_allow_plain_login))
    return AllNotifiers(channels) if channels else None


def client(platform: str, account, journal=None, options=None, fetch_allow=()):  # type: ignore[no-untyped-def]
    """The API client for one configured account; `journal` (the queue's store) keeps the remote
    ids a client notes between requests; `options` (`config.payload_options`) shape its bodies;
    `fetch_allow` (SCHEDULER_FETCH_ALLOW) names the non-public hosts its link cards and images may
    be fetched from."""
    from scheduler.platforms.http import HttpClient

    http = HttpClient(fetch_allow=fetch_allow)
    if platform == "mastodon":
        from scheduler.platforms.mastodon import MastodonPublisher

        return MastodonPublisher(account.base_url, account.token, http=http, **(options or {}).get("mastodon", {}))
    if platform == "bluesky":
        from scheduler.platforms.bluesky import BlueskyPublisher

        return BlueskyPublisher(account.base_url, account.handle, account.app_password, http=http)
    if platform == "x":
        from scheduler.platforms.x import XPublisher

        return XPublisher(account.base_url, account.token, journal=journal, http=http)
    if platform == "linkedin":
        from scheduler.platforms.linkedin import LinkedInPublisher

        return LinkedInPublisher(account.base_url, account.token, author=account.author, version=account.version,
                                 http=http)
    if platform == "threads":
        from scheduler.platforms.threads import ThreadsPublisher

        return ThreadsPublisher(account.base_url, account.token, user_id=account.user_id, journal=journal, http=http)
    from scheduler.platforms.facebook import FacebookPublisher

    return FacebookPublisher(account.base_url, account.token, page_id=account.page_id, http=http)


def kept(settings, key: tuple[str, str], account, journal=None):  # type: ignore[no-untyped-def]
    """The client of one account as the daemon runs it: OAuth tokens refreshed before they run out
    and Bluesky sessions kept across restarts, both written to the token store."""
    from scheduler.config import payload_options
    from scheduler.identity import bound_fields
    from scheduler.tokenstore import TokenStore

    from scheduler.platforms.http import HttpClient

    platform, name = key
    store = TokenStore(settings.token_store)
    if platform == "bluesky":
        from scheduler.platforms.bluesky import BlueskyPublisher

        def keep(session: dict[str, str]) -> None:
            from scheduler.errors import ConfigError

            try:
                store.update(f"bluesky:{name}", {"session_access": session["accessJwt"],
                                                 "session_refresh": session["refreshJwt"], "session_did": session["did"],
                                                 **bound_fields("bluesky", account)})  # whose session it is
            except (OSError, ConfigError) as error:  # publishing goes on; the next start logs in again
                logging.getLogger(__name__).warning("could not keep the bluesky:%s session: %s", name, error)

        session = None
        if account.session_access is not None and account.session_refresh is not None and account.session_did:
            session = {"accessJwt": account.session_access.get_secret_value(), "did": account.session_did,
                       "refreshJwt": account.session_refresh.get_secret_value(), "handle": account.handle}
        return BlueskyPublisher(account.base_url, account.handle, account.app_password, session=session,
                                on_session=keep, http=HttpClient(fetch_allow=settings.fetch_allow))
    from scheduler.platforms.tokens import MARGIN, TokenKeeper

    options = payload_options(settings)
    if platform not in MARGIN:
        return client(platform, account, journal, options, settings.fetch_allow)
    return TokenKeeper(platform, name, account,
                       build=lambda fresh: client(platform, fresh, journal, options, settings.fetch_allow), store=store,
                       http=HttpClient(), clock=clock())


def publishers(settings, journal=None, accounts=None) -> dict:  # type: ignore[no-untyped-def]
    """The client of every configured account (`accounts`, when the caller has read them already),
    keyed (platform, account); a half-configured account is a `ConfigError` naming what is missing."""
    from scheduler.config import configured_accounts

    if accounts is None:
        accounts = configured_accounts(settings)
    return {key: kept(settings, key, account, journal) for key, account in accounts.items()}


def outbox(settings):  # type: ignore[no-untyped-def]
    """The dry-run outbox (SCHEDULER_OUTBOX), building bodies as the real clients do."""
    from scheduler.config import payload_options
    from scheduler.platforms.dryrun import DryRunPublisher

    return DryRunPublisher(settings.outbox, linkedin_version=settings.linkedin_version,
                           options=payload_options(settings))


@cli.command()
@click.option("--once", is_flag=True, help="Publish everything due now, then exit (for cron and CI).")
@click.option("--dry-run", is_flag=True,
              help="Write the exact requests to the outbox instead of sending them; the queue is left as it is.")
@click.option("--next", "upcoming", type=click.IntRange(min=1), metavar="N",
              help="With --once --dry-run: also show the next N scheduled posts, due or not.")
def run(once: bool, dry_run: bool, upcoming: int | None) -> int:
    """Publish queued posts at their time, exactly once, until stopped (SIGTERM or Ctrl-C).

    A dry run (--dry-run, or no platform credentials configured) writes the exact requests to the
    outbox (SCHEDULER_OUTBOX) and changes no post: a post is published only when a platform says so.
    Posts of an account without credentials are shown in the outbox too and stay queued.

    An outbox or log that cannot be written (disk full, read-only) pauses publishing, changing no
    post: it is said once (log, notice, 'scheduler status') and publishing resumes by itself when it
    can be written again; with --once the command says so and exits 75 (try again later).

    Example: scheduler run --once --dry-run --next 6
    """
    from scheduler.config import configured_accounts, load_settings
    from scheduler.daemon import Daemon, SingleDaemonLock, worker_name
    from scheduler.identity import describe
    from scheduler.publishing import Dispatcher, RetryPolicy
    from scheduler.rehearsal import Rehearsal
    from scheduler.storage import Store, sqlite_path

    if upcoming and not (dry_run and once):
        raise click.UsageError("--next goes with --once --dry-run, e.g. scheduler run --once --dry-run --next 6")
    daemon_logging()  # one line per publish, retry or failure; not APScheduler's or urllib3's chatter
    settings = load_settings()
    accounts = configured_accounts(settings)
    identities = {(platform, name): describe(platform, account) for (platform, name), account in accounts.items()}
    if dry_run or not accounts:
        if not dry_run:
            click.echo(f"no platform credentials configured: a dry run, the requests go to {settings.outbox} "
                       "and the posts stay queued", err=True)
        store = Store.open(settings.database_url)
        pause = _pause(store, f"{worker_name()} (dry run)", settings)
        daemon = Daemon(store, None, rehearsal=Rehearsal(store, outbox(settings), identities=identities), pause=pause,
                        clock=clock())
        try:
            summary = daemon.run_once(upcoming=upcoming or 0) if once else daemon.run_forever()
        finally:
            pause.close()
        if summary.paused:
            return _report_paused(summary)
        _report_dry_run(summary, settings, store)
        return 130 if summary.interrupted else 0
    database = sqlite_path(settings.database_url)
    lock = SingleDaemonLock(database) if database is not None else None
    if lock is not None:
        lock.acquire()
    try:
        store = Store.open(settings.database_url)
        from scheduler.platforms.routing import Router

        router = Router(publishers(settings, journal=store, accounts=accounts))
        live = set(router.publishers)
        policy = RetryPolicy(settings.max_attempts, settings.retry_base_seconds, settings.retry_cap_seconds)
        pause = _pause(store, worker_name(), settings)
        daemon = Daemon(store, Dispatcher(store, router, worker=worker_name(), policy=policy,
                                          notify=notifier(settings)), batch=settings.claim_batch, accounts=live,
                        rehearsal=Rehearsal(store, outbox(settings), skip=live), pause=pause, clock=clock())
        try:
            summary = daemon.run_once() if once else daemon.run_forever()
        finally:
            pause.close()
        click.echo(f"published {summary.published}, reconciled {summary.reconciled}"
                   + "".join(f", {state} {n}" for state, n in sorted(summary.other.items())), err=True)
        _report_waiting(summary, settings)
    finally:
        if lock is not None:
            lock.release()
    if summary.paused:
        return _report_paused(summary)
    if summary.interrupted:
        click.echo("stopped: the post in flight was finished; posts not yet sent stay queued", err=True)
        return 130
    return 0


#: `run --once` stopped by a fault of the machine: sysexits' EX_TEMPFAIL (cron: try again later).
PAUSED_EXIT = 75


def _pause(store, worker: str, settings):  # type: ignore[no-untyped-def]
    """Where the daemon says a pause: the daemons table (for status) and the notice channels."""
    from scheduler.pause import Pause
    from scheduler.storage.pauses import record_pause

    channels = notifier(settings)
    return Pause(record=lambda why, since: record_pause(store, worker, why, since),
                 announce=channels.announce if channels else None)


def _report_paused(summary) -> int:  # type: ignore[no-untyped-def]
    click.echo(f"paused: {summary.paused}; no post was changed for it — free space or fix the permissions, "
               "then run again", err=True)
    return PAUSED_EXIT


def _report_waiting(summary, settings) -> None:  # type: ignore[no-untyped-def]
    """A real run: say which due posts wait for an account's credentials."""
    from scheduler.wording import plural

    waiting: dict[str, int] = {}
    for post in summary.rehearsed.posts:
        name = f"{post.platform}:{post.account}"
        waiting[name] = waiting.get(name, 0) + 1
    for name, n in sorted(waiting.items()):
        platform, _, account = name.partition(":")
        how = f"scheduler auth {platform}" + ("" if account == "default" else f" --account {account}")
        click.echo(f"{name} has no credentials: {plural(n, 'post')} due, left queued (the requests are in "
                   f"{settings.outbox}); configure it (see .env.example) or run '{how}'", err=True)


def _report_dry_run(summary, settings, store) -> None:  # type: ignore[no-untyped-def]
    """A dry run: what would go out, when and where; the exact requests are in the outbox."""
    from scheduler.wording import plural

    shown = summary.rehearsed
    if summary.interrupted and not shown.posts:
        click.echo("dry run stopped before anything was written", err=True)
        return
    if not shown.posts:
        due = store.next_due()
        hint = (f"; the next post is due {local(due, settings.timezone)} — add --next 5 to see the next posts now"
                if due else "; nothing is scheduled (queue add, then queue approve)")
        click.echo(f"dry run: nothing due{hint}")
        return
    unchanged = f" ({len(shown.unchanged)} shown there already, unchanged)" if shown.unchanged else ""
    click.echo(f"dry run: {plural(len(shown.posts), 'post')} in {settings.outbox}{unchanged}; nothing was sent and "
               "the queue is unchanged")
    for post in sorted(shown.posts, key=lambda p: (p.due_at, p.id)):
        first = post.parts[0].replace("\n", " ")
        text = first if len(first) <= 60 else first[:59] + "…"
        click.echo(f"  #{post.id:<5} {local(post.due_at, settings.timezone)}  {post.platform + ':' + post.account:<18} {text}")


@cli.command()
def status() -> int:
    """Whether the daemon is alive, the next due post and the number of posts per state.

    Exits 0 when a daemon is alive, 1 when none is (for monitoring). A daemon that paused publishing
    because the outbox or its log cannot be written (disk full, read-only) says so: "paused: … since …".

    Example: scheduler status
    """
    from scheduler.config import load_settings
    from scheduler.daemon import HEARTBEAT_SECONDS
    from scheduler.storage import Store

    settings = load_settings()
    store = Store.open(settings.database_url)
    now = current_time()
    alive = [
        (worker, beat) for worker, _started, beat, stopped in store.daemons()
        if stopped is None and (now - beat).total_seconds() <= 3 * HEARTBEAT_SECONDS
    ]
    if alive:
        for worker, beat in alive:
            click.echo(f"daemon {worker} alive (heartbeat {(now - beat).total_seconds():.0f} s ago)")
    else:
        click.echo("daemon down: no heartbeat in the last %d s; start it with 'scheduler run'" % (3 * HEARTBEAT_SECONDS))
    from scheduler.storage.pauses import current_pauses

    for paused in current_pauses(store):
        click.echo(f"paused: {paused.why} since {local(paused.since, settings.timezone)} ({paused.worker}); "
                   "it resumes by itself once that can be written")
    due = store.next_due()
    click.echo(f"next due: {local(due, settings.timezone) if due else 'nothing scheduled'}")
    counts = store.counts()
    click.echo("posts: " + ", ".join(f"{state} {counts[state]}" for state in counts))
    return 0 if alive else 1
