"""The Settings page (admins: `settings`): every setting of the tool in plain words, read only.

Settings come only from the environment, `.env` and their defaults (`scheduler.config`); the
dashboard never writes them, and a secret (a token, a password, an app's client secret, the
database's password, the chat webhook's address) is shown only as set or not set. Each entry gives
its value as a reader says it (Ja/Nein, "2 Stunden", "Mo–Fr 09:00, 12:30"), the variable it is
set with, and where the value comes from (`settingnames.origins`).

The page reads the settings again (`config.read_settings`), as the next start of `scheduler serve`
will: a value changed in `.env` since the dashboard started is marked as taking effect after a
restart. Settings that cannot be read are said in one line (the `ConfigError`), and the page then
shows those the dashboard runs with. Under the schedule: the next posting slots and the days
without posts in the next `DAYS_AHEAD` days, from the planning (`Wiring.planning`,
`planner.slots_after`, `Holidays.named`).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from babel.core import Locale
from babel.dates import get_day_names
from babel.numbers import format_decimal
from flask import Blueprint, render_template
from pydantic import SecretStr

from scheduler.config import env_name, read_settings
from scheduler.errors import ConfigError
from scheduler.platforms import registry
from scheduler.settingnames import origins
from scheduler.web import i18n
from scheduler.web.auth import require, wiring
from scheduler.web.i18n import gettext, ngettext

if TYPE_CHECKING:
    from scheduler.config import Settings
    from scheduler.planner import SlotRule
    from scheduler.platforms.spec import Platform
    from scheduler.queueing import Planning

settings_page = Blueprint("settings", __name__)

#: How far ahead the days without posts are listed.
DAYS_AHEAD = 60
#: How many of the next posting slots are listed.
SLOTS_SHOWN = 6
#: Settings the page leaves out, and why: the Accounts page shows the named accounts; the older
#: SMTP setting is replaced by SCHEDULER_SMTP_SECURITY, whose value shows what it does.
LEFT_OUT = frozenset({"accounts", "smtp_starttls"})


@dataclass(frozen=True, slots=True)
class Entry:
    """One setting as the page shows it."""

    label: str
    variable: str  # SCHEDULER_…
    value: str  # as a reader says it; a secret's is only "set" or "not set"
    origin: str  # environment, .env file or default, in words
    changed: bool = False  # since the dashboard started: takes effect after a restart


@dataclass(frozen=True, slots=True)
class Group:
    """Settings that belong together; `parts`: groups within it (a platform's)."""

    key: str  # for the section's id
    title: str
    entries: tuple[Entry, ...] = ()
    parts: tuple[Group, ...] = ()
    intro: str = ""


@dataclass(frozen=True, slots=True)
class Outlook:
    """What the schedule's settings make of the next weeks; `problem`: why it cannot be said."""

    slots: tuple[str, ...] = ()
    days_off: tuple[tuple[str, str], ...] = ()  # (day or range of days, why no posts)
    problem: str = ""


@dataclass(frozen=True, slots=True)
class _Shown:
    """Entries of the settings shown, compared with the `running` ones (None: those are shown)."""

    settings: Settings
    running: Settings | None
    origins: Mapping[str, str]  # see `settingnames.origins`
    said: Mapping[str, str]  # an origin in words

    def __call__(self, name: str, label: str, value: str) -> Entry:
        variable = env_name(name)
        changed = self.running is not None and getattr(self.settings, name) != getattr(self.running, name)
        origin = self.origins.get(variable, "default")
        return Entry(label, variable, value, self.said[origin], changed)


# -- values in words -------------------------------------------------------------------------


def _set(given: bool) -> str:
    return gettext("set") if given else gettext("not set")


def _secret(value: SecretStr | str | None) -> str:
    """Only whether a secret is set, never a piece of it."""
    return _set(bool(value.get_secret_value() if isinstance(value, SecretStr) else value))


def _yes(value: bool) -> str:
    return gettext("Yes") if value else gettext("No")


def _number(value: float) -> str:
    return format_decimal(value, locale=i18n.locale())


def _listed(values: Iterable[str], empty: str) -> str:
    return ", ".join(values) or empty


def _duration(delta: dt.timedelta) -> str:
    """`2 Stunden`, `1 Stunde 30 Minuten`, `90 Sekunden`, `0,5 Sekunden`."""
    seconds = delta.total_seconds()
    if seconds != int(seconds):
        return gettext("%(amount)s seconds", amount=_number(seconds))
    hours, rest = divmod(int(seconds), 3600)
    minutes, seconds_ = divmod(rest, 60)
    parts = [ngettext("%(num)d hour", "%(num)d hours", hours)] if hours else []
    parts += [ngettext("%(num)d minute", "%(num)d minutes", minutes)] if minutes else []
    parts += [ngettext("%(num)d second", "%(num)d seconds", seconds_)] if seconds_ or not parts else []
    return " ".join(parts)


def _platforms(names: Iterable[str], empty: str) -> str:
    return _listed((registry.get(name).title if name in registry.NAMES else name for name in names), empty)


def _languages(codes: Iterable[str]) -> str:
    names = Locale.parse(i18n.locale()).languages
    return _listed((names.get(code, code) for code in codes), gettext("not set"))


def _megabytes(count: int) -> str:
    return gettext("%(amount)s MB", amount=format_decimal(count / 1_000_000, "#,##0.###", locale=i18n.locale()))


def _country(code: str) -> str:
    name = Locale.parse(i18n.locale()).territories.get(code.strip().upper())
    return f"{name} ({code})" if name else code


def slots_in_words(rule: SlotRule) -> str:
    """A slot rule as a reader says it: `Mo–Fr 09:00, 12:30`, `Mo, Mi, Fr 10:00`, `täglich 08:00`."""
    names = get_day_names("abbreviated", locale=i18n.locale())
    short = [names[day].rstrip(".") for day in range(7)]
    days = sorted(rule.weekdays)
    if len(days) == 7:
        day_part = gettext("daily")
    elif len(days) >= 3 and days == list(range(days[0], days[-1] + 1)):
        day_part = f"{short[days[0]]}–{short[days[-1]]}"
    else:
        day_part = ", ".join(short[day] for day in days)
    return f"{day_part} " + ", ".join(t.strftime("%H:%M:%S" if t.second else "%H:%M") for t in rule.times)


def _slots(settings: Settings) -> str:
    from scheduler.planner import parse_slots

    try:
        return slots_in_words(parse_slots(settings.slots, settings.timezone))
    except ConfigError:  # said under the schedule (`_outlook`)
        return settings.slots


def _blackout(spec: str) -> str:
    from scheduler.planner import parse_blackout

    try:
        return parse_blackout(spec).spec or gettext("none besides the public holidays")
    except ConfigError:  # said under the schedule (`_outlook`)
        return spec


def _database(url: str) -> str:
    """The database without its password: `SQLite file scheduler.sqlite3`, or the address with the
    user and host (no password, no query: it may hold one) and whether a password is set."""
    from urllib.parse import urlsplit

    if url.startswith("sqlite:///"):
        return gettext("SQLite file %(path)s", path=url.removeprefix("sqlite:///") or ":memory:")
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
        user = f"{parts.username}@" if parts.username else ""
        has_password = bool(parts.password) or "password=" in parts.query.lower()
    except ValueError:  # not an address: shown as nothing of it
        return gettext("not a database address")
    address = f"{parts.scheme}://{user}{host}{port}{parts.path}"
    return gettext("%(address)s, password: %(password)s", address=address, password=_set(has_password))


# -- the groups ------------------------------------------------------------------------------


def _schedule(shown: _Shown) -> Group:
    s = shown.settings
    return Group(
        "schedule",
        gettext("Schedule"),
        (
            shown("timezone", gettext("Time zone"), s.timezone),
            shown("slots", gettext("Posting slots"), _slots(s)),
            shown("holidays_country", gettext("Public holidays of the country"), _country(s.holidays_country)),
            shown(
                "holidays_region",
                gettext("Public holidays of the region (federal state)"),
                s.holidays_region or gettext("none: only the nationwide holidays"),
            ),
            shown("blackout_dates", gettext("Days without posts"), _blackout(s.blackout_dates)),
            shown(
                "min_gap_minutes",
                gettext("Least time between two posts of an account"),
                _duration(dt.timedelta(minutes=s.min_gap_minutes)),
            ),
            shown(
                "stagger_minutes",
                gettext("Time between the accounts posting one item"),
                _duration(dt.timedelta(minutes=s.stagger_minutes))
                if s.stagger_minutes
                else gettext("none: all accounts post an item in the same slot"),
            ),
        ),
        intro=gettext("When posts go out: on these slots, never on public holidays or the days without posts."),
    )


def _approval(shown: _Shown) -> Group:
    s = shown.settings
    return Group(
        "approval",
        gettext("Approval"),
        (
            shown("require_approval", gettext("Imported posts wait for approval"), _yes(s.require_approval)),
            shown(
                "four_eyes",
                gettext("Four eyes: nobody approves a post they imported, edited or submitted"),
                _yes(s.four_eyes),
            ),
        ),
    )


def _posts(shown: _Shown) -> Group:
    s = shown.settings
    return Group(
        "posts",
        gettext("Posts"),
        (
            shown(
                "platforms",
                gettext("Platforms an issue's posts go to"),
                _platforms(s.platforms, gettext("no platform")),
            ),
            shown("languages", gettext("Languages of the newsletters"), _languages(s.languages)),
            shown(
                "hashtags",
                gettext("Hashtags added to each post"),
                _listed((f"#{t}" for t in s.hashtags), gettext("no hashtags")),
            ),
            shown("utm", gettext("Links carry campaign tags (UTM)"), _yes(s.utm)),
            shown("footer", gettext("Closing line, e.g. a funding notice"), s.footer or gettext("no closing line")),
            shown(
                "footer_platforms",
                gettext("Platforms with the closing line"),
                _platforms(s.footer_platforms, gettext("no platform")),
            ),
            shown(
                "threads", gettext("A long post becomes a thread on"), _platforms(s.threads, gettext("on no platform"))
            ),
            shown("media_base_url", gettext("Web address of the image files"), s.media_base_url or gettext("not set")),
            shown("templates_dir", gettext("Folder of the team's templates"), str(s.templates_dir)),
            shown("posts_dir", gettext("Folder of single posts"), str(s.posts_dir)),
        ),
    )


def _platform_labels() -> dict[str, str]:
    """What each of a platform's settings is, by its name (`Platform.settings`)."""
    return {
        "base_url": gettext("Server or API address"),
        "token": gettext("Access token"),
        "client_id": gettext("Client ID of the app"),
        "client_secret": gettext("Client secret of the app"),
        "max_characters": gettext("Characters per post (unless the server says otherwise)"),
        "visibility": gettext("Who sees the posts"),
        "handle": gettext("Handle"),
        "app_password": gettext("App password"),
        "version": gettext("API version"),
        "author": gettext("Posts as (author)"),
        "user_id": gettext("User ID"),
        "page_id": gettext("Page ID"),
    }


def _platform_value(platform: Platform, name: str, value: Any, secret: bool) -> str:
    if secret or isinstance(value, SecretStr):
        return _secret(value)
    if name == "base_url" and not value:
        if "base_url" in platform.required:
            return gettext("not set")
        return gettext("the platform's own (%(address)s)", address=platform.api_base)
    if name == "visibility":
        words = {
            "public": gettext("everyone"),
            "unlisted": gettext("everyone, but not in the public timelines"),
            "private": gettext("followers only"),
            "direct": gettext("those mentioned only"),
        }
        return words.get(value, str(value))
    if isinstance(value, int):
        return _number(value)
    return str(value) if value else gettext("not set")


def _platform_groups(shown: _Shown) -> Group:
    labels = _platform_labels()
    parts = tuple(
        Group(
            f"platform-{platform.name}",
            platform.title,
            tuple(
                shown(
                    f"{platform.name}_{name}",
                    labels.get(name, name.replace("_", " ")),
                    _platform_value(platform, name, getattr(shown.settings, f"{platform.name}_{name}"), setting.secret),
                )
                for name, setting in platform.settings.items()
            ),
        )
        for platform in registry.every()
    )
    return Group(
        "platforms",
        gettext("Platforms"),
        parts=parts,
        intro=gettext(
            "The default account of each platform. Further accounts, and the sign-ins made here, are on the Accounts page."
        ),
    )


def _sources(shown: _Shown) -> Group:
    s = shown.settings
    return Group(
        "sources",
        gettext("Sources and reading issues"),
        (
            shown("watch_interval", gettext("Sources are checked every"), _duration(s.watch_interval)),
            shown(
                "source_failures_notice",
                gettext("A notice after this many failed checks in a row"),
                _number(s.source_failures_notice),
            ),
            shown(
                "feed_entries",
                gettext("An entry of a feed is"),
                gettext("a whole issue, split into its items") if s.feed_entries == "issue" else gettext("one item"),
            ),
            shown("max_issue_bytes", gettext("Largest issue"), _megabytes(s.max_issue_bytes)),
            shown("max_items", gettext("Most items in an issue"), _number(s.max_items)),
            shown(
                "boilerplate",
                gettext("Phrases that mark a paragraph as no item (besides greetings, imprint …)"),
                _listed(s.boilerplate, gettext("only the usual ones")),
            ),
            shown(
                "boilerplate_selectors",
                gettext("Parts of HTML issues that are no item (CSS selectors)"),
                _listed(s.boilerplate_selectors, gettext("only the usual ones")),
            ),
            shown(
                "fetch_allow",
                gettext("Addresses in the own network that may be fetched"),
                _listed(s.fetch_allow, gettext("no addresses")),
            ),
            shown(
                "webhook_secret",
                gettext("Shared secret of the webhook that takes new issues"),
                _secret(s.webhook_secret),
            ),
            shown("imap_password", gettext("Password of the mailbox a mailbox source reads"), _secret(s.imap_password)),
            shown(
                "imap_ca_file",
                gettext("Certificate of the mail server (CA file)"),
                s.imap_ca_file or gettext("the system's"),
            ),
        ),
    )


def _notices(shown: _Shown) -> Group:
    s = shown.settings
    security = {
        "starttls": gettext("STARTTLS"),
        "ssl": gettext("SSL/TLS"),
        "none": gettext("none (a relay in the own network)"),
    }
    return Group(
        "notices",
        gettext("Notices"),
        (
            shown(
                "late_notice",
                gettext("A notice when a post is late by"),
                _duration(s.late_notice) if s.late_notice is not None else gettext("off"),
            ),
            shown(
                "notify_webhook_url",
                gettext("Chat webhook (Slack, Matrix, Teams)"),
                _secret(s.notify_webhook_url),
            ),
            shown("notify_email_to", gettext("E-mail notices to"), _listed(s.notify_email_to, gettext("nobody"))),
            shown("notify_email_from", gettext("E-mail notices from"), s.notify_email_from),
            shown("smtp_host", gettext("Mail server"), s.smtp_host or gettext("none: no e-mail notices")),
            shown("smtp_port", gettext("Mail server port"), str(s.smtp_port)),
            shown("smtp_security", gettext("Encryption"), security.get(s.smtp_security, s.smtp_security)),
            shown("smtp_user", gettext("Mail server login"), s.smtp_user or gettext("no login")),
            shown("smtp_password", gettext("Mail server password"), _secret(s.smtp_password)),
            shown(
                "smtp_ca_file",
                gettext("Certificate of the mail server (CA file)"),
                str(s.smtp_ca_file) if s.smtp_ca_file else gettext("the system's"),
            ),
            shown(
                "smtp_allow_plain_login",
                gettext("The login may be sent unencrypted"),
                _yes(s.smtp_allow_plain_login),
            ),
        ),
    )


def _publishing(shown: _Shown) -> Group:
    s = shown.settings
    return Group(
        "publishing",
        gettext("Publishing"),
        (
            shown("max_attempts", gettext("Attempts per post"), _number(s.max_attempts)),
            shown(
                "retry_base_seconds",
                gettext("Wait before the first new attempt"),
                _duration(dt.timedelta(seconds=s.retry_base_seconds)),
            ),
            shown(
                "retry_cap_seconds",
                gettext("Longest wait between attempts"),
                _duration(dt.timedelta(seconds=s.retry_cap_seconds)),
            ),
            shown("claim_batch", gettext("Posts taken on at once"), _number(s.claim_batch)),
            shown("concurrency", gettext("Posts published at the same time, at most"), _number(s.concurrency)),
        ),
    )


def _storage(shown: _Shown) -> Group:
    s = shown.settings
    return Group(
        "storage",
        gettext("Database and files"),
        (
            shown("database_url", gettext("Database"), _database(s.database_url)),
            shown("token_store", gettext("File of the sign-ins (tokens)"), str(s.token_store)),
            shown("outbox", gettext("File of the dry runs"), str(s.outbox)),
        ),
    )


def _dashboard(shown: _Shown) -> Group:
    s = shown.settings
    return Group(
        "dashboard",
        gettext("Dashboard"),
        (
            shown("serve_host", gettext("Address it listens on"), s.serve_host),
            shown("serve_port", gettext("Port"), str(s.serve_port)),
            shown("serve_https", gettext("Served over HTTPS (behind a proxy)"), _yes(s.serve_https)),
            shown("admin_user", gettext("First admin"), s.admin_user or gettext("not set")),
            shown("admin_password", gettext("Password of the first admin"), _secret(s.admin_password)),
        ),
    )


def groups(settings: Settings, running: Settings | None, given: Mapping[str, str]) -> list[Group]:
    """Every setting (but `LEFT_OUT`) in its group; `running`: the settings the dashboard runs
    with, when `settings` were read since (changed values are marked); `given`: `origins()`."""
    said = {"environment": gettext("environment"), ".env": gettext(".env file"), "default": gettext("default value")}
    shown = _Shown(settings, running, given, said)
    makers: Sequence[Callable[[_Shown], Group]] = (
        _schedule,
        _approval,
        _posts,
        _platform_groups,
        _sources,
        _notices,
        _publishing,
        _storage,
        _dashboard,
    )
    return [make(shown) for make in makers]


# -- the schedule's next weeks ---------------------------------------------------------------


def _days_off(planning: Planning, today: dt.date, locale: str) -> tuple[tuple[str, str], ...]:
    """The days without posts from `today` for `DAYS_AHEAD` days: holidays by name, blackout days;
    days in a row with the same reason as one range."""
    last = today + dt.timedelta(days=DAYS_AHEAD - 1)
    named = planning.holidays.named(today, last, language="de" if locale == "de" else "en_US")
    off = [
        (day, named.get(day) or gettext("day without posts"))
        for day in (today + dt.timedelta(days=n) for n in range(DAYS_AHEAD))
        if day in planning.holidays
    ]
    runs: list[tuple[dt.date, dt.date, str]] = []
    for day, why in off:
        if runs and runs[-1][2] == why and runs[-1][1] + dt.timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day, why)
        else:
            runs.append((day, day, why))
    return tuple(
        (
            i18n.day_name(first, locale)
            if first == end
            else f"{i18n.day_name(first, locale)} – {i18n.day_name(end, locale)}",
            why,
        )
        for first, end, why in runs
    )


