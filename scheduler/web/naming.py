"""How the dashboard names a platform and an account to its readers: "LinkedIn", "Mastodon · presse"
— never the settings' `linkedin:default`.

An account is its platform's title, and after a dot its own name where that name tells something:
when it is not the `default` one, or when its platform has several accounts (the default one is then
"Standard" in German). Whom it posts as (its handle or author; else its server), when the settings
say, is its tooltip. The template helper is `account_name(platform, account=None)` (registered with the
other helpers in `scheduler.web.__init__`); without an account it is the platform's title.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING

from markupsafe import Markup

from scheduler.errors import ConfigError
from scheduler.platforms import registry
from scheduler.queueing import DEFAULT_ACCOUNT
from scheduler.web.i18n import gettext

if TYPE_CHECKING:
    from scheduler.wiring import Wiring


def title(platform: str) -> str:
    """The platform's name as people write it ("LinkedIn"); an unknown one as it is stored."""
    return registry.get(platform).title if platform in registry.NAMES else platform


def account_name(platform: str, account: str, *, several: bool = False, identity: str = "") -> Markup:
    """`account` of `platform` in words, its `identity` (whom it posts as) as the tooltip."""
    words = title(platform)
    if account != DEFAULT_ACCOUNT or several:
        words += " · " + (gettext("default") if account == DEFAULT_ACCOUNT else account)
    if not identity:
        return Markup.escape(words)
    return Markup('<span class="account-name" title="{}">{}</span>').format(identity, words)


def namer(wiring: Wiring) -> Callable[..., str]:
    """The template helper for one page: the accounts the settings and the token store describe,
    read once per page (none when they cannot be read: the Accounts page says why)."""
    try:
        setup = wiring.setup
    except ConfigError:
        configured: list[tuple[str, str]] = []
        identities: dict[tuple[str, str], str] = {}
    else:
        configured = [*setup.ready, *setup.broken]
        identities = {(platform, name): _identity(platform, found) for (platform, name), found in setup.ready.items()}
    counts = Counter(platform for platform, _ in configured)

    def name(platform: str, account: str | None = None) -> str:
        if account is None:
            return title(platform)
        return account_name(
            platform, account, several=counts[platform] > 1, identity=identities.get((platform, account), "")
        )

    return name


def configured_accounts(wiring: Wiring) -> set[tuple[str, str]]:
    """The accounts (platform, name) in the settings or the token store, complete or not (none
    when the settings cannot be read: the Accounts page says why) — for the pages' filters, which
    must not fail because one account is half-configured."""
    try:
        setup = wiring.setup
    except ConfigError:
        return set()
    return {*setup.ready, *setup.broken}


def configured_platforms(wiring: Wiring) -> set[str]:
    """The platforms of `configured_accounts`."""
    return {platform for platform, _ in configured_accounts(wiring)}


def _identity(platform: str, account: object) -> str:
    """Whom an account posts as, as its tooltip says it: its handle or author, else its server."""
    from scheduler.platforms.identity import whom

    who, server = whom(platform, account)
    return who or server
