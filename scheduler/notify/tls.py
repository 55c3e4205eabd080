"""What the notice channels share about their connections: the TLS context (a verified certificate,
always) and the one-line reason a connection failed, found behind the wrappers of requests, urllib3
and smtplib."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import TypeVar

E = TypeVar("E", bound=BaseException)

#: How deep to look behind wrapped exceptions (requests → urllib3 → ssl is three).
_DEPTH = 8


def context(ca_file: Path | None = None) -> ssl.SSLContext:
    """A client context that verifies the server's certificate and host name: the system's CAs, or
    only those of `ca_file` (a private server's CA) when given."""
    return ssl.create_default_context(cafile=str(ca_file) if ca_file is not None else None)


def cause(error: BaseException | None, kind: type[E], depth: int = 0) -> E | None:
    """The first exception of `kind` in `error`, its arguments, reason, cause or context."""
    if error is None or depth > _DEPTH:
        return None
    if isinstance(error, kind):
        return error
    for inner in (*error.args, getattr(error, "reason", None), error.__cause__, error.__context__):
        if isinstance(inner, BaseException) and (found := cause(inner, kind, depth + 1)) is not None:
            return found
    return None


def tls_problem(error: BaseException) -> str | None:
    """One line saying why TLS failed behind `error`, or None when TLS is not why."""
    unverified = cause(error, ssl.SSLCertVerificationError)
    if unverified is not None:
        return f"certificate does not verify ({unverified.verify_message or unverified.reason})"
    failed = cause(error, ssl.SSLError)
    if failed is not None:
        return f"TLS failed ({failed.reason or type(failed).__name__})"
    return None
