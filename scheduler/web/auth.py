"""Signing in and out, and who may do what.

Every page needs a signed-in user: the webhook (which checks its signature) and the static files
are the only ways in without one. The session cookie holds the user's name, signed with the key
`Wiring.session_key` keeps; it is `HttpOnly` and `SameSite=Lax`, and `Secure` when the dashboard is
served behind HTTPS (SCHEDULER_SERVE_HTTPS). Signing in starts a new session (no fixation), and a
user removed meanwhile is signed out at the next request. The session also keeps a stamp of the
user's password hash (`stamp`: a short SHA-256 of it, which tells nothing of the hash): once the
password changes, every session signed in with the old one ends at its next request — the one that
changed it starts anew (`start_session`). What a user may do is their role's
(`team.may`), checked on the server for every action: a forged request gets 403.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from flask import Blueprint, Flask, abort, current_app, g, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from scheduler import team
from scheduler.errors import InputError, LoginRefused
from scheduler.web.i18n import gettext, ngettext
from scheduler.web.security import csrf_token

if TYPE_CHECKING:
    from scheduler.models import User
    from scheduler.wiring import Wiring

auth = Blueprint("auth", __name__)

#: Endpoints open without signing in (`favicon`: /favicon.ico, which browsers ask for on their own).
PUBLIC = frozenset({"auth.login", "static", "favicon", "hooks.issue"})


def wiring() -> Wiring:
    from scheduler.web import WIRING

    found: Wiring = current_app.extensions[WIRING]
    return found


def user() -> User:
    """The signed-in user of this request (every view but the public ones has one)."""
    signed_in: User = g.user
    return signed_in


def require(action: str) -> None:
    """403 unless the signed-in user's role may do `action`."""
    if not team.may(user().role, action):
        abort(403)


def _safe_next(target: str | None) -> str:
    """Where to go after signing in: a path of this site only (never another host)."""
    if not target:
        return url_for("queue.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("queue.index")
    return target


def stamp(user: User) -> str:
    """What a session keeps of `user`'s password hash: it changes when the password does."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def start_session(user: User) -> None:
    """A new session for `user` (no fixation: the old one's contents go, but the reader's language),
    stamped with their password (see `stamp`), with a new CSRF token."""
    language = session.get("lang")
    session.clear()
    session["user"] = user.name
    session["stamp"] = stamp(user)
    if language:
        session["lang"] = language
    csrf_token()


def session_user() -> User | None:
    """The user this request's session is signed in as: None when it is not, or the user was
    removed or has a new password since (see `stamp`)."""
    name = session.get("user")
    if not isinstance(name, str):
        return None
    found = wiring().store.user(name)
    return found if found is not None and session.get("stamp") == stamp(found) else None


def _load_user() -> Response | None:
    g.user = None
    if request.routing_exception is not None:  # no such page or method: its error, signed in or not
        return None
    g.user = session_user()
    if g.user is None and isinstance(session.get("user"), str):  # removed, or a new password since
        session.clear()
    if request.endpoint in PUBLIC or g.user is not None:
        return None
    if request.path.startswith("/api/"):
        abort(401)
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


@auth.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int] | tuple[str, int, dict[str, str]]:
    if request.method == "GET":
        csrf_token()
        return render_template("login.html", next=request.args.get("next", ""), error="")
    name = request.form.get("name", "").strip()
    password = request.form.get("password", "")
    address = request.remote_addr or "unknown"
    target = _safe_next(request.form.get("next"))
    try:
        signed_in = team.authenticate(wiring().store, name, password, address=address, now=wiring().clock())
    except LoginRefused as refused:  # 429: not a wrong password but a wait, in whole seconds (Retry-After)
        page = render_template("login.html", next=target, error=refused_words(refused.retry_after), name=name)
        return page, 429, {"Retry-After": str(max(1, -int(-refused.retry_after // 1)))}
    except InputError:
        return render_template("login.html", next=target, error="wrong", name=name), 401
    start_session(signed_in)
    return redirect(target)


def refused_words(seconds: float) -> str:
    """Why a sign-in is refused before its password is looked at, in the reader's language."""
    import math

    if seconds < 60:
        wait = ngettext("%(num)d second", "%(num)d seconds", max(math.ceil(seconds), 1))
    else:
        wait = ngettext("%(num)d minute", "%(num)d minutes", math.ceil(seconds / 60))
    return gettext("Too many failed sign-ins for this name or from this address. Try again in %(wait)s.", wait=wait)


@auth.post("/logout")
def logout() -> Response:
    session.clear()
    return redirect(url_for("auth.login"))


def install(app: Flask, wiring: Wiring) -> None:
    """Session cookies and the sign-in check before every view."""
    app.secret_key = wiring.session_key()
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=wiring.settings.serve_https,
        SESSION_COOKIE_NAME="scheduler_session",
        PERMANENT_SESSION_LIFETIME=60 * 60 * 12,
    )
    app.before_request(_load_user)
    app.register_blueprint(auth)
