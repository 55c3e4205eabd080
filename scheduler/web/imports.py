"""The import page: an issue pasted, uploaded or given by its address → its items and preview's
warnings → the platforms and accounts → planned and queued as drafts, as `scheduler queue add` does.

Thin views over the wiring the command line uses: an address is fetched and read by
`Wiring.load_issues` (as `scheduler preview URL`), pasted text and uploads by `Wiring.read_issues`
(as the webhook reads its body; an upload's name gives a text without a date its date), the posts
are rendered by `Wiring.previews` (as `scheduler preview`: its warnings, and the posts that do not
fit) and queued by `Wiring.add_issues` (as `queue add`: the same planning; an issue imported twice is
not queued twice), recording who imported them. Warnings the readers log while reading (a bad byte,
a repeated paragraph, an image left out) are shown with the posts' warnings.

**Between the two steps** nothing is kept on the server: the preview page carries what the user gave
(the text or the file, compressed, with its name; or the address) in a hidden field, signed with
the dashboard's session key and bound to the user, for as long as a session lives. The queue step
reads the issue again from that field — so a changed or someone else's field is refused, any process
of `scheduler serve` can answer either step, and nothing is left behind when someone walks away. The
accounts are the only thing taken from the client, and they are checked against the configured
ones. An address is fetched again at the second step: what is queued is the page as it is then, as
`queue add URL` would queue it.

**Sizes.** The forms are sent as the browser's default encoding (a pasted text is one field;
Werkzeug limits only the whole body there) and an upload as multipart; both bodies are limited by
MAX_CONTENT_LENGTH, i.e. SCHEDULER_MAX_ISSUE_BYTES. A body above it is answered with this page and a
sentence naming the limit (413), not a bare error. The carried issue is compressed, so the second
step's body is far below the first's for text; an upload of incompressible bytes close to the
limit may exceed it there and is refused the same way.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import logging
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePath
from typing import TYPE_CHECKING

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from itsdangerous import BadSignature, TimestampSigner
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from scheduler.errors import InputError, SchedulerError
from scheduler.web import naming
from scheduler.web.auth import require, user, wiring
from scheduler.web.i18n import gettext, ngettext, say

if TYPE_CHECKING:
    from scheduler.models import Issue, Item, Post
    from scheduler.service import IssuePreview

imports = Blueprint("imports", __name__)

#: The source pasted text is read as (named in the posts' warnings and the queue's history).
PASTED = "pasted text"
#: An issue older than this many days is said to be old: its dates and events may be over.
OLD_DAYS = 45
#: How much of an item's text the preview shows.
EXCERPT = 240
_SALT = "scheduler.web.imports"


@dataclass(frozen=True, slots=True)
class Given:
    """What the user gave: `kind` text, file or url; `name` the file's name or the address;
    `link` the issue's web page, for a text or file (the link of items without one of their own)."""

    kind: str
    name: str
    data: bytes = b""
    link: str = ""


@dataclass(frozen=True, slots=True)
class Choice:
    """An account offered for the posts: `value` is `platform:name`; `dry_run` when it has no
    credentials here (its posts are rehearsed in the outbox)."""

    value: str
    platform: str
    name: str
    identity: str
    dry_run: bool
    checked: bool


@imports.get("/import")
def form() -> str:
    require("import")
    return render_template("import.html", error="", text="", url="", link="")


@imports.post("/import/preview")
def preview() -> str | tuple[str, int]:
    require("import")
    try:
        given = _given()
        issues, logged = _read(given)
        previews = wiring().previews(issues, platforms=_platforms(), now=wiring().clock())
        accounts = _offered(issues)
    except SchedulerError as error:
        return _again(say(error))
    return _preview_page(given, issues, previews, logged, accounts)


