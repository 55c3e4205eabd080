"""Signed webhook requests: who may POST an issue to `scheduler serve`.

A caller signs each request with the shared secret (SCHEDULER_WEBHOOK_SECRET) and sends two headers:

- `X-Scheduler-Timestamp`: the time of the request, in seconds since 1970 (Unix time);
- `X-Scheduler-Signature`: `sha256=` and the hexadecimal HMAC-SHA256, under the secret, of the
  timestamp, a full stop and the raw body: `hmac(secret, f"{timestamp}.".encode() + body)`.

The timestamp is signed with the body, so a request recorded on the way cannot be sent again
later: one whose timestamp is more than `MAX_AGE` away from the server's clock is refused, as is a
missing or wrong signature. The comparison takes the same time however much of a signature is
right (`hmac.compare_digest`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

TIMESTAMP_HEADER = "X-Scheduler-Timestamp"
SIGNATURE_HEADER = "X-Scheduler-Signature"
#: How far a request's timestamp may be from the server's clock, either way.
MAX_AGE = dt.timedelta(minutes=5)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The `X-Scheduler-Signature` value of a request."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def problem(secret: str, *, timestamp: str | None, given: str | None, body: bytes, now: dt.datetime) -> str | None:
    """Why a request may not pass (in words for the caller, never naming the right signature), or None."""
    if not timestamp or not given:
        return f"the request is not signed: send {TIMESTAMP_HEADER} and {SIGNATURE_HEADER} (see README, Webhook)"
    try:
        sent = dt.datetime.fromtimestamp(int(timestamp), dt.UTC)
    except (ValueError, OverflowError, OSError):
        return f"{TIMESTAMP_HEADER} is no Unix time in seconds"
    if not hmac.compare_digest(signature(secret, timestamp, body).encode(), given.strip().encode()):
        return f"{SIGNATURE_HEADER} does not match the body under the shared secret"
    if abs(now - sent) > MAX_AGE:
        return f"{TIMESTAMP_HEADER} is more than {MAX_AGE.seconds // 60} minutes from the server's clock"
    return None
