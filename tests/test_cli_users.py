"""`scheduler users …` as an admin uses it, on a real SQLite queue: passwords asked for twice
without echo or read from stdin, and every bad input one `error:` line with exit 2."""

from __future__ import annotations

import datetime as dt
import io
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import click
import pytest

from scheduler import team
from scheduler.errors import InputError
from scheduler.models import Role
from scheduler.storage import Store

PASSWORD = "correct horse battery"
NOW = dt.datetime(2030, 1, 7, 9, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def database(sqlite_queue: Path) -> Path:
    return sqlite_queue


@pytest.fixture
def store(database: Path) -> Iterator[Store]:
    opened = Store.open(f"sqlite:///{database}")
    yield opened
    opened.close()


@pytest.fixture
def stdin(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    def give(text: str) -> None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(text))

    return give


@pytest.fixture
def typed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the person types at the hidden prompts, in order (a terminal is there to ask on)."""
    answers: list[str] = []
    asked: list[str] = []

    def hidden(prompt: str) -> str:
        asked.append(prompt)
        return answers.pop(0)

    monkeypatch.setattr("scheduler.cli.users._terminal", lambda: True)
    monkeypatch.setattr(click.termui, "hidden_prompt_func", hidden)
    return answers


def _logs_in(store: Store, name: str, password: str) -> bool:
    try:
        team.authenticate(store, name, password, address="192.0.2.7", now=NOW)
    except InputError:
        return False
    return True


def _one_error(result, *contains: str) -> None:
    assert result.code == 2, result
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.err
    assert "Traceback" not in result.err and PASSWORD not in result.err + result.out
    for text in contains:
        assert text in lines[0], lines[0]


def test_add_reads_the_password_from_stdin_and_the_user_can_log_in(run, stdin, store: Store):
    stdin(PASSWORD + "\n")
    result = run("users", "add", "Anna", "--password-stdin")
    assert (result.code, result.out) == (0, "added anna (editor)\n"), result
    assert _logs_in(store, "anna", PASSWORD)
    assert PASSWORD not in result.out + result.err


def test_add_asks_twice_without_echo_until_both_match(run, typed: list[str], store: Store):
    typed += ["first try passphrase", "first try passphrasE", PASSWORD, PASSWORD]
    result = run("users", "add", "root", "--admin")
    assert result.code == 0, result
    assert "added root (admin)" in result.out and "do not match" in result.err + result.out
    assert PASSWORD not in result.out + result.err and typed == []
    assert _logs_in(store, "root", PASSWORD) and not _logs_in(store, "root", "first try passphrase")


def test_roles_given_by_name(run, stdin, store: Store):
    stdin(PASSWORD + "\n")
    assert run("users", "add", "max", "--role", "Approver", "--password-stdin").out == "added max (approver)\n"
    stdin(PASSWORD + "\n")
    assert run("users", "add", "eva", "--role", "admin", "--admin", "--password-stdin").code == 0
    assert [(u.name, u.role) for u in store.list_users()] == [("eva", Role.ADMIN), ("max", Role.APPROVER)]


def test_list_shows_names_roles_and_when_they_were_added(run, stdin):
    assert run("users", "list").out == "no users; add the first admin with: scheduler users add NAME --admin\n"
    for name, role in (("max", "editor"), ("anna", "admin")):
        stdin(PASSWORD + "\n")
        run("users", "add", name, "--role", role, "--password-stdin")
    table = run("users", "list").out.splitlines()
    assert table[0].split() == ["name", "role", "created"]
    assert [line.split()[:2] for line in table[1:]] == [["anna", "admin"], ["max", "editor"]]
    rows = json.loads(run("users", "list", "--format", "json").out)
    assert [(row["name"], row["role"]) for row in rows] == [("anna", "admin"), ("max", "editor")]
    assert rows[0]["created_at"].startswith("2030-01-01T12:00+01:00")  # the pinned clock, in local time
    assert all(set(row) == {"name", "role", "created_at"} for row in rows)  # no hash


def test_a_new_password_replaces_the_old(run, stdin, store: Store):
    stdin(PASSWORD + "\n")
    run("users", "add", "anna", "--password-stdin")
    stdin("a brand new passphrase\r\n")  # a Windows line end is not part of it
    assert run("users", "password", "anna", "--password-stdin").out == "new password of anna set\n"
    assert _logs_in(store, "anna", "a brand new passphrase") and not _logs_in(store, "anna", PASSWORD)


def test_role_and_remove(run, stdin, store: Store):
    for name in ("anna", "root"):
        stdin(PASSWORD + "\n")
        run("users", "add", name, "--admin", "--password-stdin")
    assert run("users", "role", "anna", "approver").out == "anna is approver now\n"
    assert run("users", "remove", "anna").out == "removed anna\n"
    assert [u.name for u in store.list_users()] == ["root"]


@pytest.mark.parametrize(
    ("args", "given", "message"),
    [
        (("add", "anna schmidt", "--password-stdin"), PASSWORD, "user name 'anna schmidt' is not allowed"),
        (("add", "anna", "--password-stdin"), "kurz-geheim", "use at least 12 characters"),
        (("add", "anna", "--password-stdin"), "", "no password on stdin"),
        (("add", "anna"), None, "no terminal to ask for the password on; pipe it in with --password-stdin"),
        (("add", "anna", "--role", "boss", "--password-stdin"), PASSWORD, "Invalid value for '--role'"),
        (("add", "anna", "--role", "editor", "--admin", "--password-stdin"), PASSWORD, "contradict each other"),
        (("remove", "nobody"), None, "no user named 'nobody'"),
        (("password", "nobody", "--password-stdin"), PASSWORD, "no user named 'nobody'"),
        (("role", "nobody", "admin"), None, "no user named 'nobody'"),
        (("role", "anna", "boss"), None, "Invalid value for 'ROLE'"),
    ],
)
def test_bad_input_is_one_error_line_with_exit_2(run, stdin, args, given, message, store: Store):
    if given is not None:
        stdin(given + "\n")
    _one_error(run("users", *args), message)
    assert "kurz-geheim" not in str(store.list_users())
    assert store.list_users() == []


def test_a_taken_name_and_the_last_admin_are_one_error_line(run, stdin):
    stdin(PASSWORD + "\n")
    run("users", "add", "root", "--admin", "--password-stdin")
    stdin(PASSWORD + "\n")
    _one_error(run("users", "add", "ROOT", "--password-stdin"), "a user named 'root' exists already")
    _one_error(run("users", "remove", "root"), "'root' is the last admin and cannot be removed")
    _one_error(run("users", "role", "root", "editor"), "'root' is the last admin and cannot be made editor")
