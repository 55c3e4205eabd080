"""`POST /hooks/issue`: a newsletter tool hands in a new issue — its content in any form the readers
take, or `{"url": "https://…"}` to fetch it — signed with the shared secret (`signing`). It is
queued like a watched source's new issue: once (an issue handed in twice, or found in a feed too,
is not queued again), on the settings' platforms, as drafts unless approval is not required.

Answers JSON: 200 with what was queued; 401 for a missing or wrong signature or an old timestamp
(nothing is read); 400 for content that is no issue; 404 while SCHEDULER_WEBHOOK_SECRET is not
set; 413 above SCHEDULER_MAX_ISSUE_BYTES.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from flask import Blueprint, Response, current_app, jsonify, request

from scheduler.errors import InputError, SchedulerError
from scheduler.models import WatchedSource
from scheduler.web import WIRING
from scheduler.web.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, problem

if TYPE_CHECKING:
    from scheduler.models import Issue
    from scheduler.wiring import Wiring

hooks = Blueprint("hooks", __name__)

#: The source the issues handed in are queued as.
WEBHOOK = WatchedSource(name="webhook", kind="webhook", location="POST /hooks/issue")


def _answer(status: int, **fields: object) -> tuple[Response, int]:
    return jsonify(**fields), status


@hooks.post("/hooks/issue")
def issue() -> tuple[Response, int]:
    wiring: Wiring = current_app.extensions[WIRING]
    secret = wiring.settings.webhook_secret
    if secret is None:
        return _answer(404, error="the webhook is off: set SCHEDULER_WEBHOOK_SECRET and restart scheduler serve")
    body = request.get_data(cache=False)
    now = wiring.clock()
    why = problem(
        secret.get_secret_value(),
        timestamp=request.headers.get(TIMESTAMP_HEADER),
        given=request.headers.get(SIGNATURE_HEADER),
        body=body,
        now=now,
    )
    if why is not None:
        return _answer(401, error=why)
    try:
        issues = _issues(wiring, body)
        from scheduler.daemon import worker_name

        result = wiring.watcher(f"{worker_name()} (webhook)").receive(issues, WEBHOOK, now=now)
    except SchedulerError as error:
        return _answer(400, error=str(error))
    answer = {
        "issues": result.issues,
        "queued": result.queued,
        "posts": result.posts,
        "seen_before": result.known,
        "warnings": result.warnings,  # posts queued that leave a reader at a dead end, as preview says
    }
    if result.error:
        return _answer(422, error=result.error, **answer)
    return _answer(200, **answer)


def _issues(wiring: Wiring, body: bytes) -> list[Issue]:
    """The issues in the body: `{"url": …}` fetched, anything else read as an issue."""
    if body.lstrip()[:1] == b"{" or request.mimetype == "application/json":
        try:
            fields = json.loads(body)
        except ValueError:
            fields = None
        url = fields.get("url") if isinstance(fields, dict) and set(fields) == {"url"} else None
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise InputError('a JSON body is {"url": "https://…"}, the address of the issue to fetch')
        return wiring.load_issues([url])
    if not body.strip():
        raise SchedulerError(
            'the body is empty: send the issue (HTML, Markdown, text, a feed, an e-mail) or {"url": …}'
        )
    return wiring.read_issues(body, source="webhook")
