"""The dashboard's users and the failed logins counted against them (see `scheduler.team`, which
decides what a name, a password and a role may be, and when a login must wait).

A user's row keeps the name, the role and the Argon2 hash of the password, never the password. A
`login_failures` row counts failed logins in a row under one key — an account ("user:anna") or an
address ("addr:192.0.2.7") — in the database, so that every process serving the dashboard counts
the same failures. A failure is one atomic UPDATE (failures + 1), or an INSERT when the key has
no row yet: two processes counting at once lose no failure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement

from scheduler.errors import InputError
from scheduler.models import Role, User
from scheduler.storage.base import StoreBase, aware
from scheduler.storage.schema import login_failures, users


@dataclass(frozen=True, slots=True)
class LoginFailures:
    """Failed logins in a row under `key`: how many, the first and the last."""

    key: str
    failures: int
    first_at: dt.datetime
    last_at: dt.datetime


def _user(row: Any) -> User:
    return User(
        name=row.name,
        role=Role(row.role),
        created_at=row.created_at,
        password_hash=row.password_hash,
        updated_at=row.updated_at,
    )


class Users(StoreBase):
    """The dashboard's users, and failed logins per account and per address."""

    def insert_user(self, user: User) -> None:
        """Store `user` (its `created_at` is also its `updated_at`); `InputError` when a user of that
        name exists."""
        aware(user.created_at)
        try:
            with self.engine.begin() as connection:
                connection.execute(
                    insert(users).values(
                        name=user.name,
                        role=str(user.role),
                        password_hash=user.password_hash,
                        created_at=user.created_at,
                        updated_at=user.created_at,
                    )
                )
        except IntegrityError:
            raise InputError(
                f"a user named {user.name!r} exists already; choose another name, or set their password "
                f"with 'scheduler users password {user.name}'"
            ) from None

    def user(self, name: str) -> User | None:
        """The user `name` (as stored: `team.user_name`), or None."""
        with self.engine.connect() as connection:
            row = connection.execute(select(users).where(users.c.name == name)).first()
        return None if row is None else _user(row)

    def list_users(self) -> list[User]:
        """Every user, by name."""
        with self.engine.connect() as connection:
            return [_user(row) for row in connection.execute(select(users).order_by(users.c.name))]

    def count_users(self, *, role: str | None = None) -> int:
        """How many users there are (with `role`: of that role)."""
        query = select(func.count()).select_from(users)
        if role is not None:
            query = query.where(users.c.role == role)
        with self.engine.connect() as connection:
            return int(connection.execute(query).scalar_one())

    def update_user(
        self, name: str, *, now: dt.datetime, role: str | None = None, password_hash: str | None = None
    ) -> bool:
        """Change `name`'s role or password hash (those given); False when there is no such user."""
        aware(now)
        values: dict[str, Any] = {"updated_at": now}
        if role is not None:
            values["role"] = role
        if password_hash is not None:
            values["password_hash"] = password_hash
        with self.engine.begin() as connection:
            return bool(connection.execute(update(users).where(users.c.name == name).values(**values)).rowcount)

    def delete_user(self, name: str) -> bool:
        """Forget the user `name` (the history keeps their name); False when there is none."""
        with self.engine.begin() as connection:
            return bool(connection.execute(delete(users).where(users.c.name == name)).rowcount)

    # -- failed logins -------------------------------------------------------------------------

    def login_failures(self, keys: Collection[str]) -> dict[str, LoginFailures]:
        """The failed logins counted under each of `keys` that has any."""
        if not keys:
            return {}
        with self.engine.connect() as connection:
            rows = connection.execute(select(login_failures).where(login_failures.c.key.in_(sorted(keys))))
            return {row.key: LoginFailures(row.key, row.failures, row.first_at, row.last_at) for row in rows}

    def count_login_failure(self, key: str, *, now: dt.datetime, restart: bool = False) -> int:
        """Count a failed login under `key` at `now` and return how many are counted now. `restart`:
        the failures counted before are forgotten (they are old), this one is the first."""
        aware(now)
        for _ in range(3):  # an INSERT that loses to another process's INSERT is an UPDATE after all
            with self.engine.begin() as connection:
                statement = update(login_failures).where(login_failures.c.key == key)
                if restart:
                    statement = statement.values(failures=1, first_at=now, last_at=now)
                else:
                    statement = statement.values(failures=login_failures.c.failures + 1, last_at=now)
                row = connection.execute(statement.returning(login_failures.c.failures)).first()
                if row is not None:
                    return int(row.failures)
            try:
                with self.engine.begin() as connection:
                    connection.execute(insert(login_failures).values(key=key, failures=1, first_at=now, last_at=now))
                return 1
            except IntegrityError:
                continue
        return 1  # the row was inserted and deleted again three times meanwhile: count this one alone

    def forget_login_failures(self, keys: Collection[str] = (), *, last_before: dt.datetime | None = None) -> int:
        """Forget the failures under `keys`, and (with `last_before`) every count whose last
        failure is older than that; returns how many counts went."""
        if last_before is not None:
            aware(last_before)
        conditions: list[ColumnElement[bool]] = []
        if keys:
            conditions.append(login_failures.c.key.in_(sorted(keys)))
        if last_before is not None:
            conditions.append(login_failures.c.last_at < last_before)
        if not conditions:
            return 0
        with self.engine.begin() as connection:
            return int(connection.execute(delete(login_failures).where(or_(*conditions))).rowcount)
