"""Durable storage: the queue on SQLite or PostgreSQL (SQLAlchemy appears only in this package).

Imports are lazy so that the read-only fast path (`sqlite_read`) never loads SQLAlchemy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scheduler.storage.engine import sqlite_path
    from scheduler.storage.queue import NewPost, Store

__all__ = ["NewPost", "Store", "sqlite_path"]


def __getattr__(name: str) -> Any:
    if name in ("NewPost", "Store"):
        from scheduler.storage import queue

        return getattr(queue, name)
    if name == "sqlite_path":
        from scheduler.storage.engine import sqlite_path

        return sqlite_path
    raise AttributeError(name)
