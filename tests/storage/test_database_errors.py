"""A database that cannot be used is one of the package's errors, raised once where SQLAlchemy or
the file system fails (storage/faults.py), and every command says it in one `error:` line, exit 2.

Real files and servers only: garbage written into a SQLite file, a file damaged past its header, a
folder that cannot be created, a read-only folder, a PostgreSQL server nobody listens for, a
connection the server terminates, a psycopg that cannot be imported. The tests match the errors'
fields (`path`, `url`, `extra`) and class, not their wording.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from scheduler.errors import DatabaseCorrupt, DatabaseDriverMissing, DatabaseUnavailable, StorageError
from scheduler.models import Content, State
from scheduler.storage import NewPost, Store
from tests.conftest import ROOT
from tests.storage.conftest import PG_ADMIN_DB, PG_HOST, PG_PORT, PG_USER

NOW = dt.datetime(2030, 1, 1, 11, 0, tzinfo=dt.UTC)

#: Commands that open the database, each as a user would type it.
COMMANDS = [("queue", "list"), ("status",), ("queue", "show", "1"), ("run", "--once", "--dry-run")]


def _post(n: int) -> NewPost:
    return NewPost(
        f"i{n}", "mastodon", "default", NOW + dt.timedelta(days=6), Content((f"Beitrag {n} " + "x" * 300,), "de")
    )


def _queue(path: Path, posts: int = 3) -> None:
    store = Store.open(f"sqlite:///{path}")
    store.add([_post(n) for n in range(posts)], state=State.SCHEDULED, now=NOW, reason="test")
    store.close()  # the last connection checkpoints the WAL into the file


def _one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1 and "Traceback" not in err, err
    return errors[0]


def _cli(url: str, *args: str, folder: Path, code: str = "") -> subprocess.CompletedProcess[str]:
    """`scheduler ARGS` as a separate process on `url` (`code`: Python run before the CLI, in the
    same process)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEDULER_")}
    env.update(SCHEDULER_DATABASE_URL=url, SCHEDULER_OUTBOX=str(folder / "outbox.jsonl"), PYTHONPATH=str(ROOT))
    script = (
        f"import sys\n{code}\nfrom scheduler.cli import main\nfrom tests.clocks import PinnedClock\n"
        "sys.exit(main(sys.argv[1:], clock=PinnedClock()))"
    )
    return subprocess.run(
        [sys.executable, "-c", script, *args], env=env, cwd=folder, capture_output=True, text=True, timeout=120
    )


# -- a damaged SQLite file ------------------------------------------------------------------------


def _garbage(path: Path) -> Path:
    path.write_bytes(b"these bytes are no SQLite database " * 200)
    return path


def _damaged(path: Path) -> Path:
    """A real queue whose posts table's pages were overwritten: the header still reads."""
    _queue(path, posts=200)
    with sqlite3.connect(path) as connection:
        size = connection.execute("PRAGMA page_size").fetchone()[0]
        (root,) = connection.execute("SELECT rootpage FROM sqlite_master WHERE name = 'posts'").fetchone()
    connection.close()
    with path.open("r+b") as handle:
        handle.seek(size * (root - 1))
        handle.write(b"\xff" * size)
    return path


@pytest.mark.parametrize("spoil", [_garbage, _damaged])
def test_a_damaged_file_is_database_corrupt_naming_it(tmp_path: Path, spoil: Callable[[Path], Path]):
    path = spoil(tmp_path / "queue.sqlite3")
    with pytest.raises(DatabaseCorrupt) as raised:
        store = Store.open(f"sqlite:///{path}")
        store.list_posts()
    assert raised.value.path == path
    assert raised.value.url == f"sqlite:///{path}"
    assert raised.value.reason in ("file is not a database", "database disk image is malformed")


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_every_command_says_a_garbage_file_is_no_database_in_one_line(run, sqlite_queue: Path, args: tuple[str, ...]):
    _garbage(sqlite_queue)
    result = run(*args)
    assert result.code == 2, result
    line = _one_error_line(result.err)
    assert str(sqlite_queue) in line and "backup" in line


def test_queue_list_on_a_damaged_file_is_one_line_in_a_real_process(tmp_path: Path):
    path = _damaged(tmp_path / "queue.sqlite3")
    for args in (("queue", "list"), ("queue", "add", str(ROOT / "posts" / "2024-12-13-vernetzungsstelle.txt"))):
        done = _cli(f"sqlite:///{path}", *args, folder=tmp_path)
        assert done.returncode == 2, done.stderr
        assert str(path) in _one_error_line(done.stderr)


# -- folders ----------------------------------------------------------------------------------------


