"""`scheduler auth PLATFORM --account NAME`: check credentials with the platform, then keep them in
the token store (mode 0600)."""

from __future__ import annotations

import sys

import click

from scheduler.cli import cli, clock, current_time

LABELS = {"mastodon": "Access token (write:statuses)", "bluesky": "App password"}
OAUTH = ("facebook", "linkedin", "threads", "x")


def _secret(label: str) -> str:
    if sys.stdin is not None and sys.stdin.isatty():
        return str(click.prompt(label, hide_input=True)).strip()
    return (sys.stdin.readline() if sys.stdin is not None else "").strip()


@cli.command()
@click.argument("platform", type=click.Choice(sorted(LABELS) + list(OAUTH)))
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
def auth(platform: str, account: str, base_url: str | None, handle: str | None, client_id: str | None,
         author: str | None, page_id: str | None, user_id: str, no_browser: bool, authorize_url: str | None,
         token_url: str | None) -> int:
    """Connect an account and keep its credentials in SCHEDULER_TOKEN_STORE (mode 0600).

    Mastodon and Bluesky: the access token or app password is read from the terminal (or standard
    input). LinkedIn, X, Threads and Facebook: OAuth 2.0 sign-in in the browser (PKCE where the platform
    supports it) with a redirect to this computer; the app's client secret is read from the terminal
    (empty for a public client). Either way the credentials are checked with the platform's "who am I"
    first; nothing is stored when that fails.

    Example: scheduler auth mastodon --account regional --base-url https://social.example
    """
    from pydantic import SecretStr

    from scheduler.cli.daemon import client
    from scheduler.config import Account, load_settings
    from scheduler.errors import InputError
    from scheduler.tokenstore import TokenStore

    settings = load_settings()
    if platform in OAUTH:
        fields = _oauth(settings, platform, client_id=client_id, author=author, page_id=page_id, user_id=user_id,
                        base_url=base_url, no_browser=no_browser, authorize_url=authorize_url, token_url=token_url)
        who = client(platform, Account(**fields)).whoami()
        TokenStore(settings.token_store).save(f"{platform}:{account}", fields)
        expiry = f", expires {fields['expires_at'][:10]}" if fields.get("expires_at") else ""
        if fields.get("refresh_expires_at"):
            expiry += f", sign-in expires {fields['refresh_expires_at'][:10]}"
        click.echo(f"stored {platform}:{account} ({who}{expiry}) in {settings.token_store}")
        return 0
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


def _oauth(settings, platform: str, *, client_id: str | None, author: str | None, page_id: str | None,  # type: ignore[no-untyped-def]
           user_id: str, base_url: str | None, no_browser: bool, authorize_url: str | None,
           token_url: str | None) -> dict[str, str]:
    """Sign in through the browser and return the token store fields of the account."""
    import webbrowser

    from pydantic import SecretStr

    from scheduler.errors import InputError
    from scheduler.platforms.http import HttpClient
    from scheduler.platforms.oauth import PROVIDERS, Tokens, long_lived, page_token, sign_in
    from scheduler.platforms.tokens import stored_fields

    if not client_id:
        raise click.UsageError(f"{platform} sign-in needs --client-id (from your app in the platform's developer portal)")
    if platform == "linkedin" and not author:
        raise click.UsageError("LinkedIn needs --author, e.g. --author urn:li:organization:123456")
    if platform == "facebook" and not page_id:
        raise click.UsageError("Facebook needs --page-id")
    secret = _secret("Client secret (empty for a public client)")

    def show(url: str) -> None:
        if no_browser or not webbrowser.open(url):
            click.echo(f"open this address to sign in: {url}", err=True)

    base = base_url or getattr(settings, f"{platform}_base_url")
    if not base.startswith(("https://", "http://")):
        raise InputError(f"--base-url {base!r} is not a web address")
    http, client_secret = HttpClient(), SecretStr(secret) if secret else None
    tokens = sign_in(PROVIDERS[platform], client_id=client_id, client_secret=client_secret, http=http,
                     open_browser=show, now=clock(), authorize_url=authorize_url,
                     token_url=token_url)
    tokens = long_lived(PROVIDERS[platform], tokens, client_id=client_id, client_secret=client_secret, http=http,
                        now=current_time(), token_url=token_url)
    if platform == "facebook":  # posts go out with the page's own token, which does not expire
        tokens = Tokens(page_token(base, str(page_id), tokens.access_token, http=http), None, None)
    fields = {"base_url": base.rstrip("/"), "client_id": client_id, **stored_fields(tokens)}
    if secret:
        fields["client_secret"] = secret  # refreshing LinkedIn (and confidential X) tokens needs it
    if token_url:
        fields["token_url"] = token_url
    if platform == "linkedin":
        fields.update(author=str(author), version=settings.linkedin_version)
    if platform == "facebook":
        fields["page_id"] = str(page_id)
    if platform == "threads":
        fields["user_id"] = user_id
    return fields
