"""`scheduler accounts check`: does every configured account answer, and as whom?"""

from __future__ import annotations

import click

from scheduler.cli import cli, clock, current_time


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
    from scheduler.accountcheck import check_accounts
    from scheduler.wiring import Wiring

    wiring = Wiring.from_environment(clock=clock())
    for warning in wiring.setup.warnings:
        click.echo(f"warning: {warning}", err=True)
    statuses = check_accounts(wiring, now=current_time())
    if not statuses:
        click.echo("no accounts configured: scheduler run is a dry run (see .env.example)")
        return 0
    for status in statuses:
        if status.broken:
            click.echo(f"{status.name:<18} BROKEN  {status.problem}")
        elif not status.ok:
            click.echo(f"{status.name:<18} FAILED  {status.problem}")
        else:
            who = f"{status.who}, " if status.who else ""
            click.echo(
                f"{status.name:<18} ok      {who}posting as {status.posting_as}"
                + "".join(f"; {note}" for note in status.notes)
            )
    return 0 if all(status.ok for status in statuses) else 1
