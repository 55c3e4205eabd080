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

    from scheduler.platforms.oauth import Tokens
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


@dataclass(frozen=True, slots=True)
class OAuthApp:
    """The platform app an account signs in with: its client id and (a confidential app's) secret."""

    client_id: str
    client_secret: SecretStr | None = None

    def __repr__(self) -> str:
        return f"OAuthApp(client_id={self.client_id!r}, client_secret={'yes' if self.client_secret else 'no'})"


def configured(wiring: Wiring, platform: str, account: str) -> dict[str, str]:
    """What the settings say of an account, field by field (SCHEDULER_<PLATFORM>_<FIELD> for the
    `default` one, SCHEDULER_ACCOUNTS__<PLATFORM>__<NAME>__<FIELD> for a named one), completed by what
    the token store keeps for it (an earlier sign-in's app): the settings win, so a new client id
    set there is used at the next sign-in."""
    from pydantic import SecretStr

    from scheduler.tokenstore import TokenStore

    fields = dict(TokenStore(wiring.settings.token_store).load().get(f"{platform}:{account}", {}))
    if account == "default":
        given = {name: getattr(wiring.settings, f"{platform}_{name}", None) for name in registry.get(platform).settings}
    else:
        named = wiring.settings.accounts.get(platform, {}).get(account)
        given = {name: getattr(named, name) for name in named.model_fields_set} if named is not None else {}
    for name, value in given.items():
        text = value.get_secret_value() if isinstance(value, SecretStr) else str(value or "")
        if text:
            fields[name] = text
    return fields


def setting_name(platform: str, account: str, field: str) -> str:
    """The variable that sets an account's field: SCHEDULER_X_CLIENT_ID, SCHEDULER_ACCOUNTS__X__TEAM__CLIENT_ID."""
    from scheduler.config import ENV_PREFIX

    if account == "default":
        return f"{ENV_PREFIX}{platform.upper()}_{field.upper()}"
    return f"{ENV_PREFIX}ACCOUNTS__{platform.upper()}__{account.upper()}__{field.upper()}"


def oauth_app(wiring: Wiring, platform: str, account: str) -> OAuthApp | None:
    """The app the settings (or an earlier sign-in, kept in the token store) name for the account;
    None when no client id is set."""
    from pydantic import SecretStr

    fields = configured(wiring, platform, account)
    if not fields.get("client_id"):
        return None
    secret = fields.get("client_secret")
    return OAuthApp(fields["client_id"], SecretStr(secret) if secret else None)


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
    tokens and keep them (`keep_signed_in`)."""
    from scheduler.platforms.oauth import sign_in

    spec = registry.get(platform)
    assert spec.oauth is not None, f"{platform} has no OAuth sign-in"
    base = _base(wiring, platform, base_url)  # before the browser: a missing server is said at once
    tokens = sign_in(
        spec.oauth,
        client_id=client_id,
        client_secret=client_secret,
        http=wiring.http(),
        open_browser=show,
        now=now,
        authorize_url=authorize_url,
        token_url=token_url,
    )
    return keep_signed_in(
        wiring,
        platform,
        account,
        tokens,
        app=OAuthApp(client_id, client_secret),
        now=now(),
        base_url=base,
        options=options,
        token_url=token_url,
    )


def keep_signed_in(
    wiring: Wiring,
    platform: str,
    account: str,
    tokens: Tokens,
    *,
    app: OAuthApp,
    now: dt.datetime,
    base_url: str | None = None,
    options: Mapping[str, str | None] | None = None,
    token_url: str | None = None,
) -> Connected:
    """After a sign-in (in the terminal's browser or the dashboard): the long-lived tokens where the
    platform has them (a page's own token on Facebook), checked with the platform and kept with the
    app's credentials (refreshing needs them) and the account's `keeps`."""
    from scheduler.platforms.oauth import Tokens, long_lived
    from scheduler.platforms.tokens import stored_fields

    spec = registry.get(platform)
    assert spec.oauth is not None, f"{platform} has no OAuth sign-in"
    base = _base(wiring, platform, base_url)
    http = wiring.http()
    client_id, client_secret = app.client_id, app.client_secret
    tokens = long_lived(
        spec.oauth, tokens, client_id=client_id, client_secret=client_secret, http=http, now=now, token_url=token_url
    )
    given = {name: str(value) for name, value in (options or {}).items() if value}
    if spec.connect.finish is not None:
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
