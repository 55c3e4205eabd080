"""The web app of `scheduler serve`: an application factory over the same wiring and use cases
as the command line. Today it serves the webhook (`hooks`); the dashboard grows here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask, Response, g, jsonify, redirect, render_template, request, session, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as WerkzeugResponse

if TYPE_CHECKING:
    from scheduler.wiring import Wiring

#: Where the app keeps its wiring (`app.extensions[WIRING]`).
WIRING = "scheduler.wiring"


def create_app(wiring: Wiring) -> Flask:
    """The app for `wiring`'s settings: the dashboard (every page behind a sign-in, see `auth`) and
    the webhook (`hooks`). Requests larger than an issue may be are refused (413) before they are
    read. The webhook answers JSON `{"error": "…"}`, the pages an HTML page in the reader's language."""
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
        code = error.code or 500
        if request.blueprint == "hooks" or request.path.startswith("/api/"):
            words = {
                413: f"the body is larger than an issue may be (SCHEDULER_MAX_ISSUE_BYTES={wiring.settings.max_issue_bytes})"
            }
            return jsonify(error=words.get(code, error.description or error.name)), code
        title, words_ = _page_error(code, error)
        return render_template("error.html", code=code, title=title, words=words_), code

    return app


def _favicon() -> WerkzeugResponse:
    """What browsers ask for on their own: the dashboard's icon, which the pages link to."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)


def _page_error(code: int, error: HTTPException) -> tuple[str, str]:
    from scheduler.web.i18n import gettext

    if code == 403:
        return gettext("Not allowed"), gettext("Your role may not do this. Ask an approver or an admin.")
    if code == 400 and error.description == "csrf":
        return gettext("Form expired"), gettext(
            "The form was too old or came from elsewhere. Go back, reload and try again."
        )
    if code == 404:
        return gettext("Not found"), gettext("There is no such page.")
    return error.name, error.description or ""


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
