"""Settings, read from the environment and `.env` (prefix `SCHEDULER_`).

Only the CLI (and later the daemon and web layer) reads settings; everything below them takes
plain arguments. Every setting must appear in `.env.example` (a test checks it).

`Settings` is `CoreSettings` (what is not any one platform's) plus every registered platform's own
settings, which its module declares (`Platform.settings`, plain `spec.Setting` values): Mastodon's
`token` becomes the field `mastodon_token`, read from SCHEDULER_MASTODON_TOKEN as before. A platform
is added without touching this module, and how a setting is checked follows from its declaration:
a secret is a `Secret` (empty means unset; never shown in an error or a repr), a `base_url` an
`ApiBase` (a web address), `choices` a `Literal`, `pattern`, `ge` and `le` constraints of its field.

The class is made with pydantic's `create_model(__base__=CoreSettings)`, the documented way to add
fields that are known only when the program runs: the base's validators and configuration are
inherited, and pydantic-settings reads the new fields like any other. The alternatives were worse:
a nested model per platform would rename the variables (SCHEDULER_MASTODON__TOKEN) and break every
`.env`; a settings source of our own would repeat pydantic-settings' reading of the environment and
`.env`. The one cost is static typing: to mypy, `Settings` is `CoreSettings` (see the `TYPE_CHECKING`
branch below). Nothing in the package reads a platform's setting as an attribute: it asks the
registry for the platform's settings and reads them by name (`_flat_accounts`, `payload_options`).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    create_model,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from scheduler.errors import ConfigError
from scheduler.platforms import registry

if TYPE_CHECKING:
    from scheduler.platforms.spec import Setting

ENV_PREFIX = "SCHEDULER_"

log = logging.getLogger(__name__)

CommaList = Annotated[list[str], NoDecode]


def _expected(text: str) -> dict[str, Any]:
    return {"expected": text}


def _duration_of(text: str) -> dt.timedelta:
    """A duration written with its unit: 15m, 90s, 1h, 2.5 min (a number alone is refused: seconds
    or minutes?)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(s|m|min|h)?\s*", text.lower())
    if match is None:
        raise ValueError("not a duration")
    if not match[2]:
        raise ValueError("a number without a unit: seconds or minutes?")
    return dt.timedelta(seconds=float(match[1]) * {"s": 1, "m": 60, "min": 60, "h": 3600}[match[2]])


def _none_if_empty(value: Any) -> Any:
    return None if value == "" else value


def _web_address(value: str) -> str:
    if value and not value.startswith(("https://", "http://")):
        raise ValueError("not a web address")
    return value.rstrip("/")


#: A setting that holds a secret: empty means unset, and no error or repr ever shows its value.
Secret = Annotated[SecretStr | None, BeforeValidator(_none_if_empty)]
#: A platform's API base: empty (the platform's own) or a web address, without a trailing "/".
ApiBase = Annotated[str, AfterValidator(_web_address)]


class Account(BaseModel):
    """One named platform account; each platform uses the fields it needs (see `REQUIRED`)."""

    model_config = ConfigDict(extra="forbid")

    base_url: str = ""
    token: SecretStr | None = None
    handle: str = ""
    app_password: SecretStr | None = None
    author: str = ""
    version: str = ""
    page_id: str = ""
    user_id: str = "me"
    refresh_token: SecretStr | None = None
    expires_at: str = ""  # ISO 8601, when the token runs out (from scheduler auth)
    refresh_expires_at: str = ""  # ISO 8601, when the refresh token runs out (LinkedIn: a year after sign-in)
    client_id: str = ""  # the OAuth app, for refreshing tokens
    client_secret: SecretStr | None = None
    token_url: str = ""  # a stand-in token endpoint (staging, tests); empty: the platform's
    session_access: SecretStr | None = None  # Bluesky: the last session, kept across restarts
    session_refresh: SecretStr | None = None
    session_did: str = ""
    # The account's own line (e.g. a funding notice) instead of SCHEDULER_FOOTER; "" for none.
    footer: str | None = Field(None, max_length=500)


