"""The team: the dashboard's users, what each role may do, their passwords, and logins slowed
down after failures.

**Roles** (`may`). An editor prepares posts, an approver decides which go out, an admin runs the
tool; each role may do everything the one before it may:

    action            editor  approver  admin
    import              ✓        ✓        ✓      queue an issue's posts as drafts
    edit                ✓        ✓        ✓      change a post's text, images, alt texts
    submit              ✓        ✓        ✓      ask for review
    comment             ✓        ✓        ✓      comment on a post
    reschedule          ✓        ✓        ✓      move a post to another time (the calendar)
    approve                      ✓        ✓      a draft becomes scheduled
    reject                       ✓        ✓      send a draft back, with a comment
    cancel                       ✓        ✓      take a post out of the queue for good
    retry                        ✓        ✓      try a failed or unclear post again
    manage_users                          ✓      add and remove users, set roles and passwords
    manage_accounts                       ✓      connect platform accounts
    manage_sources                        ✓      add, pause and remove watched sources
    settings                              ✓      the team's settings

An editor may not cancel: a cancelled post never comes back (`models.TRANSITIONS`), and a
scheduled post was approved by someone else — an editor who wants a post gone rejects nothing and
asks an approver. Retrying sends a post to the platform again, which is an approver's decision
as much as approving it. Rescheduling moves a post without changing what it says, so an editor
may; a scheduled post stays approved.

**Users.** A name is 1–40 letters (a–z), digits and `. _ - @`, kept in lower case, so `Anna` and
`anna` are one user (and log in alike). A password has at least 12 characters and is stored only
as an Argon2id hash (argon2-cffi) with OWASP's parameters — 19 MiB, 2 passes, 1 lane, about 25 ms
— rather than the library's 64 MiB: the process that serves the dashboard may run the daemon too
and should stay small (issue 14, point 8). A hash made with other parameters is made again at the
user's next login (which signs the user's other dashboard sessions out, as a new password does:
`scheduler.web.auth`). The last admin cannot be removed or demoted; in the dashboard, an admin
cannot remove or demote themselves either (another admin does it). A rule broken is a `TeamError`
whose `problem` (one of `PROBLEMS`) names the rule. Each change of a user is logged with who made it
(a dashboard user, or the system user of a command): the users' table keeps no history.

**Logins** (`authenticate`). Failed logins are counted per account and per address, in the
database, so that every process serving the dashboard counts the same. After `free` failures in a
row a login waits 1 s, then 2 s, 4 s … up to 15 minutes (`Throttle`); the count is forgotten after
a successful login (the account's only: the address keeps its count, so that one known password
does not clear the way for guessing others) or 15 quiet minutes past the last wait. The free
failures are 3 per account and 10 per address (an office behind one address mistypes more often
than one person). A name that is no user costs what a wrong password costs — a hash is verified
against a dummy and the failure is counted alike — so neither the answer nor its time tells which
names exist. A refused login is a `LoginRefused` with `retry_after`.

Passwords never appear in a repr, a log line or an error message.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import ipaddress
import logging
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from scheduler.errors import ConfigError, InputError, TeamError
from scheduler.errors import LoginRefused as LoginRefused  # raised by authenticate: callers catch it from here
from scheduler.models import Role, User

if TYPE_CHECKING:
    from pydantic import SecretStr

    from scheduler.storage import Store
    from scheduler.storage.users import LoginFailures

log = logging.getLogger(__name__)

#: What each role may do (see the table above).
EDITOR_ACTIONS = frozenset({"import", "edit", "submit", "comment", "reschedule"})
APPROVER_ACTIONS = EDITOR_ACTIONS | {"approve", "reject", "cancel", "retry"}
ACTIONS = APPROVER_ACTIONS | {"manage_users", "manage_accounts", "manage_sources", "settings"}
PERMISSIONS: Mapping[Role, frozenset[str]] = {
    Role.EDITOR: EDITOR_ACTIONS,
    Role.APPROVER: APPROVER_ACTIONS,
    Role.ADMIN: ACTIONS,
}

NAME_LENGTH = 40
MIN_PASSWORD = 12
MAX_PASSWORD = 4096  # a bound on what one login hashes; no passphrase is longer
_NAME = re.compile(rf"[a-z0-9._@-]{{1,{NAME_LENGTH}}}\Z")

#: Argon2id with OWASP's minimum parameters (see the module's docstring).
HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)

#: The rules a `TeamError` names (its `problem`): a name that is not allowed, taken, or no user's;
#: a role that is none; a password too short or too long, typed twice differently, or (one's own)
#: not the current one; the last admin; oneself.
PROBLEMS = frozenset(
    {"name", "taken", "unknown", "role", "short", "long", "differ", "current", "last_admin", "yourself"}
)
#: What `generate_password` picks from: letters and digits without the look-alikes l, o, 0, 1.
_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"


def may(role: Role | str, action: str) -> bool:
    """Whether a user of `role` may do `action` (one of `ACTIONS`; another name is a bug in the
    caller and raises ValueError, rather than quietly refusing)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}; one of {', '.join(sorted(ACTIONS))}")
    return action in PERMISSIONS[Role(role)]


