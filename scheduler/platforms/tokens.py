"""Keeping OAuth access tokens fresh: each is refreshed a margin before it runs out, and whatever
the platform hands back (a rotated refresh token included) is written to the token store at once.

    X         access tokens live 2 hours; `grant_type=refresh_token` at the token endpoint (client id,
              and the client secret as HTTP Basic for confidential clients); refresh tokens rotate.
    LinkedIn  60 days; `grant_type=refresh_token` with client id and secret (apps approved for
              programmatic refresh only); the refresh token keeps its own 365-day end.
    Threads   long-lived tokens live 60 days; `GET /refresh_access_token?grant_type=th_refresh_token`
              with the token itself (it must be at least a day old).
    Facebook  page tokens obtained with a long-lived user token do not expire: nothing to refresh.

Several processes may share one token store: the refresh happens under the store's lock, and a
process that finds a fresher token there (another one refreshed first) adopts it instead of spending
a refresh token that may already have been rotated away.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, Self
from urllib.parse import urlsplit

from pydantic import SecretStr

from scheduler.errors import AuthorisationError, ConfigError, PublishError
from scheduler.platforms import registry
from scheduler.platforms.identity import bound_fields
from scheduler.platforms.oauth import Tokens, tokens_from

if TYPE_CHECKING:
    from scheduler.models import QueuedPost
    from scheduler.platforms.base import PublishResult, Reconciliation
    from scheduler.platforms.http import HttpClient
    from scheduler.tokenstore import TokenStore


class Account(Protocol):
    """What refreshing needs of an account (`scheduler.config.Account` has it all)."""

    token: SecretStr | None
    refresh_token: SecretStr | None
    client_id: str
    client_secret: SecretStr | None
    token_url: str
    expires_at: str  # ISO 8601, or empty when unknown
    refresh_expires_at: str  # ISO 8601: when the refresh token ends (LinkedIn), or empty

    def model_copy(self, *, update: dict[str, Any]) -> Self: ...


log = logging.getLogger(__name__)


def expires_at(account: Account) -> dt.datetime | None:
    return _instant(account.expires_at)


def refresh_expires_at(account: Account) -> dt.datetime | None:
    """When the account's refresh token ends, after which only `scheduler auth` helps (LinkedIn)."""
    return _instant(account.refresh_expires_at)


def _instant(text: str) -> dt.datetime | None:
    if not text:
        return None
    when = dt.datetime.fromisoformat(text)
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def refreshable(platform: str, account: Account) -> bool:
    """Whether this account's token can be refreshed without the user signing in again."""
    provider = registry.get(platform).oauth
    if provider is None or registry.get(platform).token_margin is None:
        return False
    if provider.self_refresh:
        return account.token is not None
    return account.refresh_token is not None and bool(account.client_id)


def due(platform: str, account: Account, now: dt.datetime) -> bool:
    """Whether the token should be refreshed now: it can be, and it ends within the margin."""
    end, margin = expires_at(account), registry.get(platform).token_margin
    return end is not None and margin is not None and refreshable(platform, account) and end - now <= margin


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def refresh(platform: str, account: Account, *, http: HttpClient, now: dt.datetime) -> Tokens:
    """New tokens for `account` from the platform; `AuthorisationError` (naming `scheduler auth`)
    when the platform refuses."""
    provider = registry.get(platform).oauth
    if provider is None:
        raise AuthorisationError(f"{platform} tokens cannot be refreshed; run 'scheduler auth {platform}' again")
    token_url = account.token_url or provider.token_url
    try:
        if provider.self_refresh:
            assert account.token is not None
            answer = http.request(
                "GET",
                f"{origin(token_url)}/refresh_access_token",
                params={"grant_type": "th_refresh_token", "access_token": account.token.get_secret_value()},
            ).json()
            return tokens_from(answer, now=now)
        assert account.refresh_token is not None
        form = {
            "grant_type": "refresh_token",
            "refresh_token": account.refresh_token.get_secret_value(),
            "client_id": account.client_id,
        }
        headers: dict[str, str] = {}
        secret = account.client_secret.get_secret_value() if account.client_secret is not None else ""
        if secret and provider.basic_auth:
            headers["Authorization"] = "Basic " + base64.b64encode(f"{account.client_id}:{secret}".encode()).decode()
        elif secret:
            form["client_secret"] = secret
        answer = http.request("POST", token_url, data=form, headers=headers).json()
    except PublishError as error:
        raise AuthorisationError(f"refreshing the {platform} token failed ({error})") from None
    # LinkedIn answers without a new refresh token: the old one stays valid until its own end
    return tokens_from(
        answer,
        now=now,
        keep_refresh=account.refresh_token.get_secret_value(),
        keep_refresh_end=refresh_expires_at(account),
    )


