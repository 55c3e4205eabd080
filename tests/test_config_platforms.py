"""A platform's settings are declared in its module (`Platform.settings`) and become the settings
SCHEDULER_<PLATFORM>_<NAME> with no change to `scheduler.config`: read from the environment,
checked as declared, errors naming the variable and its expected form, secrets never shown."""

from __future__ import annotations

import dataclasses

import pytest
from pydantic import SecretStr

from scheduler import config
from scheduler.config import Account, Settings, load_settings
from scheduler.errors import ConfigError
from scheduler.platforms import registry
from scheduler.platforms.spec import Setting

SECRET = "secret-value-123"

DECLARED = [
    pytest.param(platform.name, name, setting, id=f"{platform.name}_{name}")
    for platform in registry.every()
    for name, setting in platform.settings.items()
]


def _variable(platform: str, name: str) -> str:
    return f"SCHEDULER_{platform.upper()}_{name.upper()}"


def _valid(name: str, setting: Setting) -> tuple[str, object]:
    """A valid value for the variable, and what the setting then holds."""
    if setting.secret:
        return SECRET, SECRET
    if name == "base_url":
        return "https://api.example.test/", "https://api.example.test"
    if setting.choices:
        return setting.choices[-1], setting.choices[-1]
    if isinstance(setting.default, int):
        value = setting.le if setting.le is not None else setting.default + 1
        return str(value), value
    if setting.pattern is not None:
        return str(setting.default), setting.default
    return "value-from-env", "value-from-env"


def _invalid(name: str, setting: Setting) -> str | None:
    """A value the setting refuses, if there is one."""
    if name == "base_url":
        return "api.example.test"
    if setting.choices:
        return "no-such-choice"
    if isinstance(setting.default, int):
        return "many"
    if setting.pattern is not None:
        return "not valid!"
    return None


def test_every_platform_declares_settings_and_each_option_is_one_of_them():
    for platform in registry.every():
        assert platform.settings, f"{platform.name} declares no settings"
        assert set(platform.options) <= set(platform.settings), platform.name


@pytest.mark.parametrize(("platform", "name", "setting"), DECLARED)
def test_a_declared_setting_is_read_from_its_variable(monkeypatch, platform, name, setting):
    value, held = _valid(name, setting)
    monkeypatch.setenv(_variable(platform, name), value)
    settings = load_settings()
    assert f"{platform}_{name}" in settings.model_fields_set
    got = getattr(settings, f"{platform}_{name}")
    if setting.secret:
        assert isinstance(got, SecretStr) and got.get_secret_value() == held
        assert SECRET not in repr(settings) + str(settings) + repr(settings.model_dump())
    else:
        assert got == held


@pytest.mark.parametrize(("platform", "name", "setting"), DECLARED)
def test_a_declared_setting_has_its_expected_form_and_an_invalid_value_names_both(monkeypatch, platform, name, setting):
    extra = Settings.model_fields[f"{platform}_{name}"].json_schema_extra
    assert extra == {"expected": setting.expected}
    wrong = _invalid(name, setting)
    if wrong is None:
        return  # any text is a valid value
    monkeypatch.setenv(_variable(platform, name), wrong)
    with pytest.raises(ConfigError) as info:
        load_settings()
    message = str(info.value)
    assert message.startswith(f"{_variable(platform, name)}={wrong} is invalid (")
    assert message.endswith(f"expected {setting.expected}")


SECRETS = [param for param in DECLARED if param.values[2].secret]


def test_a_setting_for_an_accounts_credential_is_declared_secret():
    credentials = {name for name, info in Account.model_fields.items() if "SecretStr" in str(info.annotation)}
    for platform in registry.every():
        for name, setting in platform.settings.items():
            assert setting.secret == (name in credentials), f"{platform.name}'s {name}"
    assert SECRETS, "no platform declares a secret setting"


@pytest.mark.parametrize(("platform", "name", "setting"), SECRETS)
def test_a_declared_secret_is_unset_when_empty_and_never_shown_in_an_error(monkeypatch, platform, name, setting):
    monkeypatch.setenv(_variable(platform, name), "")
    assert getattr(load_settings(), f"{platform}_{name}") is None
    # a value of the wrong type, as a caller of load_settings may give: the error names the variable only
    with pytest.raises(ConfigError) as info:
        load_settings(**{f"{platform}_{name}": [SECRET]})
    assert str(info.value).startswith(f"{_variable(platform, name)}=*** is invalid")
    assert SECRET not in str(info.value)


@pytest.fixture
def pixelfed(monkeypatch: pytest.MonkeyPatch) -> type[config.CoreSettings]:
    """The settings as they are once a platform "pixelfed" is registered whose module declares these."""
    platform = dataclasses.replace(
        registry.get("mastodon"),
        name="pixelfed",
        settings={
            "base_url": Setting("your Pixelfed server, e.g. https://pixelfed.example"),
            "token": Setting("a Pixelfed access token", secret=True),
            "max_photos": Setting("a whole number from 1 to 20", default=10, ge=1, le=20),
        },
    )
    known = registry.every()
    monkeypatch.setattr(registry, "every", lambda: [*known, platform])
    with_pixelfed = config._with_platforms()
    monkeypatch.setattr(config, "Settings", with_pixelfed)
    return with_pixelfed


def test_a_new_platforms_settings_need_no_change_to_config(pixelfed, monkeypatch):
    monkeypatch.setenv("SCHEDULER_PIXELFED_BASE_URL", "https://pixelfed.example/")
    monkeypatch.setenv("SCHEDULER_PIXELFED_TOKEN", SECRET)
    monkeypatch.setenv("SCHEDULER_PIXELFED_MAX_PHOTOS", "4")
    settings = load_settings()
    assert isinstance(settings, pixelfed)
    assert settings.pixelfed_base_url == "https://pixelfed.example"
    assert settings.pixelfed_token.get_secret_value() == SECRET
    assert settings.pixelfed_max_photos == 4
    assert SECRET not in repr(settings)
    assert settings.mastodon_max_characters == 500


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "SCHEDULER_PIXELFED_BASE_URL",
            "pixelfed.example",
            "SCHEDULER_PIXELFED_BASE_URL=pixelfed.example is invalid (not a web address): "
            "expected your Pixelfed server, e.g. https://pixelfed.example",
        ),
        (
            "SCHEDULER_PIXELFED_MAX_PHOTOS",
            "21",
            "SCHEDULER_PIXELFED_MAX_PHOTOS=21 is invalid (Input should be less than or equal to 20): "
            "expected a whole number from 1 to 20",
        ),
    ],
)
def test_a_new_platforms_settings_are_checked_as_declared(pixelfed, monkeypatch, variable, value, message):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert str(info.value) == message


def test_a_new_platforms_secret_is_never_shown_in_an_error(pixelfed):
    with pytest.raises(ConfigError) as info:
        load_settings(pixelfed_token=[SECRET])
    assert str(info.value).startswith("SCHEDULER_PIXELFED_TOKEN=*** is invalid")
    assert SECRET not in str(info.value)