@imports.post("/import/queue")
def queue() -> Response | str | tuple[str, int]:
    require("import")
    try:
        given = _unseal(request.form.get("issue", ""))
    except InputError as error:
        return _again(say(error))
    chosen = list(dict.fromkeys(request.form.getlist("account")))
    now = wiring().clock()
    issues: list[Issue] = []
    logged: list[str] = []
    try:
        _ = wiring().planning  # a bad slot setting is said before any issue is read
        issues, logged = _read(given)
        if not chosen:
            raise InputError(gettext("Choose at least one account."))
        known = {choice.value for choice in _offered(issues)}
        for value in chosen:
            if value not in known:
                raise InputError(gettext("%(account)s is not an account of this team.", account=value))
        named = _single_post_platforms(issues)
        if named is not None:  # a single post goes only where its front matter says
            chosen = [value for value in chosen if value.partition(":")[0] in named]
            if not chosen:
                raise InputError(
                    gettext(
                        "This post goes only to %(platforms)s: choose an account there.", platforms=", ".join(named)
                    )
                )
        report, problems = wiring().add_issues(
            issues,
            platforms=list(dict.fromkeys(value.partition(":")[0] for value in chosen)),
            chosen=chosen,
            start=now,
            approve=False,
            update=False,
            now=now,
            actor=user().name,
        )
    except SchedulerError as error:
        if not issues:
            return _again(say(error))
        return _preview_again(given, issues, logged, chosen, error=say(error))
    if report.misfits:
        words = ngettext(
            "Nothing was queued: %(num)d post does not fit.",
            "Nothing was queued: %(num)d posts do not fit.",
            len(report.misfits),
        )
        return _preview_again(given, issues, logged, chosen, error=words, misfits=report.misfits)
    drafts = wiring().settings.require_approval
    added = len(report.added)
    if not added and report.skipped:
        flash(
            ngettext(
                "This issue is queued already (%(num)d post); nothing was added.",
                "This issue is queued already (%(num)d posts); nothing was added.",
                report.skipped,
            ),
            "done",
        )
    elif drafts:
        flash(ngettext("%(num)d post queued as draft.", "%(num)d posts queued as drafts.", added), "done")
    else:
        flash(ngettext("%(num)d post queued and scheduled.", "%(num)d posts queued and scheduled.", added), "done")
    if report.skipped and added:
        flash(
            ngettext("%(num)d post was queued already.", "%(num)d posts were queued already.", report.skipped), "done"
        )
    if report.stale or report.by_hand or report.kept:
        changed = len(report.stale) + len(report.by_hand) + len(report.kept)
        flash(
            ngettext(
                "%(num)d post queued before would read differently now; it was left as it is.",
                "%(num)d posts queued before would read differently now; they were left as they are.",
                changed,
            ),
            "error",
        )
    for problem in problems:
        flash(say(problem), "error")
    return redirect(url_for("queue.index", state="draft" if drafts else "scheduled"))


@imports.get("/import/preview")
@imports.get("/import/queue")
def read_again() -> Response:
    """A step's address opened rather than sent — a sign-in after the session ended comes back to
    it so: the issue the step carried is gone; the import page says to read it in again."""
    require("import")
    flash(gettext("Please read in the issue again – the session had expired."), "error")
    return redirect(url_for("imports.form"))


@imports.errorhandler(RequestEntityTooLarge)
def _too_large(_error: RequestEntityTooLarge) -> tuple[str, int]:
    """A body above MAX_CONTENT_LENGTH: refused before it is read (and before the sign-in is
    looked at, so a stranger gets the plain error page)."""
    from babel.numbers import format_decimal

    from scheduler.web.i18n import locale

    size = format_decimal(wiring().settings.max_issue_bytes / 1_000_000, format="#,##0.###", locale=locale())
    words = gettext("This is larger than an issue may be: at most %(size)s MB.", size=size)
    name = session.get("user")
    signed_in = g.get("user") or (wiring().store.user(name) if isinstance(name, str) else None)
    if signed_in is None:
        return render_template("error.html", code=413, title=gettext("Too large"), words=words), 413
    g.user = signed_in  # the body was refused before the sign-in was looked at
    return _again(words, status=413)


def _again(error: str, *, status: int = 400) -> tuple[str, int]:
    """The import form with `error`, keeping what was typed (a pasted text, an address)."""
    text = url = link = ""
    with contextlib.suppress(RequestEntityTooLarge):  # the form of a body too large is not read
        text = request.form.get("text", "") if request.form.get("kind") == "text" else ""
        url = request.form.get("url", "") if request.form.get("kind") == "url" else ""
        link = request.form.get("link", "")
    return render_template("import.html", error=error, text=text, url=url, link=link), status


def _given() -> Given:
    """What the import form sent: exactly one of a text, a file or an address."""
    kind = request.form.get("kind", "")
    if kind == "text":
        text = request.form.get("text", "")
        if not text.strip():
            raise InputError(gettext("Nothing to import: paste the text of an issue first."))
        return Given("text", PASTED, text.encode("utf-8"), _link())
    if kind == "file":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            raise InputError(gettext("Choose a file to upload first."))
        name = PurePath(upload.filename.replace("\\", "/")).name[:200] or "upload"
        data = upload.read(wiring().settings.max_issue_bytes + 1)
        if not data.strip():
            raise InputError(gettext("The file %(name)s is empty.", name=name))
        return Given("file", name, data, _link())
    if kind == "url":
        from scheduler.service import is_address

        address = request.form.get("url", "").strip()
        if not address:
            raise InputError(gettext("Give the address of the issue first (https://…)."))
        if not is_address(address):
            raise InputError(gettext("An address starts with https:// or http://: %(address)s", address=address))
        return Given("url", address)
    raise InputError(gettext("Paste a text, upload a file or give an address."))


