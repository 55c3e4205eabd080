"""The exception tree. Every error the tool raises on purpose derives from `SchedulerError`.

    SchedulerError                 one line that names the problem and the fix
    ├── ConfigError                a setting (environment, .env, issue options) is invalid
    ├── InputError                 a newsletter file or argument cannot be used
    │   ├── UnknownPlatformError   a platform name we do not know
    │   ├── LoginRefused           too many failed logins: wait `retry_after` seconds
    │   └── TeamError              a user cannot be added or changed so: `problem` says which rule
    ├── TemplateError              a post template is missing, malformed or fails to render
    ├── FitError                   a post cannot be made to fit its platform's limit
    ├── StorageError               the database cannot be opened, migrated or used
    │   ├── DatabaseUnavailable    a passing fault (disk full, read-only, server gone): retry later
    │   ├── DatabaseCorrupt        the file is not a SQLite database, or is damaged: restore a backup
    │   └── DatabaseDriverMissing  PostgreSQL's driver is not installed: install the extra it names
    ├── QueueError                 unknown post, or its state does not allow the operation
    ├── SystemFault                the machine, not a post: the outbox or log cannot be written
    ├── NoticeError                a notice (webhook, e-mail) could not be sent; publishing goes on
    └── PublishError               publishing failed; the subclass decides what happens next
        ├── AuthorisationError     → needs_attention: re-authorise the account
        ├── RejectedError          → failed, with the platform's message
        ├── DuplicateError         → reconcile
        ├── RateLimitedError       → retry after the platform's hint
        ├── TransientError         → retry with backoff
        └── AmbiguousError         → reconcile; unknown → needs_attention

Foreign exceptions (pydantic, Jinja2, OS errors) are translated into these at the boundary that
calls the foreign code; the CLI prints `str(error)` and exits 2 (1 for posts that do not fit).

Errors carry fields that code and tests match instead of the message text: a `PublishError` its
`platform`, `account`, `status` (the HTTP status, None when no answer came) and `endpoint` (method and
path, never a query); a `NoticeError` its `channel` and `target`; a `StorageError` the database's
`url` (password hidden), its SQLite `path` and the driver's `reason`.
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path


class SchedulerError(Exception):
    """Root of every error this package raises on purpose."""


class ConfigError(SchedulerError):
    """A setting has an invalid value; the message names the variable and the expected form."""


class InputError(SchedulerError):
    """A newsletter file, folder or argument cannot be used."""


class UnknownPlatformError(InputError):
    """A platform name that is not one of the supported platforms."""

    def __init__(self, name: str, known: tuple[str, ...]) -> None:
        super().__init__(f"unknown platform {name!r}: use one of {', '.join(known)}")
        self.name = name


class LoginRefused(InputError):
    """A login refused without looking at the password: too many failed logins for the account or
    from the address. `retry_after`: the seconds until a login is looked at again. (A wrong name or
    password is a plain `InputError`, whose message never says which of the two was wrong.)"""

    def __init__(self, *, retry_after: float) -> None:
        self.retry_after = retry_after
        super().__init__(
            f"too many failed logins for this account or from this address; try again in {self.wait_words()}"
        )

    def wait_words(self) -> str:
        """The wait in words, rounded up: `1 second`, `45 seconds`, `3 minutes`."""
        return self.in_words(self.retry_after)

    @staticmethod
    def in_words(seconds: float) -> str:
        whole = max(1, -int(-seconds // 1))  # rounded up: never "0 seconds"
        if whole < 120:
            return f"{whole} second{'' if whole == 1 else 's'}"
        return f"{-(-whole // 60)} minutes"


class TeamError(InputError):
    """A user cannot be added or changed as asked (`scheduler.team`): `problem` names the rule —
    one of `team.PROBLEMS`, e.g. "last_admin" — so that the dashboard can say it in the reader's
    language; `name`, the user concerned (None when there is none). Never carries a password."""

    def __init__(self, message: str, *, problem: str, name: str | None = None) -> None:
        super().__init__(message)
        self.problem = problem
        self.name = name


class TemplateError(SchedulerError):
    """A template is missing, has a syntax error, or fails while rendering."""

    def __init__(self, problem: str, *, template: str | None = None, line: int | None = None) -> None:
        where = ""
        if template:
            where = f"{template}:{line}: " if line else f"{template}: "
        super().__init__(f"template error: {where}{problem}")
        self.template = template
        self.line = line
        self.problem = problem


class FitError(SchedulerError):
    """A post cannot be made to fit: the reason says what is too long and by how much."""


# -- database errors (raised by scheduler.storage, translated once in storage/faults.py) ----------


class StorageError(SchedulerError):
    """The database cannot be opened, migrated or used. Fields, each None when unknown: `url`, the
    database URL with its password hidden; `path`, the SQLite file; `reason`, the first line of
    what the driver or the operating system said."""

    def __init__(
        self, message: str, *, url: str | None = None, path: Path | None = None, reason: str | None = None
    ) -> None:
        super().__init__(message)
        self.url = url
        self.path = path
        self.reason = reason


class DatabaseUnavailable(StorageError):
    """The database cannot be written or reached for now (disk full, read-only, server restarted,
    connection dropped) — not a bug in a query. A daemon waits and tries again."""


class DatabaseCorrupt(StorageError):
    """The SQLite file is not a database, or is damaged: someone restores it from a backup (or
    points the URL at another file); waiting does not help."""


class DatabaseDriverMissing(StorageError):
    """The database's driver is not installed; `extra` names the package extra that installs it
    (`pip install 'newsletter-scheduler[postgres]'`)."""

    def __init__(self, message: str, *, url: str | None = None, extra: str) -> None:
        super().__init__(message, url=url)
        self.extra = extra


# -- end of database errors ---------------------------------------------------------------------


class QueueError(SchedulerError):
    """A queue operation is not possible: unknown post, or a state that does not allow it."""


class SystemFault(SchedulerError):
    """A fault of the machine, not of a post: the outbox or the log cannot be written (disk full,
    quota, read-only, no permission). Publishing pauses until it is gone; no post changes for it."""

    #: OS errors that are the machine's: the same write fails for every post until someone acts.
    ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EIO})

    @classmethod
    def of(cls, error: BaseException | None, what: str) -> SystemFault | None:
        """The fault saying `what` cannot be written, when `error` is the machine's; else None."""
        if isinstance(error, OSError) and error.errno in cls.ERRNOS:
            return cls(f"cannot write {what}: {error.strerror or errno.errorcode.get(error.errno or 0, error)}")
        return None


