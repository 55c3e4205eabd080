"""Bluesky (`com.atproto.repo.createRecord`): records with `langs` and byte-offset facets."""

from __future__ import annotations

import datetime as dt

from scheduler.models import Post
from scheduler.platforms.base import Payload
from scheduler.text.facets import facets

REPO_PLACEHOLDER = "<DID of the account>"


def _ref(index: int) -> dict[str, str]:
    return {"uri": f"<uri of part {index}>", "cid": f"<cid of part {index}>"}


def build_payloads(post: Post, *, now: dt.datetime, repo: str = REPO_PLACEHOLDER) -> list[Payload]:
    created = now.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    payloads: list[Payload] = []
    for index, part in enumerate(post.parts):
        record: Payload = {"$type": "app.bsky.feed.post", "text": part, "createdAt": created, "langs": [post.language]}
        if part_facets := facets(part):
            record["facets"] = part_facets
        if index:
            record["reply"] = {"root": _ref(1), "parent": _ref(index)}
        payloads.append({"repo": repo, "collection": "app.bsky.feed.post", "record": record})
    return payloads
