"""Typos in setting names are caught: an unknown SCHEDULER_* variable or `.env` key, and an
unreadable `.env` line, each give a one-line warning naming the closest setting; the command goes on."""

from __future__ import annotations

from pathlib import Path

import pytest

from scheduler.config import Account, CoreSettings, Settings
from scheduler.settingnames import ACCOUNT_FIELDS, CORE_FIELDS, fields, name_problems, origins
from tests.conftest import EXAMPLE, ROOT


def test_the_names_are_the_settings_fields():
    assert set(CoreSettings.model_fields) == CORE_FIELDS
    assert set(Settings.model_fields) == fields()
    assert set(Account.model_fields) == ACCOUNT_FIELDS


def _warnings(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("warning: ")]


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "queue.sqlite3"
    monkeypatch.setenv("SCHEDULER_DATABASE_URL", f"sqlite:///{path}")
    return path


def test_an_unknown_variable_is_a_warning_naming_the_closest_setting_and_the_command_goes_on(
    run, monkeypatch, database
):
    monkeypatch.setenv("SCHEDULER_TIMEZOEN", "America/New_York")
    result = run("queue", "list")
    assert result.code == 0 and result.out.strip() == "no posts"
    assert _warnings(result.err) == [
        "warning: SCHEDULER_TIMEZOEN is not a setting (ignored); did you mean SCHEDULER_TIMEZONE?"
    ]


def test_queue_lists_fast_path_warns_too_and_only_once(run, monkeypatch, database):
    assert run("queue", "add", str(EXAMPLE), "-p", "x", "--start", "2030-01-07").code == 0
    monkeypatch.setenv("SCHEDULER_MASTODON_MAX_CHARS", "1000")
    result = run("queue", "list", "--limit", "1")
    assert result.code == 0 and "x " in result.out
    assert _warnings(result.err) == [
        "warning: SCHEDULER_MASTODON_MAX_CHARS is not a setting (ignored); did you mean SCHEDULER_MASTODON_MAX_CHARACTERS?"
    ]


def test_a_dotenv_key_is_checked_with_its_line(run, tmp_path, monkeypatch, database):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(
        "# comment\nSCHEDULER_SLOTS=mon 09:00\nSCHEDULER_HASHTAG=Familie\n", encoding="utf-8"
    )
    result = run("queue", "list")
    assert result.code == 0
    assert _warnings(result.err) == [
        "warning: .env line 3: SCHEDULER_HASHTAG is not a setting (ignored); did you mean SCHEDULER_HASHTAGS?"
    ]


def test_a_setting_without_its_prefix_in_dotenv_is_named_with_it(tmp_path):
    (tmp_path / ".env").write_text("TIMEZONE=Europe/Berlin\nPOSTGRES_PASSWORD=x\n", encoding="utf-8")
    assert name_problems({}, tmp_path / ".env") == [
        f"{tmp_path / '.env'} line 1: TIMEZONE is not read (settings start with SCHEDULER_); "
        "did you mean SCHEDULER_TIMEZONE?"
    ]


def test_an_unreadable_dotenv_line_names_the_setting_but_never_the_value(run, tmp_path, monkeypatch, database):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(
        "SCHEDULER_UTM=false\n\nSCHEDULER_MASTODON_TOKEN secret-value-123\n", encoding="utf-8"
    )
    result = run("queue", "list")
    assert result.code == 0
    assert _warnings(result.err) == [
        "warning: .env line 3 is not NAME=value (ignored); did you mean SCHEDULER_MASTODON_TOKEN=…?"
    ]
    assert "secret-value-123" not in result.err
    assert "python-dotenv" not in result.err  # its own, vaguer warning is not shown as well


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "SCHEDULER_ACCOUNTS__MASTADON__REGIONAL__TOKEN",
            "{name}: 'mastadon' is not a platform; did you mean SCHEDULER_ACCOUNTS__MASTODON__REGIONAL__TOKEN?",
        ),
        (
            "SCHEDULER_ACCOUNTS__MASTODON__REGIONAL__TOKN",
            "{name}: 'tokn' is not an account field; did you mean SCHEDULER_ACCOUNTS__MASTODON__REGIONAL__TOKEN?",
        ),
        (
            "SCHEDULER_ACCOUNTS__BLUESKY__TEAM__PASSWORD",
            "{name}: 'password' is not an account field; did you mean SCHEDULER_ACCOUNTS__BLUESKY__TEAM__APP_PASSWORD?",
        ),
        (
            "SCHEDULER_ACCOUNTS__MASTODON__TOKEN",
            "{name} names no account; did you mean SCHEDULER_ACCOUNTS__MASTODON__<NAME>__TOKEN?",
        ),
        (
            "SCHEDULER_ACCOUNTS_MASTODON_REGIONAL_TOKEN",
            "{name} is not a setting (ignored); did you mean SCHEDULER_ACCOUNTS__MASTODON__REGIONAL__TOKEN?",
        ),
        ("SCHEDULR_TIMEZONE", "{name} is not read (settings start with SCHEDULER_); did you mean SCHEDULER_TIMEZONE?"),
        ("SCHEDULER_NOTHING_LIKE_IT", "{name} is not a setting (ignored); .env.example lists every setting"),
    ],
)
def test_nested_account_variables_and_near_misses_are_checked_inside(name, message):
    assert name_problems({name: "secret-value-123"}, None) == [message.format(name=name)]


def test_valid_names_and_other_programs_variables_give_no_warning(tmp_path):
    environ = {
        "SCHEDULER_TIMEZONE": "Europe/Berlin",
        "scheduler_utm": "false",
        "SCHEDULER_ACCOUNTS__MASTODON__REGIONAL__TOKEN": "t",
        "SCHEDULER_ACCOUNTS__X__NEWS__BASE_URL": "u",
        "SCHEDULER_ACCOUNTS__LINKEDIN__PAGE": '{"token": "t"}',
        "SCHEDULER_ACCOUNTS": "{}",
        "PATH": "/bin",
        "LANGUAGE": "de",
        "HOME": "/root",
        "TZ": "UTC",
        "SCHEDULE": "x",
    }
    (tmp_path / ".env").write_text((ROOT / ".env.example").read_text(encoding="utf-8"), encoding="utf-8")
    assert name_problems(environ, tmp_path / ".env") == []


def test_where_a_setting_is_given_the_environment_winning_over_dotenv(tmp_path):
    (tmp_path / ".env").write_text(
        "SCHEDULER_SLOTS=mon 09:00\nexport scheduler_utm=false\nSCHEDULER_TIMEZONE=UTC\nSCHEDULER_FOOTER\n"
        "OTHER_TOOL=1\nnot a line\n",
        encoding="utf-8",
    )
    environ = {"SCHEDULER_TIMEZONE": "Europe/Berlin", "scheduler_hashtags": "Familie", "PATH": "/bin"}
    assert origins(environ, tmp_path / ".env") == {
        "SCHEDULER_SLOTS": ".env",
        "SCHEDULER_UTM": ".env",
        "SCHEDULER_TIMEZONE": "environment",
        "SCHEDULER_HASHTAGS": "environment",
    }
    assert origins(environ, tmp_path / "missing.env") == {
        "SCHEDULER_TIMEZONE": "environment",
        "SCHEDULER_HASHTAGS": "environment",
    }
