"""The names of the settings, and the check that warns about a name that is none of them.

The settings ignore a variable they do not know (it may belong to another tool), so a typo such as
`SCHEDULER_TIMEZOEN` used to be dropped in silence. `name_problems` says what is wrong with each
such name, in the environment and in `.env`, with the closest setting it may have meant; it also
reports `.env` lines that cannot be read. Only names and line numbers appear, never a value (it
may be a secret).

Free of pydantic, so that `scheduler queue list`'s fast path can run it too: `CORE_FIELDS` lists
`config.CoreSettings` (`tests/test_settingnames.py` keeps them equal, and `ACCOUNT_FIELDS` equal to
`config.Account`), and each platform's own settings are the ones its module declares
(`Platform.settings`). A platform's module is loaded only when a variable names the platform, and
all of them only to suggest the closest name for one that is none.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from scheduler.platforms import registry
from scheduler.tokenstore import ACCOUNT_FIELDS as STORED_FIELDS

PREFIX = "SCHEDULER_"

#: Every field of `config.CoreSettings`: the setting SCHEDULER_<FIELD>. The platforms' own settings,
#: SCHEDULER_<PLATFORM>_<NAME>, are `platform_fields`.
CORE_FIELDS = frozenset(
    {
        "templates_dir",
        "posts_dir",
        "platforms",
        "languages",
        "hashtags",
        "utm",
        "footer",
        "footer_platforms",
        "threads",
        "media_base_url",
        "database_url",
        "outbox",
        "timezone",
        "slots",
        "holidays_country",
        "holidays_region",
        "min_gap_minutes",
        "stagger_minutes",
        "require_approval",
        "claim_batch",
        "concurrency",
        "max_attempts",
        "retry_base_seconds",
        "retry_cap_seconds",
        "token_store",
        "accounts",
        "notify_webhook_url",
        "smtp_host",
        "smtp_port",
        "smtp_user",
        "smtp_password",
        "smtp_starttls",
        "smtp_security",
        "smtp_ca_file",
        "smtp_allow_plain_login",
        "notify_email_from",
        "notify_email_to",
        "blackout_dates",
        "max_issue_bytes",
        "max_items",
        "fetch_allow",
        "boilerplate",
        "boilerplate_selectors",
        "feed_entries",
        "watch_interval",
        "source_failures_notice",
        "late_notice",
        "webhook_secret",
        "serve_host",
        "serve_port",
        "serve_https",
        "four_eyes",
        "imap_password",
        "imap_ca_file",
        "admin_user",
        "admin_password",
    }
)

#: Every field of `config.Account`: SCHEDULER_ACCOUNTS__<PLATFORM>__<NAME>__<FIELD> — what the token
#: store may keep of an account, and the account's own footer line.
ACCOUNT_FIELDS = STORED_FIELDS | {"footer"}

_NESTED_FORM = "SCHEDULER_ACCOUNTS__<PLATFORM>__<NAME>__<FIELD>"
#: How alike a variable without the prefix must be to a setting's full name to be taken for a typo
#: of it (SCHEDULR_TIMEZONE is; LANGUAGE, HOME and PATH are other programs' variables).
_UNPREFIXED_CUTOFF = 0.85
#: A name that has none of these has lost too much of "SCHEDULER" to be a typo of a setting: the
#: environment's other variables are let go without comparing them (and without importing difflib).
_PREFIX_PIECES = tuple(PREFIX[index : index + 4] for index in range(len("SCHEDULER") - 3))

log = logging.getLogger(__name__)


def platform_fields(platform: str) -> frozenset[str]:
    """The fields of `config.Settings` that `platform`'s module declares: `<platform>_<name>`."""
    return frozenset(f"{platform}_{name}" for name in registry.get(platform).settings)


def fields() -> frozenset[str]:
    """Every field of `config.Settings` (this loads every platform's module)."""
    return CORE_FIELDS.union(*map(platform_fields, registry.NAMES))


def _is_field(name: str) -> bool:
    """Whether `name` (lower-case, without the prefix) is a field of `config.Settings`; only the module
    of the platform it starts with, if any, is loaded."""
    if name in CORE_FIELDS:
        return True
    return any(name.startswith(platform + "_") and name in platform_fields(platform) for platform in registry.NAMES)


def _closest(word: str, candidates: Iterable[str], cutoff: float = 0.6) -> str | None:
    import difflib

    found = difflib.get_close_matches(word, sorted(candidates), n=1, cutoff=cutoff)
    return found[0] if found else None


def _full(field: str) -> str:
    return PREFIX + field.upper()


def _nested_problem(name: str, parts: list[str]) -> str | None:
    """`parts` of SCHEDULER_ACCOUNTS__…, lower-case, without "accounts"."""
    if not 1 <= len(parts) <= 3 or not all(parts):
        return f"{name} is not a setting (ignored); write {_NESTED_FORM}"
    platform = parts[0]
    if platform not in registry.NAMES:
        guess = _closest(platform, registry.NAMES)
        fixed = "__".join(["ACCOUNTS", (guess or "<platform>").upper(), *(part.upper() for part in parts[1:])])
        return f"{name}: {platform!r} is not a platform; did you mean {PREFIX}{fixed}?"
    if len(parts) == 2 and parts[1] in ACCOUNT_FIELDS:
        return (
            f"{name} names no account; did you mean {PREFIX}ACCOUNTS__{platform.upper()}__<NAME>__{parts[1].upper()}?"
        )
    if len(parts) == 3 and parts[2] not in ACCOUNT_FIELDS:
        guess = _closest(parts[2], ACCOUNT_FIELDS)
        start = f"{PREFIX}ACCOUNTS__{platform.upper()}__{parts[1].upper()}__"
        if guess is None:
            return f"{name}: {parts[2]!r} is not an account field; the fields are {', '.join(sorted(ACCOUNT_FIELDS))}"
        return f"{name}: {parts[2]!r} is not an account field; did you mean {start}{guess.upper()}?"
    return None