class NoticeError(SchedulerError):
    """A notice could not be sent: `channel` ("webhook", "e-mail"), `target` (host and port, never a
    secret URL or a password) and `status`, the server's answer code (HTTP status, SMTP reply code;
    None when none came). The caller logs it in one line; a notice never stops publishing.
    `failures`: each channel's own error when several channels were asked at once."""

    def __init__(
        self,
        message: str,
        *,
        channel: str,
        target: str,
        status: int | None = None,
        failures: tuple[NoticeError, ...] = (),
    ) -> None:
        super().__init__(message)
        self.channel = channel
        self.target = target
        self.status = status
        self.failures = failures or (self,)


class PublishError(SchedulerError):
    """Publishing a post failed. The subclass says what the daemon does next:

    AuthorisationError → needs_attention ("re-authorise account X"); RejectedError → failed;
    DuplicateError → reconcile; RateLimitedError and TransientError → retry later;
    AmbiguousError → the request may have arrived: reconcile, never blindly resend.

    Fields (None until known): `status`, the HTTP status of the answer (None: no answer came);
    `endpoint`, the request's method and path ("POST /api/v1/statuses", never a query) — both set by
    the request helper; `platform` and `account` of the post — set where the post is known.
    """

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        status: int | None = None,
        endpoint: str | None = None,
        platform: str | None = None,
        account: str | None = None,
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after  # seconds the platform asked us to wait, if it said
        self.status = status
        self.endpoint = endpoint
        self.platform = platform
        self.account = account

    def about(self, *, platform: str, account: str) -> None:
        """Name the post's platform and account, unless a more precise place named them already."""
        if self.platform is None:
            self.platform = platform
        if self.account is None:
            self.account = account


class AuthorisationError(PublishError):
    """The account's token is missing, expired or revoked."""


class RejectedError(PublishError):
    """The platform refused the post for good (validation, permissions, policy)."""


class DuplicateError(PublishError):
    """The platform says this post exists already; `existing` is its id when the platform names it."""

    def __init__(
        self, message: str, *, existing: str | None = None, status: int | None = None, endpoint: str | None = None
    ) -> None:
        super().__init__(message, status=status, endpoint=endpoint)
        self.existing = existing


class RateLimitedError(PublishError):
    """Too many requests; `retry_after` says when to try again, if the platform said. `unsent`: our
    own pacing held the post back before any request (it costs no attempt)."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        unsent: bool = False,
        status: int | None = None,
        endpoint: str | None = None,
    ) -> None:
        super().__init__(message, retry_after=retry_after, status=status, endpoint=endpoint)
        self.unsent = unsent


class TransientError(PublishError):
    """The request did not arrive or failed in a way that is safe to retry."""


class AmbiguousError(PublishError):
    """The request may have arrived (timeout after sending, 5xx on create)."""
