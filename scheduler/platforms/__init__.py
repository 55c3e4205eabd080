"""Platforms: request bodies now; API clients behind one interface in a later step."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from scheduler.errors import UnknownPlatformError
from scheduler.models import PLATFORMS, Post
from scheduler.platforms import bluesky, facebook, linkedin, mastodon, threads, x
from scheduler.platforms.base import Payload, PayloadBuilder

BUILDERS: dict[str, PayloadBuilder] = {
    "linkedin": linkedin.build_payloads,
    "mastodon": mastodon.build_payloads,
    "bluesky": bluesky.build_payloads,
    "x": x.build_payloads,
    "threads": threads.build_payloads,
    "facebook": facebook.build_payloads,
}


def build_uploads(post: Post) -> list[Payload]:
    """The requests that upload `post`'s images before it is created, in order (none without images).

    Each is `{"method", "path" (below the API base) or "url", "content_type"?, "body"?, "note"?}`;
    bytes and ids only an earlier answer supplies appear as `<placeholders>`. A platform module
    takes part by defining `build_uploads(post)`."""
    if not post.images:
        return []
    module = {"linkedin": linkedin, "mastodon": mastodon, "bluesky": bluesky, "x": x, "threads": threads,
              "facebook": facebook}.get(post.platform)
    builder = getattr(module, "build_uploads", None)
    return builder(post) if builder is not None else []


#: Per platform, keyword arguments for its `build_payloads` that come from settings, e.g.
#: `{"mastodon": {"visibility": "unlisted"}}` (see `config.payload_options`).
PayloadOptions = Mapping[str, Mapping[str, Any]]


def build_payloads(post: Post, *, now: dt.datetime, options: PayloadOptions | None = None) -> list[Payload]:
    """The body of every request that publishing `post` sends, in order, secrets redacted."""
    try:
        builder = BUILDERS[post.platform]
    except KeyError:
        raise UnknownPlatformError(post.platform, PLATFORMS) from None
    return builder(post, now=now, **(options or {}).get(post.platform, {}))
