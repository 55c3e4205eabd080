"""The post editor: one post's text (each part of a thread) with a live length counter, a preview
card like the platform's, its images, its history, the diff an updated issue made, comments, and
the review — an editor submits a draft, an approver approves it or rejects it with a comment.

Thin views over the same use cases as the command line: `queueing.edit_text` (`queue edit`, with
the account's limits as `queue edit` gets them, `Wiring.account_limits`), `approval` (`queue
approve`; submit, reject and comments), the platforms' own length rules (`registry.measure`, also
behind the counter's JSON endpoint). What each user may do is checked here, on the server; in
four-eyes mode (SCHEDULER_FOUR_EYES) nobody approves a post they prepared.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from flask import Blueprint, abort, current_app, flash, g, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from scheduler import approval, queueing, team
from scheduler.errors import ConfigError, FitError, InputError, QueueError
from scheduler.models import QueuedPost, State
from scheduler.platforms import registry
from scheduler.report.diff import post_diff
from scheduler.storage.transitions import EDITABLE
from scheduler.web import i18n
from scheduler.web.auth import require, user, wiring
from scheduler.web.i18n import gettext

log = logging.getLogger(__name__)

editor = Blueprint("editor", __name__)

#: How long an account's length limit (its Mastodon instance's, asked once) is kept, in seconds.
LIMITS_TTL = 600.0
_LIMITS = "scheduler.web.editor.limits"


def account_limits(platform: str, account: str) -> dict[str, int]:
    """The limits `queue edit` checks a post of this account against (`Wiring.account_limits`),
    kept for `LIMITS_TTL` per account so that the counter does not ask the instance at each key
    press. A half-configured account elsewhere in the settings (`ConfigError`, which stops `queue
    edit`) leaves the settings' limits, logged. An account without credentials has the settings'
    limits (nothing to ask, nothing kept)."""
    if (platform, account) not in wiring().setup.ready:
        return wiring().setting_limits()
    cache: dict[tuple[str, str], tuple[float, dict[str, int]]] = current_app.extensions.setdefault(_LIMITS, {})
    key = (platform, account)
    now = time.monotonic()
    kept = cache.get(key)
    if kept is not None and kept[0] > now:
        return kept[1]
    try:
        limits, problems = wiring().account_limits(platform, account)
    except ConfigError as error:
        limits, problems = wiring().setting_limits(), [f"{error}; using the settings' length limits"]
    for problem in problems:
        log.warning("%s", problem)
    cache[key] = (now + LIMITS_TTL, limits)
    return limits


def _counter_words() -> tuple[str, str]:
    """The counter's words within the limit and over it; the page gives them to editor.js too,
    which fills in the numbers as this does."""
    return gettext("{length} of {limit} characters"), gettext("{length} of {limit} characters: {over} too many")


def _count_words(length: int, limit: int) -> str:
    within, over = _counter_words()
    return (over if length > limit else within).format(length=length, limit=limit, over=length - limit)


@dataclass(frozen=True, slots=True)
class Part:
    """One part of the post as the editor shows it: its text and how it measures."""

    number: int
    text: str
    length: int
    limit: int
    words: str

    @property
    def over(self) -> bool:
        return self.length > self.limit


def _parts(post: QueuedPost, texts: Sequence[str], limits: Mapping[str, int]) -> list[Part]:
    parts = []
    for number, text in enumerate(texts, start=1):
        measured = registry.measure(post.platform, text, post.spoiler_text, limits=limits)
        words = _count_words(measured.length, measured.limit)
        parts.append(Part(number, text, measured.length, measured.limit, words))
    return parts


def _post(post_id: int) -> QueuedPost:
    try:
        return wiring().store.get(post_id)
    except QueueError:
        abort(404)


_UTC_TIME = re.compile(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\+00:00|Z)")


def reason_words(reason: str) -> str:
    """A line of the history in the reader's language (`i18n.say`), with the UTC times left in it
    shown in the team's time zone."""
    said = i18n.say(reason)
    timezone = wiring().settings.timezone

    def local(match: re.Match[str]) -> str:
        moment = dt.datetime.fromisoformat(match[0].replace("Z", "+00:00"))
        return i18n.when(moment, g.locale, timezone)

    return _UTC_TIME.sub(local, said)


def _who(post: QueuedPost) -> tuple[str, str]:
    """The preview's name line: whom the account posts as, and where (empty when it has no
    credentials: a dry run)."""
    account = wiring().setup.ready.get((post.platform, post.account))
    if account is None:
        return "", ""
    who = registry.get(post.platform).who(account)
    return who, str(getattr(account, "base_url", "") or "")