def _link() -> str:
    """The issue's web page given beside a text or file ("" when none was)."""
    from scheduler.service import is_address

    link = request.form.get("link", "").strip()
    if link and not is_address(link):
        raise InputError(gettext("The issue's web page starts with https:// or http://: %(address)s", address=link))
    return link


def _read(given: Given) -> tuple[list[Issue], list[str]]:
    """The issues `given` holds, read as `scheduler preview` reads them, and the warnings logged
    while reading."""
    with _logged_warnings() as logged:
        if given.kind == "url":
            issues = wiring().load_issues([given.name])
        else:
            file_name = given.name if given.kind == "file" else ""
            issues = wiring().read_issues(given.data, source=given.name, file_name=file_name, link=given.link)
    return issues, logged


def _platforms() -> list[str]:
    """The platforms of the settings, then those with an account configured outside them."""
    w = wiring()
    return list(dict.fromkeys([*w.settings.platforms, *(platform for platform, _ in w.accounts)]))


def _single_post_platforms(issues: list[Issue]) -> list[str] | None:
    """The platforms a single post's front matter names (None: an issue, or a post that names none)."""
    if not issues or any(issue.placement is None for issue in issues):
        return None
    named = [
        name
        for issue in issues
        if issue.placement is not None
        for name in (*issue.placement.platforms, *(entry.partition(":")[0] for entry in issue.placement.accounts))
    ]
    return list(dict.fromkeys(named)) or None


def _offered(issues: list[Issue]) -> list[Choice]:
    """The accounts posts may go to: every configured one, and for each platform of the settings
    without one its `default` account in a dry run. Checked: those `queue add` takes by default
    (for a single post, those on its platforms)."""
    w = wiring()
    named = _single_post_platforms(issues)
    configured = w.accounts
    identities = w.identities()
    wanted = set(w.settings.platforms)
    return [
        Choice(
            value=f"{platform}:{name}",
            platform=platform,
            name=name,
            identity=identities.get((platform, name), ""),
            dry_run=(platform, name) not in configured,
            checked=platform in wanted and (named is None or platform in named),
        )
        for platform, names in w.targets(_platforms()).items()
        for name in names
    ]


@dataclass(frozen=True, slots=True)
class _Shown:
    """An issue as the preview page shows it."""

    issue: Issue
    items: list[tuple[Item, str, str]]  # the item, its main web link (or ""), an excerpt of its text
    warnings: list[str]
    misfits: list[str]
    age: int  # days since the issue's date (0 when it has none or is newer)


def _preview_page(
    given: Given,
    issues: list[Issue],
    previews: list[IssuePreview],
    logged: list[str],
    accounts: list[Choice],
    *,
    error: str = "",
    status: int = 200,
    misfits: list[Post] | None = None,
) -> str | tuple[str, int]:
    from scheduler.service import item_warnings

    shown = []
    for issue, issue_preview in zip(issues, previews, strict=True):
        numbers = {item.id: number for number, item in reversed(list(enumerate(issue.items, start=1)))}
        lacking = [entry.post for entry in issue_preview.posts if not entry.post.fits]
        if misfits is not None:
            lacking = [post for post in misfits if post.item_id in numbers]
        shown.append(
            _Shown(
                age=_age(issue),
                issue=issue,
                items=[(item, _web_link(item) or given.link, _excerpt(item.body)) for item in issue.items],
                warnings=[
                    gettext(
                        "Item %(number)d (%(title)s) on %(platforms)s: %(warning)s",
                        number=said.number,
                        title=said.title or _first_words(issue, said.number),
                        platforms=", ".join(naming.title(platform) for platform in said.platforms),
                        warning=say(said.warning),
                    )
                    for said in item_warnings([issue_preview])
                ],
                misfits=[
                    gettext(
                        "Item %(number)d (%(title)s) does not fit on %(platform)s: %(reason)s",
                        number=numbers.get(post.item_id, 0),
                        title=post.title or _first_words(issue, numbers.get(post.item_id, 0)),
                        platform=post.platform,
                        reason=say(post.reason or ""),
                    )
                    for post in lacking
                ],
            )
        )
    page = render_template(
        "import_preview.html",
        given=given,
        shown=shown,
        logged=logged,
        accounts=accounts,
        sealed=_seal(given),
        drafts=wiring().settings.require_approval,
        error=error,
        old_days=OLD_DAYS,
        ago=_ago,
    )
    return (page, status) if status != 200 else page