def _outlook(settings: Settings, now: dt.datetime, locale: str) -> Outlook:
    from scheduler.planner import slots_after

    running = wiring()
    try:
        if settings is running.settings:
            planning = running.planning
        else:  # read since the start: the planning they make
            from scheduler.wiring import Wiring

            planning = Wiring(settings, clock=running.clock).planning
    except ConfigError as error:
        return Outlook(problem=str(error))
    slots = itertools.islice(slots_after(planning.rule, now, planning.holidays), SLOTS_SHOWN)
    today = now.astimezone(ZoneInfo(settings.timezone)).date()
    return Outlook(
        tuple(i18n.when(slot, locale, settings.timezone) for slot in slots),
        _days_off(planning, today, locale),
    )


# -- the page --------------------------------------------------------------------------------


@settings_page.get("/settings")
def index() -> tuple[str, int]:
    require("settings")
    running = wiring()
    problem = ""
    try:
        settings: Settings = read_settings()
    except ConfigError as error:
        problem, settings = str(error), running.settings
    locale = i18n.locale()
    return (
        render_template(
            "settings.html",
            groups=groups(settings, None if settings is running.settings else running.settings, origins()),
            outlook=_outlook(settings, running.clock(), locale),
            problem=problem,
            dotenv=Path.cwd() / ".env",
            days_ahead=DAYS_AHEAD,
        ),
        200,
    )
