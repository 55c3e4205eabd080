"""The calendar: a week or a month of posts in the team's time zone, one card per post (platform,
account, time, text), filtered like the queue. A post is moved to another day by dragging its card
onto the day (static/calendar.js) or, by keyboard and without JavaScript, with the card's own
"move to" form: both go through `queueing.reschedule_to_day`, the use case of `scheduler queue
reschedule ID DAY` — the first free slot of that day, or a reason why there is none.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from scheduler.errors import SchedulerError
from scheduler.models import QueuedPost, State
from scheduler.queueing import reschedule_to_day
from scheduler.web import naming
from scheduler.web.auth import require, user, wiring
from scheduler.web.days import YEARS, read_day
from scheduler.web.i18n import gettext, say

calendar = Blueprint("calendar", __name__)

#: What the calendar shows: what is planned or still to happen (not cancelled posts).
SHOWN = (State.DRAFT, State.SCHEDULED, State.PUBLISHING, State.PUBLISHED, State.FAILED, State.NEEDS_ATTENTION)
#: The most cards one day shows; the others are counted, with a link to the queue (a burst at a
#: slot can put hundreds of posts on one day).
PER_DAY = 12
#: Posts that can still be moved.
MOVABLE = frozenset({State.DRAFT, State.SCHEDULED, State.FAILED, State.NEEDS_ATTENTION})


def _days(view: str, anchor: dt.date) -> list[dt.date]:
    """The days a week (Monday to Sunday) or a month (whole weeks around it) shows."""
    if view == "month":
        first = anchor.replace(day=1)
        start = first - dt.timedelta(days=first.weekday())
        following = (first + dt.timedelta(days=32)).replace(day=1)
        end = following + dt.timedelta(days=(7 - following.weekday()) % 7)
        return [start + dt.timedelta(days=n) for n in range((end - start).days)]
    start = anchor - dt.timedelta(days=anchor.weekday())
    return [start + dt.timedelta(days=n) for n in range(7)]


def _anchor(value: str | None, today: dt.date) -> dt.date:
    """The day the calendar shows (`?day=`): today without one; an unreadable or far-off day
    (`days.read_day`) is said, and today shown."""
    day = read_day(value)
    if day is not None:
        return day
    if value:
        flash(
            gettext(
                "The day in the address is not a date from %(first)d to %(last)d; the calendar shows today.",
                first=YEARS[0],
                last=YEARS[1],
            ),
            "error",
        )
    return today


@calendar.get("/calendar")
def index() -> str:
    settings = wiring().settings
    zone = ZoneInfo(settings.timezone)
    today = wiring().clock().astimezone(zone).date()
    view = "month" if request.args.get("view") == "month" else "week"
    anchor = _anchor(request.args.get("day"), today)
    days = _days(view, anchor)
    start = dt.datetime.combine(days[0], dt.time(), zone).astimezone(dt.UTC)
    end = dt.datetime.combine(days[-1] + dt.timedelta(days=1), dt.time(), zone).astimezone(dt.UTC)
    platform = request.args.get("platform", "")
    account = request.args.get("account", "")
    store = wiring().store
    times = store.post_times(
        states=SHOWN,
        start=start,
        end=end,
        platforms=[platform] if platform else [],
        accounts=[account] if account else [],
    )
    placed: dict[dt.date, list[int]] = {day: [] for day in days}
    for post_id, at in times:
        placed.setdefault(at.astimezone(zone).date(), []).append(post_id)
    shown_ids = [post_id for ids in placed.values() for post_id in ids[:PER_DAY]]
    posts = {post.id: post for post in store.get_many(shown_ids)}
    by_day = {day: [posts[i] for i in ids[:PER_DAY] if i in posts] for day, ids in placed.items()}
    hidden = {day: len(ids) - len(by_day[day]) for day, ids in placed.items()}
    step = dt.timedelta(days=28 if view == "month" else 7)
    previous = (anchor.replace(day=1) - dt.timedelta(days=1)) if view == "month" else anchor - step
    following = (anchor.replace(day=1) + dt.timedelta(days=32)).replace(day=1) if view == "month" else anchor + step
    return render_template(
        "calendar.html",
        view=view,
        days=days,
        by_day=by_day,
        hidden=hidden,
        shown_states=[state.value for state in SHOWN],
        anchor=anchor,
        today=today,
        previous=previous,
        following=following,
        platform=platform,
        account=account,
        platforms=sorted(naming.configured_platforms(wiring()) | {post.platform for post in posts.values()}),
        movable=MOVABLE,
        zone=zone,
    )


def _move(post_id: int, day_text: str) -> tuple[QueuedPost | None, str]:
    """Move the post to the first free slot of the day; the post, or why not."""
    require("reschedule")
    try:
        day = dt.date.fromisoformat(day_text)
    except ValueError:
        return None, gettext("Choose a day.")
    try:
        post = reschedule_to_day(
            wiring().store, post_id, day, planning=wiring().planning, now=wiring().clock(), actor=user().name
        )
    except SchedulerError as error:
        return None, say(error)
    return post, ""


@calendar.post("/calendar/move")
def move() -> Response:
    """The card's form: works by keyboard and without JavaScript."""
    post_id = request.form.get("post", "")
    post, why = (
        _move(int(post_id), request.form.get("day", ""))
        if post_id.isdigit()
        else (None, gettext("Choose the post to move."))
    )
    if post is None:
        flash(why, "error")
    else:
        flash(gettext("Post %(id)d moved to %(when)s.", id=post.id, when=_when(post)), "done")
    back = request.form.get("back", "")
    return redirect(back if back.startswith("/calendar") else url_for("calendar.index"))


@calendar.post("/api/posts/<int:post_id>/move")
def move_json(post_id: int) -> tuple[Response, int]:
    """Dropping a card on a day (static/calendar.js): JSON in and out."""
    body = request.get_json(silent=True) or {}
    post, why = _move(post_id, str(body.get("day", "")))
    if post is None:
        return jsonify(error=why), 400
    return jsonify(
        id=post.id, when=_when(post), message=gettext("Post %(id)d moved to %(when)s.", id=post.id, when=_when(post))
    ), 200


def _when(post: QueuedPost) -> str:
    from scheduler.web.i18n import locale, when

    return when(post.due_at or post.publish_at, locale(), wiring().settings.timezone)
