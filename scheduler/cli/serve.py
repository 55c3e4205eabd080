"""`scheduler serve`: the dashboard and the webhook on waitress, with `--with-scheduler` the daemon
and the watcher in the same process."""

from __future__ import annotations

import signal

import click

from scheduler.cli import cli, clock
from scheduler.errors import InputError


@cli.command(name="serve")
@click.option("--host", help="The address to listen on (default: SCHEDULER_SERVE_HOST, 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), help="The port (default: SCHEDULER_SERVE_PORT, 8000).")
@click.option(
    "--with-scheduler",
    is_flag=True,
    help="Also publish at their time and watch the sources in this process (what 'scheduler run' does).",
)
def serve(host: str | None, port: int | None, with_scheduler: bool) -> int:
    """Serve the dashboard (sign in with a user made by 'scheduler users add') and the webhook.

    POST /hooks/issue takes an issue in any form (or {"url": …}) signed with SCHEDULER_WEBHOOK_SECRET
    (see README, Webhook). With --with-scheduler one command runs the whole tool. Runs until stopped
    (Ctrl-C or SIGTERM; a post in flight is finished first).

    Example: scheduler serve --with-scheduler
    """
    from waitress.server import create_server

    from scheduler.web import create_app
    from scheduler.wiring import Wiring

    wiring = Wiring.from_environment(clock=clock())
    settings = wiring.settings
    host, port = host or settings.serve_host, port or settings.serve_port
    wiring.store  # noqa: B018  # reason: a database that cannot be opened is said before the server starts
    from scheduler import team

    made = team.first_admin(wiring.store, settings, now=wiring.clock())
    if made is not None:
        click.echo(f"made the first admin {made.name!r} from SCHEDULER_ADMIN_USER and SCHEDULER_ADMIN_PASSWORD")
    signed = team.users(wiring.store)
    try:
        server = create_server(create_app(wiring), host=host, port=port, threads=4, ident="scheduler")
    except OSError as error:
        raise InputError(
            f"cannot listen on {host}:{port} ({error.strerror}); choose another --port or --host"
        ) from None
    background = None
    if with_scheduler:
        from scheduler import running

        try:
            background = running.in_background(wiring)
        except BaseException:
            server.close()
            raise
    webhook = "on" if settings.webhook_secret is not None else "off (set SCHEDULER_WEBHOOK_SECRET to turn it on)"
    click.echo(f"serving on http://{host}:{port}/ — webhook POST /hooks/issue {webhook}; Ctrl-C stops")
    if signed:
        click.echo(f"sign in as one of: {', '.join(user.name for user in signed)}")
    else:
        click.echo("no users yet: make the first admin with 'scheduler users add NAME --admin', then sign in")
    if background is not None:
        mode = "publishing" if background.daemon.dispatcher is not None else "dry run (no credentials)"
        click.echo(f"the scheduler runs in this process: {mode}; sources are watched")
    signal.signal(signal.SIGTERM, _interrupt)  # systemd's stop ends it like Ctrl-C
    try:
        server.run()  # returns on Ctrl-C (waitress closes its sockets)
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        if background is not None:
            background.stop()
    click.echo("stopped")
    return 0


def _interrupt(*_args: object) -> None:
    raise KeyboardInterrupt
