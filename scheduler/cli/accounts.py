"""`scheduler accounts check`: does every configured account answer, and as whom?"""

from __future__ import annotations

import click

from scheduler.cli import cli, current_time, plural


@cli.group()
def accounts() -> None:
    """The platform accounts configured in the environment or .env.

    Example: scheduler accounts check
    """


@accounts.command("check")
def check() -> int:
    """Call each configured account's "who am I" and report it; exit 1 when any fails.

    Example: scheduler accounts check
    """
    from scheduler.cli.daemon import kept
    from scheduler.config import account_setup, load_settings
    from scheduler.errors import PublishError
    from scheduler.identity import describe

    settings = load_settings()
    setup = account_setup(settings)
    for warning in setup.warnings:
        click.echo(f"warning: {warning}", err=True)
    if not setup.ready and not setup.broken:
        click.echo("no accounts configured: scheduler run is a dry run (see .env.example)")
        return 0
    failed = 0
    now = current_time()
    for (platform, account), problem in sorted(setup.broken.items()):
        failed += 1
        click.echo(f"{platform + ':' + account:<18} BROKEN  {problem}")
    for (platform, account), configured in sorted(setup.ready.items()):
        name = f"{platform}:{account}"
        client = kept(settings, (platform, account), configured)
        try:
            who = client.whoami()
            line = f"{name:<18} ok      {who}, posting as {describe(platform, configured)}"
            if platform == "mastodon":
                limit = client.instance_limit()
                if limit is not None and limit != settings.mastodon_max_characters:
                    line += (f"; the instance allows {limit} characters, SCHEDULER_MASTODON_MAX_CHARACTERS "
                             f"says {settings.mastodon_max_characters}")
            if platform == "threads":
                line += _quota(client)
            fresh = getattr(client, "account", configured)  # refreshed just now, maybe
            line += _expiry(fresh.expires_at, now, f"{platform} --account {account}")
            line += _expiry(fresh.refresh_expires_at, now, f"{platform} --account {account}", what="sign-in")
            click.echo(line)
        except PublishError as error:
            failed += 1
            click.echo(f"{name:<18} FAILED  {error}")
    return 1 if failed else 0


def _quota(client) -> str:  # type: ignore[no-untyped-def]
    """`; N posts left in its 24-hour publishing quota` (Threads), or why it cannot be read."""
    from scheduler.errors import PublishError

    try:
        left = client.quota_left()
    except PublishError as error:  # publishing does not depend on it: the account is still fine
        return f"; publishing quota not readable ({error})"
    return "" if left is None else f"; {plural(left, 'post')} left in its 24-hour publishing quota"


def _expiry(expires_at: str, now, command: str, what: str = "token") -> str:  # type: ignore[no-untyped-def]
    """`; token expires … (in N days)`, with a warning seven days ahead. `what="sign-in"`: the refresh
    token's end, after which tokens cannot be refreshed (LinkedIn's year)."""
    import datetime as dt

    if not expires_at:
        return ""
    when = dt.datetime.fromisoformat(expires_at)
    when = when if when.tzinfo else when.replace(tzinfo=dt.UTC)
    days = (when - now).total_seconds() / 86_400
    text = f"; {what} expires {when.date().isoformat()} (in {plural(round(max(days, 0)), 'day')})"
    if days < 7:
        text += f" — re-authorise soon: scheduler auth {command}"
    return text
