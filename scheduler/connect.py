"""The use case behind `scheduler auth`: check an account's credentials with its platform, then keep
them in the token store (mode 0600). A pasted secret (Mastodon's token, Bluesky's app password) or an
OAuth sign-in in the browser, as the platform's module declares (`Platform.connect`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scheduler.errors import InputError
from scheduler.platforms import registry

if TYPE_CHECKING:
    from pydantic import SecretStr

    from scheduler.wiring import Wiring


@dataclass(frozen=True, slots=True)
class Connected:
    """An account whose credentials the platform accepted and the token store now keeps."""

    key: str  # platform:account
    who: str  # the platform's "who am I"
    base_url: str
    expires_at: str = ""  # ISO 8601, when the token ends ("" when it does not)
    refresh_expires_at: str = ""  # ISO 8601, when the sign-in must be repeated (LinkedIn's year)


def missing_option(platform: str, options: Mapping[str, str | None]) -> str | None:
    """What the platform needs to be given that `options` lacks, as the hint to show; None when complete."""
    for name, hint in registry.get(platform).connect.needs.items():
        if not options.get(name):
            return hint
    return None


def _base(wiring: Wiring, platform: str, base_url: str | None) -> str:
    spec = registry.get(platform)
    default = "" if "base_url" in spec.required else spec.api_base  # a Mastodon account names its instance
    base = (base_url or getattr(wiring.settings, f"{platform}_base_url", "") or default).rstrip("/")
    if not base.startswith(("https://", "http://")):
        raise InputError(
            f"give the {'instance' if not default else 'server'} with --base-url https://… "
            f"(or set SCHEDULER_{platform.upper()}_BASE_URL)"
        )
    return base


def _keep(wiring: Wiring, platform: str, account: str, fields: dict[str, str]) -> Connected:
    """Ask the platform whom `fields` post as (a refusal is a `PublishError`: nothing is stored), then store them."""
    from scheduler.config import Account
    from scheduler.platforms.spec import AccountCheck
    from scheduler.tokenstore import TokenStore

    client = wiring.client((platform, account), Account.model_validate(fields))
    if not isinstance(client, AccountCheck):
        raise InputError(f"{platform} cannot say whom credentials belong to, so they cannot be checked")
    who = client.whoami()
    TokenStore(wiring.settings.token_store).save(f"{platform}:{account}", fields)
    return Connected(
        f"{platform}:{account}",
        str(who),
        fields["base_url"],
        fields.get("expires_at", ""),
        fields.get("refresh_expires_at", ""),
    )


def connect_with_secret(
    wiring: Wiring,
    platform: str,
    account: str,
    *,
    ask: Callable[[str], str],
    base_url: str | None = None,
    options: Mapping[str, str | None] | None = None,
) -> Connected:
    """Keep the secret `ask(label)` returns (the platform's `connect.secret_field`, asked once the
    server is known) with `options` (e.g. the handle)."""
    connect = registry.get(platform).connect
    base = _base(wiring, platform, base_url)
    secret = ask(connect.label)
    if not secret:
        raise InputError(f"no {connect.label.lower()} given; paste it at the prompt or pipe it in")
    fields = {
        "base_url": base,
        connect.secret_field: secret,
        **{name: str(value) for name, value in (options or {}).items() if value},
    }
    return _keep(wiring, platform, account, fields)


def connect_with_oauth(
    wiring: Wiring,
    platform: str,
    account: str,
    *,
    client_id: str,
    client_secret: SecretStr | None,
    show: Callable[[str], None],
    now: Callable[[], dt.datetime],
    base_url: str | None = None,
    options: Mapping[str, str | None] | None = None,
    authorize_url: str | None = None,
    token_url: str | None = None,
) -> Connected:
    """Sign in through the browser (`show` opens or prints the address), exchange the code for
    tokens (long-lived where the platform has them, a page's own token on Facebook) and keep them."""
    from scheduler.platforms.oauth import long_lived, sign_in
    from scheduler.platforms.tokens import stored_fields

    spec = registry.get(platform)
    assert spec.oauth is not None, f"{platform} has no OAuth sign-in"
    base = _base(wiring, platform, base_url)
    http = wiring.http()
    tokens = sign_in(
        spec.oauth,
        client_id=client_id,
        client_secret=client_secret,
        http=http,
        open_browser=show,
        now=now,
        authorize_url=authorize_url,
        token_url=token_url,
    )
    tokens = long_lived(
        spec.oauth, tokens, client_id=client_id, client_secret=client_secret, http=http, now=now(), token_url=token_url
    )
    given = {name: str(value) for name, value in (options or {}).items() if value}
    if spec.connect.finish is not None:
        from scheduler.platforms.oauth import Tokens

        tokens = Tokens(spec.connect.finish(base, given, tokens.access_token, http), None, None)
    fields = {"base_url": base, "client_id": client_id, **stored_fields(tokens)}
    if client_secret is not None:
        fields["client_secret"] = (
            client_secret.get_secret_value()
        )  # refreshing LinkedIn (and confidential X) tokens needs it
    if token_url:
        fields["token_url"] = token_url
    for name in spec.connect.keeps:  # what the settings say when the command line does not (LinkedIn's API version)
        setting = str(getattr(wiring.settings, f"{platform}_{name}", None) or "")
        if name not in given and setting:
            given[name] = setting
    fields.update({name: value for name, value in given.items() if name in spec.connect.keeps})
    return _keep(wiring, platform, account, fields)
