"""X API v2 (`POST /2/tweets`): a thread is a chain of replies."""

from __future__ import annotations

import datetime as dt

from scheduler.models import Post
from scheduler.platforms.base import Payload


def build_payloads(post: Post, *, now: dt.datetime) -> list[Payload]:
    payloads: list[Payload] = []
    for index, part in enumerate(post.parts):
        body: Payload = {"text": part}
        if index:
            body["reply"] = {"in_reply_to_tweet_id": f"<id of part {index}>"}
        payloads.append(body)
    return payloads
