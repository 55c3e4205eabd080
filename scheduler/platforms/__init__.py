"""Platforms: each platform's module declares what is true of it (`PLATFORM`), builds its request
bodies and holds its API client; `registry` lists them. The rest of the package asks the registry
and never branches on a platform's name."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scheduler.models import Content
    from scheduler.platforms.base import Payload

#: Per platform, keyword arguments for its `build_payloads` that come from settings, e.g.
#: `{"mastodon": {"visibility": "unlisted"}}` (see `config.payload_options` and `Platform.options`).
PayloadOptions = Mapping[str, Mapping[str, Any]]


def build_uploads(platform: str, content: Content) -> list[Payload]:
    """The requests that upload `content`'s images before the post is created, in order (none
    without images). Each is `{"method", "path" (below the API base) or "url", "content_type"?,
    "body"?, "note"?}`; bytes and ids only an earlier answer supplies appear as `<placeholders>`."""
    from scheduler.platforms import registry

    return registry.get(platform).build_uploads(content) if content.images else []


def build_payloads(
    platform: str, content: Content, *, now: dt.datetime, options: PayloadOptions | None = None
) -> list[Payload]:
    """The body of every request that publishing `content` on `platform` sends, in order, secrets redacted."""
    from scheduler.platforms import registry

    return registry.get(platform).build_payloads(content, now=now, **(options or {}).get(platform, {}))
