"""Routing each post to the publisher of its account."""

from __future__ import annotations

from collections.abc import Mapping

from scheduler.errors import AuthorisationError, PublishError
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

    def keep_fresh(self) -> list[str]:
        """Refresh every account's token that runs out soon; the accounts whose refresh failed, with why."""
        failures = []
        for (platform, account), publisher in sorted(self.publishers.items()):
            keep_fresh = getattr(publisher, "keep_fresh", None)
            if keep_fresh is None:
                continue
            try:
                keep_fresh()
            except PublishError as error:
                failures.append(f"{platform}:{account}: {error}")
        return failures

    def publish(self, post: QueuedPost) -> PublishResult:
        return self._for(post).publish(post)

    def reconcile(self, post: QueuedPost) -> Reconciliation:
        return self._for(post).reconcile(post)
