"""The Sources page: the watched feeds, archive pages, folders and mailboxes — where each is, where
its issues go, its last check and how it went, its next check — and adding, pausing, resuming and
removing one.

A thin view over the same use cases as `scheduler sources add|list|pause|resume|remove`
(`watching.sources`, `Wiring.add_source`). Anyone signed in sees the page; changing the sources
needs `manage_sources` (admins), checked here, on the server.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from scheduler.errors import ConfigError, SchedulerError
from scheduler.platforms import registry
from scheduler.watching import sources as use
from scheduler.web.auth import require, wiring
from scheduler.web.i18n import gettext, ngettext, say

if TYPE_CHECKING:
    from werkzeug.datastructures import MultiDict

sources = Blueprint("sources", __name__)

#: The watcher's name for a source added from the dashboard.
WORKER = "dashboard (sources)"
#: The most issues a new source may queue at once (as `sources add --backfill`).
MAX_BACKFILL = 100


def kind_name(kind: str) -> str:
    """What a source is, in the reader's words (a feed, an archive page, a folder, a mailbox)."""
    names = {
        "feed": gettext("Feed"),
        "page": gettext("Archive page"),
        "folder": gettext("Folder"),
        "imap": gettext("Mailbox"),
        "webhook": gettext("Webhook"),
    }
    return names.get(kind, kind)


def _page(form: MultiDict[str, str] | None = None, status: int = 200) -> tuple[str, int]:
    try:
        accounts = sorted(wiring().setup.ready)  # (platform, name): the form sends `platform:name`
    except ConfigError:  # the Accounts page says why; a source then goes to the settings' platforms
        accounts = []
    return (
        render_template(
            "sources.html",
            states=wiring().store.sources(),
            platforms=registry.NAMES,
            default_platforms=wiring().settings.platforms,
            accounts=accounts,
            form=form,
            kind_name=kind_name,
        ),
        status,
    )


@sources.get("/sources")
def index() -> tuple[str, int]:
    return _page()


@sources.post("/sources")
def add() -> Response | tuple[str, int]:
    require("manage_sources")
    form = request.form
    backfill = form.get("backfill", "0").strip() or "0"
    if not backfill.isdigit() or int(backfill) > MAX_BACKFILL:
        flash(gettext("Queue the newest 0 to %(most)d issues it holds now.", most=MAX_BACKFILL), "error")
        return _page(form, 400)
    try:
        source = use.new_source(
            form.get("location", ""),
            name=form.get("name", ""),
            platforms=form.getlist("platform"),
            accounts=form.getlist("account"),
            approve=form.get("approve") == "on",
            per_entry=form.get("per_entry", ""),
            links=form.get("links", "").strip() or None,
            selector=form.get("selector", "").strip() or None,
            sender=form.get("sender", "").strip() or None,
        )
        result = wiring().add_source(source, now=wiring().clock(), worker=WORKER, backfill=int(backfill))
    except SchedulerError as error:
        flash(say(error), "error")
        return _page(form, 400)
    flash(
        gettext("Source %(name)s added.", name=source.name)
        + " "
        + ngettext(
            "%(num)d issue in it now counts as seen; new ones are queued when they appear.",
            "%(num)d issues in it now count as seen; new ones are queued when they appear.",
            result.seen,
        ),
        "done",
    )
    for title in result.queued:
        flash(gettext("Queued the issue “%(title)s”.", title=title), "done")
    for warning in result.warnings:
        flash(say(warning), "error")
    if result.error:
        flash(gettext("Not every issue could be queued: %(error)s", error=say(result.error)), "error")
    return redirect(url_for("sources.index"))


@sources.post("/sources/<name>/pause")
def pause(name: str) -> Response:
    require("manage_sources")
    try:
        use.pause(wiring().store, name, now=wiring().clock())
    except SchedulerError as error:
        flash(say(error), "error")
    else:
        flash(gettext("Source %(name)s paused: it is not checked until you resume it.", name=name), "done")
    return redirect(url_for("sources.index"))


@sources.post("/sources/<name>/resume")
def resume(name: str) -> Response:
    require("manage_sources")
    try:
        use.resume(wiring().store, name)
    except SchedulerError as error:
        flash(say(error), "error")
    else:
        flash(gettext("Source %(name)s resumed: it is checked at the next round.", name=name), "done")
    return redirect(url_for("sources.index"))


@sources.post("/sources/<name>/remove")
def remove(name: str) -> Response:
    require("manage_sources")
    try:
        use.remove(wiring().store, name)
    except SchedulerError as error:
        flash(say(error), "error")
    else:
        flash(gettext("Source %(name)s removed; its queued posts stay.", name=name), "done")
    return redirect(url_for("sources.index"))