# -- names, roles, passwords ------------------------------------------------------------------


def _cut(value: str) -> str:
    """A name as an error keeps it: cut short when it is long."""
    return value if len(value) <= 50 else value[:50] + "…"


def _shown(value: str) -> str:
    """A name as an error shows it: quoted, and cut short when it is long."""
    return repr(_cut(value))


def user_name(name: str) -> str:
    """`name` as it is stored (lower case, without surrounding spaces), or an `InputError` saying
    what a name may be."""
    cleaned = name.strip().lower()
    if not _NAME.match(cleaned):
        raise TeamError(
            f"user name {_shown(name)} is not allowed: use 1–{NAME_LENGTH} letters (a–z), digits and . _ - @, "
            "e.g. anna or anna@example.org",
            problem="name",
            name=_cut(name.strip()),
        )
    return cleaned


def role_named(role: Role | str) -> Role:
    """`role` as a `Role`, or an `InputError` naming the roles."""
    try:
        return Role(str(role).strip().lower())
    except ValueError:
        raise TeamError(f"role {_shown(str(role))} is none of {', '.join(Role)}", problem="role") from None


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise TeamError(
            f"the password is too short: use at least {MIN_PASSWORD} characters (a few words make one easy to remember)",
            problem="short",
        )
    if len(password) > MAX_PASSWORD:
        raise TeamError(f"the password is too long: use at most {MAX_PASSWORD} characters", problem="long")


def check_repeated(password: str, repeated: str) -> None:
    """A `TeamError` unless a new password was typed the same twice (`password`, `repeated`)."""
    if not secrets.compare_digest(password.encode("utf-8", "surrogatepass"), repeated.encode("utf-8", "surrogatepass")):
        raise TeamError("the two passwords differ; type the same password twice", problem="differ")


def generate_password() -> str:
    """A new random password to hand on: four groups of five letters and digits (100 bits of
    chance), e.g. `k3vq9-x7pzm-2hd8e-wn4ra`, easy to read out and to type."""
    return "-".join("".join(secrets.choice(_ALPHABET) for _ in range(5)) for _ in range(4))


def hash_password(password: str) -> str:
    """The Argon2id hash of `password` (at least 12 characters, else an `InputError`)."""
    _check_password(password)
    return HASHER.hash(password)


def verify_password(user: User, password: str) -> bool:
    """Whether `password` is `user`'s (False also for a hash that is none, e.g. empty)."""
    try:
        return HASHER.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def _dummy_hash() -> str:
    """A hash no password matches: what a name that is no user is verified against."""
    return HASHER.hash(secrets.token_urlsafe(32))


def _verify_dummy(password: str) -> None:
    """Verify `password` against `_dummy_hash`, for the time it takes."""
    with contextlib.suppress(VerificationError, InvalidHashError):
        HASHER.verify(_dummy_hash(), password)


# -- users ------------------------------------------------------------------------------------


def users(store: Store) -> list[User]:
    """Every user, by name."""
    return store.list_users()


def user(store: Store, name: str) -> User | None:
    """The user `name` (in any case), or None."""
    try:
        return store.user(user_name(name))
    except InputError:
        return None


def existing(store: Store, name: str) -> User:
    """The user `name` (in any case), or a `TeamError` saying there is none."""
    found = store.user(user_name(name))
    if found is None:
        raise TeamError(
            f"no user named {_shown(name)}; the users are listed by 'scheduler users list'",
            problem="unknown",
            name=_cut(name.strip()),
        )
    return found


def free_name(store: Store, name: str) -> str:
    """`name` as it would be stored, when it is allowed and no user has it yet; else a `TeamError`."""
    cleaned = user_name(name)
    if store.user(cleaned) is not None:
        raise TeamError(f"a user named {cleaned!r} exists already; choose another name", problem="taken", name=cleaned)
    return cleaned


def _by(actor: str | None) -> str:
    return actor or "someone unknown"


