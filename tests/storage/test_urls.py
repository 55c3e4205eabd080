"""The dependency-free reading of a database URL agrees with SQLAlchemy's own `make_url` (plus
the expansion of a leading `~`, which `engine.create` hands SQLAlchemy): the fast `queue list`
path, the daemon's lock and the engine all use the same file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.engine.url import make_url
from sqlalchemy.exc import ArgumentError

from scheduler.errors import StorageError
from scheduler.storage.sqlite_read import sqlite_file
from scheduler.storage.urls import masked, sqlite_path


def _sqlalchemy_file(url: str) -> Path | None:
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):  # a URL SQLAlchemy cannot read names no file
        return None
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(os.path.expanduser(parsed.database))


EXAMPLES = [
    "sqlite:///scheduler.sqlite3",
    "sqlite:////var/lib/scheduler/queue.sqlite3",
    "sqlite:///~/queue.sqlite3",
    "sqlite+pysqlite:///data/q.sqlite3",
    "sqlite:///data/with%20space.sqlite3",
    "sqlite:///data/q.sqlite3?timeout=5",
    "sqlite://",
    "sqlite:///",
    "sqlite:///:memory:",
    "sqlite://localhost/q.sqlite3",
    "sqlite://:x@/q.sqlite3",
    "postgresql+psycopg://user:secret@db.example.org:5432/scheduler",
    "postgresql://localhost/scheduler",
    "mysql://h/db",
    "not a url",
    "",
]


def _agree(url: str) -> None:
    """`sqlite_path(url)` is the file SQLAlchemy opens; where that file's name would hold a NUL byte
    (`%00`), which no file name can, a `StorageError` says so (SQLite itself would raise ValueError)."""
    try:
        expected = _sqlalchemy_file(url)
    except ValueError:  # expanding "~\x00"
        expected = Path("\x00")
    if expected is not None and "\x00" in str(expected):
        with pytest.raises(StorageError, match="NUL byte"):
            sqlite_path(url)
        return
    assert sqlite_path(url) == expected, url


def test_examples_name_the_file_sqlalchemy_opens():
    for url in EXAMPLES:
        _agree(url)


def test_a_nul_byte_in_the_file_name_is_a_storage_error_naming_the_url():
    with pytest.raises(StorageError, match=r"'sqlite:///~%00' names a file with a NUL byte"):
        sqlite_path("sqlite:///~%00")
    with pytest.raises(StorageError, match="NUL byte"):
        sqlite_path("sqlite:///data/a%00b.sqlite3")
    _agree("sqlite:///%00")  # SQLAlchemy reads the file name "\x00": no file either


@given(st.text(alphabet="sqlite+pgsr:/?@%.~_-x0123 []", max_size=40))
def test_any_url_names_the_file_sqlalchemy_opens(url: str):
    _agree(url)


@given(st.text(alphabet="/abc~%20._-", min_size=1, max_size=30))
def test_any_sqlite_path_names_the_file_sqlalchemy_opens(tail: str):
    for url in (f"sqlite:///{tail}", f"sqlite:////{tail}", f"sqlite+pysqlite:///{tail}?timeout=3"):
        _agree(url)


def test_the_engine_opens_that_file_with_home_expanded(tmp_path: Path, monkeypatch):
    from scheduler.storage import Store

    monkeypatch.setenv("HOME", str(tmp_path))
    store = Store.open("sqlite:///~/data/q.sqlite3")
    try:
        assert store.engine.url.database == str(tmp_path / "data" / "q.sqlite3")
        assert (tmp_path / "data" / "q.sqlite3").is_file()
    finally:
        store.close()


def test_the_fast_path_reads_only_urls_without_options():
    assert sqlite_file("sqlite:///data/q.sqlite3") == Path("data/q.sqlite3")
    assert sqlite_file("sqlite:///data/q.sqlite3?timeout=5") is None  # options: SQLAlchemy's path applies them
    assert sqlite_file("postgresql+psycopg://x@h/db") is None
    assert sqlite_file("sqlite:///:memory:") is None


def test_passwords_are_masked_even_in_urls_that_cannot_be_parsed():
    assert masked("postgresql+psycopg://user:s3cret@db:5432/x") == "postgresql+psycopg://user:***@db:5432/x"
    assert masked("postgresql://user:s3cret@db:port/x") == "postgresql://user:***@db:port/x"
    assert masked("sqlite:///q.sqlite3") == "sqlite:///q.sqlite3"
