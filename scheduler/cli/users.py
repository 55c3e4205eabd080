"""`scheduler users add|list|remove|password|role`: the dashboard's users (see `scheduler.team`).

A password is asked for twice without echo, or read from the first line of stdin with
`--password-stdin` (for scripts: never as an argument, where `ps` and the shell history would show
it). Without a terminal to ask on, the command says to use `--password-stdin` instead of waiting.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from scheduler.cli import actor, cli, clock, current_time, local
from scheduler.errors import InputError
from scheduler.models import Role

if TYPE_CHECKING:
    from scheduler.wiring import Wiring

ROLES = click.Choice([role.value for role in Role], case_sensitive=False)

password_stdin = click.option(
    "--password-stdin",
    "from_stdin",
    is_flag=True,
    help="Read the password from the first line of stdin instead of asking for it (for scripts).",
)


def _wiring() -> Wiring:
    from scheduler.wiring import Wiring

    return Wiring.from_environment(clock=clock())


def _terminal() -> bool:
    return sys.stdin.isatty()


def _password(from_stdin: bool) -> str:
    """The new password: the first line of stdin (its line end taken off), or asked for twice."""
    if from_stdin:
        line = sys.stdin.readline().removesuffix("\n").removesuffix("\r")
        if not line:
            raise InputError("no password on stdin: give it as the first line, e.g. from a password manager's command")
        return line
    if not _terminal():
        raise InputError("no terminal to ask for the password on; pipe it in with --password-stdin")
    return str(click.prompt("Password", hide_input=True, confirmation_prompt="Repeat the password"))


@cli.group(name="users")
def users() -> None:
    """The dashboard's users and their roles: editor (imports, edits, submits), approver (also
    approves, rejects, cancels, retries), admin (also users, accounts, sources, settings).

    Example: scheduler users add anna --role approver
    """


@users.command("add")
@click.argument("name")
@click.option("--role", type=ROLES, help="What the user may do (default: editor).")
@click.option("--admin", "make_admin", is_flag=True, help="Make the user an admin (the same as --role admin).")
@password_stdin
def add(name: str, role: str | None, make_admin: bool, from_stdin: bool) -> int:
    """Add a user NAME with a password of at least 12 characters, asked for twice.

    NAME is 1-40 letters (a-z), digits and . _ - @, kept in lower case.

    Example: scheduler users add anna --admin
    """
    from scheduler import team

    if make_admin and role is not None and role.lower() != Role.ADMIN:
        raise click.UsageError(f"--admin and --role {role} contradict each other; give one of them")
    wanted = Role.ADMIN if make_admin else Role(role.lower()) if role else Role.EDITOR
    store = _wiring().store
    checked = team.free_name(store, name)  # a name not allowed or taken is said before the password is asked for
    user = team.add_user(store, checked, _password(from_stdin), wanted, now=current_time(), actor=actor())
    click.echo(f"added {user.name} ({user.role})")
    return 0


@users.command("list")
@click.option("--format", "-f", "fmt", type=click.Choice(("table", "json")), default="table", show_default=True)
def list_users(fmt: str) -> int:
    """List the users with their roles.

    Example: scheduler users list
    """
    import json

    from scheduler import team

    wiring = _wiring()
    timezone = wiring.settings.timezone
    found = team.users(wiring.store)
    if fmt == "json":
        rows = [{"name": u.name, "role": str(u.role), "created_at": local(u.created_at, timezone)} for u in found]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not found:
        click.echo("no users; add the first admin with: scheduler users add NAME --admin")
        return 0
    width = max(4, *(len(u.name) for u in found))
    click.echo(f"{'name':<{width}}  {'role':<8}  created")
    for user in found:
        click.echo(f"{user.name:<{width}}  {user.role:<8}  {local(user.created_at, timezone)}")
    return 0


@users.command("remove")
@click.argument("name")
def remove(name: str) -> int:
    """Remove the user NAME (their name stays in the posts' history). The last admin stays.

    Example: scheduler users remove anna
    """
    from scheduler import team

    removed = team.remove_user(_wiring().store, name, actor=actor())
    click.echo(f"removed {removed.name}")
    return 0


@users.command("password")
@click.argument("name")
@password_stdin
def password(name: str, from_stdin: bool) -> int:
    """Give the user NAME a new password (asked for twice); their failed logins are forgotten.

    Example: scheduler users password anna
    """
    from scheduler import team

    store = _wiring().store
    found = team.existing(store, name)  # no such user is said before the password is asked for
    team.set_password(store, found.name, _password(from_stdin), now=current_time(), actor=actor())
    click.echo(f"new password of {found.name} set")
    return 0


@users.command("role")
@click.argument("name")
@click.argument("role", type=ROLES, metavar="ROLE")
def role(name: str, role: str) -> int:
    """Give the user NAME another ROLE: editor, approver or admin. The last admin stays admin.

    Example: scheduler users role anna approver
    """
    from scheduler import team

    changed = team.set_role(_wiring().store, name, role, now=current_time(), actor=actor())
    click.echo(f"{changed.name} is {changed.role} now")
    return 0
