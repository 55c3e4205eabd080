"""Everything a front end needs, built from the settings in one place.

The command line, and later the web app and the watcher, make one `Wiring` from the settings and
ask it for the parts: the queue's store, the renderer (with the length limits the accounts' servers
report), how publish times are planned, the publisher of every account (its token kept fresh, its
session kept), the dry run's outbox and the notice channels. Front ends never build a client, ask a
platform or plan themselves.

The accounts (and so the token store) are read once per `Wiring`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from scheduler.errors import ConfigError, PublishError
from scheduler.platforms import registry
from scheduler.platforms.spec import ClientParts

if TYPE_CHECKING:
    from scheduler.config import Account, AccountSetup, Settings
    from scheduler.models import Issue, WatchedSource
    from scheduler.newsletter import Limits
    from scheduler.notify import AllNotifiers
    from scheduler.pause import Pause
    from scheduler.platforms.base import Journal, Publisher
    from scheduler.platforms.dryrun import DryRunPublisher, StandIn
    from scheduler.platforms.http import HttpClient
    from scheduler.queueing import AddReport, Planning
    from scheduler.render.renderer import Renderer
    from scheduler.service import IssuePreview, Reading, Source
    from scheduler.storage import Store
    from scheduler.watching import SourceResult, Watcher

log = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]
Key = tuple[str, str]  # (platform, account name)


def _system_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Wiring:
    """The parts of the tool as the settings describe them; each is built when first asked for."""

    def __init__(self, settings: Settings, *, clock: Clock = _system_clock) -> None:
        self.settings = settings
        self.clock = clock

    @classmethod
    def from_environment(cls, *, clock: Clock = _system_clock) -> Wiring:
        """The wiring of the settings in the environment and `.env`."""
        from scheduler.config import load_settings

        return cls(load_settings(), clock=clock)

    def __repr__(self) -> str:
        return f"Wiring(database={self.settings.database_url.split('://')[0]}://…)"

    # -- storage -----------------------------------------------------------------------------

    @cached_property
    def store(self) -> Store:
        """The queue's store (migrated to the current schema on first use)."""
        from scheduler.storage import Store

        return Store.open(self.settings.database_url)

    # -- accounts ----------------------------------------------------------------------------

    @cached_property
    def setup(self) -> AccountSetup:
        """Every account the settings and the token store describe, read once."""
        from scheduler.config import account_setup

        return account_setup(self.settings)

    @cached_property
    def accounts(self) -> dict[Key, Account]:
        """The complete accounts; a half-configured one is a `ConfigError` naming what is missing.
        Stored credentials set aside are logged once."""
        for warning in self.setup.warnings:
            log.warning("%s", warning)
        if self.setup.broken:
            raise ConfigError(next(iter(self.setup.broken.values())))
        return dict(self.setup.ready)

    def targets(self, platforms: Sequence[str], chosen: Sequence[str] = ()) -> dict[str, list[str]]:
        """Which accounts of each of `platforms` get posts: the `chosen` ones (`platform:name`),
        else every complete one (`default` for a platform without credentials, whose posts are
        rehearsed in the outbox); an unknown choice is an `InputError` naming the known accounts."""
        from scheduler.errors import InputError

        targets = {p: sorted(name for (q, name) in self.accounts if q == p) or ["default"] for p in platforms}
        if not chosen:
            return targets
        picked: dict[str, list[str]] = {}
        for entry in chosen:
            platform, _, name = entry.partition(":")
            if platform not in targets or not name or name not in targets[platform]:
                known = ", ".join(f"{p}:{n}" for p, names in targets.items() for n in names)
                raise InputError(f"--account {entry!r} is not a configured account; use one of {known}")
            picked.setdefault(platform, []).append(name)
        return picked

    def identities(self, accounts: Mapping[Key, Account] | None = None) -> dict[Key, str]:
        """Whom each account posts as, in words."""
        from scheduler.platforms.identity import describe

        chosen = self.accounts if accounts is None else accounts
        return {(platform, name): describe(platform, account) for (platform, name), account in chosen.items()}

    # -- clients -----------------------------------------------------------------------------

    def http(self, *, timeout: float = 20.0) -> HttpClient:
        """A request helper for one account's client (its own pacing)."""
        from scheduler.platforms.http import HttpClient

        return HttpClient(timeout=timeout, fetch_allow=self.settings.fetch_allow)

    def reading(self) -> Reading:
        """How issues are read: SCHEDULER_BOILERPLATE and SCHEDULER_BOILERPLATE_SELECTORS added to the
        default rules, SCHEDULER_FEED_ENTRIES."""
        from scheduler.newsletter.rules import DEFAULT
        from scheduler.service import Reading

        return Reading(
            rules=DEFAULT.extended(
                boilerplate=self.settings.boilerplate, selectors=self.settings.boilerplate_selectors
            ),
            feed_entries=self.settings.feed_entries,
        )

    def payload_options(self) -> dict[str, dict[str, Any]]:
        from scheduler.config import payload_options

        return payload_options(self.settings)

    def client(
        self,
        key: Key,
        account: object,
        *,
        journal: Journal | None = None,
        http: HttpClient | None = None,
        keep: Callable[[Mapping[str, str]], None] | None = None,
    ) -> Publisher:
        """The API client of one account as configured (no token refresh)."""
        platform = registry.get(key[0])
        options = self.payload_options().get(platform.name, {})
        return platform.client(account, ClientParts(http or self.http(), journal, options, keep))

    def publisher(self, key: Key, account: Account, *, journal: Journal | None = None) -> Publisher:
        """The client of one account as the daemon runs it: its OAuth token refreshed before it runs
        out and what it renews itself (a Bluesky session) kept across restarts, both in the token store."""
        from scheduler.platforms.identity import bound_fields
        from scheduler.platforms.tokens import TokenKeeper
        from scheduler.tokenstore import TokenStore

        platform, name = key
        store = TokenStore(self.settings.token_store)

        def keep(fields: Mapping[str, str]) -> None:
            try:  # bound to whose credentials they are
                store.update(f"{platform}:{name}", {**fields, **bound_fields(platform, account)})
            except (OSError, ConfigError) as error:  # publishing goes on; the next start signs in again
                log.warning("could not keep the %s:%s session: %s", platform, name, error)

        if registry.get(platform).token_margin is None:
            return self.client(key, account, journal=journal, keep=keep)
        return TokenKeeper(
            platform,
            name,
            account,
            store=store,
            http=self.http(),
            clock=self.clock,
            build=lambda fresh: self.client(key, fresh, journal=journal, keep=keep),
        )

    def publishers(self, *, journal: Journal | None = None) -> dict[Key, Publisher]:
        """The publisher of every complete account, keyed (platform, account)."""
        return {key: self.publisher(key, account, journal=journal) for key, account in self.accounts.items()}

    # -- rendering and planning --------------------------------------------------------------

    def setting_limits(self) -> dict[str, int]:
        """Length limits the settings give (SCHEDULER_<PLATFORM>_MAX_CHARACTERS)."""
        return {
            name: int(getattr(self.settings, f"{name}_max_characters"))
            for name in registry.NAMES
            if hasattr(self.settings, f"{name}_max_characters")
        }

    def limits(self, accounts: Mapping[Key, Account] | None = None) -> tuple[dict[str, int], list[str]]:
        """Per platform, the length limit posts for `accounts` are rendered with: the smallest one
        their servers report (a Mastodon instance's own), else the setting; and a warning per
        server that could not be asked."""
        from scheduler.platforms.spec import InstanceLimit

        limits = self.setting_limits()
        found: dict[str, list[int]] = {}
        warnings = []
        for key, account in sorted((self.accounts if accounts is None else accounts).items()):
            client = self.client(key, account, http=self.http(timeout=10))
            if not isinstance(client, InstanceLimit):
                continue
            platform, name = key
            fallback = limits.get(platform, registry.get(platform).limit)
            try:
                limit = client.instance_limit()
            except PublishError as error:
                warnings.append(
                    f"could not read {platform}:{name}'s character limit ({error}); using "
                    f"SCHEDULER_{platform.upper()}_MAX_CHARACTERS={fallback}"
                )
                limit = None
            found.setdefault(platform, []).append(limit or fallback)
        limits.update({platform: min(values) for platform, values in found.items()})
        return limits, warnings

    def account_limits(self, platform: str, account: str) -> tuple[dict[str, int], list[str]]:
        """The length limits an edited post of one account is checked against (`queue edit`, the
        dashboard's editor): `limits()` for that account alone — its Mastodon instance's own limit —
        or the settings' when it has no credentials."""
        key = (platform, account)
        return self.limits({key: self.accounts[key]} if key in self.accounts else {})

    def renderer(self, *, limits: Mapping[str, int] | None = None, threads: Sequence[str] | None = None) -> Renderer:
        """The renderer of the team's templates and settings; `limits`: see `limits()` (default:
        the settings' limits, no server asked); `threads`: the platforms where a long post becomes
        a thread (default: SCHEDULER_THREADS)."""
        from scheduler.config import templates_folder
        from scheduler.render.renderer import Renderer

        settings = self.settings
        return Renderer(
            templates_folder(settings),
            hashtags=settings.hashtags,
            utm=settings.utm,
            threads=settings.threads if threads is None else threads,
            limits=self.setting_limits() if limits is None else limits,
            footer=settings.footer,
            footer_platforms=settings.footer_platforms,
        )

    # -- issues in, posts queued --------------------------------------------------------------

    @property
    def issue_limits(self) -> Limits:
        """The largest issue and the most items one may have (SCHEDULER_MAX_ISSUE_BYTES, _MAX_ITEMS)."""
        from scheduler.newsletter import Limits

        return Limits(max_bytes=self.settings.max_issue_bytes, max_items=self.settings.max_items)

    def load_issues(self, sources: Sequence[Source]) -> list[Issue]:
        """The issues at `sources` (files, folders, addresses), read as the settings say, every one
        before any is queued."""
        from scheduler.service import load_issues

        settings = self.settings
        return load_issues(
            sources,
            languages=settings.languages,
            limits=self.issue_limits,
            fetch_allow=settings.fetch_allow,
            reading=self.reading(),
        )

    def read_issues(self, data: bytes, *, source: str, file_name: str = "", link: str = "") -> list[Issue]:
        """The issues in `data` (any form the readers take), read as the settings say. `file_name`:
        the name the bytes came with (an upload's), whose date (`2024-12-13-…`) a text without one
        takes. `link`: the issue's web page, as an options file's `link` and `url` give it (the link
        of items without one of their own, and what relative links resolve against)."""
        from scheduler.models import IssueOptions
        from scheduler.newsletter import read_issues

        settings, reading = self.settings, self.reading()
        return read_issues(
            data,
            source=source,
            file_name=file_name,
            options=IssueOptions(link=link, url=link) if link else None,
            languages=settings.languages,
            limits=self.issue_limits,
            per_entry=reading.feed_entries,
            rules=reading.rules,
        )

    def add_issues(
        self,
        issues: Sequence[Issue],
        *,
        platforms: Sequence[str],
        chosen: Sequence[str],
        start: dt.datetime,
        approve: bool,
        update: bool,
        now: dt.datetime,
        actor: str | None = None,
    ) -> tuple[AddReport, list[str]]:
        """Queue `issues` on `platforms` (empty: SCHEDULER_PLATFORMS) for the `chosen` accounts
        (empty: every configured one), planned from `start`; scheduled at once when `approve` or
        when approval is not required, else drafts. A single post goes where and when its front
        matter says (`models.Placement`). Nothing is queued when any post does not fit. `actor`:
        who queues them (None: the watcher). Returns the report and the warnings about servers
        whose length limit could not be read."""
        from scheduler.planner import wall_time
        from scheduler.queueing import AddReport

        regular = [issue for issue in issues if issue.placement is None]
        problems: list[str] = []
        placed = []
        for issue in (issue for issue in issues if issue.placement is not None):
            at = issue.placement.publish_at if issue.placement else None
            if at is not None and wall_time(at, self.settings.timezone, what=f"{issue.source}: publish_at") <= now:
                problems.append(  # published already, or missed: a CI job that queues posts/ goes on
                    f"{issue.source}: not queued, its publish_at {at.isoformat(sep=' ', timespec='minutes')} has passed; "
                    "remove the file once the post is out"
                )
                continue
            placed.append((issue, self.placement(issue, now=now)))
        misfits = [
            post
            for issue, (where, accounts, _, threads) in placed
            for preview in self.preview(
                [issue],
                platforms=where or platforms,
                chosen=accounts or chosen,
                threads=threads,
                now=now,
                problems=problems,
            )
            for post in preview.misfits
        ]
        if misfits:
            report = AddReport(misfits=misfits)
            return report, problems
        report, more = self._add(
            regular,
            platforms=platforms,
            chosen=chosen,
            start=start,
            approve=approve,
            update=update,
            now=now,
            actor=actor,
        )
        problems += more
        if report.misfits:
            return report, problems
        for issue, (where, accounts, at, threads) in placed:
            single, more = self._add(
                [issue],
                platforms=where or platforms,
                chosen=accounts or chosen,
                start=start,
                approve=approve,
                update=update,
                now=now,
                at=at,
                threads=threads,
                actor=actor,
            )
            problems += more
            report.merge(single)
        return report, problems

    def placement(
        self, issue: Issue, *, now: dt.datetime
    ) -> tuple[tuple[str, ...], tuple[str, ...], dt.datetime | None, tuple[str, ...] | None]:
        """A single post's platforms, accounts, time (UTC) and thread platforms (None: the
        settings'), checked: a platform that is none, an account that is not configured, a time
        in the past is an `InputError` naming the file. An account of a platform that has no
        account configured here (a dry run, a pull request's check without secrets) cannot be
        checked: it is said in a warning, and the post is rendered for the platform."""
        from scheduler.errors import InputError, UnknownPlatformError
        from scheduler.planner import wall_time

        placement = issue.placement
        assert placement is not None  # reason: called for single posts only
        named = (*placement.platforms, *(entry.partition(":")[0] for entry in placement.accounts))
        problems = [str(UnknownPlatformError(name, registry.NAMES)) for name in named if name not in registry.NAMES]
        accounts = []
        for entry in placement.accounts:
            platform, _, name = entry.partition(":")
            known = sorted(account for (kind, account) in self.accounts if kind == platform)
            if platform not in registry.NAMES:
                continue
            if not known:
                log.warning(
                    "%s: account %s not checked: no %s account is configured here", issue.source, entry, platform
                )
            elif name not in known:
                problems.append(
                    f"accounts: {entry} is not a configured account; use one of {', '.join(f'{platform}:{k}' for k in known)}"
                )
            else:
                accounts.append(entry)
        at = None
        if placement.publish_at is not None:
            at = wall_time(placement.publish_at, self.settings.timezone, what=f"{issue.source}: publish_at")
            if at <= now:
                problems.append(
                    f"publish_at {placement.publish_at.isoformat(sep=' ', timespec='minutes')} is in the past; give a "
                    "later time (or none, for the next free slot), or remove the file once the post is out"
                )
        if problems:
            raise InputError(f"{issue.source}: " + "; ".join(dict.fromkeys(problems)))
        threads = None
        if placement.thread is not None:
            threads = tuple(registry.thread_platforms()) if placement.thread else ()
        return placement.platforms, tuple(accounts), at, threads

    def previews(self, issues: Sequence[Issue], *, platforms: Sequence[str], now: dt.datetime) -> list[IssuePreview]:
        """What `scheduler preview` shows of `issues`: every post on `platforms` (empty:
        SCHEDULER_PLATFORMS) with its exact requests, at the settings' length limits (no server is
        asked); a single post only on those of its own platforms, threaded as its front matter says
        (its placement checked: `InputError`)."""
        from scheduler.service import as_written, render_issues

        settings = self.settings
        chosen = tuple(platforms) or tuple(settings.platforms)
        renderer, options = self.renderer(), self.payload_options()
        previews: list[IssuePreview] = []
        for issue in issues:
            where, threads = chosen, None
            if issue.placement is not None:  # a single post: on its platforms, whole or not at all
                placed, _, _, threads = self.placement(issue, now=now)
                where = tuple(name for name in chosen if not placed or name in placed)
            rendered = render_issues(
                [issue],
                renderer=renderer if threads is None else self.renderer(threads=threads),
                platforms=where,
                now=now,
                media_base_url=settings.media_base_url or None,
                options=options,
            )
            previews += as_written(rendered)
        return previews

    def preview(
        self,
        issues: Sequence[Issue],
        *,
        platforms: Sequence[str],
        chosen: Sequence[str],
        now: dt.datetime,
        threads: Sequence[str] | None = None,
        problems: list[str] | None = None,
    ) -> list[IssuePreview]:
        """The posts of `issues` for the chosen accounts' platforms, rendered with their servers'
        limits (warnings about a limit that could not be read are added to `problems`)."""
        from scheduler.service import as_written, render_issues

        targets, limits, warnings = self._targets_and_limits(platforms, chosen)
        if problems is not None:
            problems += warnings
        return as_written(
            render_issues(
                issues,
                renderer=self.renderer(limits=limits, threads=threads),
                platforms=list(targets),
                now=now,
                media_base_url=self.settings.media_base_url or None,
            )
        )

    def _targets_and_limits(
        self, platforms: Sequence[str], chosen: Sequence[str]
    ) -> tuple[dict[str, list[str]], dict[str, int], list[str]]:
        """The accounts posts go to (`targets`), the length limits their servers report, and the
        warnings about servers that could not be asked."""
        targets = self.targets(platforms or tuple(self.settings.platforms), chosen)
        limits, warnings = self.limits(
            {key: account for key, account in self.accounts.items() if key[1] in targets.get(key[0], ())}
        )
        return targets, limits, warnings

    def _add(
        self,
        issues: Sequence[Issue],
        *,
        platforms: Sequence[str],
        chosen: Sequence[str],
        start: dt.datetime,
        approve: bool,
        update: bool,
        now: dt.datetime,
        at: dt.datetime | None = None,
        threads: Sequence[str] | None = None,
        actor: str | None = None,
    ) -> tuple[AddReport, list[str]]:
        from scheduler.config import account_footer
        from scheduler.queueing import AddReport, add_loaded

        if not issues:
            return AddReport(), []
        settings = self.settings
        configured = self.accounts
        targets, limits, problems = self._targets_and_limits(platforms, chosen)
        report = add_loaded(
            issues,
            store=self.store,
            renderer=self.renderer(limits=limits, threads=threads),
            platforms=list(targets),
            planning=self.planning,
            start=start,
            approve=approve or not settings.require_approval,
            now=now,
            accounts=targets,
            media_base_url=settings.media_base_url or None,
            update=update,
            footers={
                (platform, name): account_footer(settings, platform, configured.get((platform, name)))
                for platform, names in targets.items()
                for name in names
            },
            at=at,
            actor=actor,
        )
        return report, problems

    def watcher(self, worker: str) -> Watcher:
        """The watcher of the sources in the store (`scheduler watch`, and `run`'s job): it reads
        them as the settings say and queues each new issue like `queue add --update` on the
        source's platforms and accounts, planned from the moment it was found."""
        from scheduler.errors import FitError
        from scheduler.models import State
        from scheduler.watching import Queued, Watcher
        from scheduler.watching.reading import Readers

        settings = self.settings
        reading = self.reading()
        _ = self.planning  # built now (a bad slot setting said at start; the holidays' 0.5 s not paid by a new issue)

        def queue(issue: Issue, source: WatchedSource) -> Queued:
            now = self.clock()
            report, problems = self.add_issues(
                [issue],
                platforms=source.platforms,
                chosen=source.accounts,
                start=now,
                approve=source.approve,
                update=True,
                now=now,
            )
            for problem in problems:
                log.warning("%s", problem)
            if report.misfits:
                post = report.misfits[0]
                return Queued(0, False, str(FitError(f"{post.platform}: {post.reason}")))
            drafts = bool(report.added) and self.store.get(report.added[0]).state == State.DRAFT
            said: dict[tuple[str, str], list[str]] = {}  # (title, warning) → platforms, as preview says them
            for preview in report.previews:
                for entry in preview.posts:
                    for warning in entry.post.warnings:
                        said.setdefault((entry.post.title, warning), []).append(entry.post.platform)
            warnings = tuple(
                f"“{title}” on {', '.join(dict.fromkeys(platforms))}: {warning}"
                for (title, warning), platforms in said.items()
            )
            return Queued(len(report.added), drafts, warnings=warnings if report.added else ())

        readers = Readers(
            languages=tuple(settings.languages),
            limits=self.issue_limits,
            fetch_allow=tuple(settings.fetch_allow),
            rules=reading.rules,
            feed_entries=reading.feed_entries,
            imap_password=settings.imap_password.get_secret_value() if settings.imap_password else "",
            imap_ca_file=settings.imap_ca_file or None,
        )
        return Watcher(
            self.store,
            read=readers,
            queue=queue,
            worker=worker,
            interval=settings.watch_interval,
            notifier=self.notifier,
            notify_after=settings.source_failures_notice,
        )

    def add_source(self, source: WatchedSource, *, now: dt.datetime, worker: str, backfill: int = 0) -> SourceResult:
        """Watch `source` (made by `watching.sources.new_source`): its accounts checked (one not
        configured is an `InputError` naming those that are), read once, stored, the issues it
        holds taken as seen but the newest `backfill`, which are queued (`Watcher.add`)."""
        self.targets(source.platforms or tuple(self.settings.platforms), source.accounts)
        return self.watcher(worker).add(source, now=now, backfill=backfill)

    @cached_property
    def planning(self) -> Planning:
        """How publish times are chosen, from SCHEDULER_SLOTS, _HOLIDAYS_*, _BLACKOUT_DATES,
        _MIN_GAP_MINUTES and _STAGGER_MINUTES; an invalid one is a `ConfigError` naming the setting."""
        from scheduler.planner import Holidays, parse_blackout, parse_slots
        from scheduler.queueing import Planning

        settings = self.settings
        try:
            rule = parse_slots(settings.slots, settings.timezone)
        except ConfigError as error:
            raise ConfigError(f"SCHEDULER_SLOTS: {error}") from None
        try:
            blackout = parse_blackout(settings.blackout_dates)
        except ConfigError as error:
            raise ConfigError(f"SCHEDULER_BLACKOUT_DATES: {error}") from None
        try:
            holidays = Holidays(settings.holidays_country, settings.holidays_region or None, blackout=blackout)
        except ConfigError as error:
            raise ConfigError(f"SCHEDULER_HOLIDAYS_COUNTRY/REGION: {error}") from None
        return Planning(
            rule=rule,
            holidays=holidays,
            min_gap=dt.timedelta(minutes=settings.min_gap_minutes),
            stagger=dt.timedelta(minutes=settings.stagger_minutes),
        )

    # -- what goes out besides posts ---------------------------------------------------------

    @cached_property
    def notifier(self) -> AllNotifiers | None:
        """The configured notice channels (webhook, e-mail), or None."""
        from scheduler.notify import AllNotifiers, Notifier

        settings, channels = self.settings, list[Notifier]()
        if settings.notify_webhook_url is not None:
            from scheduler.notify.webhook import WebhookNotifier

            channels.append(WebhookNotifier(settings.notify_webhook_url))
        if settings.smtp_host and settings.notify_email_to:
            from scheduler.notify.email import EmailNotifier

            channels.append(
                EmailNotifier(
                    settings.smtp_host,
                    settings.smtp_port,
                    sender=settings.notify_email_from,
                    recipients=settings.notify_email_to,
                    user=settings.smtp_user,
                    password=settings.smtp_password,
                    security=settings.smtp_security,
                    ca_file=settings.smtp_ca_file,
                    allow_plain_login=settings.smtp_allow_plain_login,
                )
            )
        return AllNotifiers(channels) if channels else None

    def rehearsal_account(self, platform: str, name: str) -> StandIn:
        """The account a dry run publishes as for `platform:name` when it has no credentials: what the
        settings name of it (API base, handle, author, page, LinkedIn version …; the platform's API
        base when none is set), placeholder secrets and `<field>` placeholders for the rest."""
        from scheduler.platforms.dryrun import StandIn

        settings = self.settings
        flat = {field: getattr(settings, f"{platform}_{field}", None) for field in StandIn.__dataclass_fields__}
        named = settings.accounts.get(platform, {}).get(name) if name != "default" else None
        given = flat if named is None else {**flat, **{k: v for k, v in named.model_dump().items() if v}}
        return StandIn.of(platform, given)

    def outbox(self) -> DryRunPublisher:
        """The dry run's outbox (SCHEDULER_OUTBOX): each post published by its account's real client
        over a recorder — the configured account's, or `rehearsal_account`'s when it has no credentials."""
        from scheduler.platforms.dryrun import DryRunPublisher

        accounts = self.accounts

        def account(platform: str, name: str) -> Any:
            return accounts.get((platform, name)) or self.rehearsal_account(platform, name)

        return DryRunPublisher(
            self.settings.outbox,
            accounts=account,
            options=self.payload_options(),
            fetch_allow=self.settings.fetch_allow,
        )

    def session_key(self) -> str:
        """The key that signs the dashboard's session cookies: made once and kept in the token store
        (SCHEDULER_TOKEN_STORE, mode 0600), so sessions outlive a restart and every process of a
        machine signs alike."""
        import secrets

        from scheduler.tokenstore import SESSION, TokenStore

        tokens = TokenStore(self.settings.token_store)
        with tokens.locked():
            key = tokens.load().get(SESSION, {}).get("session_key")
            if not key:
                key = secrets.token_urlsafe(48)
                tokens.update(SESSION, {"session_key": key})
        return key

    def pause(self, worker: str) -> Pause:
        """Where a daemon says it paused: the daemons table (for status) and the notice channels."""
        from scheduler.pause import Pause
        from scheduler.storage.pauses import record_pause

        store, channels = self.store, self.notifier
        return Pause(
            record=lambda why, since: record_pause(store, worker, why, since),
            announce=channels.announce if channels else None,
        )
