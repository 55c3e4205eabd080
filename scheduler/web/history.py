"""The History page: what went out (with its link on the platform), what failed or is unclear (with
the platform's reason and a retry button), and what dry runs rehearsed — the newest first.

A thin view: it reads the store and retries through the same use case as `scheduler queue retry ID`
(`queueing.retry_post`), recording who did it; the role is checked here, on the server.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from scheduler.errors import QueueError
from scheduler.models import State
from scheduler.platforms import registry
from scheduler.queueing import RETRYABLE, retry_post
from scheduler.rehearsal import NOTE
from scheduler.web.auth import require, user, wiring
from scheduler.web.i18n import gettext, say

history = Blueprint("history", __name__)

#: How many entries each part of the page may show, the first the default.
LIMITS = (50, 20, 100, 200, 500)


def _filters() -> tuple[str, int]:
    """The chosen platform ("" for all) and limit, each one of those offered (else the default)."""
    platform = request.values.get("platform", "")
    limit = request.values.get("limit", "")
    return (
        platform if platform in registry.NAMES else "",
        int(limit) if limit.isdigit() and int(limit) in LIMITS else LIMITS[0],
    )


@history.get("/history")
def index() -> str:
    platform, limit = _filters()
    store = wiring().store
    chosen = [platform] if platform else []
    return render_template(
        "history.html",
        published=store.latest(states=[State.PUBLISHED], platforms=chosen, limit=limit),
        failures=store.latest(states=list(RETRYABLE), platforms=chosen, limit=limit),
        rehearsed=store.noted(prefix=NOTE, platforms=chosen, limit=limit),
        platforms=registry.NAMES,
        platform=platform,
        limits=sorted(LIMITS),
        limit=limit,
    )


@history.post("/history/retry")
def retry() -> Response:
    require("retry")
    platform, limit = _filters()
    back = url_for("history.index", platform=platform or None, limit=limit if limit != LIMITS[0] else None)
    value = request.form.get("post", "")
    if not value.isdigit():
        flash(gettext("Choose the post to retry."), "error")
        return redirect(back)
    try:
        post = retry_post(wiring().store, int(value), now=wiring().clock(), actor=user().name)
    except QueueError as error:
        flash(say(error), "error")
        return redirect(back)
    flash(gettext("Post %(id)d is scheduled again, due now.", id=post.id), "done")
    return redirect(back)
