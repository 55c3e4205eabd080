"""The web app of `scheduler serve`: an application factory over the same wiring and use cases
as the command line. Today it serves the webhook (`hooks`); the dashboard grows here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

if TYPE_CHECKING:
    from scheduler.wiring import Wiring

#: Where the app keeps its wiring (`app.extensions[WIRING]`).
WIRING = "scheduler.wiring"


def create_app(wiring: Wiring) -> Flask:
    """The app for `wiring`'s settings: requests larger than an issue may be are refused (413)
    before they are read, and every error answers JSON `{"error": "…"}`."""
    app = Flask(__name__)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # reason: Flask's DefaultJSONProvider has it; the base class does not declare it
    app.config["MAX_CONTENT_LENGTH"] = wiring.settings.max_issue_bytes
    app.extensions[WIRING] = wiring

    from scheduler.web.hooks import hooks

    app.register_blueprint(hooks)

    @app.errorhandler(HTTPException)
    def _error(error: HTTPException) -> tuple[Response, int]:
        words = {
            413: f"the body is larger than an issue may be (SCHEDULER_MAX_ISSUE_BYTES={wiring.settings.max_issue_bytes})"
        }
        code = error.code or 500
        return jsonify(error=words.get(code, error.description or error.name)), code

    return app
