"""The contract every platform module fulfils, and what they share.

Each platform module exposes `build_payloads(post, *, now) -> list[dict]`: the exact JSON or form
body of each request that publishing `post` sends, in order (one per thread part). Values only
the account or the previous request can supply appear as `<placeholders>`; secrets appear as
`REDACTED`, never as their value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from scheduler.models import Post, QueuedPost

if TYPE_CHECKING:
    from pydantic import SecretStr

    from scheduler.platforms.http import HttpClient

REDACTED = "[redacted]"

Payload = dict[str, Any]


class PayloadBuilder(Protocol):
    def __call__(self, post: Post, *, now: dt.datetime) -> list[Payload]: ...


@dataclass(frozen=True, slots=True)
class PublishResult:
    """What a platform returned for a published post."""

    remote_id: str
    remote_url: str | None = None
    note: str | None = None  # how it went out when that is not the plain way (a dry run)


class Outcome(StrEnum):
    """What reconciling a post left in `publishing` found out."""

    PUBLISHED = "published"
    NOT_PUBLISHED = "not_published"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Reconciliation:
    outcome: Outcome
    result: PublishResult | None = None  # when PUBLISHED


class Publisher(Protocol):
    """How the daemon publishes. `publish` raises a `scheduler.errors.PublishError` subclass on
    failure; `reconcile` answers whether an interrupted attempt reached the platform."""

    def publish(self, post: QueuedPost) -> PublishResult: ...

    def reconcile(self, post: QueuedPost) -> Reconciliation: ...


class Journal(Protocol):
    """Where a client notes remote ids between the requests of one attempt (the queue's store), so
    that `reconcile` after a crash can ask the platform about exactly those."""

    def remember(self, post: QueuedPost, name: str, value: str, *, now: dt.datetime) -> None: ...

    def recall(self, post: QueuedPost) -> dict[str, str]: ...


class ApiClient:
    """What every platform client holds: its API base address, a secret, the one request helper and
    a clock. `repr` shows the base address and the fields named in `shown`, never the secret."""

    shown: tuple[str, ...] = ()

    def __init__(
        self,
        base_url: str,
        secret: SecretStr,
        *,
        http: HttpClient | None = None,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._secret = secret
        if http is None:
            from scheduler.platforms.http import HttpClient  # requests only when a client is built

            http = HttpClient()
        self.http = http
        http.conceal(secret)  # never in an error text, whatever the platform echoes
        self.clock = clock or http.clock  # a dry run's clock reaches the bodies too

    journal: Journal | None = None  # clients that note remote ids between requests set it

    def _note(self, post: QueuedPost, name: str, value: str) -> None:
        """Note a remote id of this attempt in the journal (durably, before the next request)."""
        if self.journal is not None:
            self.journal.remember(post, name, value, now=self.clock())

    def _steps(self, post: QueuedPost) -> dict[str, str]:
        """What this attempt noted so far; a name noted "" was given up."""
        steps = self.journal.recall(post) if self.journal is not None else {}
        return {name: value for name, value in steps.items() if value}

    def __repr__(self) -> str:
        extra = "".join(f", {name}={getattr(self, name)!r}" for name in self.shown)
        return f"{type(self).__name__}(base_url={self.base_url!r}{extra})"
