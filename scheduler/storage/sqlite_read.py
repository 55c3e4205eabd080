"""A read-only listing of a SQLite queue through the standard library's sqlite3.

`scheduler queue list` is what staff run most; importing SQLAlchemy alone takes ~0.2 s, longer
than the whole query on a million posts. This path answers the same question with the same
ordering and filters as `Store.list_posts`, and gives way to it (returns None) whenever it cannot
be sure: no file yet, a schema at another revision (the full path migrates first), a file that
cannot be read (the full path then says why).

It keeps no rules of its own: the file comes from `urls.sqlite_path`, times are encoded and
decoded by `times` (as `schema.UTCDateTime` does on SQLite), the expected revision is
`revision.head()` and rows become posts through `rows.post_from`, all shared with the
SQLAlchemy path and none importing SQLAlchemy.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Collection
from pathlib import Path

from scheduler.models import QueuedPost
from scheduler.storage import times
from scheduler.storage.revision import head
from scheduler.storage.rows import TIMES, post_from
from scheduler.storage.urls import has_options, sqlite_path


def sqlite_file(url: str) -> Path | None:
    """The file this path can read for `url`: a SQLite file named without options (`?…`, which
    only SQLAlchemy applies); None for anything else."""
    return None if has_options(url) else sqlite_path(url)


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
            if connection.execute("SELECT version_num FROM alembic_version").fetchone() != (head(),):
                return None
        except sqlite3.Error:
            return None
        connection.row_factory = sqlite3.Row
        where: list[str] = []
        parameters: list[str | int] = []
        if states:
            where.append(f"state IN ({','.join('?' * len(states))})")
            parameters += list(states)
        if platforms:
            where.append(f"platform IN ({','.join('?' * len(platforms))})")
            parameters += list(platforms)
        if start is not None:
            where.append("publish_at >= ?")
            parameters.append(times.stored(start))
        if end is not None:
            where.append("publish_at < ?")
            parameters.append(times.stored(end))
        # only fixed column names and ? placeholders are joined in; every value is a parameter
        sql = "SELECT * FROM posts" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY publish_at, id"  # noqa: S608 (see above)
        if limit is not None:
            sql += " LIMIT ?"
            parameters.append(limit)
        try:
            rows = connection.execute(sql, parameters).fetchall()
        except sqlite3.Error:
            return None
    finally:
        connection.close()
    result = []
    for row in rows:
        values = dict(row)
        values["parts"] = json.loads(values["parts"])
        values["images"] = json.loads(values["images"]) if values["images"] else []
        values["links"] = json.loads(values["links"]) if values["links"] else []
        for name in TIMES:
            values[name] = times.instant(values[name])
        result.append(post_from(values))
    return result
