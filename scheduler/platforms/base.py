"""The contract every platform module fulfils, and what they share.

Each platform module exposes `build_payloads(post, *, now) -> list[dict]`: the exact JSON or form
body of each request that publishing `post` sends, in order (one per thread part). Values only
the account or the previous request can supply appear as `<placeholders>`; secrets appear as
`REDACTED`, never as their value.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol

from scheduler.models import Post, QueuedPost

REDACTED = "[redacted]"

Payload = dict[str, Any]


class PayloadBuilder(Protocol):
    def __call__(self, post: Post, *, now: dt.datetime) -> list[Payload]: ...


@dataclass(frozen=True, slots=True)
class PublishResult:
    """What a platform returned for a published post."""

    remote_id: str
    remote_url: str | None = None


class Outcome:
    """What reconciling a post left in `publishing` found out."""

    PUBLISHED = "published"
    NOT_PUBLISHED = "not_published"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Reconciliation:
    outcome: str  # Outcome.*
    result: PublishResult | None = None  # when PUBLISHED


class Publisher(Protocol):
    """How the daemon publishes. `publish` raises a `scheduler.errors.PublishError` subclass on
    failure; `reconcile` answers whether an interrupted attempt reached the platform."""

    def publish(self, post: QueuedPost) -> PublishResult: ...

    def reconcile(self, post: QueuedPost) -> Reconciliation: ...
