"""Routing each post to the publisher of its account."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from scheduler.errors import AuthorisationError, PublishError
from scheduler.models import QueuedPost
from scheduler.platforms.base import Publisher, PublishResult, Reconciliation
from scheduler.platforms.spec import TokenRefresh

log = logging.getLogger(__name__)


class Router:
    """Publishes through the publisher registered for (platform, account). A post is never sent
    through another account; one for an account without a publisher needs attention (the daemon
    claims only posts of accounts it has, so this is a last line of defence)."""

    def __init__(self, publishers: Mapping[tuple[str, str], Publisher]) -> None:
        self.publishers = dict(publishers)

    def __repr__(self) -> str:
        routes = ", ".join(f"{p}:{a}={publisher!r}" for (p, a), publisher in sorted(self.publishers.items()))
        return f"Router({routes})"

    def _for(self, post: QueuedPost) -> Publisher:
        publisher = self.publishers.get((post.platform, post.account))
        if publisher is None:
            raise AuthorisationError(
                f"no credentials for {post.platform}:{post.account}; configure the account (see .env.example)",
                platform=post.platform,
                account=post.account,
            )
        return publisher

    def keep_fresh(self) -> list[str]:
        """Refresh every account's token that runs out soon; the accounts whose refresh failed, with why."""
        failures = []
        for (platform, account), publisher in sorted(self.publishers.items()):
            if not isinstance(publisher, TokenRefresh):
                continue
            try:
                publisher.keep_fresh()
            except PublishError as error:
                failures.append(f"{platform}:{account}: {error}")
        return failures

    def publish(self, post: QueuedPost) -> PublishResult:
        """Publish `post` through its account; a PublishError names the post's platform and account."""
        try:
            return self._for(post).publish(post)
        except PublishError as error:
            error.about(platform=post.platform, account=post.account)
            raise

    def reconcile(self, post: QueuedPost) -> Reconciliation:
        try:
            return self._for(post).reconcile(post)
        except PublishError as error:
            error.about(platform=post.platform, account=post.account)
            raise
