"""What every answer of the dashboard carries, and what every state-changing request must show.

- Headers: a Content-Security-Policy without `unsafe-inline` (scripts and styles only from the app
  itself, no frames, no plugins, forms only to the app), `X-Content-Type-Options: nosniff`,
  `Referrer-Policy: same-origin`, `X-Frame-Options: DENY`, a Permissions-Policy that turns off what
  the dashboard never uses, and `Cache-Control: no-store` for pages with posts on them.
- CSRF: each session has a random token; every POST, PUT, PATCH and DELETE must send it back (the
  form field `csrf_token` or the header `X-CSRF-Token`), compared in constant time — except the
  webhook, which proves itself by its signature.
"""

from __future__ import annotations

import hmac
import secrets

from flask import Flask, Response, abort, request, session

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
#: Endpoints that need no CSRF token: they prove themselves otherwise.
EXEMPT = frozenset({"hooks.issue"})
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def csrf_token() -> str:
    """This session's CSRF token (made on first use)."""
    token = session.get("csrf")
    if not isinstance(token, str):
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def _check_csrf() -> None:
    if request.method not in _UNSAFE or request.endpoint in EXEMPT or request.routing_exception is not None:
        return
    expected = session.get("csrf")
    given = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    if not isinstance(expected, str) or not hmac.compare_digest(expected.encode(), given.encode()):
        abort(400, description="csrf")


def _headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.endpoint != "static":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def install(app: Flask) -> None:
    """Check CSRF before every view, add the headers to every answer."""
    app.before_request(_check_csrf)
    app.after_request(_headers)
    app.jinja_env.globals["csrf_token"] = csrf_token
