"""The use case behind `scheduler accounts check`: does every configured account answer, and as whom?"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from scheduler.errors import PublishError

if TYPE_CHECKING:
    from scheduler.wiring import Wiring


@dataclass(frozen=True, slots=True)
class AccountStatus:
    """One account as its platform answered: `ok` with whom it posts as, or `problem`."""

    platform: str
    account: str
    ok: bool
    problem: str = ""  # why it is broken (half-configured) or failed (the platform's answer)
    broken: bool = False  # half-configured: never asked
    who: str = ""  # the platform's "who am I"
    posting_as: str = ""  # whom the settings say it posts as
    notes: tuple[str, ...] = field(default_factory=tuple)  # instance limit, quota, token expiry

    @property
    def name(self) -> str:
        return f"{self.platform}:{self.account}"


def check_accounts(wiring: Wiring, *, now: dt.datetime) -> list[AccountStatus]:
    """Every account the settings describe: the broken ones first, then each complete one asked
    "who am I" (its token refreshed first when due), with what else its client can tell."""
    from scheduler.platforms.identity import describe
    from scheduler.platforms.spec import AccountCheck, InstanceLimit, QuotaCheck
    from scheduler.platforms.tokens import TokenKeeper

    setup = wiring.setup
    result = [
        AccountStatus(platform, account, ok=False, problem=problem, broken=True)
        for (platform, account), problem in sorted(setup.broken.items())
    ]
    limits = wiring.setting_limits()
    for (platform, account), configured in sorted(setup.ready.items()):
        client = wiring.publisher((platform, account), configured)
        if not isinstance(client, AccountCheck):
            result.append(
                AccountStatus(
                    platform,
                    account,
                    ok=True,
                    posting_as=describe(platform, configured),
                    notes=("its platform cannot say whom a token belongs to",),
                )
            )
            continue
        try:
            who = client.whoami()
            notes: list[str] = []
            if isinstance(client, InstanceLimit):
                limit, setting = client.instance_limit(), limits.get(platform)
                if limit is not None and setting is not None and limit != setting:
                    notes.append(
                        f"the instance allows {limit} characters, "
                        f"SCHEDULER_{platform.upper()}_MAX_CHARACTERS says {setting}"
                    )
            if isinstance(client, QuotaCheck):
                notes.append(quota(client))
            fresh = client.account if isinstance(client, TokenKeeper) else configured  # refreshed just now, maybe
            command = f"{platform} --account {account}"
            notes += [
                expiry(fresh.expires_at, now, command),
                expiry(fresh.refresh_expires_at, now, command, what="sign-in"),
            ]
        except PublishError as error:
            result.append(AccountStatus(platform, account, ok=False, problem=str(error)))
            continue
        result.append(
            AccountStatus(
                platform,
                account,
                ok=True,
                who=who,
                posting_as=describe(platform, configured),
                notes=tuple(note for note in notes if note),
            )
        )
    return result


def quota(client: object) -> str:
    """`N posts left in its 24-hour publishing quota` (Threads), or why it cannot be read."""
    from scheduler.platforms.spec import QuotaCheck
    from scheduler.wording import plural

    assert isinstance(client, QuotaCheck)
    try:
        left = client.quota_left()
    except PublishError as error:  # publishing does not depend on it: the account is still fine
        return f"publishing quota not readable ({error})"
    return "" if left is None else f"{plural(left, 'post')} left in its 24-hour publishing quota"


#: How long before a token or a sign-in ends it is warned about.
WARN_BEFORE = dt.timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Expiry:
    """When a token (or a sign-in) ends: the instant, the whole days left (0 once it has ended),
    and whether it ends within `WARN_BEFORE` (re-authorise soon)."""

    at: dt.datetime
    days: int
    soon: bool


def ends(expires_at: str, now: dt.datetime) -> Expiry | None:
    """When `expires_at` (ISO 8601, as the token store keeps it; UTC when it names no offset) is;
    None when there is none or it cannot be read."""
    if not expires_at:
        return None
    try:
        when = dt.datetime.fromisoformat(expires_at)
    except ValueError:
        return None
    when = when if when.tzinfo else when.replace(tzinfo=dt.UTC)
    left = when - now
    return Expiry(when, round(max(left.total_seconds() / 86_400, 0)), left < WARN_BEFORE)


def expiry(expires_at: str, now: dt.datetime, command: str, what: str = "token") -> str:
    """`token expires … (in N days)`, with a warning seven days ahead. `what="sign-in"`: the refresh
    token's end, after which tokens cannot be refreshed (LinkedIn's year)."""
    from scheduler.wording import plural

    end = ends(expires_at, now)
    if end is None:
        return ""
    text = f"{what} expires {end.at.date().isoformat()} (in {plural(end.days, 'day')})"
    if end.soon:
        text += f" — re-authorise soon: scheduler auth {command}"
    return text


@dataclass(frozen=True, slots=True)
class ConfiguredAccount:
    """One account as the settings and the token store describe it, its platform not asked:
    `connected` (complete credentials: it publishes for real), half-configured (`problem` says
    what is missing), or neither: a dry run, its posts rehearsed in the outbox."""

    platform: str
    account: str
    connected: bool = False
    problem: str = ""
    who: str = ""  # whom it posts as ("" when only the token knows)
    server: str = ""  # its API base ("" for the platform's default server)
    token: Expiry | None = None  # when its access token ends
    signin: Expiry | None = None  # when its refresh token ends: sign in again by then (LinkedIn's year)
    oauth: bool = False  # connected by signing in in a browser (`scheduler auth PLATFORM`)

    @property
    def name(self) -> str:
        return f"{self.platform}:{self.account}"

    @property
    def dry_run(self) -> bool:
        return not self.connected and not self.problem

    @property
    def command(self) -> str:
        """The command that connects it (or connects it again), `…` where the person fills in:
        `scheduler auth linkedin --account main --client-id … --author …`."""
        from scheduler.platforms import registry

        words = [f"scheduler auth {self.platform}"]
        if self.account != "default":
            words.append(f"--account {self.account}")
        if self.oauth:
            words.append("--client-id …")
        words += [f"--{need.replace('_', '-')} …" for need in registry.get(self.platform).connect.needs]
        return " ".join(words)


def configured_accounts(wiring: Wiring, *, now: dt.datetime) -> list[ConfiguredAccount]:
    """Every account the settings and the token store describe, and for each platform of
    SCHEDULER_PLATFORMS without one its `default` as a dry run; in the platforms' order. Asks no
    platform (`check_accounts` does); no secret is in the answer."""
    from scheduler.platforms import registry
    from scheduler.platforms.identity import whom

    setup = wiring.setup
    found: dict[tuple[str, str], ConfiguredAccount] = {}
    for (platform, account), problem in setup.broken.items():
        found[(platform, account)] = ConfiguredAccount(
            platform, account, problem=problem, oauth=registry.get(platform).connect.oauth
        )
    for (platform, account), configured in setup.ready.items():
        who, server = whom(platform, configured)
        found[(platform, account)] = ConfiguredAccount(
            platform,
            account,
            connected=True,
            who=who,
            server=server,
            token=ends(configured.expires_at, now),
            signin=ends(configured.refresh_expires_at, now),
            oauth=registry.get(platform).connect.oauth,
        )
    for platform in wiring.settings.platforms:
        if platform in registry.NAMES and not any(key[0] == platform for key in found):
            found[(platform, "default")] = ConfiguredAccount(
                platform, "default", oauth=registry.get(platform).connect.oauth
            )
    order = {name: number for number, name in enumerate(registry.NAMES)}
    return [found[key] for key in sorted(found, key=lambda key: (order.get(key[0], len(order)), key[1]))]
