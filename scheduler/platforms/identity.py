"""Whom an account posts as, and whether stored credentials belong to it.

A token or session in the token store was made for one server and one identity (a handle, an author
URN, a page, a user). It is used only while the settings name the same; when they name another, it
is set aside (with a warning) rather than posting as the previous identity.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scheduler.platforms import registry

#: Stored fields that are a session bound to one login: without a recorded identity they are not used.
SESSION_FIELDS = ("session_access", "session_refresh", "session_did")


def _normal(field: str, value: str) -> str:
    value = value.strip()
    if field == "base_url":
        return value.rstrip("/").lower()
    if field == "handle":
        return value.removeprefix("@").lower()
    return value


def bound_fields(platform: str, account: Any) -> dict[str, str]:
    """The identity fields of `account` that have a value: what a stored credential is bound to."""
    return {
        field: str(getattr(account, field)) for field in registry.get(platform).identity if getattr(account, field, "")
    }


def conflict(platform: str, named: Mapping[str, str], stored: Mapping[str, str]) -> str | None:
    """Why credentials `stored` for one identity may not be used for the identity the settings name
    (`named`: the identity fields the settings set explicitly); None when they agree. A kept
    session that recorded no identity is refused too: it cannot be told apart from another's."""
    for field in registry.get(platform).identity:
        if field in named and field in stored and _normal(field, named[field]) != _normal(field, stored[field]):
            return f"they were made for {field} {stored[field]}, the settings name {named[field]}"
    if any(field in stored for field in SESSION_FIELDS) and "handle" not in stored:
        return "the kept session does not say whose it is"
    return None


def whom(platform: str, account: Any) -> tuple[str, str]:
    """Whom `account` posts as and where: (`@comms.bsky.social`, `https://bsky.social`); the first
    is "" when only the token knows, the second "" for the platform's default server."""
    return registry.get(platform).who(account), getattr(account, "base_url", "") or ""


def describe(platform: str, account: Any) -> str:
    """Whom `account` posts as, in words: `@comms.bsky.social at https://bsky.social`."""
    who, base = whom(platform, account)
    where = base or "the platform's default server"
    return f"{who or 'the account of the token'} at {where}"
