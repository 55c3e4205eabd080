"""Reading a database URL without SQLAlchemy: which SQLite file it names, and the URL with its
password hidden. The SQLAlchemy path (engine.py) and the fast read path (sqlite_read.py) both use
these, so they always agree on the file; `tests/storage/test_urls.py` checks the reading against
SQLAlchemy's own `make_url`."""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import unquote

from scheduler.errors import StorageError

#: SQLAlchemy's URL grammar (sqlalchemy.engine.url._parse_url), only the parts named that we use.
_URL = re.compile(
    r"""(?P<name>[\w+]+)://
        (?:[^:/]*(?::[^@]*)?@)?                 # user:password@
        (?:(?:\[[^/?]+\]|[^/:?]+)?(?::(?P<port>[^/?]*))?)?
        (?:/(?P<database>[^?]*))?
        (?:\?(?P<query>.*))?""",
    re.X,
)


def masked(url: str) -> str:
    """`url` with its password (if it has one) as ***, for messages, even when it cannot be parsed."""
    return re.sub(r"(://[^/@:]*:)[^/@]*@", r"\1***@", url)


def sqlite_path(url: str) -> Path | None:
    """The database file of a SQLite URL (`sqlite:///relative`, `sqlite:////absolute`, a leading
    `~` or `~user` expanded when it can be); None for another database, an in-memory one, or a URL
    that cannot be read. `engine.create` opens exactly this file. A file name with a NUL byte (`%00`)
    names no file: a `StorageError` saying so."""
    found = _URL.match(url)
    if found is None or found["name"].split("+", 1)[0] != "sqlite":
        return None
    if found["port"] and not found["port"].isdigit():  # SQLAlchemy refuses it: no file either
        return None
    database = unquote(found["database"]) if found["database"] is not None else ""
    if database in ("", ":memory:"):
        return None
    if "\x00" in database:
        raise StorageError(
            f"database URL {masked(url)!r} names a file with a NUL byte (%00); write the file name without it",
            url=masked(url),
        )
    return Path(os.path.expanduser(database))


def has_options(url: str) -> bool:
    """Whether `url` carries options (`?…`), which only SQLAlchemy's path applies."""
    found = _URL.match(url)
    return found is not None and found["query"] is not None
