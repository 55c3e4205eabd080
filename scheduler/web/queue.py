"""The queue page: every post not yet out (or, filtered, any), with bulk submit for review, approve,
cancel and move.

A thin view: it reads the store's posts and calls the same use cases as `queue approve` and `queue
cancel` (`scheduler.approval`, which also submits drafts for review, as the editor does one by one)
and `queue reschedule`; what each user may do is checked here, on the server.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from scheduler import approval
from scheduler.models import State
from scheduler.queueing import reschedule_posts_to_day
from scheduler.web import naming
from scheduler.web.auth import require, user, wiring
from scheduler.web.days import YEARS, read_day
from scheduler.web.i18n import gettext, ngettext, say

queue = Blueprint("queue", __name__)

#: What the queue shows unless a state is chosen: what is still to happen or needs a person.
OPEN = (State.DRAFT, State.SCHEDULED, State.PUBLISHING, State.NEEDS_ATTENTION, State.FAILED)
#: The most posts one page shows.
PAGE = 200


@queue.get("/")
def home() -> Response:
    return redirect(url_for("queue.index"))


@queue.get("/queue")
def index() -> str:
    states = [state for state in request.args.getlist("state") if state in set(State)] or list(OPEN)
    platform = request.args.get("platform", "")
    account = request.args.get("account", "")  # platform:name, as the account filter sends it
    store = wiring().store
    of, colon, name = account.rpartition(":") if ":" in account else ("", "", account)
    platforms = [platform] if platform else [of] if colon and of else []
    accounts = [name] if name else []
    day, start, end = _day(request.args.get("day", ""))
    shown = store.list_posts(states=states, platforms=platforms, accounts=accounts, start=start, end=end, limit=PAGE)
    if len(shown) < PAGE:
        total = len(shown)
    else:
        total = store.count_posts(states=states, platforms=platforms, accounts=accounts, start=start, end=end)
    return render_template(
        "queue.html",
        posts=shown,
        more=total - len(shown),
        states=list(State),
        chosen=set(states),
        platform=platform,
        account=account,
        platforms=sorted(naming.configured_platforms(wiring()) | {post.platform for post in shown}),
        accounts=sorted(naming.configured_accounts(wiring()) | {(post.platform, post.account) for post in shown}),
        day=day,
        reviews=approval.reviews(store, [post.id for post in shown if post.state == State.DRAFT]),
    )


def _day(value: str) -> tuple[dt.date | None, dt.datetime | None, dt.datetime | None]:
    """A day of the team's calendar (`?day=2030-01-09`, as the calendar links to it) and the UTC
    instants it starts and ends; no day, no limits. An unreadable or far-off day (`days.read_day`)
    is said, and no limits."""
    day = read_day(value)
    if day is None:
        if value:
            flash(
                gettext(
                    "The day in the address is not a date from %(first)d to %(last)d; the queue shows every day.",
                    first=YEARS[0],
                    last=YEARS[1],
                ),
                "error",
            )
        return None, None, None
    zone = ZoneInfo(wiring().settings.timezone)
    start = dt.datetime.combine(day, dt.time(), zone).astimezone(dt.UTC)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), zone).astimezone(dt.UTC)
    return day, start, end


@queue.post("/queue/bulk")
def bulk() -> Response:
    action = request.form.get("action", "")
    ids = [int(value) for value in request.form.getlist("post") if value.isdigit()]
    if action not in ("submit", "approve", "cancel", "reschedule"):
        flash(gettext("Choose what to do with the chosen posts."), "error")
        return redirect(url_for("queue.index"))
    require(action)
    now = wiring().clock()
    store = wiring().store
    if action == "reschedule":
        return _move(ids, request.form.get("day", ""))
    if action == "submit":
        outcome = approval.submit(store, ids, now=now, actor=user().name)
    elif action == "approve":
        outcome = approval.approve(store, ids, now=now, actor=user().name, four_eyes=wiring().settings.four_eyes)
    else:
        outcome = approval.cancel(store, ids, now=now, actor=user().name)
    done = len(outcome.done)
    if action == "submit":
        flash(ngettext("%(num)d post submitted for review.", "%(num)d posts submitted for review.", done), "done")
    elif action == "approve":
        flash(ngettext("%(num)d post approved.", "%(num)d posts approved.", done), "done")
    else:
        flash(ngettext("%(num)d post cancelled.", "%(num)d posts cancelled.", done), "done")
    for post_id in outcome.waiting:
        flash(gettext("#%(id)d: already waiting for approval; not submitted again.", id=post_id), "error")
    for post_id, why in outcome.refused:
        flash(f"#{post_id}: {say(why)}", "error")
    for post_id, _why in outcome.forbidden:
        flash(
            gettext("#%(id)d: you queued, edited or submitted it; another approver approves it.", id=post_id), "error"
        )
    return redirect(request.referrer if _same_site(request.referrer) else url_for("queue.index"))


def _move(ids: list[int], day_text: str) -> Response:
    """Move the chosen posts to the first free slot of a day, as `queue reschedule ID DAY` does."""
    back = request.referrer if _same_site(request.referrer) else url_for("queue.index")
    try:
        day = dt.date.fromisoformat(day_text)
    except ValueError:
        flash(gettext("Choose the day to move the posts to."), "error")
        return redirect(back)
    moved, refused = reschedule_posts_to_day(
        wiring().store, ids, day, planning=wiring().planning, now=wiring().clock(), actor=user().name
    )
    flash(ngettext("%(num)d post moved.", "%(num)d posts moved.", len(moved)), "done")
    for post_id, why in refused:
        flash(f"#{post_id}: {say(why)}", "error")
    return redirect(back)


def _same_site(address: str | None) -> bool:
    return bool(address) and (address or "").startswith(request.host_url)
