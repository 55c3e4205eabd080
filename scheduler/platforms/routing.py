"""Routing each post to the publisher of its account."""

from __future__ import annotations

from collections.abc import Mapping

from scheduler.errors import AuthorisationError
from scheduler.models import QueuedPost
from scheduler.platforms.base import Publisher, PublishResult, Reconciliation


class Router:
    """Publishes through the publisher registered for (platform, account). A post for an account
    without credentials needs attention: it is never silently dropped or sent elsewhere."""

    def __init__(self, publishers: Mapping[tuple[str, str], Publisher]) -> None:
        self.publishers = dict(publishers)

    def __repr__(self) -> str:
        routes = ", ".join(f"{p}:{a}={publisher!r}" for (p, a), publisher in sorted(self.publishers.items()))
        return f"Router({routes})"

    def _for(self, post: QueuedPost) -> Publisher:
        try:
            return self.publishers[(post.platform, post.account)]
        except KeyError:
            raise AuthorisationError(
                f"no credentials for {post.platform}:{post.account}; configure the account (see .env.example)"
            ) from None

    def publish(self, post: QueuedPost) -> PublishResult:
        return self._for(post).publish(post)

    def reconcile(self, post: QueuedPost) -> Reconciliation:
        return self._for(post).reconcile(post)
