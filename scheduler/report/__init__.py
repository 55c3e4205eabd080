"""Preview reports: the same previews as text, JSON, Markdown or a self-contained HTML page."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from scheduler.service import IssuePreview


def to_data(previews: Sequence[IssuePreview]) -> dict[str, Any]:
    """The JSON document of `scheduler preview --format json`."""
    return {
        "issues": [
            {
                "title": preview.issue.title,
                "date": preview.issue.date.isoformat() if preview.issue.date else None,
                "source": preview.issue.source,
                "language": preview.issue.language,
                "items": len(preview.issue.items),
                "posts": [
                    {
                        "item_id": entry.post.item_id,
                        "section": entry.post.section,
                        "title": entry.post.title,
                        "platform": entry.post.platform,
                        "text": entry.post.text,
                        "parts": list(entry.post.parts),
                        "length": entry.post.length,
                        "limit": entry.post.limit,
                        "fits": entry.post.fits,
                        "reason": entry.post.reason,
                        "warnings": list(entry.post.warnings),
                        "links": list(entry.post.links),
                        "images": [image.as_dict() for image in entry.post.images],
                        "uploads": list(entry.uploads),
                        "payload": entry.payloads[0],
                        "replies": list(entry.payloads[1:]),
                    }
                    for entry in preview.posts
                ],
            }
            for preview in previews
        ]
    }


def formatter(name: str) -> Callable[[Sequence[IssuePreview]], str]:
    if name == "json":
        from scheduler.report.jsonreport import render
    elif name == "markdown":
        from scheduler.report.markdown import render
    elif name == "html":
        from scheduler.report.html import render
    else:
        from scheduler.report.text import render
    return render
