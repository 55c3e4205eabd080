"""The command line: thin commands that parse input, call one use case and format the result.

Heavy modules are imported inside the commands so that `scheduler --help` starts fast.
Exit codes: 0 success, 1 some post does not fit, 2 bad input or configuration.

"Now" comes from one place: a command reads the current instant with `current_time()` (or hands `clock()`
to code that reads it later, such as the daemon). Both use the clock given to `main(argv,
clock=…)` — tests pin the time this way, so their dates never expire — and otherwise the
system's UTC clock. The clock travels as click's context object, so it reaches every subcommand.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from scheduler import __version__
from scheduler.errors import FitError, SchedulerError, UnknownPlatformError
from scheduler.platforms import registry

if TYPE_CHECKING:
    from scheduler.service import IssuePreview

#: A source of the current instant (timezone-aware, UTC).
Clock = Callable[[], dt.datetime]


def system_clock() -> dt.datetime:
    """The machine's current instant in UTC."""
    return dt.datetime.now(dt.UTC)


def clock() -> Clock:
    """The clock of the running command: the one given to `main(argv, clock=…)`, else the system's."""
    context = click.get_current_context(silent=True)
    given = context.obj if context is not None else None
    return given if callable(given) else system_clock


def current_time() -> dt.datetime:
    """The current instant in UTC, from the running command's `clock()`."""
    return clock()()


def actor() -> str:
    """Who runs this command, as the posts' history records it: the system user's login name (as
    `getpass.getuser` finds it: LOGNAME, USER, … then the password database); `uid N` when the
    system knows no name for the user (a container started with a bare user id)."""
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # Python 3.11 raises KeyError, 3.13 OSError
        return f"uid {os.getuid()}"


def issue_sources(values: Sequence[str], default: Path) -> list[Path | str]:
    """The issues a command reads: each argument a file or folder, or the address of a page or
    feed (http(s)://…, kept as written); `default` when none is given."""
    from scheduler.service import is_address

    return [value if is_address(value) else Path(value) for value in values] or [default]


def platforms_option(ctx: click.Context, param: click.Parameter, value: Sequence[str]) -> tuple[str, ...]:
    names = tuple(name.lower() for name in value)
    for name in names:
        if name not in registry.NAMES:
            raise UnknownPlatformError(name, registry.NAMES)
    return tuple(dict.fromkeys(names))


def tell_warnings(previews: Sequence[IssuePreview]) -> int:
    """The posts' warnings (dead ends, see `render.readon`) on stderr, one line per item and warning
    naming its platforms: `warning: <file> item <n> (<title>) on x, bluesky: …`. Returns how many
    posts have warnings (a post rendered for several accounts counts once)."""
    from scheduler.service import item_warnings

    for said in item_warnings(previews):
        click.echo(
            f"warning: {said.source} item {said.number} ({said.title}) on {', '.join(said.platforms)}: {said.warning}",
            err=True,
        )
    return len(
        {
            (issue_preview.issue.source, entry.post.item_id, entry.post.platform)
            for issue_preview in previews
            for entry in issue_preview.posts
            if entry.post.warnings
        }
    )


def write_output(output: Path | None, text: str) -> None:
    """Write to stdout, or atomically to `output` (a failed run leaves no half-written file), with
    the mode the user's umask gives new files (a temporary file's 0600 would hide a shared export)."""
    if output is None:
        click.echo(text, nl=not text.endswith("\n"))
        return
    import secrets

    temporary = output.with_name(f".{output.name}.{secrets.token_hex(4)}.tmp")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # less the umask
        try:
            with open(descriptor, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
            os.replace(temporary, output)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise SchedulerError(
            f"cannot write {output}: {exc.strerror}; check the folder exists and is writable"
        ) from None


def _summary(command: click.Command) -> str:
    """The first sentence of a command's help, whole: click would cut it off with "..." after about
    45 characters (less the longer the command names beside it); the listing wraps it instead."""
    if command.short_help:
        return command.short_help
    words = (command.help or "").split("\n\n", 1)[0].split()
    for index, word in enumerate(words):
        if word.endswith("."):
            return " ".join(words[: index + 1])
    return " ".join(words)


class Command(click.Command):
    """A command whose summary in its group's `--help` is never cut off (see `_summary`)."""

    def get_short_help_str(self, limit: int = 45) -> str:
        return _summary(self)


class Group(click.Group):
    """A group whose own summary and whose commands' summaries are never cut off."""

    command_class = Command
    group_class: type[click.Group] | type[type] | None = type  # subgroups are of this class too

    def get_short_help_str(self, limit: int = 45) -> str:
        return _summary(self)


class LazyGroup(Group):
    """A group whose commands live in modules imported only when one of their commands runs (or
    the help lists them): `scheduler queue list` does not pay for `scheduler auth`'s imports."""

    def __init__(self, *args: object, modules: dict[str, str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]  # reason: click's own arguments, passed through untouched
        self.modules = modules  # command name → the module that registers it on this group

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.modules})

    group_class = Group  # `queue` and `accounts` have no lazy modules of their own

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.modules:
            import importlib

            importlib.import_module(self.modules[cmd_name])  # registers its commands
        return self.commands.get(cmd_name)


