"""Turning a stored row into a `QueuedPost` (no SQLAlchemy import: shared with the fast read path)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scheduler.models import QueuedPost


def post_from(m: Mapping[str, Any]) -> QueuedPost:
    return QueuedPost(
        id=m["id"], item_id=m["item_id"], platform=m["platform"], account=m["account"], state=m["state"],
        publish_at=m["publish_at"], parts=tuple(m["parts"]), language=m["language"], section=m["section"],
        title=m["title"], source=m["source"], spoiler_text=m["spoiler_text"], link=m["link"], image=m["image"],
        alt=m["alt"], attempts=m["attempts"], idempotency_key=m["idempotency_key"], remote_id=m["remote_id"],
        remote_url=m["remote_url"], error=m["error"], due_at=m["due_at"], claimed_at=m["claimed_at"],
    )
