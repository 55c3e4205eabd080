"""Watching sources for new issues: each check reads every due source, queues the issues not seen
before, and records what it found (`scheduler watch`, and `scheduler run` every
SCHEDULER_WATCH_INTERVAL).

- **Once.** An issue is known by a digest of what its items say (`digest`): found again — under
  another date, in a second source, after a restart — it is not queued again. A corrected issue
  has another digest; it is queued like `queue add --update`, so its new items are added and its
  queued posts rewritten where they would now read differently (issue identity, `requeue`).
  One watcher at a time checks the sources (a lease in the database, `LEASE`), so two watchers on
  one PostgreSQL database import a new issue once; a watcher that dies leaves the lease to the
  others after `LEASE_TIME`.
- **Cheap when nothing changed.** A feed or page is fetched with the ETag and Last-Modified of
  the last answer: unchanged, it costs one request answered 304 and no parsing. A folder's files
  are read again only when their size or time changed.
- **A failing source stops no other.** Its check is recorded as failed (the reason is one line),
  it is checked again after a backoff that doubles with every failure in a row (from the watch
  interval up to `MAX_BACKOFF`), and after `notify_after` failures in a row the notice channels
  say so, once per run of failures.
- **Paused is paused.** A source a person paused (`scheduler sources pause`, the dashboard) is not
  read, also not by `watch --once`, until it is resumed (`watching.sources`).
- **Drafts wait for a person.** When an issue's posts are queued as drafts, the notice channels
  say so once per issue, with the count and the command to review them.

When a source is added, the issues it holds already count as seen (`baseline`): only what appears
afterwards is queued, except the newest `backfill` ones.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from scheduler.errors import InputError, NoticeError, SchedulerError
from scheduler.models import Issue, SourceState, WatchedSource
from scheduler.newsletter.identity import issue_key

if TYPE_CHECKING:
    from scheduler.storage import Store

log = logging.getLogger(__name__)

#: The name of the lease of checking the sources, and how long one check may hold it.
LEASE = "watch"
LEASE_TIME = dt.timedelta(minutes=10)
#: The longest wait before a failing source is checked again.
MAX_BACKOFF = dt.timedelta(hours=6)


@dataclass(frozen=True, slots=True)
class Found:
    """What reading a source gave: its issues (newest first, as the source lists them), and what a
    conditional request sends next time (None: keep what is stored)."""

    issues: Sequence[Issue]
    validators: Mapping[str, str] | None = None


class SourceReader(Protocol):
    def __call__(self, source: WatchedSource, validators: Mapping[str, str]) -> Found | None:
        """The issues in `source`; None when it has not changed since `validators` were given.
        Raises a `SchedulerError` with one line saying what went wrong."""
        ...


@dataclass(frozen=True, slots=True)
class Queued:
    """What queueing one issue did: posts added, whether they wait as drafts, and the reason
    nothing was queued (a post that does not fit), else ""."""

    posts: int
    drafts: bool
    problem: str = ""
    warnings: tuple[str, ...] = ()  # posts queued that leave a reader at a dead end (as preview says)


#: Queues one issue of a source (as `queue add --update` would, on the source's platforms).
Queue = Callable[[Issue, WatchedSource], Queued]


class Announce(Protocol):
    def announce(self, text: str) -> None: ...


@dataclass
class SourceResult:
    """One source's check."""

    name: str
    checked: bool = True  # False: not due yet (backing off after failures), or paused
    paused: bool = False  # a person paused it: not checked until resumed
    unchanged: bool = False  # the server answered 304, or no file changed
    issues: int = 0  # issues read
    queued: list[str] = field(default_factory=list)  # titles of the issues queued
    posts: int = 0  # posts queued
    seen: int = 0  # issues taken as seen without queueing (the source's first check)
    known: int = 0  # issues read that were seen before
    warnings: list[str] = field(default_factory=list)  # about posts queued (a dead end for a reader)
    drafts: bool = False  # posts queued as drafts, awaiting approval
    error: str = ""
    failures: int = 0  # failed checks in a row
    next_check_at: dt.datetime | None = None


@dataclass
class WatchReport:
    results: list[SourceResult] = field(default_factory=list)
    busy: bool = False  # another watcher was checking the sources


