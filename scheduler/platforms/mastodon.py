"""Mastodon (`POST /api/v1/statuses`): a thread is a chain of self-replies."""

from __future__ import annotations

import datetime as dt

from scheduler.models import Post
from scheduler.platforms.base import Payload


def build_payloads(post: Post, *, now: dt.datetime) -> list[Payload]:
    payloads: list[Payload] = []
    for index, part in enumerate(post.parts):
        body: Payload = {"status": part, "visibility": "public", "language": post.language}
        if post.spoiler_text:
            body["spoiler_text"] = post.spoiler_text
        if index:
            body["in_reply_to_id"] = f"<id of part {index}>"
        payloads.append(body)
    return payloads
