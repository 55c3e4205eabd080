"""Threads (`POST /{user-id}/threads`, then `threads_publish`): the container request's form body."""

from __future__ import annotations

import datetime as dt

from scheduler.models import Post
from scheduler.platforms.base import REDACTED, Payload


def build_payloads(post: Post, *, now: dt.datetime) -> list[Payload]:
    payloads: list[Payload] = []
    for index, part in enumerate(post.parts):
        body: Payload = {"media_type": "TEXT", "text": part}
        if index:
            body["reply_to_id"] = f"<media id of part {index}>"
        body["access_token"] = REDACTED
        payloads.append(body)
    return payloads
