"""Mentions: a handle's DID from the account's PDS (`com.atproto.identity.resolveHandle`), asked once
per handle and post. A handle the PDS cannot resolve stays plain text."""

from __future__ import annotations

import logging

from scheduler.errors import RejectedError
from scheduler.platforms.bluesky.session import Call
from scheduler.text.facets import Resolver

log = logging.getLogger(__name__)


def did_of(call: Call, handle: str) -> str | None:
    """The DID of `handle` (`com.atproto.identity.resolveHandle` through `call`), or None when the PDS
    answers 400 (HandleNotFound, or a handle it cannot resolve): the mention then stays plain text.
    Other failures (network, 5xx, authorisation) are raised: the post is tried again."""
    try:
        found = call("GET", "com.atproto.identity.resolveHandle", params={"handle": handle})
    except RejectedError as error:
        log.info("@%s stays plain text: %s", handle, error)
        return None
    did = found.get("did")
    return did if isinstance(did, str) and did.startswith("did:") else None


def once_per_handle(resolve: Resolver) -> Resolver:
    """`resolve` asked at most once per handle (one of these per post)."""
    known: dict[str, str | None] = {}

    def cached(handle: str) -> str | None:
        if handle not in known:
            known[handle] = resolve(handle)
        return known[handle]

    return cached
