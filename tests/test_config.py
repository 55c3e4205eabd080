"""Settings: precedence, validation, and `.env.example` kept complete."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scheduler.config import Settings, env_name, load_settings
from scheduler.errors import ConfigError
from tests.conftest import ROOT


def test_defaults(monkeypatch):
    monkeypatch.delenv("SCHEDULER_TEMPLATES_DIR")
    settings = load_settings()
    assert settings.templates_dir == Path("templates")
    assert settings.platforms == ["linkedin", "mastodon", "bluesky", "x", "threads", "facebook"]
    assert settings.utm is True
    assert settings.mastodon_max_characters == 500


def test_dotenv_file_is_read(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("SCHEDULER_MASTODON_MAX_CHARACTERS=1000\nSCHEDULER_HASHTAGS=Familie, ESFPlus\n")
    settings = load_settings()
    assert settings.mastodon_max_characters == 1000
    assert settings.hashtags == ["Familie", "ESFPlus"]


def test_environment_wins_over_dotenv(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("SCHEDULER_MASTODON_MAX_CHARACTERS=1000\n")
    monkeypatch.setenv("SCHEDULER_MASTODON_MAX_CHARACTERS", "700")
    assert load_settings().mastodon_max_characters == 700


def test_comma_lists_are_trimmed_and_lowercased(monkeypatch):
    monkeypatch.setenv("SCHEDULER_PLATFORMS", " Mastodon , bluesky ")
    monkeypatch.setenv("SCHEDULER_THREADS", "x")
    settings = load_settings()
    assert settings.platforms == ["mastodon", "bluesky"]
    assert settings.threads == ["x"]


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("SCHEDULER_MASTODON_MAX_CHARACTERS", "many", "a whole number"),
        ("SCHEDULER_MASTODON_MAX_CHARACTERS", "0", "a whole number"),
        ("SCHEDULER_UTM", "maybe", "true or false"),
        ("SCHEDULER_PLATFORMS", "linkedin,myspace", "comma-separated list of linkedin"),
        ("SCHEDULER_THREADS", "linkedin", "platforms that have threads"),
        ("SCHEDULER_LANGUAGES", "deutsch", "two-letter language codes"),
        ("SCHEDULER_HASHTAGS", "two words", "hashtags without '#'"),
        ("SCHEDULER_LINKEDIN_VERSION", "2026-01", "YYYYMM"),
        ("SCHEDULER_LINKEDIN_AUTHOR", "company 12", "urn:li:organization"),
        ("SCHEDULER_MASTODON_BASE_URL", "social.example", "your Mastodon instance"),
    ],
)
def test_invalid_value_names_the_variable_and_the_expected_form(monkeypatch, name, value, expected):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    message = str(info.value)
    assert message.startswith(f"{name}=")
    assert expected in message
    assert "\n" not in message


def _documented() -> dict[str, str]:
    """Each variable in .env.example with the comment line above it."""
    lines = (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    documented = {}
    for index, line in enumerate(lines):
        match = re.match(r"([A-Z_]+)=", line)
        if match:
            documented[match.group(1)] = lines[index - 1] if index else ""
        # a nested setting is documented by a commented example: "# SCHEDULER_ACCOUNTS__MASTODON__…="
        nested = re.match(r"# (SCHEDULER_[A-Z]+)__[A-Z_]+=", line)
        if nested and nested.group(1) not in documented:
            documented[nested.group(1)] = lines[index - 1] if index else ""
    return documented


def test_every_setting_is_in_env_example_with_a_comment():
    documented = _documented()
    for field in Settings.model_fields:
        name = env_name(field)
        assert name in documented, f"{name} missing from .env.example"
        assert documented[name].startswith("# "), f"{name} needs a one-line comment above it"


def test_env_example_values_are_valid_and_mention_no_unknown_setting(tmp_path, monkeypatch):
    known = {env_name(field) for field in Settings.model_fields}
    assert set(_documented()) <= known
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text((ROOT / ".env.example").read_text(encoding="utf-8"))
    monkeypatch.delenv("SCHEDULER_TEMPLATES_DIR")
    monkeypatch.delenv("SCHEDULER_POSTS_DIR")
    # The example documents the defaults: loading it changes nothing.
    assert load_settings() == Settings(_env_file=None)


def test_named_accounts_from_nested_variables(monkeypatch):
    from scheduler.config import configured_accounts

    monkeypatch.setenv("SCHEDULER_MASTODON_BASE_URL", "https://social.example")
    monkeypatch.setenv("SCHEDULER_MASTODON_TOKEN", "t-default")
    monkeypatch.setenv("SCHEDULER_ACCOUNTS__MASTODON__REGIONAL__TOKEN", "t-regional")
    monkeypatch.setenv("SCHEDULER_ACCOUNTS__LINKEDIN__PAGE2__TOKEN", "t-li")
    monkeypatch.setenv("SCHEDULER_ACCOUNTS__LINKEDIN__PAGE2__AUTHOR", "urn:li:organization:2")
    accounts = configured_accounts(load_settings())
    assert sorted(accounts) == [("linkedin", "page2"), ("mastodon", "default"), ("mastodon", "regional")]
    regional = accounts[("mastodon", "regional")]
    assert regional.base_url == "https://social.example"  # inherited from the default account
    assert regional.token.get_secret_value() == "t-regional"
    assert accounts[("linkedin", "page2")].version == "202601"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SCHEDULER_ACCOUNTS__MYSPACE__MAIN__TOKEN", "t", "unknown platform 'myspace'"),
        ("SCHEDULER_ACCOUNTS__MASTODON__MAIN__PASSWORD", "t", "Extra inputs are not permitted"),
    ],
)
def test_bad_named_accounts_are_one_line_without_the_secret(monkeypatch, name, value, message):
    monkeypatch.setenv(name, "secret-value-123")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert message in str(info.value) and "secret-value-123" not in str(info.value)


def test_incomplete_named_account_names_what_is_missing(monkeypatch):
    from scheduler.config import configured_accounts

    monkeypatch.setenv("SCHEDULER_ACCOUNTS__BLUESKY__TEAM__HANDLE", "team.bsky.social")
    with pytest.raises(ConfigError, match="SCHEDULER_ACCOUNTS__BLUESKY__TEAM__APP_PASSWORD is missing"):
        configured_accounts(load_settings())


@pytest.mark.parametrize(
    ("value", "seconds"), [("15m", 900), ("90s", 90), ("1h", 3600), ("2.5 min", 150), ("1s", 1), ("24h", 86400)]
)
def test_the_watch_interval_takes_a_duration_with_its_unit(monkeypatch: pytest.MonkeyPatch, value: str, seconds: int):
    monkeypatch.setenv("SCHEDULER_WATCH_INTERVAL", value)
    assert load_settings().watch_interval.total_seconds() == seconds


@pytest.mark.parametrize(
    ("value", "reason"),
    [("15", "a number without a unit: seconds or minutes?"), ("0s", "out of range"), ("2d", "not a duration")],
)
def test_a_watch_interval_without_a_unit_or_out_of_range_is_refused(
    monkeypatch: pytest.MonkeyPatch, value: str, reason: str
):
    monkeypatch.setenv("SCHEDULER_WATCH_INTERVAL", value)
    with pytest.raises(ConfigError, match=re.escape(f"SCHEDULER_WATCH_INTERVAL={value} is invalid ({reason})")):
        load_settings()
