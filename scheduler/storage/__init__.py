"""Durable storage: the queue on SQLite or PostgreSQL (SQLAlchemy appears only in this package).

`Store` (store.py) is the one object callers use. It is composed of one mixin per job, each in its
own module and each working on the same engine (`base.StoreBase`):

    posts.py        adding posts (`NewPost`) and reading them
    transitions.py  state changes, each recorded in the post's history
    claims.py       workers claiming due posts, and claims left by workers that died
    heartbeats.py   which workers run (pauses.py: why one has paused publishing)
    notices.py      which notices went out
    lateness.py     posts running late: overdue, published after their due time, told about
    journal.py      the remote ids an attempt noted between its requests
    sources.py      watched sources, the issues seen in them, leases
    users.py        the dashboard's users, failed logins per account and per address
    comments.py     comments on posts, and what a post said before an updated issue rewrote it
    watch.py        noticing that another process changed the queue

Mixins rather than delegate objects, so that every caller keeps one `store` with flat method
names (`store.claim_due(…)`, which `platforms.base.Journal` and the daemon expect), while each
module stays one job; none keeps state of its own but `Transitions`' prepared statements.

Opening the database (engine.py) and translating its faults into the package's errors, once
(faults.py), happen below all of them. The read path of `scheduler queue list` (sqlite_read.py)
answers `Store.list_posts` with the standard library's sqlite3 alone. It is not a second copy:
it shares with the SQLAlchemy path the row decoding (rows.py), the stored form of a time
(times.py), the reading of the database URL (urls.py) and the schema revision (revision.py, read
from the migrations), none of which imports SQLAlchemy; a test holds both answers equal.

Imports are lazy so that the fast path never loads SQLAlchemy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scheduler.storage.posts import NewPost
    from scheduler.storage.store import Store
    from scheduler.storage.urls import sqlite_path

__all__ = ["NewPost", "Store", "sqlite_path"]


def __getattr__(name: str) -> Any:
    if name == "Store":
        from scheduler.storage.store import Store

        return Store
    if name == "NewPost":
        from scheduler.storage.posts import NewPost

        return NewPost
    if name == "sqlite_path":
        from scheduler.storage.urls import sqlite_path

        return sqlite_path
    raise AttributeError(name)