def stored_fields(tokens: Tokens) -> dict[str, str]:
    fields = {"token": tokens.access_token}
    if tokens.refresh_token:
        fields["refresh_token"] = tokens.refresh_token
    if tokens.expires_at:
        fields["expires_at"] = tokens.expires_at.isoformat(timespec="seconds")
    if tokens.refresh_expires_at:
        fields["refresh_expires_at"] = tokens.refresh_expires_at.isoformat(timespec="seconds")
    return fields


class TokenKeeper:
    """A publisher for one OAuth account that refreshes the account's token before it runs out,
    stores the new tokens, and rebuilds the platform client with them. Everything else is the
    client's: `whoami`, `base_url` … pass through."""

    def __init__(
        self,
        platform: str,
        name: str,
        account: Account,
        *,
        build: Callable[[Account], Any],
        store: TokenStore,
        http: HttpClient,
        clock: Callable[[], dt.datetime],
    ) -> None:
        self.platform, self.name, self.account = platform, name, account
        self._build, self._store, self._http, self._clock = build, store, http, clock
        self._lock = threading.Lock()
        self.client = build(account)

    def __repr__(self) -> str:
        return (
            f"TokenKeeper({self.platform}:{self.name}, expires_at={self.account.expires_at!r}, client={self.client!r})"
        )

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)  # the client's abilities (quota_left …) and fields pass through

    def whoami(self) -> str:
        """Whom the account posts as, asked with a fresh token."""
        self.keep_fresh()
        return str(self.client.whoami())

    def keep_fresh(self) -> bool:
        """Refresh the token when it is due; True when it changed. A token store that cannot be
        used (unwritable, or refused for its mode) does not stop publishing: the new tokens are
        kept in memory and the problem is logged."""
        with self._lock:
            now = self._clock()
            if not due(self.platform, self.account, now):
                return False
            key = f"{self.platform}:{self.name}"
            try:
                with self._store.locked():
                    stored = self._store.load().get(key, {})
                    adopted = self.account.model_copy(
                        update={
                            name: (SecretStr(stored[name]) if name in ("token", "refresh_token") else stored[name])
                            for name in ("token", "refresh_token", "expires_at", "refresh_expires_at")
                            if stored.get(name)
                        }
                    )
                    if due(self.platform, adopted, now):
                        adopted = self._refreshed(adopted, key, now, keep=True)
            except (OSError, ConfigError) as error:  # the store could not even be read: nothing refreshed yet
                log.warning("token store %s: %s; refreshing %s in memory only", self._store.path, error, key)
                adopted = self._refreshed(self.account, key, now, keep=False)
            self.account = adopted
            fresh = self._build(adopted)
            if hasattr(self.client, "http") and hasattr(fresh, "http"):
                fresh.http = self.client.http  # one session and rate-limit pacer per account, across tokens
            self.client = fresh
            return True

    def _refreshed(self, account: Account, key: str, now: dt.datetime, *, keep: bool) -> Account:
        try:
            tokens = refresh(self.platform, account, http=self._http, now=now)
        except AuthorisationError as error:
            raise AuthorisationError(
                f"{key}: {error}; re-authorise: scheduler auth {self.platform} --account {self.name}"
            ) from None
        if keep:
            try:
                self._store.update(key, {**stored_fields(tokens), **bound_fields(self.platform, account)})
            except (OSError, ConfigError) as error:
                log.error(
                    "could not keep the refreshed %s tokens in %s (%s): they are lost when the daemon "
                    "stops; fix the store, or re-authorise then",
                    key,
                    self._store.path,
                    error,
                )
        return account.model_copy(
            update={
                "token": SecretStr(tokens.access_token),
                "refresh_token": SecretStr(tokens.refresh_token) if tokens.refresh_token else account.refresh_token,
                "expires_at": tokens.expires_at.isoformat(timespec="seconds") if tokens.expires_at else "",
                "refresh_expires_at": (
                    tokens.refresh_expires_at.isoformat(timespec="seconds")
                    if tokens.refresh_expires_at
                    else account.refresh_expires_at
                ),
            }
        )

    def publish(self, post: QueuedPost) -> PublishResult:
        self.keep_fresh()
        result: PublishResult = self.client.publish(post)
        return result

    def reconcile(self, post: QueuedPost) -> Reconciliation:
        self.keep_fresh()
        outcome: Reconciliation = self.client.reconcile(post)
        return outcome
