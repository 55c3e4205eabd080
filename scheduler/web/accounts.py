"""The Accounts page: every account the settings and the token store describe — connected (whom it
posts as, when its token and its sign-in end, warned about seven days ahead), half-configured
(what is missing) or a dry run — and, for the platforms one signs in to in a browser (LinkedIn, X,
Threads, Facebook), a sign-in button: the OAuth authorisation-code flow of `scheduler auth`, with this
app's `/accounts/oauth/callback` as the redirect URI instead of a loopback server. The `state` and
the PKCE verifier stay in the admin's session; the tokens are kept in the token store as the CLI
keeps them (`connect.keep_signed_in`).

A thin view over `accountcheck.configured_accounts` (no platform is asked; `scheduler accounts
check` asks them). No secret reaches the page: the view hands the template only names, whom an
account posts as, its server and the dates its credentials end. Anyone signed in sees the page;
signing in needs `manage_accounts`, checked here, on the server.
"""

from __future__ import annotations

import secrets

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from scheduler.accountcheck import ConfiguredAccount, configured_accounts
from scheduler.connect import configured, keep_signed_in, oauth_app, setting_name
from scheduler.errors import ConfigError, InputError, PublishError
from scheduler.platforms import registry
from scheduler.platforms.oauth import authorize_address, new_sign_in, redeem, refusal
from scheduler.web.auth import require, wiring
from scheduler.web.i18n import gettext, say

accounts = Blueprint("accounts", __name__)


def _accounts() -> tuple[list[ConfiguredAccount], list[str], str]:
    """The accounts, the warnings about stored credentials set aside, and why the accounts cannot
    be read ("" when they can: a token store others may read, for one)."""
    try:
        found = configured_accounts(wiring(), now=wiring().clock())
        return found, list(wiring().setup.warnings), ""
    except ConfigError as error:
        return [], [], str(error)


@accounts.get("/accounts")
def index() -> str:
    found, warnings, problem = _accounts()
    return render_template(
        "accounts.html",
        accounts=found,
        warnings=warnings,
        problem=problem,
        not_set_up={
            (account.platform, account.account): missing
            for account in found
            if account.oauth and (missing := _missing(account.platform, account.account))
        },
        publishing=any(account.connected for account in found),
        redirect_uri=redirect_uri(),
    )


def _missing(platform: str, account: str) -> str:
    """The setting that signing in to the account with its platform still needs — its app's client
    id, LinkedIn's author, Facebook's page — or "" when it has them all."""
    if oauth_app(wiring(), platform, account) is None:
        return setting_name(platform, account, "client_id")
    options = _options(platform, configured(wiring(), platform, account))
    needed = [name for name in registry.get(platform).connect.needs if name not in options]
    return setting_name(platform, account, needed[0]) if needed else ""


def _not_set_up(platform: str, setting: str) -> str:
    """Why signing in with `platform` cannot start, in plain words, then the setting for the admin."""
    return " ".join(
        (
            gettext(
                "Signing in with %(platform)s is not set up yet: your administration must set it up on the server.",
                platform=registry.get(platform).title,
            ),
            gettext("For the administration:"),
            gettext(
                "%(setting)s is missing: set it on the server, restart scheduler serve, then sign in here.",
                setting=setting,
            ),
        )
    )


def redirect_uri() -> str:
    """Where the platforms send the admin back: to register with each platform's app."""
    return url_for("accounts.oauth_callback", _external=True)


def _stand_ins(platform: str) -> tuple[str | None, str | None]:
    """Stand-in authorisation and token endpoints (staging, tests: `scheduler auth`'s hidden
    --authorize-url and --token-url), from the app's config `OAUTH_ENDPOINTS`; (None, None): the platform's."""
    authorize, token = current_app.config.get("OAUTH_ENDPOINTS", {}).get(platform, (None, None))
    return authorize, token


