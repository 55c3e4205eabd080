"""`scheduler auth PLATFORM --account NAME`: check credentials with the platform, then keep them in
the token store (mode 0600)."""

from __future__ import annotations

import sys

import click

from scheduler.cli import cli

LABELS = {"mastodon": "Access token (write:statuses)", "bluesky": "App password"}


def _secret(label: str) -> str:
    if sys.stdin is not None and sys.stdin.isatty():
        return str(click.prompt(label, hide_input=True)).strip()
    return (sys.stdin.readline() if sys.stdin is not None else "").strip()


@cli.command()
@click.argument("platform", type=click.Choice(sorted(LABELS)))
@click.option("--account", "-a", default="default", show_default=True, help="The account's name.")
@click.option("--base-url", help="The Mastodon instance or Bluesky PDS (default: the setting).")
@click.option("--handle", help="Bluesky: the account's handle.")
def auth(platform: str, account: str, base_url: str | None, handle: str | None) -> int:
    """Connect an account: the secret is read from the terminal (or standard input), checked with the
    platform's "who am I", and stored in SCHEDULER_TOKEN_STORE with mode 0600. Nothing is stored when
    the check fails. (OAuth sign-in for LinkedIn, X, Threads and Facebook is not built yet: set their
    tokens in the environment or .env.)

    Example: scheduler auth mastodon --account regional --base-url https://social.example
    """
    from pydantic import SecretStr

    from scheduler.cli.daemon import client
    from scheduler.config import Account, load_settings
    from scheduler.errors import InputError
    from scheduler.tokenstore import TokenStore

    settings = load_settings()
    if platform == "bluesky" and not handle:
        raise click.UsageError("Bluesky needs --handle, e.g. --handle comms.bsky.social")
    base = (base_url or (settings.mastodon_base_url if platform == "mastodon" else settings.bluesky_base_url)).rstrip("/")
    if not base.startswith(("https://", "http://")):
        raise InputError("give the instance with --base-url https://… (or set SCHEDULER_MASTODON_BASE_URL)")
    secret = _secret(LABELS[platform])
    if not secret:
        raise InputError(f"no {LABELS[platform].lower()} given; paste it at the prompt or pipe it in")
    if platform == "mastodon":
        fields = {"base_url": base, "token": secret}
        candidate = Account(base_url=base, token=SecretStr(secret))
    else:
        fields = {"base_url": base, "handle": str(handle), "app_password": secret}
        candidate = Account(base_url=base, handle=str(handle), app_password=SecretStr(secret))
    who = client(platform, candidate).whoami()  # raises a PublishError (one line, exit 2) when refused
    TokenStore(settings.token_store).save(f"{platform}:{account}", fields)
    click.echo(f"stored {platform}:{account} ({who} at {base}) in {settings.token_store}")
    return 0
