"""`scheduler serve`: the web app (today the webhook POST /hooks/issue) on waitress."""

from __future__ import annotations

import signal

import click

from scheduler.cli import cli, clock
from scheduler.errors import InputError


@cli.command(name="serve")
@click.option("--host", help="The address to listen on (default: SCHEDULER_SERVE_HOST, 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), help="The port (default: SCHEDULER_SERVE_PORT, 8000).")
def serve(host: str | None, port: int | None) -> int:
    """Serve the webhook that queues issues handed in by a newsletter tool.

    POST /hooks/issue takes an issue in any form (or {"url": …}) signed with SCHEDULER_WEBHOOK_SECRET
    (see README, Webhook). Runs until stopped (Ctrl-C).

    Example: SCHEDULER_WEBHOOK_SECRET=… scheduler serve --host 0.0.0.0 --port 8000
    """
    from waitress.server import create_server

    from scheduler.web import create_app
    from scheduler.wiring import Wiring

    wiring = Wiring.from_environment(clock=clock())
    settings = wiring.settings
    host, port = host or settings.serve_host, port or settings.serve_port
    wiring.store  # noqa: B018  # reason: a database that cannot be opened is said before the server starts
    try:
        server = create_server(create_app(wiring), host=host, port=port, threads=4, ident="scheduler")
    except OSError as error:
        raise InputError(
            f"cannot listen on {host}:{port} ({error.strerror}); choose another --port or --host"
        ) from None
    webhook = "on" if settings.webhook_secret is not None else "off (set SCHEDULER_WEBHOOK_SECRET to turn it on)"
    click.echo(f"serving on http://{host}:{port}/ — webhook POST /hooks/issue {webhook}; Ctrl-C stops")
    signal.signal(signal.SIGTERM, _interrupt)  # systemd's stop ends it like Ctrl-C
    try:
        server.run()  # returns on Ctrl-C (waitress closes its sockets)
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    click.echo("stopped")
    return 0


def _interrupt(*_args: object) -> None:
    raise KeyboardInterrupt
