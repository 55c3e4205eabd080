"""`scheduler run` and `scheduler status`."""

from __future__ import annotations

import datetime as dt
import logging

import click

from scheduler.cli import cli, local


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
                                      password=settings.smtp_password, starttls=settings.smtp_starttls))
    return AllNotifiers(channels) if channels else None


def client(platform: str, account, journal=None, options=None):  # type: ignore[no-untyped-def]
    """The API client for one configured account; `journal` (the queue's store) keeps the remote
    ids a client notes between requests; `options` (`config.payload_options`) shape its bodies."""
    if platform == "mastodon":
        from scheduler.platforms.mastodon import MastodonPublisher

        return MastodonPublisher(account.base_url, account.token, **(options or {}).get("mastodon", {}))
    if platform == "bluesky":
        from scheduler.platforms.bluesky import BlueskyPublisher

        return BlueskyPublisher(account.base_url, account.handle, account.app_password)
    if platform == "x":
        from scheduler.platforms.x import XPublisher

        return XPublisher(account.base_url, account.token, journal=journal)
    if platform == "linkedin":
        from scheduler.platforms.linkedin import LinkedInPublisher

        return LinkedInPublisher(account.base_url, account.token, author=account.author, version=account.version)
    if platform == "threads":
        from scheduler.platforms.threads import ThreadsPublisher

        return ThreadsPublisher(account.base_url, account.token, user_id=account.user_id, journal=journal)
    from scheduler.platforms.facebook import FacebookPublisher

    return FacebookPublisher(account.base_url, account.token, page_id=account.page_id)


def kept(settings, key: tuple[str, str], account, journal=None):  # type: ignore[no-untyped-def]
    """The client of one account as the daemon runs it: OAuth tokens refreshed before they run out
    and Bluesky sessions kept across restarts, both written to the token store."""
    import datetime as dt

    from scheduler.config import payload_options
    from scheduler.tokenstore import TokenStore

    platform, name = key
    store = TokenStore(settings.token_store)
    if platform == "bluesky":
        from scheduler.platforms.bluesky import BlueskyPublisher

        def keep(session: dict[str, str]) -> None:
            from scheduler.errors import ConfigError

            try:
                store.update(f"bluesky:{name}", {"session_access": session["accessJwt"],
                                                 "session_refresh": session["refreshJwt"], "session_did": session["did"]})
            except (OSError, ConfigError) as error:  # publishing goes on; the next start logs in again
                logging.getLogger(__name__).warning("could not keep the bluesky:%s session: %s", name, error)

        session = None
        if account.session_access is not None and account.session_refresh is not None and account.session_did:
            session = {"accessJwt": account.session_access.get_secret_value(), "did": account.session_did,
                       "refreshJwt": account.session_refresh.get_secret_value(), "handle": account.handle}
        return BlueskyPublisher(account.base_url, account.handle, account.app_password, session=session,
                                on_session=keep)
    from scheduler.platforms.tokens import MARGIN, TokenKeeper

    options = payload_options(settings)
    if platform not in MARGIN:
        return client(platform, account, journal, options)
    from scheduler.platforms.http import HttpClient

    return TokenKeeper(platform, name, account, build=lambda fresh: client(platform, fresh, journal, options), store=store,
                       http=HttpClient(), clock=lambda: dt.datetime.now(dt.UTC))


def publisher(settings, *, dry_run: bool, quiet: bool = False, journal=None):  # type: ignore[no-untyped-def]
    """The publisher for `scheduler run`: the real clients of configured accounts (a post for an
    account without credentials goes to the dry-run outbox), or the outbox for everything when asked
    for or when no account has credentials."""
    from scheduler.config import configured_accounts, payload_options
    from scheduler.platforms.dryrun import DryRunPublisher

    accounts = {key: kept(settings, key, account, journal) for key, account in configured_accounts(settings).items()}
    outbox = DryRunPublisher(settings.outbox, linkedin_version=settings.linkedin_version,
                             options=payload_options(settings))
    if dry_run or not accounts:
        if not dry_run and not quiet:
            click.echo(f"no platform credentials configured: dry run, requests go to {settings.outbox}", err=True)
        return outbox
    from scheduler.platforms.routing import Router

    return Router(accounts, fallback=outbox)  # an account without credentials: a dry run


@cli.command()
@click.option("--once", is_flag=True, help="Publish everything due now, then exit (for cron and CI).")
@click.option("--dry-run", is_flag=True, help="Write the exact requests to the outbox instead of sending them.")
def run(once: bool, dry_run: bool) -> int:
    """Publish queued posts at their time, exactly once, until stopped (SIGTERM or Ctrl-C).

    Without platform credentials every post goes to the dry-run outbox (SCHEDULER_OUTBOX).

    Example: scheduler run --once --dry-run
    """
    import logging

    from scheduler.config import load_settings
    from scheduler.daemon import Daemon, SingleDaemonLock, worker_name
    from scheduler.publishing import Dispatcher, RetryPolicy
    from scheduler.storage import Store, sqlite_path

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    settings = load_settings()
    database = sqlite_path(settings.database_url)
    lock = SingleDaemonLock(database) if database is not None else None
    if lock is not None:
        lock.acquire()
    try:
        store = Store.open(settings.database_url)
        chosen = publisher(settings, dry_run=dry_run, journal=store)
        policy = RetryPolicy(settings.max_attempts, settings.retry_base_seconds, settings.retry_cap_seconds)
        daemon = Daemon(store, Dispatcher(store, chosen, worker=worker_name(), policy=policy,
                                          notify=notifier(settings)), batch=settings.claim_batch)
        summary = daemon.run_once() if once else daemon.run_forever()
        click.echo(f"published {summary.published}, reconciled {summary.reconciled}"
                   + "".join(f", {state} {n}" for state, n in sorted(summary.other.items())), err=True)
    finally:
        if lock is not None:
            lock.release()
    return 0


@cli.command()
def status() -> int:
    """Whether the daemon is alive, the next due post and the number of posts per state.

    Exits 0 when a daemon is alive, 1 when none is (for monitoring).

    Example: scheduler status
    """
    from scheduler.config import load_settings
    from scheduler.daemon import HEARTBEAT_SECONDS
    from scheduler.storage import Store

    settings = load_settings()
    store = Store.open(settings.database_url)
    now = dt.datetime.now(dt.UTC)
    alive = [
        (worker, beat) for worker, _started, beat, stopped in store.daemons()
        if stopped is None and (now - beat).total_seconds() <= 3 * HEARTBEAT_SECONDS
    ]
    if alive:
        for worker, beat in alive:
            click.echo(f"daemon {worker} alive (heartbeat {(now - beat).total_seconds():.0f} s ago)")
    else:
        click.echo("daemon down: no heartbeat in the last %d s; start it with 'scheduler run'" % (3 * HEARTBEAT_SECONDS))
    due = store.next_due()
    click.echo(f"next due: {local(due, settings.timezone) if due else 'nothing scheduled'}")
    counts = store.counts()
    click.echo("posts: " + ", ".join(f"{state} {counts[state]}" for state in counts))
    return 0 if alive else 1
