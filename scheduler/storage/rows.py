"""Turning a stored row into a `QueuedPost` (no SQLAlchemy import: shared with the fast read path)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scheduler.models import Image, QueuedPost

#: The posts columns holding times (the fast read path decodes them with `storage.times`).
TIMES = ("publish_at", "due_at", "claimed_at", "updated_at")


def post_from(m: Mapping[Any, Any]) -> QueuedPost:
    """`m` is a row; its `images` is the JSON column's list of {"path", "alt"} (None before 0002)."""
    return QueuedPost(
        id=m["id"],
        item_id=m["item_id"],
        platform=m["platform"],
        account=m["account"],
        state=m["state"],
        publish_at=m["publish_at"],
        parts=tuple(m["parts"]),
        language=m["language"],
        section=m["section"],
        title=m["title"],
        source=m["source"],
        spoiler_text=m["spoiler_text"],
        link=m["link"],
        images=tuple(Image.from_dict(value) for value in m["images"] or ()),
        attempts=m["attempts"],
        idempotency_key=m["idempotency_key"],
        remote_id=m["remote_id"],
        remote_url=m["remote_url"],
        error=m["error"],
        due_at=m["due_at"],
        claimed_at=m["claimed_at"],
        claimed_by=m.get("claimed_by"),
        updated_at=m.get("updated_at"),
        rendered=m.get("rendered"),
    )
