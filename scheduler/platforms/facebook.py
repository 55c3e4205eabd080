"""Facebook Pages (`POST /{page-id}/feed`): message, the first link for the preview card."""

from __future__ import annotations

import datetime as dt

from scheduler.models import Post
from scheduler.platforms.base import REDACTED, Payload


def build_payloads(post: Post, *, now: dt.datetime) -> list[Payload]:
    body: Payload = {"message": post.text}
    if post.links:
        body["link"] = post.links[0]
    body["access_token"] = REDACTED
    return [body]
