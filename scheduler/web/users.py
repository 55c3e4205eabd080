"""The Users page (admins: `manage_users`) and My account (everyone signed in).

Users: every user with their role; adding one (a name, a role, a first password typed twice or made
up here and shown once — in the answer itself, never in a cookie or a log), giving one another
role or a new password, and removing one. A thin view over `scheduler.team`, the use cases of
`scheduler users …`: the last admin stays, an admin cannot remove or demote themselves here, and
every change is logged with who made it. A rule broken is said in the reader's language (from the
`TeamError`'s `problem`) and changes nothing. There is no "disabled" user: removing one is how a
person loses access (their name stays in the posts' history; they can be added again).

My account: a user's own new password, typed twice, with the current one (checked, and a wrong one
counted, as a login's). Their other sessions end at once (`auth.stamp`); this one starts anew.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from scheduler import team
from scheduler.errors import LoginRefused, TeamError
from scheduler.models import Role
from scheduler.web.auth import refused_words, require, start_session, user, wiring
from scheduler.web.i18n import gettext

if TYPE_CHECKING:
    from werkzeug.datastructures import MultiDict

users = Blueprint("users", __name__)


def words(error: TeamError) -> str:
    """What `error` means, in the reader's language: one sentence naming the problem and the fix."""
    name = error.name or ""
    roles = ", ".join(gettext(role.value) for role in Role)
    said = {
        "name": gettext(
            "The name “%(name)s” is not allowed: use 1 to %(most)d letters (a–z), digits and . _ - @, "
            "for example anna or anna@example.org.",
            name=name,
            most=team.NAME_LENGTH,
        )
        if name
        else gettext(
            "Enter a name: 1 to %(most)d letters (a–z), digits and . _ - @, for example anna or anna@example.org.",
            most=team.NAME_LENGTH,
        ),
        "taken": gettext("There is already a user named %(name)s. Choose another name.", name=name),
        "unknown": gettext("There is no user named %(name)s. Reload the page to see the users.", name=name),
        "role": gettext("Choose one of the roles: %(roles)s.", roles=roles),
        "short": gettext(
            "The password is too short: use at least %(least)d characters. A few words make one easy to remember.",
            least=team.MIN_PASSWORD,
        ),
        "long": gettext("The password is too long: use at most %(most)d characters.", most=team.MAX_PASSWORD),
        "differ": gettext("The two passwords differ. Type the same password in both fields."),
        "current": gettext("Your current password is not right. Type it again."),
        "last_admin": gettext(
            "%(name)s is the last admin and can be neither removed nor given another role. "
            "Make another user an admin first.",
            name=name,
        ),
        "yourself": gettext(
            "You cannot remove yourself or give yourself another role. Ask another admin to do it.",
        ),
    }
    return said[error.problem]


def _page(
    *, status: int = 200, form: MultiDict[str, str] | None = None, shown: tuple[str, str] | None = None
) -> tuple[str, int]:
    """The Users page; `form`: what the add form had (never a password); `shown`: a user's name and
    the password just made up for them."""
    return (
        render_template(
            "users.html",
            users=team.users(wiring().store),
            roles=list(Role),
            form={"name": form.get("name", ""), "role": form.get("role", "")} if form else {},
            shown=shown,
            me=user().name,
            least=team.MIN_PASSWORD,
            most=team.NAME_LENGTH,
        ),
        status,
    )


def _new_password(form: MultiDict[str, str]) -> tuple[str, bool]:
    """The password a form gives — made up when "generate" is ticked, else typed twice — and
    whether it was made up."""
    if form.get("generate") == "on":
        return team.generate_password(), True
    password = form.get("password", "")
    team.check_repeated(password, form.get("repeat", ""))
    return password, False


@users.get("/users")
def index() -> tuple[str, int]:
    require("manage_users")
    return _page()


@users.post("/users")
def add() -> Response | tuple[str, int]:
    require("manage_users")
    form = request.form
    try:
        password, made_up = _new_password(form)
        added = team.add_user(
            wiring().store,
            form.get("name", ""),
            password,
            form.get("role", ""),
            now=wiring().clock(),
            actor=user().name,
        )
    except TeamError as error:
        flash(words(error), "error")
        return _page(status=400, form=form)
    flash(
        gettext("User %(name)s added with the role %(role)s.", name=added.name, role=gettext(added.role.value)), "done"
    )
    if made_up:
        return _page(shown=(added.name, password))
    return redirect(url_for("users.index"))


@users.post("/users/<name>/role")
def role(name: str) -> Response:
    require("manage_users")
    try:
        changed = team.set_role(
            wiring().store, name, request.form.get("role", ""), now=wiring().clock(), signed_in=user().name
        )
    except TeamError as error:
        flash(words(error), "error")
    else:
        flash(
            gettext("%(name)s now has the role %(role)s.", name=changed.name, role=gettext(changed.role.value)), "done"
        )
    return redirect(url_for("users.index"))


@users.post("/users/<name>/password")
def password(name: str) -> Response | tuple[str, int]:
    require("manage_users")
    try:
        new, made_up = _new_password(request.form)
        changed = team.set_password(wiring().store, name, new, now=wiring().clock(), actor=user().name)
    except TeamError as error:
        flash(words(error), "error")
        return redirect(url_for("users.index"))
    if changed.name == user().name:  # this session goes on with the new password
        start_session(changed)
    flash(
        gettext("%(name)s has a new password; wherever they were signed in, they are signed out.", name=changed.name),
        "done",
    )
    if made_up:
        return _page(shown=(changed.name, new))
    return redirect(url_for("users.index"))


@users.post("/users/<name>/remove")
def remove(name: str) -> Response:
    require("manage_users")
    try:
        removed = team.remove_user(wiring().store, name, signed_in=user().name)
    except TeamError as error:
        flash(words(error), "error")
    else:
        flash(gettext("User %(name)s removed; their name stays in the posts' history.", name=removed.name), "done")
    return redirect(url_for("users.index"))


@users.get("/account")
def account() -> tuple[str, int]:
    return render_template("account.html", least=team.MIN_PASSWORD), 200


@users.post("/account")
def change_password() -> Response | tuple[str, int]:
    form = request.form
    try:
        changed = team.change_password(
            wiring().store,
            user().name,
            form.get("current", ""),
            form.get("password", ""),
            form.get("repeat", ""),
            address=request.remote_addr or "unknown",
            now=wiring().clock(),
        )
    except LoginRefused as refused:
        flash(refused_words(refused.retry_after), "error")
        return render_template("account.html", least=team.MIN_PASSWORD), 429
    except TeamError as error:
        flash(words(error), "error")
        return render_template("account.html", least=team.MIN_PASSWORD), 400
    start_session(changed)
    flash(gettext("Your password is changed. Wherever else you were signed in, you are signed out."), "done")
    return redirect(url_for("users.account"))