def add_user(
    store: Store, name: str, password: str, role: Role | str, *, now: dt.datetime, actor: str | None = None
) -> User:
    """Add a user; a `TeamError` for a name or password that is not allowed, an unknown role, or a
    name taken already. `actor`: who adds them (a dashboard user, a command's system user), logged."""
    new = User(
        name=free_name(store, name),
        role=role_named(role),
        created_at=now,
        password_hash=hash_password(password),
        updated_at=now,
    )
    try:
        store.insert_user(new)
    except InputError:  # another process added the name a moment ago
        raise TeamError(
            f"a user named {new.name!r} exists already; choose another name", problem="taken", name=new.name
        ) from None
    log.info("user %s added as %s by %s", new.name, new.role, _by(actor))
    return new


def _keep_an_admin(store: Store, found: User, what: str) -> None:
    if found.role == Role.ADMIN and store.count_users(role=Role.ADMIN) <= 1:
        raise TeamError(
            f"{found.name!r} is the last admin and cannot be {what}; make another user admin first",
            problem="last_admin",
            name=found.name,
        )


def _not_yourself(found: User, signed_in: str | None, what: str) -> None:
    if signed_in is not None and found.name == signed_in:
        raise TeamError(f"you cannot {what} yourself here; ask another admin", problem="yourself", name=found.name)


def remove_user(store: Store, name: str, *, actor: str | None = None, signed_in: str | None = None) -> User:
    """Remove a user (their name stays in the posts' history); the last admin stays. `signed_in`:
    the dashboard user doing it, who cannot remove themselves (by accident); `actor` (else
    `signed_in`): who does it, logged."""
    found = existing(store, name)
    _keep_an_admin(store, found, "removed")
    _not_yourself(found, signed_in, "remove")
    store.delete_user(found.name)
    store.forget_login_failures([_account_key(found.name)])
    log.info("user %s removed by %s", found.name, _by(actor or signed_in))
    return found


def set_password(store: Store, name: str, password: str, *, now: dt.datetime, actor: str | None = None) -> User:
    """Give a user a new password; their failed logins are forgotten (and their dashboard sessions
    end: `scheduler.web.auth`). `actor`: who sets it, logged."""
    found = existing(store, name)
    hashed = hash_password(password)
    store.update_user(found.name, now=now, password_hash=hashed)
    store.forget_login_failures([_account_key(found.name)])
    log.info("new password of user %s set by %s", found.name, _by(actor))
    return existing(store, found.name)


def change_password(
    store: Store, name: str, current: str, new: str, repeated: str, *, address: str, now: dt.datetime
) -> User:
    """A user's own new password, `new` typed twice (`repeated`), when `current` is their password
    now — checked as a login is, and a wrong one counted as a failed login (so that a session left
    open does not let anyone guess it); a `LoginRefused` while logins must wait."""
    found = existing(store, name)
    check_repeated(new, repeated)
    _check_password(new)
    try:
        authenticate(store, found.name, current, address=address, now=now)
    except LoginRefused:
        raise
    except InputError:
        raise TeamError(
            "your current password is not right; type it again", problem="current", name=found.name
        ) from None
    return set_password(store, found.name, new, now=now, actor=found.name)


def set_role(
    store: Store,
    name: str,
    role: Role | str,
    *,
    now: dt.datetime,
    actor: str | None = None,
    signed_in: str | None = None,
) -> User:
    """Give a user another role; the last admin stays admin. `signed_in`: the dashboard user doing
    it, who cannot give themselves another role (an admin would lock themselves out); `actor` (else
    `signed_in`): who does it, logged."""
    found = existing(store, name)
    wanted = role_named(role)
    if wanted != found.role:
        _keep_an_admin(store, found, f"made {wanted}")
        _not_yourself(found, signed_in, f"make {wanted}")
        store.update_user(found.name, now=now, role=wanted)
        log.info("user %s made %s by %s", found.name, wanted, _by(actor or signed_in))
    return existing(store, found.name)


class AdminSettings(Protocol):
    """What `first_admin` reads of the settings (`config.CoreSettings` has both)."""

    @property
    def admin_user(self) -> str: ...

    @property
    def admin_password(self) -> SecretStr | None: ...