COMMANDS = {
    "preview": "scheduler.cli.preview",
    "count": "scheduler.cli.preview",
    "queue": "scheduler.cli.queue",
    "run": "scheduler.cli.daemon",
    "status": "scheduler.cli.daemon",
    "auth": "scheduler.cli.auth",
    "accounts": "scheduler.cli.accounts",
    "sources": "scheduler.cli.sources",
    "watch": "scheduler.cli.sources",
    "serve": "scheduler.cli.serve",
    "check": "scheduler.cli.check",
    "users": "scheduler.cli.users",
}


@click.group(cls=LazyGroup, modules=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="scheduler")
def cli() -> None:
    """Turn newsletter issues into social-media posts and publish them on schedule.

    Settings come from SCHEDULER_* environment variables or a .env file (see .env.example).
    """


def local(moment: dt.datetime, timezone: str) -> str:
    """An instant as local time with its offset, e.g. 2025-01-06T09:00+01:00."""
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo(timezone)).isoformat(timespec="minutes")


class _WarningLines(logging.Handler):
    """Warnings logged while a command runs, as `warning: …` lines on stderr (the daemon's `run`
    replaces this with its own time-stamped log, see `daemon_logging`). An unexpected error logged
    with its exception (`log.exception`; a dashboard page that failed under `serve`) is followed by
    its traceback, for whoever looks into it."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = f"{record.levelname.lower()}: {record.getMessage()}"
            if record.exc_info and record.exc_info[0] is not None:
                line += "\n" + _TRACEBACKS.formatException(record.exc_info)
            click.echo(line, err=True)
        except Exception:  # noqa: BLE001  # reason: a broken stderr must not stop the command
            self.handleError(record)


_TRACEBACKS = logging.Formatter()
WARNING_LINES = _WarningLines(logging.WARNING)

#: Libraries whose routine log lines say nothing a person running the daemon needs: APScheduler's
#: four lines a second (jobs added, run, executed) and urllib3's connection retries (their
#: outcome is logged once per post by `publishing`, without the library's reprs).
QUIET_LOGGERS = {"apscheduler": logging.WARNING, "urllib3": logging.ERROR, "alembic": logging.WARNING}


def daemon_logging() -> None:
    """The log of `scheduler run`: time-stamped lines on stderr, one per publish, retry or failure."""
    logging.getLogger().removeHandler(WARNING_LINES)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    from scheduler.pause import LOG

    LOG.watch(logging.getLogger().handlers)  # a log that cannot be written pauses publishing (said once)
    for name, level in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(level)


def main(argv: Sequence[str] | None = None, *, clock: Clock | None = None) -> int:
    """Entry point of the `scheduler` command; returns the exit code. `clock` replaces the system's
    clock for this run (see `current_time`)."""
    root = logging.getLogger()
    if WARNING_LINES not in root.handlers:
        root.addHandler(WARNING_LINES)
    # an unreadable .env line is reported by `settingnames`, naming the setting it may have meant
    logging.getLogger("dotenv.main").setLevel(logging.ERROR)
    try:
        result = cli.main(
            args=list(argv) if argv is not None else None, prog_name="scheduler", standalone_mode=False, obj=clock
        )
    except click.exceptions.NoArgsIsHelpError as exc:  # `scheduler` alone: show the help
        click.echo(exc.ctx.get_help() if exc.ctx else "", err=False)
        return 0
    except click.ClickException as exc:
        context = getattr(exc, "ctx", None)  # usage errors know their command
        hint = f" (see '{context.command_path} --help')" if context is not None else ""
        click.echo(f"error: {exc.format_message()}{hint}", err=True)
        return 2
    except click.Abort:
        click.echo("error: aborted", err=True)
        return 130
    except FitError as exc:  # a post too long for its platform: exit 1, as `preview` and `queue add`
        click.echo(f"does not fit: {exc}", err=True)
        return 1
    except SchedulerError as exc:
        click.echo(f"error: {exc}", err=True)
        return 2
    return result if isinstance(result, int) else 0