def test_a_missing_folder_is_created(tmp_path: Path):
    path = tmp_path / "new" / "deeper" / "queue.sqlite3"
    Store.open(f"sqlite:///{path}").close()
    assert path.is_file()


def test_a_folder_that_cannot_be_created_is_a_storage_error_naming_the_file(tmp_path: Path, run, monkeypatch):
    (tmp_path / "a-file").write_text("not a folder")
    path = tmp_path / "a-file" / "sub" / "queue.sqlite3"
    with pytest.raises(StorageError) as raised:
        Store.open(f"sqlite:///{path}")
    assert raised.value.path == path
    assert raised.value.reason == "Not a directory"
    monkeypatch.setenv("SCHEDULER_DATABASE_URL", f"sqlite:///{path}")
    for args in COMMANDS:
        result = run(*args)
        assert result.code == 2, result
        assert str(path) in _one_error_line(result.err)


class _CapHeader(ctypes.Structure):
    _fields_ = (("version", ctypes.c_uint32), ("pid", ctypes.c_int))


class _CapData(ctypes.Structure):
    _fields_ = (("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32))


_CAPABILITY_VERSION_3 = 0x20080522  # linux/capability.h: two _CapData, capabilities 0–31 in the first
#: CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER: what lets root write a read-only folder or file.
_ROOT_POWERS = (1 << 1) | (1 << 2) | (1 << 3)


def _capabilities(call: str, data: ctypes.Array[_CapData]) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if getattr(libc, call)(ctypes.byref(_CapHeader(_CAPABILITY_VERSION_3, 0)), data) != 0:
        raise OSError(ctypes.get_errno(), f"{call} failed")


@contextlib.contextmanager
def _without_root_powers() -> Iterator[None]:
    """The block runs without the powers that let root write a read-only folder (the kernel then
    refuses as it does for any other user), in this thread only: Linux keeps capabilities per
    thread, and a dropped effective capability is raised again from the permitted set afterwards.
    Nothing changes for another user, whom the permissions stop anyway."""
    if os.geteuid() != 0:
        yield
        return
    data = (_CapData * 2)()
    _capabilities("capget", data)
    powers = data[0].effective
    data[0].effective = powers & ~_ROOT_POWERS
    _capabilities("capset", data)
    try:
        yield
    finally:
        data[0].effective = powers
        _capabilities("capset", data)


@pytest.fixture
def read_only(tmp_path: Path):
    folder = tmp_path / "read-only"
    folder.mkdir()
    _queue(folder / "queue.sqlite3")
    folder.chmod(0o555)
    yield folder
    folder.chmod(0o755)


@pytest.mark.parametrize(
    "name", ["queue.sqlite3", "new.sqlite3", "sub/new.sqlite3"], ids=["existing file", "new file", "new folder"]
)
@pytest.mark.parametrize("args", [("queue", "list"), ("status",), ("run", "--once")], ids=" ".join)
def test_a_read_only_folder_is_one_error_line_naming_the_file(
    read_only: Path, tmp_path: Path, name: str, args: tuple[str, ...], run, monkeypatch
):
    path = read_only / name
    monkeypatch.setenv("SCHEDULER_DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("SCHEDULER_OUTBOX", str(tmp_path / "outbox.jsonl"))
    with _without_root_powers():
        result = run(*args)
    assert result.code == 2, result
    assert str(path) in _one_error_line(result.err)


def test_the_publishing_daemon_on_a_read_only_file_is_one_error_line(tmp_path: Path, run, monkeypatch):
    """`scheduler run` (with an account, so it publishes) locks the database file for writing."""
    path = tmp_path / "queue.sqlite3"
    _queue(path)
    path.chmod(0o444)
    monkeypatch.setenv("SCHEDULER_DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("SCHEDULER_OUTBOX", str(tmp_path / "outbox.jsonl"))
    monkeypatch.setenv("SCHEDULER_MASTODON_TOKEN", "t")
    monkeypatch.setenv("SCHEDULER_MASTODON_BASE_URL", "http://127.0.0.1:9")
    with _without_root_powers():
        result = run("run", "--once")
    assert result.code == 2, result
    assert str(path) in _one_error_line(result.err)


def test_the_store_on_a_read_only_folder_is_unavailable_with_the_file(read_only: Path):
    """In the store itself."""
    path = read_only / "new.sqlite3"
    with pytest.raises(DatabaseUnavailable) as raised, _without_root_powers():
        Store.open(f"sqlite:///{path}")
    assert raised.value.path == path
    assert raised.value.reason == "unable to open database file"


# -- a newer schema --------------------------------------------------------------------------------


def test_a_database_from_a_newer_version_is_one_error_line(run, sqlite_queue: Path):
    _queue(sqlite_queue)
    with sqlite3.connect(sqlite_queue) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    connection.close()
    with pytest.raises(StorageError) as raised:
        Store.open(f"sqlite:///{sqlite_queue}")
    assert raised.value.path == sqlite_queue and "9999" in str(raised.value)
    result = run("queue", "list")
    assert result.code == 2, result
    assert "9999" in _one_error_line(result.err)


# -- PostgreSQL ------------------------------------------------------------------------------------

UNREACHABLE = "postgresql+psycopg://postgres:s3cret@127.0.0.1:1/test"  # nobody listens on port 1


def test_an_unreachable_server_is_unavailable_with_the_url_and_no_password():
    with pytest.raises(DatabaseUnavailable) as raised:
        Store.open(UNREACHABLE)
    assert raised.value.url == "postgresql+psycopg://postgres:***@127.0.0.1:1/test"
    assert raised.value.path is None
    assert "s3cret" not in str(raised.value)


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_every_command_says_an_unreachable_server_in_one_line(run, monkeypatch, args: tuple[str, ...]):
    monkeypatch.setenv("SCHEDULER_DATABASE_URL", UNREACHABLE)
    result = run(*args)
    assert result.code == 2, result
    line = _one_error_line(result.err)
    assert "127.0.0.1:1" in line and "s3cret" not in result.err


def test_a_connection_the_server_terminates_is_unavailable(postgresql_url: str):
    """A worker waits for a row lock; the server terminates its connection meanwhile (as a restart
    or an administrator would): the worker's call raises DatabaseUnavailable, not psycopg's error."""
    from tests.storage.conftest import _empty

    _empty(postgresql_url)
    store = Store.open(postgresql_url)
    store.add([_post(1)], state=State.SCHEDULED, now=NOW, reason="test")
    dbname = postgresql_url.rsplit("/", 1)[1]
    outcome: list[BaseException | object] = []
    with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=dbname) as holder:
        holder.execute("LOCK TABLE posts IN ACCESS EXCLUSIVE MODE")  # held until this block ends

        def claim() -> None:
            try:
                outcome.append(store.claim_due(now=NOW + dt.timedelta(days=7), worker="w"))
            except BaseException as error:  # noqa: BLE001 (handed to the test thread to assert on)
                outcome.append(error)

        worker = threading.Thread(target=claim)
        worker.start()
        with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=PG_ADMIN_DB, autocommit=True) as admin:
            terminated = False
            for _ in range(600):  # until the worker is seen waiting for the lock (at most 60 s)
                rows = admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s "
                    "AND wait_event_type = 'Lock' AND pid <> %s",
                    (dbname, holder.info.backend_pid),
                )
                if any(row[0] for row in rows):
                    terminated = True
                    break
                worker.join(0.1)
            assert terminated, "the worker never waited for the lock"
        worker.join(60)
        holder.rollback()
    assert len(outcome) == 1 and isinstance(outcome[0], DatabaseUnavailable), outcome
    assert outcome[0].url == postgresql_url and outcome[0].path is None
    assert store.counts()[State.SCHEDULED] == 1  # nothing was claimed; the pool reconnects for the next call
    store.close()


def test_a_missing_postgresql_driver_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "psycopg", None)  # `import psycopg` fails as when it is not installed
    with pytest.raises(DatabaseDriverMissing) as raised:
        Store.open("postgresql://postgres:s3cret@127.0.0.1:5432/test")
    assert raised.value.extra == "postgres"
    assert raised.value.url == "postgresql://postgres:***@127.0.0.1:5432/test"
    assert "pip install 'newsletter-scheduler[postgres]'" in str(raised.value)


def test_a_missing_postgresql_driver_is_one_line_in_a_real_process(tmp_path: Path):
    done = _cli(
        "postgresql://postgres@127.0.0.1:5432/test",
        "queue",
        "list",
        folder=tmp_path,
        code="sys.modules['psycopg'] = None  # as if psycopg were not installed",
    )
    assert done.returncode == 2, done.stderr
    assert "pip install 'newsletter-scheduler[postgres]'" in _one_error_line(done.stderr)


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_every_command_says_a_nul_byte_in_the_sqlite_file_name_in_one_line(run, monkeypatch, args: tuple[str, ...]):
    """`%00` in the file name (found by the URL reading's fuzz test): one line naming the URL, not
    SQLite's ValueError traceback."""
    monkeypatch.setenv("SCHEDULER_DATABASE_URL", "sqlite:///data/a%00b.sqlite3")
    result = run(*args)
    assert result.code == 2, result
    line = _one_error_line(result.err)
    assert "'sqlite:///data/a%00b.sqlite3' names a file with a NUL byte" in line
