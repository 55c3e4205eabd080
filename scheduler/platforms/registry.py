"""The platforms we publish to, registered in one place.

Each platform's module declares what is true of it as `PLATFORM` (a `scheduler.platforms.spec.Platform`);
this module names the modules, in the order previews list them, and loads one only when it is
asked for (so `scheduler --help` stays fast). Adding a platform: write its module with `PLATFORM`
(its settings included), add it to `_MODULES`, document its settings in `.env.example`, add its
tests (see the README, "Adding a platform").
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

from scheduler.errors import UnknownPlatformError

if TYPE_CHECKING:
    from scheduler.platforms.spec import Platform
    from scheduler.text.length import Measure

_MODULES: Mapping[str, str] = MappingProxyType(
    {
        "linkedin": "scheduler.platforms.linkedin",
        "mastodon": "scheduler.platforms.mastodon",
        "bluesky": "scheduler.platforms.bluesky",
        "x": "scheduler.platforms.x",
        "threads": "scheduler.platforms.threads",
        "facebook": "scheduler.platforms.facebook",
    }
)

#: Every platform's name, in the order previews list them.
NAMES: tuple[str, ...] = tuple(_MODULES)


def get(name: str) -> Platform:
    """The platform called `name`; `UnknownPlatformError` naming the known ones otherwise."""
    from scheduler.platforms.spec import Platform

    try:
        module = importlib.import_module(_MODULES[name])
    except KeyError:
        raise UnknownPlatformError(name, NAMES) from None
    platform = getattr(module, "PLATFORM", None)
    if not isinstance(platform, Platform) or platform.name != name:
        raise TypeError(f"{_MODULES[name]} must declare PLATFORM = Platform(name={name!r}, …)")
    return platform


def every() -> list[Platform]:
    """Every platform, in the order of `NAMES`."""
    return [get(name) for name in NAMES]


def thread_platforms() -> frozenset[str]:
    """The platforms whose API chains a post's parts as replies (a thread)."""
    return frozenset(platform.name for platform in every() if platform.threads)


def measure(name: str, text: str, spoiler_text: str = "", *, limits: Mapping[str, int] | None = None) -> Measure:
    """`text` measured as platform `name` counts it, against its limit or the one `limits` gives it
    (a Mastodon instance's own, from settings or the instance)."""
    return get(name).measure_text(text, spoiler_text, limit=(limits or {}).get(name))