def _preview_again(
    given: Given,
    issues: list[Issue],
    logged: list[str],
    chosen: list[str],
    *,
    error: str,
    misfits: list[Post] | None = None,
) -> str | tuple[str, int]:
    """The preview page again after the queue step refused, the accounts as they were chosen."""
    try:
        previews = wiring().previews(issues, platforms=_platforms(), now=wiring().clock())
        accounts = [
            Choice(c.value, c.platform, c.name, c.identity, c.dry_run, c.value in chosen) for c in _offered(issues)
        ]
    except SchedulerError as again:
        return _again(say(again))
    return _preview_page(given, issues, previews, logged, accounts, error=error, status=422, misfits=misfits)


def _age(issue: Issue) -> int:
    """Days from the issue's date to today in the team's time zone (0 without a date)."""
    from zoneinfo import ZoneInfo

    if issue.date is None:
        return 0
    today = wiring().clock().astimezone(ZoneInfo(wiring().settings.timezone)).date()
    return max(0, (today - issue.date).days)


def _ago(days: int) -> str:
    """`days` ago in the reader's words, rounded as people say it: "vor 2 Jahren", "2 years ago"."""
    import datetime as dt

    from babel.dates import format_timedelta

    from scheduler.web.i18n import locale

    return format_timedelta(dt.timedelta(days=-days), add_direction=True, locale=locale())


def _first_words(issue: Issue, number: int) -> str:
    """The start of item `number`'s text, for a post without a title (a single post)."""
    if not 0 < number <= len(issue.items):
        return ""
    words = issue.items[number - 1].body.split()
    return " ".join(words[:6]) + ("…" if len(words) > 6 else "")


def _web_link(item: Item) -> str:
    """The item's main link when it is a web address (anything else is shown as text, never a link)."""
    link = item.url or ""
    return link if link.startswith(("https://", "http://")) else ""


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= EXCERPT:
        return text
    cut = text[:EXCERPT].rsplit(" ", 1)[0]
    return cut + "…"


# -- carrying the issue from the preview to the queue step ------------------------------------


def _signer() -> TimestampSigner:
    key = current_app.secret_key
    assert key is not None  # reason: auth.install sets it before any view runs
    return TimestampSigner(key, salt=_SALT, digest_method=hashlib.sha256)


def _seal(given: Given) -> str:
    """`given`, compressed and signed for the signed-in user (see the module's words)."""
    head = json.dumps(
        {"by": user().name, "kind": given.kind, "name": given.name, "link": given.link}, ensure_ascii=False
    ).encode()
    blob = len(head).to_bytes(4, "big") + head + zlib.compress(given.data, 6)
    return _signer().sign(base64.urlsafe_b64encode(blob).rstrip(b"=")).decode("ascii")


def _unseal(value: str) -> Given:
    """What `_seal` carried; an `InputError` when it was changed, is too old or someone else's."""
    expired = InputError(gettext("The import expired or was changed on the way. Read the issue again."))
    try:
        packed = _signer().unsign(value, max_age=int(current_app.permanent_session_lifetime.total_seconds()))
        blob = base64.urlsafe_b64decode(packed + b"=" * (-len(packed) % 4))
        size = int.from_bytes(blob[:4], "big")
        head = json.loads(blob[4 : 4 + size])
        inflater = zlib.decompressobj()
        data = inflater.decompress(blob[4 + size :], wiring().settings.max_issue_bytes + 1)
        given = Given(str(head["kind"]), str(head["name"]), data, str(head.get("link", "")))
    except (BadSignature, ValueError, KeyError, TypeError, zlib.error):
        raise expired from None
    if head.get("by") != user().name or given.kind not in ("text", "file", "url"):
        raise expired
    return given


# -- the warnings logged while an issue is read -------------------------------------------------


class _Collect(logging.Handler):
    """Warnings of this thread (this request) only: other requests read at the same time."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.thread = threading.get_ident()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.lines.append(record.getMessage())


@contextlib.contextmanager
def _logged_warnings() -> Iterator[list[str]]:
    """The warnings the package logs meanwhile (those `scheduler preview` prints as `warning: …`)."""
    handler = _Collect()
    logger = logging.getLogger("scheduler")
    logger.addHandler(handler)
    try:
        yield handler.lines
    finally:
        logger.removeHandler(handler)