def _single_underscores(rest: str) -> str:
    """A guess at the nested form for `accounts_mastodon_regional_token`."""
    for platform in registry.NAMES:
        if rest.startswith(platform + "_"):
            middle = rest[len(platform) + 1 :]
            for field in sorted(ACCOUNT_FIELDS, key=len, reverse=True):
                if middle.endswith("_" + field) and len(middle) > len(field) + 1:
                    account = middle[: -len(field) - 1]
                    return f"{PREFIX}ACCOUNTS__{platform.upper()}__{account.upper()}__{field.upper()}"
    return _NESTED_FORM


def problem(name: str, *, dotenv: bool = False) -> str | None:
    """What is wrong with the variable `name`, or None when it is a setting or plainly another
    program's variable. In `.env` (`dotenv=True`), a setting's name without the prefix counts as a typo."""
    lowered = name.lower()
    if not lowered.startswith(PREFIX.lower()):
        if dotenv and lowered != "accounts" and _is_field(lowered):
            full: str | None = _full(lowered)
        elif any(piece in name.upper() for piece in _PREFIX_PIECES):
            full = _closest(name.upper(), map(_full, fields()), cutoff=_UNPREFIXED_CUTOFF)
        else:
            return None
        return f"{name} is not read (settings start with {PREFIX}); did you mean {full}?" if full else None
    rest = lowered[len(PREFIX) :]
    if _is_field(rest):
        return None
    if rest.startswith("accounts__"):
        return _nested_problem(name, rest.split("__")[1:])
    if rest.startswith("accounts_"):
        return f"{name} is not a setting (ignored); did you mean {_single_underscores(rest[len('accounts_') :])}?"
    guess = _closest(rest, fields())
    if guess is None:
        return f"{name} is not a setting (ignored); .env.example lists every setting"
    return f"{name} is not a setting (ignored); did you mean {_full(guess)}?"


def _dotenv_problems(text: str, label: str) -> list[str]:
    import io

    from dotenv.parser import parse_stream  # what pydantic-settings reads .env with

    found = []
    for binding in parse_stream(io.StringIO(text)):
        original = binding.original.string
        line = binding.original.line + len(original) - len(original.lstrip("\n"))
        if binding.error:
            word = re.match(r"\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)", original)
            guess = _closest(word.group(1).upper(), map(_full, fields())) if word else None
            hint = f"did you mean {guess}=…?" if guess else f"write it as {PREFIX}<SETTING>=value"
            found.append(f"{label} line {line} is not NAME=value (ignored); {hint}")
        elif binding.key is not None and binding.value is None:
            found.append(
                f"{label} line {line}: {binding.key} has no '=' and no value (ignored); write {binding.key}=value"
            )
        elif binding.key is not None and (message := problem(binding.key, dotenv=True)):
            found.append(f"{label} line {line}: {message}")
    return found


def name_problems(environ: Mapping[str, str], dotenv_file: Path | None) -> list[str]:
    """One line for each variable in `environ` and each line of `dotenv_file` that is not a setting
    (or, in `.env`, cannot be read), naming the closest setting."""
    found = [message for name in sorted(environ) if (message := problem(name))]
    if dotenv_file is not None:
        try:
            text = dotenv_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):  # missing, or reported in full when the settings are read
            text = ""
        if text:
            found += _dotenv_problems(text, str(dotenv_file))
    return found


def warn_about_names(environ: Mapping[str, str] | None = None, dotenv_file: Path | None = Path(".env")) -> None:
    """Log each of `name_problems` as a warning (the CLI shows them as `warning: …` lines)."""
    # python-dotenv's own "could not parse statement" warning says less than ours: keep only ours
    logging.getLogger("dotenv.main").setLevel(logging.ERROR)
    for message in name_problems(os.environ if environ is None else environ, dotenv_file):
        log.warning("%s", message)


def origins(environ: Mapping[str, str] | None = None, dotenv_file: Path | None = Path(".env")) -> dict[str, str]:
    """Where each setting that is given is read from, by its variable (upper case): "environment"
    or ".env" — the environment wins, as in `config.CoreSettings`; a setting in neither has its
    default. Names are compared without regard to case, as the settings read them. A `.env` line
    that cannot be read, or has no "=", gives nothing. Only names are returned, never a value."""
    import io

    from dotenv.parser import parse_stream

    found: dict[str, str] = {}
    if dotenv_file is not None:
        try:
            text = dotenv_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):  # missing: nothing comes from it
            text = ""
        for binding in parse_stream(io.StringIO(text)):
            key = (binding.key or "").upper()
            if key.startswith(PREFIX) and binding.value is not None and not binding.error:
                found[key] = ".env"
    for name in os.environ if environ is None else environ:
        if name.upper().startswith(PREFIX):
            found[name.upper()] = "environment"
    return found
