"""What is true of one platform, declared once in that platform's module as `PLATFORM = Platform(...)`.

A platform module declares its length rule and limit, image rules, API base, its settings
(`Setting`, SCHEDULER_<PLATFORM>_<NAME>), the fields that make an account complete and name its
identity, its OAuth provider and token margin, how its request bodies are built and how its client
is made. `scheduler.platforms.registry` lists the modules; everything else asks the registry and
never branches on a platform's name (`scheduler.config` builds the settings from their `Setting`s).

What a client can do beyond publishing is a small `Protocol` (`AccountCheck`, `InstanceLimit`,
`QuotaCheck`, `TokenRefresh`): callers test for the ability, not for the platform.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from scheduler.media import ImageRules
from scheduler.models import Content
from scheduler.text.length import Measure

if TYPE_CHECKING:
    from scheduler.platforms.base import Journal, Payload, Publisher
    from scheduler.platforms.http import HttpClient
    from scheduler.platforms.oauth import Provider
    from scheduler.platforms.rehearsed import Answer, RecordedRequest


class MeasureRule(Protocol):
    """A text's length as the platform counts it, against `limit`."""

    def __call__(self, text: str, spoiler_text: str = "", *, limit: int) -> Measure: ...


#: The body of every request that creates the post, in order (one per part), from the content alone:
#: `build_payloads(content, *, now, **options)`; values only an earlier answer supplies are
#: `<placeholders>`; `options` are what settings add (`Platform.options`, e.g. Mastodon's visibility).
BodyBuilder = Callable[..., "list[Payload]"]

#: The image upload requests before the post, `build_uploads(content)`: `{"method", "path" or "url",
#: "content_type"?, "body"?, "note"?}` (see `scheduler.platforms.build_uploads`).
UploadBuilder = Callable[[Content], "list[Payload]"]


class AccountSettings(Protocol):
    """What a client is built from (`scheduler.config.Account` has it all; each platform reads
    the fields it needs)."""

    base_url: str
    handle: str
    author: str
    version: str
    page_id: str
    user_id: str


@dataclass(frozen=True, slots=True)
class ClientParts:
    """What a client is made with besides its account. `http` carries the transport (the network, or
    the dry run's recorder); `journal` keeps remote ids between the requests of one attempt; `options`
    are what settings add to its bodies (`Platform.options`); `keep` stores fields the client renews
    itself (a Bluesky session) in the token store, from where they come back as the account's fields
    on the next start."""

    http: HttpClient
    journal: Journal | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    keep: Callable[[Mapping[str, str]], None] | None = None


#: The API client of one account: `client(account, parts)`.
ClientFactory = Callable[[Any, ClientParts], "Publisher"]


@dataclass(frozen=True, slots=True)
class Connect:
    """How `scheduler auth` connects an account: a pasted secret (`secret_field`, asked with
    `label`) or an OAuth sign-in in the browser; `needs`: the options the platform must be given
    (e.g. `author` on LinkedIn), with the hint shown when one is missing."""

    oauth: bool
    label: str = ""
    secret_field: str = ""
    needs: Mapping[str, str] = field(default_factory=dict)
    keeps: tuple[str, ...] = ()  # account fields kept in the token store beside the credentials
    #: The token posts go out with, from the signed-in user's (Facebook: the page's own token, which
    #: does not expire): `finish(base_url, fields, user_token, http)`.
    finish: Callable[[str, Mapping[str, str], str, HttpClient], str] | None = None


@dataclass(frozen=True, slots=True)
class Setting:
    """One of a platform's settings: `SCHEDULER_<PLATFORM>_<NAME>`, for the name `Platform.settings`
    gives it. `scheduler.config` makes each a field of `Settings`, so that every check and message
    follows from this declaration: a `secret` is a `SecretStr`, unset when empty and never shown; a
    setting named `base_url` (the account's API base) must be a web address; a value outside
    `choices`, `pattern` or `ge`..`le` is an error that names the variable and says `expected`.

    Plain data, free of pydantic: reading the names (`scheduler.settingnames`) costs no validation library.
    """

    expected: str  # what a valid value looks like, as an error about the setting says it
    default: str | int = ""  # also the value's type: a whole number when this is one
    secret: bool = False
    choices: tuple[str, ...] = ()  # the only values it takes
    pattern: str | None = None  # a regular expression the whole value matches
    ge: int | None = None
    le: int | None = None