def _page(
    post: QueuedPost, texts: Sequence[str] | None = None, *, error: str = "", status: int = 200
) -> tuple[str, int]:
    """The editor's page; `texts`: what the reader typed and did not get saved, kept in the form —
    or, when the post can no longer be edited, beside its text for copying."""
    editable = post.state in EDITABLE
    store = wiring().store
    history = store.history(post.id)
    limits = account_limits(post.platform, post.account)
    platform = registry.get(post.platform)
    rewrites = store.rewrites(post.id)
    diff: list[str] = []
    if rewrites:
        last = rewrites[-1]
        diff = post_diff(
            "\n\n".join(last.previous),
            post.text,
            before=gettext(
                "before the update of %(when)s", when=i18n.when(last.at, g.locale, wiring().settings.timezone)
            ),
            after=gettext("now"),
            language=post.language,
        )
    who, server = _who(post)
    actor = user().name
    review = approval.reviews(wiring().store, [post.id]).get(post.id, "") if post.state == State.DRAFT else ""
    prepared = actor in approval.authors(history)
    return render_template(
        "editor.html",
        review=review,
        post=post,
        parts=_parts(post, list(texts if texts is not None and editable else post.parts), limits),
        unsaved=[] if texts is None or editable else [text for text in texts if text.strip()],
        editable=editable,
        platform=platform,
        shown=[platform.show(part) for part in post.parts],
        who=who,
        server=server,
        history=[(change, reason_words(change.reason)) for change in history],
        diff=diff,
        comments=store.comments(post.id),
        own=wiring().settings.four_eyes and prepared,
        may_submit=_may_submit(review, prepared),
        error=error,
        counter_words=_counter_words(),
    ), status


def _may_submit(review: str, prepared: bool) -> bool:
    """Whether the page offers "Submit for review": not while the draft waits for approval (until it
    is edited or rejected), and to an approver only for a post they prepared — another's draft they
    approve or reject themselves (submitting it would make them one who prepared it)."""
    if review == "submitted" or not team.may(user().role, "submit"):
        return False
    return prepared or not team.may(user().role, "approve")


@editor.get("/posts/<int:post_id>")
def show(post_id: int) -> tuple[str, int]:
    return _page(_post(post_id))


def _back(post_id: int) -> Response:
    return redirect(url_for("editor.show", post_id=post_id), code=303)


@editor.post("/posts/<int:post_id>")
def edit(post_id: int) -> Response | tuple[str, int]:
    """Save the text, posted to the page's own address: saved, the page again (303); refused, the
    page with the reason and the typed text, still at the page's address (no redirect that would
    lose the text)."""
    require("edit")
    post = _post(post_id)
    texts = request.form.getlist("part")
    if not texts:
        flash(gettext("Not saved: the form sent no text."), "error")
        return _back(post_id)
    limits = account_limits(post.platform, post.account)
    try:
        edited = queueing.edit_text(
            wiring().store,
            post_id,
            texts,
            now=wiring().clock(),
            limits=limits,
            actor=user().name,
            approve_again=wiring().settings.require_approval,
        )
    except FitError as error:
        return _page(post, texts, error=_fit_words(post, texts, limits, error), status=422)
    except QueueError as error:  # no longer editable (published, cancelled meanwhile): the page as it is now
        return _page(_post(post_id), texts, error=gettext("Not saved: %(why)s", why=i18n.say(error)), status=409)
    if _approved_again(post, edited):
        flash(gettext("Saved. The post was approved and must be approved again."), "done")
    else:
        flash(gettext("Saved."), "done")
    return _back(post_id)


def _approved_again(before: QueuedPost, after: QueuedPost) -> bool:
    """Whether saving took an approved post back to draft (`approve_again`): it must be approved again."""
    return before.state == State.SCHEDULED and after.state == State.DRAFT


@editor.post("/posts/<int:post_id>/edit")
def edit_moved(post_id: int) -> Response:
    """Where the text was saved before: a page opened then sends its form on, method and body kept."""
    return redirect(url_for("editor.edit", post_id=post_id), code=308)


@editor.post("/posts/<int:post_id>/images")
def alt_texts(post_id: int) -> Response:
    """Save the alt texts of the post's images, through the use case `queueing.edit_alt_texts`."""
    require("edit")
    post = _post(post_id)
    try:
        edited = queueing.edit_alt_texts(
            wiring().store,
            post_id,
            request.form.getlist("alt"),
            now=wiring().clock(),
            actor=user().name,
            approve_again=wiring().settings.require_approval,
        )
    except (InputError, QueueError) as error:
        flash(gettext("Not saved: %(why)s", why=i18n.say(error)), "error")
        return _back(post_id)
    if _approved_again(post, edited):
        flash(gettext("Alt texts saved. The post was approved and must be approved again."), "done")
    else:
        flash(gettext("Alt texts saved."), "done")
    return _back(post_id)


