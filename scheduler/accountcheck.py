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


def expiry(expires_at: str, now: dt.datetime, command: str, what: str = "token") -> str:
    """`token expires … (in N days)`, with a warning seven days ahead. `what="sign-in"`: the refresh
    token's end, after which tokens cannot be refreshed (LinkedIn's year)."""
    from scheduler.wording import plural

    if not expires_at:
        return ""
    when = dt.datetime.fromisoformat(expires_at)
    when = when if when.tzinfo else when.replace(tzinfo=dt.UTC)
    days = (when - now).total_seconds() / 86_400
    text = f"{what} expires {when.date().isoformat()} (in {plural(round(max(days, 0)), 'day')})"
    if days < 7:
        text += f" — re-authorise soon: scheduler auth {command}"
    return text