def app_settings(title: str) -> dict[str, Setting]:
    """The settings of the platform app an OAuth platform's `default` account signs in with
    (`scheduler auth` and the dashboard's sign-in button read them; refreshing a token needs them)."""
    return {
        "client_id": Setting(f"the client id of your {title} app (its developer portal), or empty"),
        "client_secret": Setting(f"the client secret of your {title} app, or empty for a public client", secret=True),
    }


@dataclass(frozen=True, slots=True)
class Platform:
    """Everything the rest of the package knows of one platform."""

    name: str  # as in settings and the queue: "mastodon"
    title: str  # as people write it: "Mastodon"
    api_base: str  # the default API base address (an account may name another server)
    limit: int  # the default length limit, in the unit of `measure`
    measure: MeasureRule
    images: ImageRules
    required: tuple[str, ...]  # account fields without which it cannot publish
    identity: tuple[str, ...]  # account fields that name its server and identity (see scheduler.platforms.identity)
    who: Callable[[Any], str]  # whom an account posts as, in words ("" when only the token knows)
    build_payloads: BodyBuilder
    build_uploads: UploadBuilder
    client: ClientFactory
    connect: Connect
    threads: bool = False  # can chain a post's parts as replies
    content_warning: bool = False  # shows a content warning (spoiler text) before the post
    shown: Callable[[str], str] | None = None  # the text as the platform shows it, when it differs (short links)
    #: Its settings, SCHEDULER_<PLATFORM>_<NAME>: those named like an account field (`base_url`,
    #: `token` …) make its account "default"; the others are `options` or read by name (`max_characters`).
    settings: Mapping[str, Setting] = field(default_factory=dict)
    options: tuple[str, ...] = ()  # of its `settings`, those its `build_payloads` and client take
    oauth: Provider | None = None
    token_margin: dt.timedelta | None = None  # refresh a token this long before it ends
    #: A dry run's answer to each request the client sends (plausible ids, an upload address, a
    #: container ready at once), so that its multi-step flows run to the end on the recorder.
    rehearse: Callable[[RecordedRequest], Answer] | None = None
    #: How many of its accounts one worker publishes for at the same time, when the platform needs a
    #: lower cap than SCHEDULER_CONCURRENCY (None: no cap of its own; see `scheduler.lanes`).
    parallel: int | None = None

    def __repr__(self) -> str:
        return f"Platform({self.name!r})"

    def show(self, text: str) -> str:
        """`text` as the platform shows it to readers."""
        return text if self.shown is None else self.shown(text)

    def measure_text(self, text: str, spoiler_text: str = "", *, limit: int | None = None) -> Measure:
        """`text` measured as this platform counts it, against `limit` (default: the platform's)."""
        return self.measure(text, spoiler_text, limit=self.limit if limit is None else limit)


@runtime_checkable
class AccountCheck(Protocol):
    """A client that can say whom its credentials post as."""

    def whoami(self) -> str: ...


@runtime_checkable
class InstanceLimit(Protocol):
    """A client whose server sets its own length limit (Mastodon instances)."""

    def instance_limit(self) -> int | None: ...


@runtime_checkable
class QuotaCheck(Protocol):
    """A client whose account has a publishing quota it can read (Threads)."""

    def quota_left(self) -> int | None: ...


@runtime_checkable
class TokenRefresh(Protocol):
    """A client that refreshes its account's token before it runs out."""

    def keep_fresh(self) -> object: ...  # True when the token changed, where the client says