def digest(issue: Issue) -> str:
    """What an issue says, as a hash of its items' texts in any order: the same issue under
    another date or title, or in another source, has the same digest."""
    return hashlib.sha256("\n".join(sorted(item.id for item in issue.items)).encode()).hexdigest()


def backoff(failures: int, interval: dt.timedelta) -> dt.timedelta:
    """How long to wait after `failures` failed checks in a row: the interval, doubled with each
    further failure, at most `MAX_BACKOFF`."""
    wait: dt.timedelta = interval * (2 ** min(max(failures - 1, 0), 16))
    return min(wait, MAX_BACKOFF)


def newest_first(issues: Sequence[Issue]) -> list[Issue]:
    """Dated issues newest first, then the undated ones in the order the source lists them."""
    dated = sorted((issue for issue in issues if issue.date is not None), key=_date, reverse=True)
    return [*dated, *(issue for issue in issues if issue.date is None)]


def _date(issue: Issue) -> dt.date:
    return issue.date or dt.date.min


class Watcher:
    """Checks sources with `read` and queues new issues with `queue` (see the module's words)."""

    def __init__(
        self,
        store: Store,
        *,
        read: SourceReader,
        queue: Queue,
        worker: str,
        interval: dt.timedelta,
        notifier: Announce | None = None,
        notify_after: int = 3,
    ) -> None:
        self.store = store
        self.read = read
        self.queue = queue
        self.worker = worker
        self.interval = interval
        self.notifier = notifier
        self.notify_after = notify_after

    def __repr__(self) -> str:
        return f"Watcher({self.store!r}, worker={self.worker!r})"

    def check(self, *, now: dt.datetime, names: Sequence[str] = (), force: bool = False) -> WatchReport:
        """Check every source due at `now` (`names`: only these; `force`: also those backing off;
        a paused one never)."""
        report = WatchReport()
        states = self.store.sources()
        if not states:  # nothing to watch: no lease taken, nothing written
            return report
        if not self.store.take_lease(LEASE, holder=self.worker, until=now + LEASE_TIME, now=now):
            report.busy = True
            return report
        try:
            for state in states:
                if names and state.source.name not in names:
                    continue
                if state.paused_at is not None:
                    report.results.append(SourceResult(state.source.name, checked=False, paused=True))
                    continue
                due = force or state.next_check_at is None or state.next_check_at <= now
                if not due:
                    report.results.append(
                        SourceResult(
                            state.source.name,
                            checked=False,
                            failures=state.failures,
                            error=state.error,
                            next_check_at=state.next_check_at,
                        )
                    )
                    continue
                report.results.append(self.check_source(state, now=now))
        finally:
            self.store.release_lease(LEASE, holder=self.worker)
        return report

    def add(self, source: WatchedSource, *, now: dt.datetime, backfill: int = 0) -> SourceResult:
        """Watch `source` from now on: read it once (its error raised, nothing stored, when it cannot
        be read), store it, and take the issues it holds as seen, except the newest `backfill`,
        which are queued."""
        if self.store.source(source.name) is not None:
            raise InputError(
                f"a source named {source.name!r} exists already; choose another --name, "
                f"or remove it first with 'scheduler sources remove {source.name}'"
            )
        found = self.read(source, {})
        if found is None:  # a first request carries no validators: never answered 304
            found = Found(())
        state = self.store.add_source(source, now=now)
        result = SourceResult(source.name, issues=len(found.issues))
        chosen = {id(issue) for issue in newest_first(found.issues)[:backfill]}
        for issue in found.issues:
            if id(issue) not in chosen and self.store.mark_seen(
                digest(issue), issue=issue_key(issue), title=issue.title, source=source.name, posts=0, now=now
            ):
                result.seen += 1
        self._queue_new(state, [issue for issue in found.issues if id(issue) in chosen], result, now=now)
        result.failures = self.store.source_checked(
            source.name, now=now, next_check_at=None, error=result.error, validators=found.validators
        )
        return result

    def receive(self, issues: Sequence[Issue], source: WatchedSource, *, now: dt.datetime) -> SourceResult:
        """Queue issues handed in (by the webhook) as `source`'s new issues: each once, as a check
        would; `result.error` says why one could not be queued."""
        result = SourceResult(source.name, issues=len(issues))
        self._queue_new(SourceState(source=source, created_at=now), issues, result, now=now)
        return result

    def check_source(self, state: SourceState, *, now: dt.datetime) -> SourceResult:
        """Read one source and queue what is new in it; a failure is recorded, never raised."""
        source = state.source
        result = SourceResult(source.name)
        try:
            found = self.read(source, state.validators)
        except SchedulerError as error:
            return self._failed(state, result, str(error), now=now)
        except Exception as error:  # a source's fault, whatever it is, stops no other source
            log.exception("source %s: reading it failed unexpectedly", source.name)
            return self._failed(state, result, f"reading it failed ({type(error).__name__}: {error})", now=now)
        if found is None:
            result.unchanged = True
            self.store.source_checked(source.name, now=now, next_check_at=None)
            return result
        result.issues = len(found.issues)
        self._queue_new(state, found.issues, result, now=now)
        if result.error:
            return self._failed(state, result, result.error, now=now)
        self.store.source_checked(source.name, now=now, next_check_at=None, validators=found.validators)
        return result

    def _queue_new(
        self, state: SourceState, issues: Sequence[Issue], result: SourceResult, *, now: dt.datetime
    ) -> None:
        source = state.source
        digests = {id(issue): digest(issue) for issue in issues}
        known = self.store.seen(set(digests.values()))
        problems = []
        for issue in reversed(newest_first(issues)):  # oldest first: their posts go out in order
            key = digests[id(issue)]
            if key in known or not issue.items:
                result.known += key in known
                continue
            known.add(key)
            try:
                queued = self.queue(issue, source)
            except SchedulerError as error:
                problems.append(f"{issue.title or issue.source}: {error}")
                continue
            if queued.problem:
                problems.append(f"{issue.title or issue.source}: {queued.problem}")
                continue
            self.store.mark_seen(
                key, issue=issue_key(issue), title=issue.title, source=source.name, posts=queued.posts, now=now
            )
            result.queued.append(issue.title)
            result.posts += queued.posts
            result.drafts = result.drafts or (queued.drafts and queued.posts > 0)
            for warning in queued.warnings:
                log.warning("source %s: %s", source.name, warning)
            result.warnings.extend(queued.warnings)
            log.info(
                "%s: queued %d post%s of the new issue %r%s",
                source.name,
                queued.posts,
                "" if queued.posts == 1 else "s",
                issue.title,
                " as drafts" if queued.drafts else "",
            )
            if queued.drafts and queued.posts and self.store.first_issue_notice(key, now=now):
                self._notify(
                    f"{queued.posts} draft post{'' if queued.posts == 1 else 's'} of the new issue "
                    f"“{issue.title or issue.source}” (source {source.name}) await approval. Review them with "
                    "'scheduler queue list --state draft' and approve them with 'scheduler queue approve ID …'."
                )
        if problems:
            result.error = "; ".join(problems)

    def _failed(self, state: SourceState, result: SourceResult, error: str, *, now: dt.datetime) -> SourceResult:
        failures = state.failures + 1
        result.error, result.failures = error, failures
        result.next_check_at = now + backoff(failures, self.interval)
        self.store.source_checked(state.source.name, now=now, next_check_at=result.next_check_at, error=error)
        log.warning(
            "source %s: %s (failed %d time%s in a row)", state.source.name, error, failures, "s"[failures == 1 :]
        )
        if failures == self.notify_after:
            self._notify(
                f"The source {state.source.name} ({state.source.location}) failed {failures} checks in a row: "
                f"{error}. It is checked again in {_duration(result.next_check_at - now)}; "
                "see 'scheduler sources list'."
            )
        return result

    def _notify(self, text: str) -> None:
        if self.notifier is None:
            return
        try:
            self.notifier.announce(text)
        except NoticeError as error:
            log.warning("could not send a notice: %s", error)


def _duration(span: dt.timedelta) -> str:
    minutes = round(span.total_seconds() / 60)
    if minutes < 120:
        return f"{minutes} minute{'' if minutes == 1 else 's'}"
    return f"{minutes // 60} hours"
