"""`queue list`'s pydantic-free reading of two settings agrees with `load_settings()`."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scheduler.config import Settings, load_settings
from scheduler.errors import ConfigError
from scheduler.quicksettings import DEFAULTS, listing_settings

CASES = [
    pytest.param({}, None, id="defaults"),
    pytest.param({"SCHEDULER_TIMEZONE": "America/New_York"}, None, id="environment"),
    pytest.param(
        {},
        'SCHEDULER_DATABASE_URL="sqlite:///from-dotenv.sqlite3"\n# a comment\nSCHEDULER_TIMEZONE=Asia/Tokyo\n',
        id=".env",
    ),
    pytest.param({"SCHEDULER_TIMEZONE": "Europe/Lisbon"}, "SCHEDULER_TIMEZONE=Asia/Tokyo\n", id="environment wins"),
    pytest.param({"scheduler_database_url": "sqlite:///lower.sqlite3"}, None, id="lower-case name"),
    pytest.param({}, "export SCHEDULER_TIMEZONE='Australia/Lord_Howe'  # inline comment\n", id="export and quotes"),
    pytest.param({"SCHEDULER_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1/test"}, None, id="postgres"),
]


@pytest.mark.parametrize(("environ", "dotenv"), CASES)
def test_both_readings_agree(environ: dict[str, str], dotenv: str | None, monkeypatch, tmp_path: Path):
    monkeypatch.chdir(tmp_path)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    if dotenv is not None:
        (tmp_path / ".env").write_text(dotenv, encoding="utf-8")
    full = load_settings()
    quick = listing_settings()
    assert quick is not None
    assert (quick.database_url, quick.timezone) == (full.database_url, full.timezone)


def test_defaults_are_the_settings_defaults():
    assert {name: Settings.model_fields[name].default for name in DEFAULTS} == DEFAULTS


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", "../etc/passwd"])
def test_an_unknown_time_zone_is_left_to_the_full_settings(zone: str, monkeypatch, tmp_path: Path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SCHEDULER_TIMEZONE", zone)
    assert listing_settings() is None
    with pytest.raises(ConfigError, match="SCHEDULER_TIMEZONE"):
        load_settings()


def test_queue_list_reports_a_bad_time_zone_like_every_command(run, monkeypatch, tmp_path: Path):
    monkeypatch.setenv("SCHEDULER_DATABASE_URL", f"sqlite:///{tmp_path / 'q.sqlite3'}")
    monkeypatch.setenv("SCHEDULER_TIMEZONE", "Mars/Olympus")
    result = run("queue", "list")
    assert result.code == 2 and result.err.startswith("error: SCHEDULER_TIMEZONE=Mars/Olympus is invalid")


def test_queue_list_fast_path_imports_neither_pydantic_nor_sqlalchemy(tmp_path: Path):
    import subprocess
    import sys

    from tests.conftest import ROOT

    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEDULER_")}
    env["SCHEDULER_DATABASE_URL"] = f"sqlite:///{tmp_path / 'q.sqlite3'}"
    env["SCHEDULER_TEMPLATES_DIR"] = str(ROOT / "templates")
    added = subprocess.run(
        [sys.executable, "-m", "scheduler", "queue", "add", str(ROOT / "posts")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert added.returncode == 0, added.stderr
    probe = (
        "import sys; from scheduler.cli import main; code = main(['queue', 'list', '--limit', '3']); "
        "print(sorted(m for m in ('pydantic', 'pydantic_settings', 'sqlalchemy') if m in sys.modules)); "
        "sys.exit(code)"
    )
    listed = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.strip().splitlines()
    assert len(lines) == 5  # header, three posts, the probe's line
    assert lines[-1] == "[]"
