"""The web app of `scheduler serve`: an application factory over the same wiring and use cases
as the command line. Today it serves the webhook (`hooks`); the dashboard grows here."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from flask import Flask, Response, g, jsonify, redirect, render_template, request, session, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as WerkzeugResponse

from scheduler.errors import SchedulerError

if TYPE_CHECKING:
    from scheduler.models import User
    from scheduler.wiring import Wiring

#: Where the app keeps its wiring (`app.extensions[WIRING]`).
WIRING = "scheduler.wiring"


def create_app(wiring: Wiring) -> Flask:
    """The app for `wiring`'s settings: the dashboard (every page behind a sign-in, see `auth`) and
    the webhook (`hooks`). Requests larger than an issue may be are refused (413) before they are
    read. The webhook answers JSON `{"error": "…"}`, the pages an HTML page in the reader's language
    with a way on (see `_error`)."""
    app = Flask(__name__)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # reason: Flask's DefaultJSONProvider has it; the base class does not declare it
    app.config["MAX_CONTENT_LENGTH"] = wiring.settings.max_issue_bytes
    app.extensions[WIRING] = wiring

    from scheduler.web import auth, security
    from scheduler.web.accounts import accounts
    from scheduler.web.calendar import calendar
    from scheduler.web.editor import editor
    from scheduler.web.history import history
    from scheduler.web.hooks import hooks
    from scheduler.web.imports import imports
    from scheduler.web.queue import queue
    from scheduler.web.settings_page import settings_page
    from scheduler.web.sources import sources
    from scheduler.web.users import users

    _languages(app, wiring)  # first: even a refused request is answered in the reader's language
    security.install(app)
    auth.install(app, wiring)
    app.register_blueprint(hooks)
    app.register_blueprint(queue)
    app.register_blueprint(history)
    app.register_blueprint(accounts)
    app.register_blueprint(sources)
    app.register_blueprint(editor)
    app.register_blueprint(imports)
    app.register_blueprint(calendar)
    app.add_url_rule("/favicon.ico", "favicon", _favicon)  # public (auth.PUBLIC): browsers ask before signing in
    app.register_blueprint(users)
    app.register_blueprint(settings_page)

    @app.errorhandler(HTTPException)
    def _error(error: HTTPException) -> tuple[Response | str, int]:
        """Every refused or failed request: the webhook's JSON, the dashboard scripts' JSON, or a
        page in the reader's language with a way on — back to the page the reader came from (this
        site's only), the queue, or signing in. An unexpected error (500) was logged with its
        traceback before (Flask's `log_exception`); its page says only that it happened."""
        code = error.code or 500
        if request.blueprint == "hooks" or request.path.startswith("/api/"):
            words = {
                413: f"the body is larger than an issue may be (SCHEDULER_MAX_ISSUE_BYTES={wiring.settings.max_issue_bytes})"
            }
            if code == 500 and request.blueprint != "hooks":
                words[500] = _page_error(code, error)[1]
            return jsonify(error=words.get(code, error.description or error.name)), code
        if g.get("user") is None:  # refused before the sign-in was looked at (CSRF, no such page)
            g.user = _signed_in()
        title, words_ = _page_error(code, error)
        back = request.referrer if _same_site(request.referrer) and request.referrer != request.url else ""
        path = urlsplit(back)
        back_path = path.path + (f"?{path.query}" if path.query else "")
        return render_template("error.html", code=code, title=title, words=words_, back=back, back_path=back_path), code

    return app


def _signed_in() -> User | None:
    """Who this request's session is signed in as, for an error page's navigation (None when no
    one is, or the database cannot say)."""
    from scheduler.web.auth import session_user

    with contextlib.suppress(SchedulerError):
        return session_user()
    return None


def _same_site(address: str | None) -> bool:
    return bool(address) and (address or "").startswith(request.host_url)


def _favicon() -> WerkzeugResponse:
    """What browsers ask for on their own: the dashboard's icon, which the pages link to."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)


def _page_error(code: int, error: HTTPException) -> tuple[str, str]:
    """An error page's title and words, in the reader's language: none of Werkzeug's English (a
    view's own words, `abort(400, gettext(…))`, are shown as they are, but never a failure's)."""
    from scheduler.web.i18n import gettext

    if code == 403:
        return gettext("Not allowed"), gettext("Your role may not do this. Ask an approver or an admin.")
    if code == 400 and error.description == "csrf":
        return gettext("Form expired"), gettext(
            "The form was too old or came from elsewhere. Go back, reload and try again."
        )
    if code == 404:
        return gettext("Not found"), gettext("There is no such page.")
    if code == 405:
        return gettext("Not possible here"), gettext(
            "This address cannot be opened like this (a form's address opened again, for instance). "
            "Go back, or start again from the queue."
        )
    if code == 413:
        from babel.numbers import format_decimal

        from scheduler.web.auth import wiring
        from scheduler.web.i18n import locale

        size = format_decimal(wiring().settings.max_issue_bytes / 1_000_000, format="#,##0.###", locale=locale())
        return gettext("Too large"), gettext(
            "What was sent is larger than the dashboard takes: at most %(size)s MB.", size=size
        )
    if code >= 500:
        return gettext("Something went wrong"), gettext(
            "The dashboard could not finish this. The error has been recorded in the server's log. "
            "Go back and try again; if it happens again, tell your administration."
        )
    if error.description and error.description != type(error).description:  # the view's own words
        return gettext("Something went wrong"), error.description
    return gettext("Something went wrong"), gettext(
        "The request could not be completed (error %(code)d). Go back and try again.", code=code
    )


def _languages(app: Flask, wiring: Wiring) -> None:
    """The request's locale (g.locale), gettext in the templates, and dates in the team's time zone."""
    from scheduler.web import i18n

    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]  # reason: added by the i18n extension
        gettext=i18n.gettext, ngettext=i18n.ngettext, newstyle=True
    )
    timezone = wiring.settings.timezone

    @app.before_request
    def _locale() -> None:
        chosen = request.args.get("lang")
        if chosen in i18n.LOCALES:
            session["lang"] = chosen
        g.locale = i18n.choose(list(request.accept_languages), session.get("lang"))
        g.timezone = timezone

    @app.context_processor
    def _helpers() -> dict[str, object]:
        from scheduler import team
        from scheduler.web import naming

        def may(action: str) -> bool:
            return g.get("user") is not None and team.may(g.user.role, action)

        return {
            "when": lambda moment: i18n.when(moment, g.locale, timezone),
            "day_name": lambda day: i18n.day_name(day, g.locale),
            "day_long": lambda day: i18n.day_long(day, g.locale),
            "state_name": i18n.state_name,
            "say": i18n.say,
            "account_name": naming.namer(wiring),
            "may": may,
        }
