"""What Threads and Facebook Pages share: the Graph API's error body
`{"error": {"message", "type", "code", "error_subcode"}}` and its codes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scheduler.errors import AuthorisationError, DuplicateError, PublishError, RateLimitedError

if TYPE_CHECKING:
    import requests

_RATE_CODES = {4, 17, 32, 613, 80001}

#: The Graph API version of Facebook Pages (its API base and its OAuth dialog).
GRAPH_VERSION = "v21.0"


def graph_error(response: requests.Response) -> tuple[int | None, str]:
    try:
        error = response.json().get("error", {})
    except (ValueError, AttributeError):
        return None, ""
    return error.get("code"), " ".join(str(error.get("message", "")).split())[:300]


def classify(response: requests.Response) -> PublishError | None:
    code, message = graph_error(response)
    if code == 190 or (code == 10 and response.status_code in (400, 403)):
        return AuthorisationError(f"Meta rejected the token (code {code}): {message}")
    if code in _RATE_CODES:
        return RateLimitedError(f"Meta rate limit (code {code}): {message}")
    if code in (368, 506) and ("already posted" in message.lower() or "duplicate" in message.lower()):
        return DuplicateError(f"Meta: {message}")
    return None
