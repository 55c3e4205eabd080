"""A read-only listing of a SQLite queue through the standard library's sqlite3.

`scheduler queue list` is what staff run most; importing SQLAlchemy alone takes ~0.2 s, longer
than the whole query on a million posts. This path answers the same question with the same
ordering and filters as `Store.list_posts`, and gives way to it (returns None) whenever it cannot be
sure: no file yet, or a schema at another revision (the full path migrates first).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Collection
from pathlib import Path

from scheduler.models import QueuedPost
from scheduler.storage.revision import HEAD
from scheduler.storage.rows import post_from

_TIMES = ("publish_at", "due_at", "claimed_at", "updated_at")


def _stored(moment: dt.datetime) -> str:
    """The text SQLAlchemy's SQLite dialect stores for a UTC instant (compared as text)."""
    return moment.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def _instant(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC) if text else None


def sqlite_file(url: str) -> Path | None:
    """The file of a plain `sqlite:///path` URL (None for anything else)."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or "?" in url or url == prefix or url.endswith(":memory:"):
        return None
    return Path(url[len(prefix):]).expanduser()


def list_posts(
    path: Path,
    *,
    states: Collection[str] = (),
    platforms: Collection[str] = (),
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    limit: int | None = None,
) -> list[QueuedPost] | None:
    """Posts ordered by publish time then id, as `Store.list_posts`; None when the full path must answer."""
    if not path.is_file():
        return None
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    except sqlite3.Error:
        return None
    try:
        try:
            if connection.execute("SELECT version_num FROM alembic_version").fetchone() != (HEAD,):
                return None
        except sqlite3.Error:
            return None
        connection.row_factory = sqlite3.Row
        where, parameters = [], []
        if states:
            where.append(f"state IN ({','.join('?' * len(states))})")
            parameters += list(states)
        if platforms:
            where.append(f"platform IN ({','.join('?' * len(platforms))})")
            parameters += list(platforms)
        if start is not None:
            where.append("publish_at >= ?")
            parameters.append(_stored(start))
        if end is not None:
            where.append("publish_at < ?")
            parameters.append(_stored(end))
        sql = "SELECT * FROM posts" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY publish_at, id"
        if limit is not None:
            sql += " LIMIT ?"
            parameters.append(limit)
        rows = connection.execute(sql, parameters).fetchall()
    finally:
        connection.close()
    result = []
    for row in rows:
        values = dict(row)
        values["parts"] = json.loads(values["parts"])
        values["images"] = json.loads(values["images"]) if values["images"] else []
        for name in _TIMES:
            values[name] = _instant(values[name])
        result.append(post_from(values))
    return result
