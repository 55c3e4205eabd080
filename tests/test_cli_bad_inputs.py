"""Inputs built to break a parser — a TOML file nested 5,000 deep, a database URL with a port that is
no number, a number of 5,000 digits, a NUL byte in a path, a file where a folder belongs — give one
`error:` line and exit 2, never a traceback."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE


def _issue(tmp_path: Path, options: str | None = None) -> Path:
    """A copy of the example issue, with `options` as its TOML file beside it."""
    issue = tmp_path / "issue.txt"
    shutil.copyfile(EXAMPLE, issue)
    if options is not None:
        issue.with_suffix(".toml").write_text(options)
    return issue


def nested_toml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    return ["preview", str(_issue(tmp_path, "hashtags = " + "[" * 5000 + "]" * 5000 + "\n"))]


def nested_inline_tables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    return ["preview", str(_issue(tmp_path, "link = " + "{a = " * 5000 + "1" + "}" * 5000 + "\n"))]


def huge_toml_number(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    return ["preview", str(_issue(tmp_path, "[[images]]\nitem = " + "9" * 5000 + '\npath = "a.png"\nalt = "x"\n'))]


def nul_in_toml_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    return ["preview", str(_issue(tmp_path, '[[images]]\nitem = 1\npath = "img/a\\u0000b.png"\nalt = "Bild"\n'))]


def port_not_a_number(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setenv("SCHEDULER_DATABASE_URL", "postgresql+psycopg://u:hunter2pw@h:abc/db")
    return ["queue", "list"]


def port_out_of_range(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setenv("SCHEDULER_DATABASE_URL", "postgresql+psycopg://u@h:99999999999/db")
    return ["status"]


def huge_int_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setenv("SCHEDULER_MAX_ITEMS", "9" * 5000)
    return ["preview", str(EXAMPLE)]


def line_break_in_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setenv("SCHEDULER_MAX_ITEMS", "12\nerror: a second line")
    return ["preview", str(EXAMPLE)]


def huge_port_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setenv("SCHEDULER_SMTP_PORT", "9" * 5000)
    return ["status"]


def nul_in_dotenv_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.delenv("SCHEDULER_TEMPLATES_DIR")  # the environment would win over .env
    (tmp_path / ".env").write_bytes(b"SCHEDULER_TEMPLATES_DIR=tem\x00plates\n")
    return ["preview", str(EXAMPLE)]


def nul_in_dotenv_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.delenv("SCHEDULER_DATABASE_URL")
    (tmp_path / ".env").write_bytes(b"SCHEDULER_DATABASE_URL=sqlite:///q\x00.sqlite3\n")
    return ["status"]


def nul_in_dotenv_database_listed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.delenv("SCHEDULER_DATABASE_URL")
    (tmp_path / ".env").write_bytes(b"SCHEDULER_DATABASE_URL=sqlite:///q\x00.sqlite3\n")
    return ["queue", "list"]


def templates_dir_is_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    (tmp_path / "templates.txt").write_text("not a folder")
    monkeypatch.setenv("SCHEDULER_TEMPLATES_DIR", str(tmp_path / "templates.txt"))
    return ["preview", str(EXAMPLE)]


def database_is_a_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    (tmp_path / "q.sqlite3").mkdir()
    monkeypatch.setenv("SCHEDULER_DATABASE_URL", f"sqlite:///{tmp_path / 'q.sqlite3'}")
    return ["status"]


def database_url_nonsense(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setenv("SCHEDULER_DATABASE_URL", "postgresql+psycopg://u@[::1/db")
    return ["queue", "list", "--format", "json"]


def unknown_database_driver(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setenv("SCHEDULER_DATABASE_URL", "oracle+nosuchdriver://u@h/db")
    return ["status"]


def issue_is_a_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    (tmp_path / "folder.txt").mkdir()
    return ["preview", str(tmp_path / "folder.txt")]


def options_toml_not_utf8(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    issue = _issue(tmp_path)
    issue.with_suffix(".toml").write_bytes(b'link = "\xff\xfe"\n')
    return ["preview", str(issue)]


def post_id_beyond_the_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    return ["queue", "show", "9" * 30]


def post_id_beyond_the_database_cancel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    return ["queue", "cancel", "--", "-" + "9" * 30]


def csv_with_a_nul_byte(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    (tmp_path / "posts.csv").write_bytes(b'text,platform,publish_at\n"Hallo\x00Welt",mastodon,2030-01-07T10:00\n')
    return ["queue", "import-csv", str(tmp_path / "posts.csv")]


def csv_with_a_huge_cell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    (tmp_path / "posts.csv").write_text('text,platform,publish_at\n"' + "x" * 200_000 + '",mastodon,2030-01-07T10:00\n')
    return ["queue", "import-csv", str(tmp_path / "posts.csv")]


def csv_time_at_the_end_of_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    (tmp_path / "posts.csv").write_text("text,platform,publish_at\nHallo Welt,mastodon,0001-01-01T00:00+14:00\n")
    return ["queue", "import-csv", str(tmp_path / "posts.csv")]


def start_at_the_end_of_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    return ["queue", "add", str(EXAMPLE), "--start", "9999-12-31"]


def reschedule_to_year_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    return ["queue", "reschedule", "1", "0001-01-01T00:00+14:00"]


def reschedule_to_the_last_day(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    return ["queue", "reschedule", "1", "9999-12-31"]


def reschedule_to_the_first_day(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    return ["queue", "reschedule", "1", "0001-01-01"]


def reschedule_to_the_first_day_by_force(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    return ["queue", "reschedule", "1", "0001-01-01", "--force"]


def token_store_nested_deep(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    store = tmp_path / "tokens.json"
    store.write_text("[" * 100_000 + "]" * 100_000)
    store.chmod(0o600)
    monkeypatch.setenv("SCHEDULER_TOKEN_STORE", str(store))
    monkeypatch.setenv("SCHEDULER_MASTODON_TOKEN", "tok-abcdef")
    return ["run", "--once", "--dry-run"]


def token_store_is_a_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    (tmp_path / "tokens").mkdir(mode=0o700)
    monkeypatch.setenv("SCHEDULER_TOKEN_STORE", str(tmp_path / "tokens"))
    monkeypatch.setenv("SCHEDULER_MASTODON_TOKEN", "tok-abcdef")
    return ["run", "--once", "--dry-run"]


CASES: list[Callable[[Path, pytest.MonkeyPatch], list[str]]] = [
    nested_toml,
    nested_inline_tables,
    huge_toml_number,
    nul_in_toml_path,
    port_not_a_number,
    port_out_of_range,
    huge_int_setting,
    line_break_in_setting,
    huge_port_setting,
    nul_in_dotenv_path,
    nul_in_dotenv_database,
    templates_dir_is_a_file,
    nul_in_dotenv_database_listed,
    database_is_a_folder,
    database_url_nonsense,
    unknown_database_driver,
    issue_is_a_folder,
    options_toml_not_utf8,
    post_id_beyond_the_database,
    post_id_beyond_the_database_cancel,
    csv_with_a_nul_byte,
    csv_with_a_huge_cell,
    csv_time_at_the_end_of_time,
    start_at_the_end_of_time,
    reschedule_to_year_one,
    reschedule_to_the_last_day,
    reschedule_to_the_first_day,
    reschedule_to_the_first_day_by_force,
    token_store_nested_deep,
    token_store_is_a_folder,
]


@pytest.mark.parametrize("case", CASES, ids=[case.__name__ for case in CASES])
def test_hostile_input_is_one_error_line(run, tmp_path, monkeypatch, case):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SCHEDULER_DATABASE_URL", f"sqlite:///{tmp_path / 'queue.sqlite3'}")
    monkeypatch.setenv("SCHEDULER_OUTBOX", str(tmp_path / "outbox.jsonl"))
    args = case(tmp_path, monkeypatch)
    result = run(*args)
    assert "Traceback" not in result.err, result
    assert result.code == 2, result
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result
    assert len(lines[0]) < 600, result  # one readable line, not a dump of the input
    assert "hunter2pw" not in result.err  # a database password is never shown
