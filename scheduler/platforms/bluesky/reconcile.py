"""Record keys and reconciling. Each part gets a record key (TID) derived from the post's idempotency
key, so the record's address is known before it is sent: reconciling is a `getRecord` per part, and
a repeated create with the same key can never make a second post (the PDS refuses an existing key)."""

from __future__ import annotations

import hashlib
from typing import Any

from scheduler.errors import RejectedError
from scheduler.models import QueuedPost
from scheduler.platforms.base import Outcome
from scheduler.platforms.bluesky.session import Call

_S32 = "234567abcdefghijklmnopqrstuvwxyz"
COLLECTION = "app.bsky.feed.post"


def tid(micros: int, clock_id: int) -> str:
    """A record key in the TID format: 53 bits of microseconds and 10 bits of clock id, base32-sortable."""
    value = ((micros & ((1 << 53) - 1)) << 10) | (clock_id & 0x3FF)
    out = []
    for _ in range(13):
        out.append(_S32[value & 31])
        value >>= 5
    return "".join(reversed(out))


def record_keys(post: QueuedPost) -> list[str]:
    """Deterministic record keys for the parts of `post` (from its idempotency key and publish time)."""
    digest = hashlib.sha256((post.idempotency_key or f"post-{post.id}").encode()).digest()
    clock_id = int.from_bytes(digest[:2], "big") & 0x3FF
    micros = int(post.publish_at.timestamp() * 1_000_000) + int.from_bytes(digest[2:5], "big")
    return [tid(micros + index, clock_id) for index in range(len(post.parts))]


def get_record(call: Call, repo: str, rkey: str) -> dict[str, Any] | None:
    """The post record `rkey` of `repo` (`com.atproto.repo.getRecord`), or None when there is none."""
    try:
        return call("GET", "com.atproto.repo.getRecord", params={"repo": repo, "collection": COLLECTION, "rkey": rkey})
    except RejectedError as error:
        if "RecordNotFound" in str(error) or "Could not locate record" in str(error):
            return None
        raise


def existing_parts(call: Call, repo: str, post: QueuedPost) -> dict[int, dict[str, str]]:
    """The parts of `post` already on the PDS, by index: their `{uri, cid}`."""
    existing = {}
    for index, rkey in enumerate(record_keys(post)):
        found = get_record(call, repo, rkey)
        if found is not None:
            existing[index] = {"uri": found["uri"], "cid": found["cid"]}
    return existing


def outcome(post: QueuedPost, existing: dict[int, dict[str, str]]) -> Outcome:
    """What the parts found say: none → not published; later parts without the first → unknown (a
    thread cannot be finished without its root); else published (a half-sent thread is finished)."""
    if not existing:
        return Outcome.NOT_PUBLISHED
    if len(existing) < len(post.parts) and 0 not in existing:
        return Outcome.UNKNOWN
    return Outcome.PUBLISHED
