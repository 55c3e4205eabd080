"""Turning a stored row into a `QueuedPost`, and a post's `Content` into the columns that store it
(no SQLAlchemy import: shared with the fast read path)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scheduler.models import Content, Image, QueuedPost

#: The posts columns holding times (the fast read path decodes them with `storage.times`).
TIMES = ("publish_at", "due_at", "claimed_at", "updated_at")


def content_columns(content: Content) -> dict[str, Any]:
    """The posts columns holding `content` (JSON columns take lists)."""
    return {
        "parts": list(content.parts),
        "language": content.language,
        "links": list(content.links),
        "images": [image.as_dict() for image in content.images],
        "spoiler_text": content.spoiler_text,
        "title": content.title,
    }


def content_from(m: Mapping[Any, Any]) -> Content:
    """The `Content` a row holds: its JSON columns are decoded lists (`images` of {"path", "alt"})."""
    return Content(
        parts=tuple(m["parts"]),
        language=m["language"],
        links=tuple(m["links"]),
        images=tuple(Image.from_dict(value) for value in m["images"]),
        spoiler_text=m["spoiler_text"],
        title=m["title"],
    )


def post_from(m: Mapping[Any, Any]) -> QueuedPost:
    """`m` is a row, its JSON columns decoded."""
    return QueuedPost(
        id=m["id"],
        item_id=m["item_id"],
        platform=m["platform"],
        account=m["account"],
        state=m["state"],
        publish_at=m["publish_at"],
        content=content_from(m),
        section=m["section"],
        source=m["source"],
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
