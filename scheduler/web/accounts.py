"""The Accounts page: every account the settings and the token store describe — connected (whom it
posts as, when its token and its sign-in end, warned about seven days ahead), half-configured
(what is missing) or a dry run — and, for the platforms one signs in to in a browser, a sign-in
button. For now that button says the command to run on the server (`scheduler auth linkedin`);
the sign-in in the dashboard itself is to come.

A thin view over `accountcheck.configured_accounts` (no platform is asked; `scheduler accounts
check` asks them). No secret reaches the page: the view hands the template only names, whom an
account posts as, its server and the dates its credentials end. Anyone signed in sees the page;
signing in needs `manage_accounts`, checked here, on the server.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from scheduler.accountcheck import ConfiguredAccount, configured_accounts
from scheduler.errors import ConfigError
from scheduler.platforms import registry
from scheduler.web.auth import require, wiring
from scheduler.web.i18n import gettext

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
        titles={name: registry.get(name).title for name in registry.NAMES},
        publishing=any(account.connected for account in found),
    )


@accounts.post("/accounts/sign-in")
def sign_in() -> Response:
    require("manage_accounts")
    platform, name = request.form.get("platform", ""), request.form.get("account", "")
    chosen = next(
        (account for account in _accounts()[0] if (account.platform, account.account) == (platform, name)), None
    )
    if chosen is None or not chosen.oauth:
        abort(404)
    flash(
        gettext(
            "Signing in from the dashboard is still to come. For now, run on the server: %(command)s — "
            "then restart scheduler serve.",
            command=chosen.command,
        ),
        "done",
    )
    return redirect(url_for("accounts.index") + f"#account-{chosen.platform}-{chosen.account}")