def account_footer(settings: Settings, platform: str, account: Account | None) -> str:
    """The line added to an account's posts where it fits: the account's own `footer` when it has
    one (even on platforms outside SCHEDULER_FOOTER_PLATFORMS: it is meant for this account), else
    SCHEDULER_FOOTER on the platforms of SCHEDULER_FOOTER_PLATFORMS."""
    if account is not None and account.footer is not None:
        return account.footer
    return settings.footer if platform in settings.footer_platforms else ""


def templates_folder(settings: Settings) -> Path | None:
    """The team's templates folder: SCHEDULER_TEMPLATES_DIR when set (it must exist), else `templates/`
    in the working directory when there is one; None: only the default templates shipped in the package."""
    if "templates_dir" in settings.model_fields_set or settings.templates_dir.is_dir():
        return settings.templates_dir
    return None


def payload_options(settings: Settings) -> dict[str, dict[str, str]]:
    """Per platform, the settings that shape its request bodies (`SCHEDULER_<PLATFORM>_<OPTION>` for
    each of the platform's `options`; see `platforms.build_payloads`)."""
    return {
        platform.name: {option: getattr(settings, f"{platform.name}_{option}") for option in platform.options}
        for platform in registry.every()
        if platform.options
    }


_ACCOUNT_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


class CoreSettings(BaseSettings):
    """The settings that are not one platform's (`Settings` adds those). Environment variables win
    over `.env`, which wins over defaults."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        env_nested_delimiter="__",
        defer_build=True,  # only `Settings` is ever validated: build its schema alone, when first used
    )

    # The team's templates; each file overrides the default shipped in the package (see `templates_folder`).
    templates_dir: Path = Field(Path("templates"), json_schema_extra=_expected("a folder path, e.g. templates"))
    posts_dir: Path = Field(Path("posts"), json_schema_extra=_expected("a folder path, e.g. posts"))
    max_issue_bytes: int = Field(5_000_000, ge=1, json_schema_extra=_expected("a number of bytes, e.g. 5000000 (5 MB)"))
    max_items: int = Field(1000, ge=1, json_schema_extra=_expected("a whole number of items per issue, e.g. 1000"))
    # What is no item in the team's newsletters, beyond the defaults (greetings, sign-offs, imprint,
    # unsubscribe …): phrases (regular expressions, case ignored) that mark a paragraph as boilerplate.
    boilerplate: CommaList = Field(
        [],
        json_schema_extra=_expected(
            "comma-separated phrases that mark a paragraph as no item, e.g. Spendenkonto,Pressekontakt"
        ),
    )
    boilerplate_selectors: CommaList = Field(
        [],
        json_schema_extra=_expected(
            "comma-separated CSS selectors of what is no item in HTML issues, e.g. .spendenaufruf,aside.teaser"
        ),
    )
    feed_entries: Literal["issue", "item"] = Field(
        "issue",
        json_schema_extra=_expected(
            "issue (each feed entry is an issue, split into items) or item (each entry one item)"
        ),
    )
    watch_interval: dt.timedelta = Field(
        dt.timedelta(minutes=15),
        json_schema_extra=_expected("a duration from 1s to 24h, e.g. 15m, 90s or 1h"),
    )
    source_failures_notice: int = Field(
        3, ge=1, le=1000, json_schema_extra=_expected("a number of failed checks in a row from 1 to 1000, e.g. 3")
    )
    late_notice: dt.timedelta | None = Field(
        dt.timedelta(minutes=10),
        json_schema_extra=_expected("a duration from 1m to 24h, e.g. 10m, 90s or 1h; or off (also 0) for no notice"),
    )
    platforms: CommaList = Field(
        list(registry.NAMES),
        json_schema_extra=_expected(f"a comma-separated list of {', '.join(registry.NAMES)}"),
    )
    languages: CommaList = Field(
        ["de", "en"],
        json_schema_extra=_expected("a comma-separated list of two-letter language codes, e.g. de,en"),
    )
    hashtags: CommaList = Field(
        [], json_schema_extra=_expected("a comma-separated list of hashtags without '#', e.g. Familie,ESFPlus")
    )
    utm: bool = Field(True, json_schema_extra=_expected("true or false"))
    # The account's own line, e.g. a funding notice, added to each post where it costs no text (after the
    # link, before the hashtags; on X usually left out). One line for every account of the platforms below.
    footer: str = Field("", max_length=500, json_schema_extra=_expected("one line of text, or empty"))
    footer_platforms: CommaList = Field(
        list(registry.NAMES),
        json_schema_extra=_expected(f"a comma-separated list of {', '.join(registry.NAMES)}"),
    )
    threads: CommaList = Field(
        [],
        json_schema_extra=_expected(
            f"a comma-separated list of platforms that have threads: {', '.join(sorted(registry.thread_platforms()))}"
        ),
    )
    media_base_url: str = Field(
        "",
        pattern=r"^(https://\S+)?$",
        json_schema_extra=_expected("the https:// address where your image files are published, or empty"),
    )
    # Link cards and images given as URLs reach public addresses only; these hosts and networks too.
    fetch_allow: CommaList = Field(
        [],
        json_schema_extra=_expected(
            "comma-separated host names, addresses or networks, e.g. intranet.example.org,10.20.0.0/16, or empty"
        ),
    )

    database_url: str = Field(
        "sqlite:///scheduler.sqlite3",
        json_schema_extra=_expected("sqlite:///path/file.sqlite3 or postgresql+psycopg://user@host/db"),
    )
    outbox: Path = Field(Path("outbox.jsonl"), json_schema_extra=_expected("a file path, e.g. outbox.jsonl"))
    timezone: str = Field("Europe/Berlin", json_schema_extra=_expected("an IANA time zone, e.g. Europe/Berlin"))
    slots: str = Field(
        "mon-fri 09:00,12:30,16:00",
        json_schema_extra=_expected("weekdays and local times, e.g. 'mon-fri 09:00,12:30'"),
    )
    holidays_country: str = Field("DE", json_schema_extra=_expected("a two-letter country code, e.g. DE"))
    holidays_region: str = Field(
        "", json_schema_extra=_expected("a region (subdivision) code such as NW or BY, or empty for national holidays")
    )
    blackout_dates: str = Field(
        "", json_schema_extra=_expected("days or ranges without posts, e.g. 12-24..12-31, 2025-08-15, or empty")
    )
    min_gap_minutes: int = Field(120, ge=0, le=10_080, json_schema_extra=_expected("minutes from 0 to 10080, e.g. 120"))
    stagger_minutes: int = Field(
        0, ge=0, le=1_440, json_schema_extra=_expected("minutes from 0 to 1440; 0 puts an item's posts in one slot")
    )
    require_approval: bool = Field(True, json_schema_extra=_expected("true or false"))
    claim_batch: int = Field(10, ge=1, le=1000, json_schema_extra=_expected("a whole number from 1 to 1000, e.g. 10"))
    concurrency: int = Field(256, ge=1, le=1024, json_schema_extra=_expected("a whole number from 1 to 1024, e.g. 256"))
    max_attempts: int = Field(6, ge=1, le=100, json_schema_extra=_expected("a whole number from 1 to 100"))
    retry_base_seconds: float = Field(2.0, gt=0, le=3600, json_schema_extra=_expected("seconds, e.g. 2"))
    retry_cap_seconds: float = Field(900.0, gt=0, le=86_400, json_schema_extra=_expected("seconds, e.g. 900"))

    token_store: Path = Field(
        Path(".scheduler-tokens.json"),
        json_schema_extra=_expected("a file path; scheduler auth writes it with mode 0600"),
    )
    accounts: dict[str, dict[str, Account]] = Field(
        default_factory=dict,
        json_schema_extra=_expected(
            "SCHEDULER_ACCOUNTS__<PLATFORM>__<NAME>__<FIELD>, e.g. SCHEDULER_ACCOUNTS__MASTODON__REGIONAL__TOKEN"
        ),
    )
    notify_webhook_url: Secret = Field(
        None, json_schema_extra=_expected("an https:// incoming-webhook URL (Slack, Matrix, Teams), or empty")
    )
    webhook_secret: Secret = Field(
        None,
        json_schema_extra=_expected(
            "a shared secret of at least 16 characters that signs requests to POST /hooks/issue, or empty (no webhook)"
        ),
    )
    imap_password: Secret = Field(
        None,
        json_schema_extra=_expected(
            "the password of the mailbox a mailbox source reads (imaps://user@host/Folder), or empty"
        ),
    )
    imap_ca_file: str = Field(
        "",
        json_schema_extra=_expected(
            "a PEM file of the CA that signed the IMAP server's certificate, or empty (the system's)"
        ),
    )
    admin_user: str = Field(
        "", json_schema_extra=_expected("the first admin's user name (letters, digits, . _ - @), or empty")
    )
    admin_password: Secret = Field(
        None, json_schema_extra=_expected("the first admin's password, 12 characters or more, or empty")
    )
    serve_host: str = Field("127.0.0.1", json_schema_extra=_expected("an address to listen on, e.g. 127.0.0.1"))
    serve_port: int = Field(8000, ge=1, le=65535, json_schema_extra=_expected("a port number, e.g. 8000"))
    serve_https: bool = Field(
        False, json_schema_extra=_expected("true when the dashboard is served behind HTTPS (a proxy), else false")
    )
    # Four-eyes mode: on the dashboard nobody approves a post they queued, edited or submitted for review.
    four_eyes: bool = Field(True, json_schema_extra=_expected("true or false"))
    smtp_host: str = Field("", json_schema_extra=_expected("a host name, or empty for no e-mail notices"))
    smtp_port: int = Field(587, ge=1, le=65535, json_schema_extra=_expected("a port number, e.g. 587"))
    smtp_user: str = Field("", json_schema_extra=_expected("the SMTP login, or empty"))
    smtp_password: Secret = Field(None, json_schema_extra=_expected("the SMTP password, or empty"))
    smtp_security: Literal["starttls", "ssl", "none"] = Field(
        "starttls", json_schema_extra=_expected("starttls (port 587), ssl (SMTPS, port 465) or none (a local relay)")
    )
    smtp_ca_file: Path | None = Field(
        None, json_schema_extra=_expected("a PEM file of the CA that signed the SMTP server's certificate, or empty")
    )
    smtp_allow_plain_login: bool = Field(False, json_schema_extra=_expected("true or false"))
    # Before SCHEDULER_SMTP_SECURITY: false means SCHEDULER_SMTP_SECURITY=none (see `_smtp_security`).
    smtp_starttls: bool = Field(True, json_schema_extra=_expected("true or false"))
    notify_email_from: str = Field(
        "scheduler@localhost", json_schema_extra=_expected("an e-mail address, e.g. scheduler@example.org")
    )
    notify_email_to: CommaList = Field(
        [], json_schema_extra=_expected("comma-separated e-mail addresses, e.g. comms@example.org")
    )

    @field_validator("smtp_ca_file", mode="before")
    @classmethod
    def _ca_file(cls, value: Any) -> Any:
        if value in ("", None):
            return None
        if not Path(value).is_file():
            raise ValueError("no such file")
        return value

    @model_validator(mode="after")
    def _smtp_security(self) -> CoreSettings:
        """SCHEDULER_SMTP_SECURITY unset: SCHEDULER_SMTP_STARTTLS=false (the older setting) means none,
        port 465 means ssl; ssl without a port means 465. A login is never sent unencrypted unless
        SCHEDULER_SMTP_ALLOW_PLAIN_LOGIN=true (raised as it is: the message names the settings)."""
        given = self.model_fields_set
        if "smtp_security" in given:
            if "smtp_starttls" in given and not self.smtp_starttls and self.smtp_security != "none":
                raise ConfigError(
                    f"SCHEDULER_SMTP_STARTTLS=false contradicts SCHEDULER_SMTP_SECURITY="
                    f"{self.smtp_security}: remove SCHEDULER_SMTP_STARTTLS (it is replaced by "
                    "SCHEDULER_SMTP_SECURITY)"
                )
        elif not self.smtp_starttls:
            self.smtp_security = "none"
        elif self.smtp_port == 465:
            self.smtp_security = "ssl"
        if self.smtp_security == "ssl" and "smtp_port" not in given:
            self.smtp_port = 465
        if self.smtp_host and self.notify_email_to:
            from scheduler.notify.email import plain_login_problem

            problem = plain_login_problem(
                self.smtp_security, self.smtp_user, allow_plain_login=self.smtp_allow_plain_login
            )
            if problem is not None:
                raise ConfigError(problem)
        return self

    @field_validator("watch_interval", mode="before")
    @classmethod
    def _duration(cls, value: object) -> object:
        """A duration with its unit (15m, 90s, 1h), from one second to a day."""
        if isinstance(value, str):
            value = _duration_of(value)
        if isinstance(value, dt.timedelta) and not dt.timedelta(seconds=1) <= value <= dt.timedelta(days=1):
            raise ValueError("out of range")
        return value

    @field_validator("late_notice", mode="before")
    @classmethod
    def _late_notice(cls, value: object) -> object:
        """A duration with its unit from a minute (no post is late sooner, see `lateness.TOLERANCE`)
        to a day; off or 0: no notice (None)."""
        if isinstance(value, str):
            if value.strip().lower() in ("off", "0"):
                return None
            value = _duration_of(value)
        if isinstance(value, dt.timedelta) and not dt.timedelta(minutes=1) <= value <= dt.timedelta(days=1):
            raise ValueError("out of range")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 16:
            raise ValueError("shorter than 16 characters")
        return value

    @field_validator("notify_webhook_url")
    @classmethod
    def _https(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith(("https://", "http://")):
            raise ValueError("not a web address")
        return value

    @field_validator("accounts")
    @classmethod
    def _account_names(cls, value: dict[str, dict[str, Account]]) -> dict[str, dict[str, Account]]:
        for platform, named in value.items():
            if platform not in registry.NAMES:
                raise ValueError(f"unknown platform {platform!r}")
            for name in named:
                if not _ACCOUNT_NAME.match(name):
                    raise ValueError(f"account name {name!r} must be lower-case letters, digits, - or _")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator(
        "platforms",
        "footer_platforms",
        "languages",
        "hashtags",
        "threads",
        "notify_email_to",
        "fetch_allow",
        "boilerplate",
        "boilerplate_selectors",
        mode="before",
    )
    @classmethod
    def _split_commas(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("boilerplate", "boilerplate_selectors")
    @classmethod
    def _boilerplate_rules(cls, value: list[str], info: ValidationInfo) -> list[str]:
        """Each phrase a regular expression, each selector a CSS selector (the rules' own checks)."""
        from scheduler.newsletter.rules import check_patterns, check_selectors

        selectors = info.field_name == "boilerplate_selectors"
        try:
            (check_selectors if selectors else check_patterns)(value, "selector" if selectors else "phrase")
        except ConfigError as exc:
            raise ValueError(str(exc)) from None
        return value

    @field_validator("fetch_allow")
    @classmethod
    def _hosts_or_networks(cls, value: list[str]) -> list[str]:
        from scheduler.platforms.addresses import problem

        for entry in value:
            if (wrong := problem(entry)) is not None:
                raise ValueError(wrong)
        return value

    @field_validator("platforms", "footer_platforms")
    @classmethod
    def _known_platforms(cls, value: list[str]) -> list[str]:
        names = [name.lower() for name in value]
        unknown = [name for name in names if name not in registry.NAMES]
        if unknown:
            raise ValueError(f"unknown platform {unknown[0]!r}")
        return names

    @field_validator("threads")
    @classmethod
    def _thread_platforms(cls, value: list[str]) -> list[str]:
        names = [name.lower() for name in value]
        wrong = [name for name in names if name not in registry.thread_platforms()]
        if wrong:
            raise ValueError(f"{wrong[0]!r} has no threads")
        return names

    @field_validator("languages")
    @classmethod
    def _language_codes(cls, value: list[str]) -> list[str]:
        codes = [code.lower() for code in value]
        bad = [code for code in codes if len(code) != 2 or not code.isalpha()]
        if bad or not codes:
            raise ValueError(f"not a two-letter language code: {bad[0] if bad else '(empty)'!r}")
        return codes

    @field_validator("hashtags")
    @classmethod
    def _hashtag_words(cls, value: list[str]) -> list[str]:
        tags = [tag.lstrip("#") for tag in value]
        bad = [tag for tag in tags if not tag or not all(ch.isalnum() or ch == "_" for ch in tag)]
        if bad:
            raise ValueError(f"not a hashtag: {bad[0]!r}")
        return tags


def _platform_field(name: str, setting: Setting) -> tuple[Any, Any]:
    """A platform's `setting` called `name`, as the annotation and field of a pydantic model."""
    extra = _expected(setting.expected)
    if setting.secret:
        return Secret, Field(None, json_schema_extra=extra)
    annotation: Any = type(setting.default)
    if name == "base_url":
        annotation = ApiBase
    elif setting.choices:
        annotation = Literal[setting.choices]
    info = Field(setting.default, pattern=setting.pattern, ge=setting.ge, le=setting.le, json_schema_extra=extra)
    return annotation, info


def _platform_fields() -> dict[str, tuple[Any, Any]]:
    """Every registered platform's settings as fields: `<platform>_<name>` (SCHEDULER_<PLATFORM>_<NAME>)."""
    fields = {}
    for platform in registry.every():
        for name, setting in platform.settings.items():
            field_name = f"{platform.name}_{name}"
            if field_name in CoreSettings.model_fields or field_name in fields:
                raise TypeError(f"{platform.name}'s setting {name!r} is already {ENV_PREFIX}{field_name.upper()}")
            fields[field_name] = _platform_field(name, setting)
    return fields


def _with_platforms() -> type[CoreSettings]:
    # Any: mypy checks each value of a ** mapping against every keyword create_model takes (__base__ too)
    fields: dict[str, Any] = _platform_fields()
    return create_model(
        "Settings",
        __base__=CoreSettings,
        __module__=__name__,
        __doc__="All settings of the tool: `CoreSettings` and every platform's own (see the module's docstring).",
        **fields,
    )


if TYPE_CHECKING:
    Settings = CoreSettings  # the platforms' fields are read by name (see the module's docstring)
else:
    Settings = _with_platforms()


def _holds_secret(field_name: str, info: FieldInfo | None) -> bool:
    """Whether an error never shows the setting's value: a `Secret` (any `SecretStr`) or the accounts
    (they hold tokens)."""
    if field_name == "accounts":
        return True
    return info is not None and (info.annotation is SecretStr or SecretStr in get_args(info.annotation))


@dataclass
class AccountSetup:
    """The accounts the settings and the token store describe."""

    ready: dict[tuple[str, str], Account] = field(default_factory=dict)  # complete: these can publish
    broken: dict[tuple[str, str], str] = field(default_factory=dict)  # half-configured: what is missing
    warnings: list[str] = field(default_factory=list)  # stored credentials set aside, and why


def _flat_accounts(settings: Settings) -> dict[str, tuple[Account, set[str]]]:
    """The `default` account per platform from the flat settings (`SCHEDULER_<PLATFORM>_<FIELD>`),
    with the fields set explicitly. An account without its own API base gets the platform's."""
    given = settings.model_fields_set
    accounts = {}
    for platform in registry.every():
        fields = {
            name: getattr(settings, f"{platform.name}_{name}")
            for name in platform.settings
            if name in Account.model_fields
        }
        if not fields.get("base_url") and "base_url" not in platform.required:
            fields["base_url"] = platform.api_base
        accounts[platform.name] = (Account(**fields), {name for name in fields if f"{platform.name}_{name}" in given})
    return accounts


def _variable(platform: str, name: str, field_name: str) -> str:
    if name == "default":
        return f"{ENV_PREFIX}{platform.upper()}_{field_name.upper()}"
    return f"{ENV_PREFIX}ACCOUNTS__{platform.upper()}__{name.upper()}__{field_name.upper()}"


def account_setup(settings: Settings) -> AccountSetup:
    """Every account: the `default` one per platform from the flat settings (SCHEDULER_MASTODON_TOKEN …)
    and the named ones (SCHEDULER_ACCOUNTS__MASTODON__REGIONAL__TOKEN …), each completed by what the
    token store holds for it. An account is all or nothing: one that has some of what its platform
    needs but not all is broken, never silently a dry run. Stored credentials are used only while the
    settings name the identity they were made for (`identity.conflict`)."""
    from scheduler.platforms.identity import conflict
    from scheduler.tokenstore import SESSION, TokenStore

    stored = TokenStore(settings.token_store).load()  # written by scheduler auth; wins for what it holds
    stored.pop(SESSION, None)  # the dashboard's session key, no account
    flat = _flat_accounts(settings)
    setup = AccountSetup()
    named = {
        (platform, name): (account, set(account.model_fields_set))
        for platform, accounts in settings.accounts.items()
        for name, account in accounts.items()
    }
    for key in stored:
        platform, _, name = key.partition(":")
        if platform not in registry.NAMES or not _ACCOUNT_NAME.match(name):
            raise ConfigError(f"token store {settings.token_store}: {key!r} is not platform:account")
        if name != "default":
            named.setdefault((platform, name), (Account(), set()))
    candidates = {(platform, "default"): pair for platform, pair in flat.items()}
    for (platform, name), (account, given) in sorted(named.items()):
        defaults = flat[platform][0]
        candidates[(platform, name)] = (
            account.model_copy(
                update={
                    "base_url": account.base_url or defaults.base_url,
                    "version": account.version or defaults.version,
                }
            ),
            given,
        )
    for (platform, name), (account, given) in candidates.items():
        fields = stored.get(f"{platform}:{name}", {})
        required = registry.get(platform).required
        named_identity = {
            f: str(getattr(account, f)) for f in registry.get(platform).identity if f in given and getattr(account, f)
        }
        why = conflict(platform, named_identity, fields) if fields else None
        if why is not None:
            setup.warnings.append(
                f"token store {settings.token_store}: the credentials kept for {platform}:{name} "
                f"are set aside ({why}); they are used again only for that identity"
            )
            fields = {}
        if fields:
            account = account.model_copy(update=Account.model_validate(fields).model_dump(exclude_unset=True))
        have = [f for f in required if getattr(account, f)]
        if len(have) == len(required):
            setup.ready[(platform, name)] = account
        elif have or name != "default":
            missing = [_variable(platform, name, f) for f in required if not getattr(account, f)]
            setup.broken[(platform, name)] = (
                f"{platform}:{name} is half-configured: {', '.join(missing)} "
                f"{'is' if len(missing) == 1 else 'are'} missing; set {'it' if len(missing) == 1 else 'them'} "
                f"(or run 'scheduler auth {platform}"
                + ("" if name == "default" else f" --account {name}")
                + "'), or remove the account's other settings"
            )
    return setup


def configured_accounts(settings: Settings) -> dict[tuple[str, str], Account]:
    """Every complete account (see `account_setup`); a half-configured one is a `ConfigError`
    naming what is missing. Stored credentials set aside are logged as warnings."""
    setup = account_setup(settings)
    for warning in setup.warnings:
        log.warning("%s", warning)
    if setup.broken:
        raise ConfigError(next(iter(setup.broken.values())))
    return setup.ready


def env_name(field_name: str) -> str:
    return f"{ENV_PREFIX}{field_name.upper()}"


#: How much of a setting's value an error shows: enough to recognise it, never a dump of the input.
SHOWN_LIMIT = 60


def _shown(value: str) -> str:
    """`value` for a one-line message: control characters (a NUL, a line break) escaped, and a
    value longer than `SHOWN_LIMIT` cut, saying how long it was."""
    if any(not character.isprintable() and character != " " for character in value):
        value = value.encode("unicode_escape").decode("ascii")
    if len(value) > SHOWN_LIMIT:
        return f"{value[:SHOWN_LIMIT]}… ({len(value):,} characters)"
    return value


def load_settings(**overrides: Any) -> Settings:
    """Read the settings; an invalid value raises `ConfigError` naming the variable and its form.
    A variable or `.env` line that is not a setting is a warning naming the closest one."""
    from scheduler.settingnames import warn_about_names

    warn_about_names()
    return read_settings(**overrides)


def read_settings(**overrides: Any) -> Settings:
    """`load_settings` without the warnings about names: for reading the settings again while the
    program runs (the dashboard's Settings page), which would repeat them in the log each time."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        error = exc.errors()[0]
        field_name = str(error["loc"][0]) if error["loc"] else ""
        info = Settings.model_fields.get(field_name)
        extra = info.json_schema_extra if info is not None else None
        expected = extra.get("expected") if isinstance(extra, dict) else None
        value = error.get("input")
        if _holds_secret(field_name, info):
            value = "***"
        shown = _shown(
            value if isinstance(value, str) else ",".join(map(str, value)) if isinstance(value, list) else str(value)
        )
        reason = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        variable = ENV_PREFIX + "__".join(str(part).upper() for part in error["loc"]) if error["loc"] else ""
        raise ConfigError(
            f"{variable}={shown!s} is invalid ({reason}): expected {expected or 'a valid value'}"
        ) from None