def first_admin(store: Store, settings: AdminSettings, *, now: dt.datetime) -> User | None:
    """Create the admin SCHEDULER_ADMIN_USER with SCHEDULER_ADMIN_PASSWORD when there are no users
    yet; None when there are (the settings are then ignored), when neither is set, or when another
    process created the same admin a moment ago. A name or password that is not allowed, or only
    one of the two set, is a `ConfigError` naming the setting."""
    name, password = settings.admin_user.strip(), settings.admin_password
    if not name and password is None:
        return None
    if store.count_users():
        return None
    if not name or password is None:
        raise ConfigError(
            "set both SCHEDULER_ADMIN_USER and SCHEDULER_ADMIN_PASSWORD to create the first admin, or neither"
        )
    try:
        name = user_name(name)
    except InputError as error:
        raise ConfigError(f"SCHEDULER_ADMIN_USER: {error}") from None
    try:
        _check_password(password.get_secret_value())
    except InputError as error:
        raise ConfigError(f"SCHEDULER_ADMIN_PASSWORD: {error}") from None
    try:
        created = add_user(store, name, password.get_secret_value(), Role.ADMIN, now=now, actor="the settings")
    except InputError:  # another process serving the dashboard created it meanwhile
        return None
    log.info("created the first admin %s from SCHEDULER_ADMIN_USER", created.name)
    return created


# -- logins -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Throttle:
    """How failed logins under one key slow the next down: after `free` failures in a row, a login
    waits `first` seconds, twice that after the next failure, and so on up to `cap`; the count is
    forgotten `quiet` seconds after the last wait ended."""

    free: int
    first: float = 1.0
    cap: float = 15 * 60.0
    quiet: float = 15 * 60.0

    def wait(self, failures: int) -> float:
        """Seconds a login waits after `failures` failures in a row."""
        if failures < self.free:
            return 0.0
        return min(self.cap, self.first * 2.0 ** min(failures - self.free, 64))

    def forgotten(self, counted: LoginFailures | None, now: dt.datetime) -> bool:
        return counted is None or (now - counted.last_at).total_seconds() >= self.wait(counted.failures) + self.quiet

    def retry_after(self, counted: LoginFailures | None, now: dt.datetime) -> float:
        """Seconds until a login under this count is looked at (0.0: now)."""
        if counted is None or self.forgotten(counted, now):
            return 0.0
        return max(0.0, self.wait(counted.failures) - (now - counted.last_at).total_seconds())


PER_ACCOUNT = Throttle(free=3)
PER_ADDRESS = Throttle(free=10)
#: Counts older than this are deleted when a failure is counted (none can matter any more).
_KEPT = dt.timedelta(seconds=max(PER_ACCOUNT.cap + PER_ACCOUNT.quiet, PER_ADDRESS.cap + PER_ADDRESS.quiet))


def _account_key(name: str) -> str:
    """The key an account's failures are counted under; a name that can be no user's is hashed
    (it may be long, and the table keeps it only for the throttle)."""
    cleaned = name.strip().lower()
    if _NAME.match(cleaned):
        return f"user:{cleaned}"
    return "user:#" + hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:40]


def _address_key(address: str) -> str:
    """The key an address's failures are counted under: an IPv4 address, or an IPv6 address's /64
    network (one machine commonly has a whole /64 to pick from)."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return "addr:#" + hashlib.sha256(address.encode("utf-8", "surrogatepass")).hexdigest()[:40]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return f"addr:{ip.ipv4_mapped}"
        return f"addr:{ipaddress.IPv6Network((ip, 64), strict=False)}"
    return f"addr:{ip}"


def authenticate(store: Store, name: str, password: str, *, address: str, now: dt.datetime) -> User:
    """The user `name` when `password` is theirs. While failed logins for the account or from
    `address` (the client's IP address) make logins wait, a `LoginRefused` saying how long
    (`retry_after`), without looking at the password; a wrong name or password is an `InputError`
    that does not say which (and, when the next login must wait, for how long)."""
    account, place = _account_key(name), _address_key(address)
    counted = store.login_failures([account, place])
    wait = max(PER_ACCOUNT.retry_after(counted.get(account), now), PER_ADDRESS.retry_after(counted.get(place), now))
    if wait > 0:
        raise LoginRefused(retry_after=wait)
    found = store.user(account.removeprefix("user:")) if not account.startswith("user:#") else None
    if found is None:
        _verify_dummy(password)  # as long as a wrong password takes
    elif verify_password(found, password):
        store.forget_login_failures([account])
        if HASHER.check_needs_rehash(found.password_hash):  # made with other parameters: made again
            store.update_user(found.name, now=now, password_hash=HASHER.hash(password))
            found = store.user(found.name) or found
        return found
    failures = {
        key: store.count_login_failure(key, now=now, restart=throttle.forgotten(counted.get(key), now))
        for key, throttle in ((account, PER_ACCOUNT), (place, PER_ADDRESS))
    }
    store.forget_login_failures(last_before=now - _KEPT)
    wait = max(PER_ACCOUNT.wait(failures[account]), PER_ADDRESS.wait(failures[place]))
    then = f"; the next login waits {LoginRefused.in_words(wait)}" if wait else ""
    raise InputError(f"wrong user name or password{then}")
