"""Routing each post to the publisher of its account."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping

from scheduler.errors import AuthorisationError, PublishError
from scheduler.models import QueuedPost
from scheduler.platforms.base import Publisher, PublishResult, Reconciliation

log = logging.getLogger(__name__)


class Router:
    """Publishes through the publisher registered for (platform, account). A post for an account
    without credentials goes to `fallback` (the dry-run outbox), saying so in its result; without a
    fallback it needs attention. It is never sent through another account."""

    def __init__(self, publishers: Mapping[tuple[str, str], Publisher], fallback: Publisher | None = None) -> None:
        self.publishers = dict(publishers)
        self.fallback = fallback
        self._told: set[tuple[str, str]] = set()

    def __repr__(self) -> str:
        routes = ", ".join(f"{p}:{a}={publisher!r}" for (p, a), publisher in sorted(self.publishers.items()))
        return f"Router({routes}, fallback={self.fallback!r})"

    def _for(self, post: QueuedPost) -> Publisher:
        key = (post.platform, post.account)
        publisher = self.publishers.get(key)
        if publisher is not None:
            return publisher
        if self.fallback is None:
            raise AuthorisationError(
                f"no credentials for {post.platform}:{post.account}; configure the account (see .env.example)")
        if key not in self._told:
            self._told.add(key)
            log.warning("%s:%s has no credentials: its posts go to the dry-run outbox", *key)
        return self.fallback

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
        publisher = self._for(post)
        result = publisher.publish(post)
        if publisher is self.fallback:
            result = dataclasses.replace(result, note=f"dry run: no credentials for {post.platform}:{post.account}, "
                                                      "the request went to the outbox")
        return result

    def reconcile(self, post: QueuedPost) -> Reconciliation:
        return self._for(post).reconcile(post)