def _back(platform: str, account: str) -> Response:
    return redirect(url_for("accounts.index") + f"#account-{platform}-{account}")


def _options(platform: str, fields: dict[str, str]) -> dict[str, str]:
    """Of an account's `fields`, what the platform needs and keeps beside the tokens (LinkedIn's
    author, Facebook's page)."""
    connect = registry.get(platform).connect
    return {name: fields[name] for name in (*connect.needs, *connect.keeps) if fields.get(name)}


@accounts.post("/accounts/oauth/<platform>/start")
def oauth_start(platform: str) -> Response:
    """Send the admin to the platform's sign-in, with a fresh `state` (and PKCE verifier) in the session."""
    require("manage_accounts")
    account = request.form.get("account", "default")
    chosen = next((found for found in _accounts()[0] if (found.platform, found.account) == (platform, account)), None)
    provider = registry.get(platform).oauth if chosen is not None else None
    if chosen is None or provider is None:
        abort(404)
    missing = _missing(platform, account)
    app = oauth_app(wiring(), platform, account)
    if missing or app is None:
        flash(_not_set_up(platform, missing), "error")
        return _back(platform, account)
    state, verifier = new_sign_in()
    session["oauth"] = {
        "platform": platform,
        "account": account,
        "state": state,
        "verifier": verifier if provider.pkce else "",
    }
    authorize_url, _ = _stand_ins(platform)
    return redirect(
        authorize_address(
            provider,
            client_id=app.client_id,
            redirect_uri=redirect_uri(),
            state=state,
            verifier=verifier,
            authorize_url=authorize_url,
        )
    )


@accounts.get("/accounts/oauth/callback")
def oauth_callback() -> Response:
    """Where the platform sends the admin back: the session's `state` must match (else 400, nothing
    kept); the code is exchanged for tokens, checked with the platform and kept in the token store."""
    require("manage_accounts")
    pending = session.pop("oauth", None)
    state = request.args.get("state", "")
    if (
        not isinstance(pending, dict)
        or not state
        or not secrets.compare_digest(state.encode(), str(pending.get("state")).encode())
    ):
        abort(400, gettext("This sign-in was not started here, or it was already used. Start it again."))
    platform, account = str(pending["platform"]), str(pending["account"])
    spec = registry.get(platform)
    provider = spec.oauth
    assert provider is not None, f"{platform} has no OAuth sign-in"
    if "error" in request.args or not request.args.get("code"):
        flash(
            gettext(
                "%(platform)s did not sign you in (%(reason)s). Nothing was changed.",
                platform=spec.title,
                reason=refusal(provider, request.args) if "error" in request.args else gettext("no code"),
            ),
            "error",
        )
        return _back(platform, account)
    app = oauth_app(wiring(), platform, account)
    if app is None:
        abort(400, gettext("This sign-in was not started here, or it was already used. Start it again."))
    _, token_url = _stand_ins(platform)
    now = wiring().clock()
    fields = configured(wiring(), platform, account)
    try:
        tokens = redeem(
            provider,
            request.args["code"],
            client_id=app.client_id,
            client_secret=app.client_secret,
            redirect_uri=redirect_uri(),
            verifier=str(pending.get("verifier", "")),
            http=wiring().http(),
            now=now,
            token_url=token_url,
        )
        connected = keep_signed_in(
            wiring(),
            platform,
            account,
            tokens,
            app=app,
            now=now,
            base_url=fields.get("base_url") or None,
            options=_options(platform, fields),
            token_url=token_url,
        )
    except (PublishError, InputError, ConfigError) as error:  # the platform refused, or the store cannot be written
        flash(gettext("Signing in to %(platform)s failed: %(reason)s", platform=spec.title, reason=say(error)), "error")
        return _back(platform, account)
    flash(
        gettext(
            "Connected as %(who)s. Publishing uses it after a restart of scheduler serve or scheduler run.",
            who=connected.who,
        ),
        "done",
    )
    return _back(platform, account)