def _fit_words(post: QueuedPost, texts: Sequence[str], limits: Mapping[str, int], error: FitError) -> str:
    """Why the text was not saved, in the reader's language: the first part the platform's rule
    (the one `edit_text` applied) refuses."""
    kept = [text.strip() for text in texts if text.strip()]
    for number, text in enumerate(kept, start=1):
        measured = registry.measure(post.platform, text, post.spoiler_text, limits=limits)
        if measured.length > measured.limit:
            return gettext(
                "Not saved: part %(number)d has %(length)d characters, %(over)d more than %(platform)s "
                "takes (%(limit)d). Shorten it.",
                number=number,
                length=measured.length,
                over=measured.length - measured.limit,
                platform=registry.get(post.platform).title,
                limit=measured.limit,
            )
    if not kept:
        return gettext("Not saved: a post needs some text.")
    return gettext("Not saved: %(why)s", why=i18n.say(error))


@editor.post("/posts/<int:post_id>/submit")
def submit(post_id: int) -> Response:
    """Submit the draft for review; a draft already waiting for approval is not submitted again
    (its history gets no second line), the page says it is waiting."""
    require("submit")
    _post(post_id)
    outcome = approval.submit(wiring().store, [post_id], now=wiring().clock(), actor=user().name)
    for _post_id, why in outcome.refused:
        flash(gettext("Not submitted: %(why)s", why=i18n.say(why)), "error")
    if outcome.waiting:
        flash(gettext("Not submitted again: the post is already waiting for approval."), "error")
    if outcome.done:
        flash(gettext("Submitted for review."), "done")
    return _back(post_id)


@editor.post("/posts/<int:post_id>/approve")
def approve(post_id: int) -> Response | tuple[str, int]:
    require("approve")
    _post(post_id)
    four_eyes = wiring().settings.four_eyes
    outcome = approval.approve(wiring().store, [post_id], now=wiring().clock(), actor=user().name, four_eyes=four_eyes)
    if outcome.forbidden:
        return render_template(
            "error.html",
            code=403,
            title=gettext("Not allowed"),
            words=gettext(
                "Four-eyes mode: you queued, edited or submitted this post, so another approver approves it."
            ),
        ), 403
    for _post_id, why in outcome.refused:
        flash(gettext("Not approved: %(why)s", why=i18n.say(why)), "error")
    if outcome.done:
        flash(gettext("Approved: the post goes out at its time."), "done")
    return _back(post_id)


@editor.post("/posts/<int:post_id>/reject")
def reject(post_id: int) -> Response:
    require("reject")
    _post(post_id)
    text = request.form.get("comment", "")
    if not text.strip():
        flash(gettext("Not rejected: say in a comment what should change."), "error")
        return _back(post_id)
    try:
        approval.reject(wiring().store, post_id, text, now=wiring().clock(), actor=user().name)
    except (QueueError, InputError) as error:
        flash(gettext("Not rejected: %(why)s", why=i18n.say(error)), "error")
    else:
        flash(gettext("Rejected: the post stays a draft, your comment is kept."), "done")
    return _back(post_id)


@editor.post("/posts/<int:post_id>/comments")
def comment(post_id: int) -> Response:
    require("comment")
    _post(post_id)
    try:
        approval.comment(
            wiring().store, post_id, request.form.get("comment", ""), now=wiring().clock(), actor=user().name
        )
    except (QueueError, InputError) as error:
        flash(gettext("No comment added: %(why)s", why=i18n.say(error)), "error")
    else:
        flash(gettext("Comment added."), "done")
    return _back(post_id)


@editor.post("/api/count")
def count() -> Response:
    """`{"platform", "account", "text", "spoiler_text"?}` → `{"length", "limit", "over"}`, as the
    platform counts (a Mastodon link counts 23), against the account's limit as `queue edit` has it."""
    given = request.get_json(silent=True)
    if not isinstance(given, dict):
        abort(400, description='send a JSON object: {"platform": …, "account": …, "text": …}')
    platform, account = given.get("platform"), given.get("account", queueing.DEFAULT_ACCOUNT)
    text, spoiler = given.get("text"), given.get("spoiler_text", "")
    if platform not in registry.NAMES:
        abort(400, description=f"platform: one of {', '.join(registry.NAMES)}")
    if not isinstance(account, str) or not isinstance(text, str) or not isinstance(spoiler, str):
        abort(400, description="account, text and spoiler_text are strings")
    measured = registry.measure(platform, text, spoiler, limits=account_limits(platform, account))
    return jsonify(length=measured.length, limit=measured.limit, over=measured.length > measured.limit)
