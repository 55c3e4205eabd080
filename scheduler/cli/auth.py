"""`scheduler auth PLATFORM --account NAME`: check credentials with the platform, then keep them in
the token store (mode 0600)."""

from __future__ import annotations

import sys

import click

from scheduler.cli import cli, clock
from scheduler.platforms import registry


def _secret(label: str) -> str:
    if sys.stdin is not None and sys.stdin.isatty():
        return str(click.prompt(label, hide_input=True)).strip()
    return (sys.stdin.readline() if sys.stdin is not None else "").strip()


@cli.command()
@click.argument("platform", type=click.Choice(registry.NAMES))
@click.option("--account", "-a", default="default", show_default=True, help="The account's name.")
@click.option("--base-url", help="The API base (default: the platform's setting).")
@click.option("--handle", help="Bluesky: the account's handle.")
@click.option("--client-id", help="LinkedIn, X, Threads, Facebook: your app's client id.")
@click.option("--author", help="LinkedIn: the author URN, e.g. urn:li:organization:123456.")
@click.option("--page-id", help="Facebook: the page id.")
@click.option("--user-id", default="me", show_default=True, help="Threads: the user id.")
@click.option("--no-browser", is_flag=True, help="Print the sign-in address instead of opening a browser.")
@click.option("--authorize-url", hidden=True, help="A stand-in authorisation endpoint (staging, tests).")
@click.option("--token-url", hidden=True, help="A stand-in token endpoint (staging, tests).")
def auth(
    platform: str,
    account: str,
    base_url: str | None,
    handle: str | None,
    client_id: str | None,
    author: str | None,
    page_id: str | None,
    user_id: str,
    no_browser: bool,
    authorize_url: str | None,
    token_url: str | None,
) -> int:
    """Connect an account and keep its credentials in SCHEDULER_TOKEN_STORE (mode 0600).

    Mastodon and Bluesky: the access token or app password is read from the terminal (or standard
    input). LinkedIn, X, Threads and Facebook: OAuth 2.0 sign-in in the browser (PKCE where the platform
    supports it) with a redirect to this computer; the app's client secret is read from the terminal
    (empty for a public client). Either way the credentials are checked with the platform's "who am I"
    first; nothing is stored when that fails.

    Example: scheduler auth mastodon --account regional --base-url https://social.example
    """
    import webbrowser

    from pydantic import SecretStr

    from scheduler.connect import connect_with_oauth, connect_with_secret, missing_option, oauth_app, setting_name
    from scheduler.wiring import Wiring

    wiring = Wiring.from_environment(clock=clock())
    options = {"handle": handle, "author": author, "page_id": page_id, "user_id": user_id}
    hint = missing_option(platform, options)
    if hint is not None:
        raise click.UsageError(hint)
    connect = registry.get(platform).connect
    if not connect.oauth:
        connected = connect_with_secret(
            wiring,
            platform,
            account,
            ask=_secret,
            base_url=base_url,
            options={name: options[name] for name in ("handle",) if options[name]},
        )
        click.echo(f"stored {connected.key} ({connected.who} at {connected.base_url}) in {wiring.settings.token_store}")
        return 0
    app = None if client_id else oauth_app(wiring, platform, account)  # the settings' app, or the last sign-in's
    if app is not None:
        client_id, client_secret = app.client_id, app.client_secret
    elif not client_id:
        raise click.UsageError(
            f"{platform} sign-in needs --client-id (from your app in the platform's developer portal) "
            f"or {setting_name(platform, account, 'client_id')}"
        )
    else:
        secret = _secret("Client secret (empty for a public client)")
        client_secret = SecretStr(secret) if secret else None

    def show(url: str) -> None:
        if no_browser or not webbrowser.open(url):
            click.echo(f"open this address to sign in: {url}", err=True)

    connected = connect_with_oauth(
        wiring,
        platform,
        account,
        client_id=client_id,
        client_secret=client_secret,
        show=show,
        now=clock(),
        base_url=base_url,
        options=options,
        authorize_url=authorize_url,
        token_url=token_url,
    )
    expiry = f", expires {connected.expires_at[:10]}" if connected.expires_at else ""
    if connected.refresh_expires_at:
        expiry += f", sign-in expires {connected.refresh_expires_at[:10]}"
    click.echo(f"stored {connected.key} ({connected.who}{expiry}) in {wiring.settings.token_store}")
    return 0
