"""Watched sources, the issues found in them, and leases (see `scheduler.watching`).

A source's row keeps what it is (kind, location, where its issues go) and what its checks found
(when, how many failed in a row and why, when to check next, what a conditional request sends
again). `seen_issues` keeps every issue a watcher found, by a digest of what its items say: an
issue found again — with another date, in another source — is known. A lease is a task one
process at a time does: taking it is one conditional UPDATE (or an INSERT when nobody held it),
so two watchers on one PostgreSQL database never check the sources at the same time. A source a
person paused (`paused_at`) keeps its row; the watcher skips it until it is resumed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from scheduler.errors import InputError
from scheduler.models import SourceState, WatchedSource
from scheduler.storage.base import StoreBase, aware
from scheduler.storage.schema import leases, seen_issues, sources


def _options(source: WatchedSource) -> dict[str, Any]:
    return {
        "platforms": list(source.platforms),
        "accounts": list(source.accounts),
        "approve": source.approve,
        "per_entry": source.per_entry,
        "pattern": source.pattern,
        "sender": source.sender,
    }


def _state(row: Any, issues: int) -> SourceState:
    options = row.options or {}
    source = WatchedSource(
        name=row.name,
        kind=row.kind,
        location=row.location,
        platforms=tuple(options.get("platforms", ())),
        accounts=tuple(options.get("accounts", ())),
        approve=bool(options.get("approve", False)),
        per_entry=options.get("per_entry", ""),
        pattern=options.get("pattern", ""),
        sender=options.get("sender", ""),
    )
    return SourceState(
        source=source,
        created_at=row.created_at,
        checked_at=row.checked_at,
        ok_at=row.ok_at,
        failures=row.failures,
        error=row.error,
        next_check_at=row.next_check_at,
        validators=dict(row.validators or {}),
        issues=issues,
        paused_at=row.paused_at,
    )


class Sources(StoreBase):
    """The watched sources and the issues seen in them."""

    def add_source(self, source: WatchedSource, *, now: dt.datetime) -> SourceState:
        """Store `source`; `InputError` when a source of that name exists."""
        aware(now)
        values = {
            "name": source.name,
            "kind": source.kind,
            "location": source.location,
            "options": _options(source),
            "created_at": now,
            "failures": 0,
            "error": "",
            "validators": {},
        }
        try:
            with self.engine.begin() as connection:
                connection.execute(insert(sources).values(**values))
        except IntegrityError:
            raise InputError(
                f"a source named {source.name!r} exists already; choose another --name, "
                f"or remove it first with 'scheduler sources remove {source.name}'"
            ) from None
        return SourceState(source=source, created_at=now)

    def sources(self) -> list[SourceState]:
        """Every source, in the order they were added, with how many issues were queued from each."""
        with self.engine.connect() as connection:
            per_source: dict[str, int] = dict(
                connection.execute(
                    select(seen_issues.c.source, func.count())
                    .where(seen_issues.c.posts > 0)
                    .group_by(seen_issues.c.source)
                ).all()
            )
            rows = connection.execute(select(sources).order_by(sources.c.created_at, sources.c.name)).all()
        return [_state(row, per_source.get(row.name, 0)) for row in rows]

    def source(self, name: str) -> SourceState | None:
        return next((state for state in self.sources() if state.source.name == name), None)

    def remove_source(self, name: str) -> bool:
        """Forget the source `name` (the issues seen in it stay seen); False when there is none."""
        with self.engine.begin() as connection:
            return bool(connection.execute(delete(sources).where(sources.c.name == name)).rowcount)

    def pause_source(self, name: str, *, now: dt.datetime) -> SourceState | None:
        """Pause `name` (paused already: since the first time); None when there is no such source."""
        aware(now)
        with self.engine.begin() as connection:
            connection.execute(
                update(sources).where(sources.c.name == name, sources.c.paused_at.is_(None)).values(paused_at=now)
            )
        return self.source(name)

    def resume_source(self, name: str) -> SourceState | None:
        """Resume `name`: checked at the watcher's next round (a wait after failures ends too, the
        count of failures stays); None when there is no such source."""
        with self.engine.begin() as connection:
            connection.execute(update(sources).where(sources.c.name == name).values(paused_at=None, next_check_at=None))
        return self.source(name)

    def source_checked(
        self,
        name: str,
        *,
        now: dt.datetime,
        next_check_at: dt.datetime | None,
        error: str = "",
        validators: Mapping[str, str] | None = None,
    ) -> int:
        """Record a check of `name` at `now`: good (`error` empty; `validators`, when given, replace
        the stored ones) or failed (the count of failures in a row grows). Returns that count."""
        aware(now)
        with self.engine.begin() as connection:
            row = connection.execute(select(sources.c.failures).where(sources.c.name == name)).first()
            if row is None:
                return 0
            failures = row.failures + 1 if error else 0
            values: dict[str, Any] = {
                "checked_at": now,
                "failures": failures,
                "error": error,
                "next_check_at": next_check_at,
            }
            if not error:
                values["ok_at"] = now
                if validators is not None:
                    values["validators"] = dict(validators)
            connection.execute(update(sources).where(sources.c.name == name).values(**values))
            return failures

    # -- issues seen ---------------------------------------------------------------------------

    def seen(self, digests: Collection[str]) -> set[str]:
        """Which of `digests` belong to issues found before."""
        if not digests:
            return set()
        with self.engine.connect() as connection:
            rows = connection.execute(select(seen_issues.c.digest).where(seen_issues.c.digest.in_(sorted(digests))))
            return {row.digest for row in rows}

    def mark_seen(self, digest: str, *, issue: str, title: str, source: str, posts: int, now: dt.datetime) -> bool:
        """Record an issue found in `source` (`posts`: how many were queued for it); False when it
        was recorded already (by another watcher meanwhile)."""
        aware(now)
        try:
            with self.engine.begin() as connection:
                connection.execute(
                    insert(seen_issues).values(
                        digest=digest, issue=issue, title=title[:500], source=source, seen_at=now, posts=posts
                    )
                )
        except IntegrityError:
            return False
        return True

    def first_issue_notice(self, digest: str, *, now: dt.datetime) -> bool:
        """Record that the notice about `digest`'s drafts goes out; False if it went out already."""
        aware(now)
        with self.engine.begin() as connection:
            return bool(
                connection.execute(
                    update(seen_issues)
                    .where(seen_issues.c.digest == digest, seen_issues.c.noticed_at.is_(None))
                    .values(noticed_at=now)
                ).rowcount
            )

    # -- leases --------------------------------------------------------------------------------

    def take_lease(self, name: str, *, holder: str, until: dt.datetime, now: dt.datetime) -> bool:
        """Hold the task `name` until `until`, unless another holder holds it past `now`."""
        aware(until, now)
        with self.engine.begin() as connection:
            taken = connection.execute(
                update(leases)
                .where(leases.c.name == name, or_(leases.c.holder == holder, leases.c.until <= now))
                .values(holder=holder, until=until)
            ).rowcount
            if taken:
                return True
        try:
            with self.engine.begin() as connection:
                connection.execute(insert(leases).values(name=name, holder=holder, until=until))
        except IntegrityError:  # held by someone else (or taken a moment ago)
            return False
        return True

    def release_lease(self, name: str, *, holder: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(delete(leases).where(leases.c.name == name, leases.c.holder == holder))
