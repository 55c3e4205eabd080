"""The dry-run publisher: the account's real client publishes each post, over a recorder instead of
the network, and the requests it sent go to an outbox file.

Each post is one JSON line: the post, whom it would go out as, its idempotency key, and every
request the client sent — to the configured instance, in order (uploads, the post, each reply of a
thread), as `scheduler.platforms.recording` writes them: method, URL, headers with secrets
redacted, the body decoded. The platform's rehearsal answers (`Platform.rehearse`) stand in for the
server's, so multi-step flows run to the end; what content names from third parties (a link card's
page, an image given as a URL) is not fetched, and the request says so in a `note`. When the client
refuses the post before or while sending (an image that is gone), the line says why in `error`.

`reconcile` looks the idempotency key up in the outbox, so a crash between writing the line and
recording the result never produces a second line.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from scheduler.errors import PublishError, SystemFault
from scheduler.models import QueuedPost
from scheduler.platforms import PayloadOptions, registry
from scheduler.platforms.base import Outcome, PublishResult, Reconciliation
from scheduler.platforms.spec import ClientParts

#: The secret a dry run's client of an account without credentials holds (shown as `[redacted]`).
PLACEHOLDER_SECRET = SecretStr("dry-run-placeholder-secret")


@dataclass(frozen=True, slots=True)
class StandIn:
    """The account a dry run publishes as when it has no credentials: what the settings name of it
    (its API base, handle, author, page …) and, for the rest, `<field>` placeholders and a
    placeholder secret. Clients read it like a configured `scheduler.config.Account`."""

    base_url: str
    handle: str
    author: str
    version: str
    page_id: str
    user_id: str
    token: SecretStr = PLACEHOLDER_SECRET
    app_password: SecretStr = PLACEHOLDER_SECRET
    session_access: SecretStr | None = None
    session_refresh: SecretStr | None = None
    session_did: str = ""

    @classmethod
    def of(cls, platform: str, given: Mapping[str, Any] | None = None) -> StandIn:
        """The stand-in account of `platform`, with the text fields `given` (an account's settings)
        sets; its API base is the platform's when `given` sets none."""

        def text(name: str, default: str) -> str:
            value = (given or {}).get(name)
            return value if isinstance(value, str) and value else default

        return cls(
            base_url=text("base_url", registry.get(platform).api_base),
            handle=text("handle", "<handle>"),
            author=text("author", "<author>"),
            version=text("version", "<version>"),
            page_id=text("page_id", "<page_id>"),
            user_id=text("user_id", "me"),
        )


#: The account a post's client is built for: (platform, account name) → the account's settings.
Accounts = Callable[[str, str], Any]


class DryRunPublisher:
    """Publishes each post through its account's real client over a recorder, writing the requests
    to `outbox` (JSON lines) instead of sending them. `accounts`: the account of each post (default:
    a `StandIn` with the platform's API base); `options`: what settings add to each platform's bodies."""

    def __init__(
        self,
        outbox: Path,
        *,
        clock: Callable[[], dt.datetime] | None = None,
        delay: float = 0.0,
        accounts: Accounts | None = None,
        options: PayloadOptions | None = None,
        fetch_allow: Iterable[str] = (),
    ) -> None:
        self.outbox = outbox
        self.accounts = accounts or (lambda platform, name: StandIn.of(platform))
        self.options = options or {}
        self.fetch_allow = tuple(fetch_allow)
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._delay = delay  # seconds per post: lets tests stand in for a slow platform
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"DryRunPublisher(outbox={str(self.outbox)!r})"

    def rehearse(self, post: QueuedPost) -> tuple[list[dict[str, Any]], PublishError | None]:
        """The requests the account's client sends to publish `post`, and the error it stopped with."""
        from scheduler.platforms.http import HttpClient
        from scheduler.platforms.recording import Recorder

        platform = registry.get(post.platform)
        recorder = Recorder(platform.rehearse)
        # the client's clock reads the post's own time, as when it goes out: the same post shows the
        # same requests (Bluesky's createdAt) however often it is rehearsed
        at = post.due_at or post.publish_at
        http = HttpClient(
            transport=recorder, fetch_transport=recorder.fetches, fetch_allow=self.fetch_allow, clock=lambda: at
        )
        recorder.secrets = lambda: http.concealed
        parts = ClientParts(http, options=self.options.get(post.platform, {}))
        client = platform.client(self.accounts(post.platform, post.account), parts)
        try:
            client.publish(post)
        except PublishError as error:
            return recorder.entries(), error
        return recorder.entries(), None

    def _line(
        self, post: QueuedPost, now: dt.datetime, identity: str | None
    ) -> tuple[dict[str, Any], PublishError | None]:
        line: dict[str, Any] = {
            "post_id": post.id,
            "item_id": post.item_id,
            "platform": post.platform,
            "account": post.account,
        }
        if identity is not None:
            line["as"] = identity
        requests, error = self.rehearse(post)
        line.update(idempotency_key=post.idempotency_key, at=now.isoformat(), requests=requests)
        if error is not None:
            line["error"] = str(error)
        return line, error

    def _append(self, line: dict[str, Any]) -> None:
        with self._lock:
            self.outbox.parent.mkdir(parents=True, exist_ok=True)
            _append_line(self.outbox, json.dumps(line, ensure_ascii=False).encode("utf-8"))

    def publish(self, post: QueuedPost) -> PublishResult:
        """As a real publish, with the requests written to the outbox; the client's refusal (an image
        that is gone) is raised as it would be, and nothing is written then."""
        if self._delay:
            threading.Event().wait(self._delay)
        line, error = self._line(post, self._clock(), None)
        if error is not None:
            raise error
        try:
            self._append(line)
        except OSError as exc:  # nothing was written: the post is handed back, publishing pauses
            fault = SystemFault.of(exc, f"the outbox {self.outbox}")
            if fault is None:
                raise
            raise fault from None
        return PublishResult(remote_id=f"dry-run-{post.idempotency_key}")

    def write(self, post: QueuedPost, *, identity: str | None = None) -> bool:
        """Append the requests publishing `post` would send, naming the `identity` it would post as
        (and the client's refusal, when it refused); False (and nothing written) when the outbox
        already shows exactly these requests for it."""
        line, _ = self._line(post, self._clock(), identity)
        if any(
            old.get("idempotency_key") == post.idempotency_key
            and old.get("requests") == line["requests"]
            and old.get("as") == line.get("as")
            and old.get("error") == line.get("error")
            for old in outbox_lines(self.outbox)
        ):
            return False
        self._append(line)
        return True

    def reconcile(self, post: QueuedPost) -> Reconciliation:
        if post.idempotency_key and post.idempotency_key in sent_keys(self.outbox):
            return Reconciliation(Outcome.PUBLISHED, PublishResult(remote_id=f"dry-run-{post.idempotency_key}"))
        return Reconciliation(Outcome.NOT_PUBLISHED)


def _append_line(outbox: Path, line: bytes) -> None:
    """Append `line` to `outbox` whole, under an exclusive lock shared with other worker processes.

    The end of the file is read only once the lock is held: a position taken at open time may be
    stale (another worker appended meanwhile) or even mid-line (its write was being copied in).
    """
    fd = os.open(outbox, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        size = os.fstat(fd).st_size
        torn = size > 0 and os.pread(fd, 1, size - 1) != b"\n"  # a crash mid-write must not swallow this line
        data = memoryview((b"\n" if torn else b"") + line + b"\n")
        while data:
            data = data[os.write(fd, data) :]
        os.fsync(fd)
    finally:
        os.close(fd)  # also releases the lock


def outbox_lines(outbox: Path) -> list[dict[str, Any]]:
    """Every complete line of the outbox (a torn last line is ignored)."""
    if not outbox.exists():
        return []
    lines = []
    # split on "\n" only: str.splitlines() would also break at U+2028/U+2029/U+0085 inside a post
    for line in outbox.read_text(encoding="utf-8").split("\n"):
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            lines.append(value)
    return lines


def sent_keys(outbox: Path) -> list[str]:
    """Idempotency keys of every complete line in the outbox (a torn last line is ignored)."""
    return [line["idempotency_key"] for line in outbox_lines(outbox) if "idempotency_key" in line]
