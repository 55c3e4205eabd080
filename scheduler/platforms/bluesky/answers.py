"""What the PDS's answers say: the XRPC error name and message, when a rate limit resets, and which
of the package's errors a refused request is (`classify`, given to every request)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from scheduler.errors import AuthorisationError, PublishError, RejectedError

if TYPE_CHECKING:
    import requests

#: Answers that say the session is not (or no longer) good on this server: a kept session meeting one
#: is dropped and the account logs in again once with its app password.
STALE_SESSION = (
    "ExpiredToken",
    "InvalidToken",
    "AuthMissing",
    "AuthenticationRequired",
    "AccountNotFound",
    "AccountDeactivated",
)


class SessionError(AuthorisationError):
    """The session was refused; `name` is the PDS's error name (ExpiredToken, AccountNotFound …)."""

    def __init__(self, message: str, name: str) -> None:
        super().__init__(message)
        self.name = name


def reset(response: requests.Response) -> float | None:
    """Bluesky's RateLimit-Reset is epoch seconds."""
    value = response.headers.get("RateLimit-Reset")
    try:
        return max(float(value) - dt.datetime.now(dt.UTC).timestamp(), 0.0) if value else None
    except ValueError:
        return None


def error_name(response: requests.Response) -> str:
    """The XRPC error name of an answer (`ExpiredToken`, `InvalidRequest` …), or ""."""
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("error", "")) if isinstance(body, dict) else ""


def message(response: requests.Response) -> str:
    """`InvalidRequest: Invalid app.bsky.feed.post record: …`: the error's name and the PDS's words."""
    from scheduler.platforms.http import message_of

    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), str) and isinstance(body.get("message"), str):
        return " ".join(f"{body['error']}: {body['message']}".split())[:300]
    return message_of(response)


def classify(response: requests.Response) -> PublishError | None:
    """A refused session → `SessionError`; any other 400 → `RejectedError`; else the request helper decides."""
    name = error_name(response)
    if response.status_code in (400, 401, 403) and name in (*STALE_SESSION, "AccountTakedown"):
        return SessionError(f"Bluesky: {message(response)}", name)
    if response.status_code == 400:
        return RejectedError(f"Bluesky rejected the post: {message(response)}")
    return None
