"""The dry-run publisher: instead of sending, append the exact requests to an outbox file.

Each published post is one JSON line: the post, its idempotency key, and every request that
would be sent (method, URL, headers with secrets redacted, body). `reconcile` looks the
idempotency key up in the outbox, so a crash between writing the line and recording the result
never produces a second line.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scheduler.errors import SystemFault
from scheduler.models import QueuedPost
from scheduler.platforms import PayloadOptions, build_payloads, build_uploads
from scheduler.platforms.base import REDACTED, Outcome, PublishResult, Reconciliation

ENDPOINTS: dict[str, tuple[str, str]] = {
    "linkedin": ("POST", "https://api.linkedin.com/rest/posts"),
    "mastodon": ("POST", "https://mastodon.social/api/v1/statuses"),
    "bluesky": ("POST", "https://bsky.social/xrpc/com.atproto.repo.createRecord"),
    "x": ("POST", "https://api.x.com/2/tweets"),
    "threads": ("POST", "https://graph.threads.net/v1.0/<threads-user-id>/threads"),
    "facebook": ("POST", "https://graph.facebook.com/v21.0/<page-id>/feed"),
}


#: API bases the upload steps' paths are relative to (placeholders where the account supplies them).
BASES: dict[str, str] = {
    "linkedin": "https://api.linkedin.com",
    "mastodon": "https://mastodon.social",
    "bluesky": "https://bsky.social",
    "x": "https://api.x.com",
    "threads": "https://graph.threads.net/v1.0",
    "facebook": "https://graph.facebook.com/v21.0",
}


def _headers(platform: str, key: str | None, linkedin_version: str) -> dict[str, str]:
    headers = {"Content-Type": "application/json"}
    if platform in ("linkedin", "mastodon", "bluesky", "x"):
        headers["Authorization"] = f"Bearer {REDACTED}"
    if platform == "linkedin":
        headers.update({"LinkedIn-Version": linkedin_version, "X-Restli-Protocol-Version": "2.0.0"})
    if platform == "mastodon" and key:
        headers["Idempotency-Key"] = key
    if platform in ("threads", "facebook"):
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    return headers


def _upload_request(platform: str, step: dict[str, Any], linkedin_version: str) -> dict[str, Any]:
    headers = _headers(platform, None, linkedin_version)
    if step.get("content_type"):
        headers["Content-Type"] = step["content_type"]
    elif step["method"] == "GET":
        headers.pop("Content-Type", None)
    if "url" in step:  # an address an earlier answer supplies (LinkedIn's uploadUrl)
        headers = {"Content-Type": headers["Content-Type"], "Authorization": f"Bearer {REDACTED}"}
    request = {"method": step["method"], "url": step.get("url") or BASES[platform] + step["path"], "headers": headers}
    for key in ("body", "note"):
        if key in step:
            request[key] = step[key]
    return request


def requests_for(queued: QueuedPost, *, now: dt.datetime, linkedin_version: str = "202601",
                 options: PayloadOptions | None = None) -> list[dict[str, Any]]:
    """Every request publishing `queued` sends, in order: image uploads first, then the post."""
    method, url = ENDPOINTS[queued.platform]
    headers = _headers(queued.platform, queued.idempotency_key, linkedin_version)
    content = queued.content
    return [_upload_request(queued.platform, step, linkedin_version) for step in build_uploads(queued.platform, content)] + [
        {"method": method, "url": url, "headers": headers, "body": body}
        for body in build_payloads(queued.platform, content, now=now, options=options)
    ]


class DryRunPublisher:
    """Publisher that writes requests to `outbox` (JSON lines) instead of sending them."""

    def __init__(self, outbox: Path, *, clock: Callable[[], dt.datetime] | None = None,
                 delay: float = 0.0, linkedin_version: str = "202601",
                 options: PayloadOptions | None = None) -> None:
        self.outbox = outbox
        self.linkedin_version = linkedin_version
        self.options = options  # what settings add to request bodies, as for the real clients
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._delay = delay  # seconds per post: lets tests stand in for a slow platform
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"DryRunPublisher(outbox={str(self.outbox)!r})"

    def _line(self, post: QueuedPost, now: dt.datetime, identity: str | None) -> dict[str, Any]:
        line: dict[str, Any] = {
            "post_id": post.id, "item_id": post.item_id, "platform": post.platform, "account": post.account,
        }
        if identity is not None:
            line["as"] = identity
        line.update(idempotency_key=post.idempotency_key, at=now.isoformat(),
                    requests=requests_for(post, now=now, linkedin_version=self.linkedin_version, options=self.options))
        return line

    def _append(self, line: dict[str, Any]) -> None:
        with self._lock:
            self.outbox.parent.mkdir(parents=True, exist_ok=True)
            _append_line(self.outbox, json.dumps(line, ensure_ascii=False).encode("utf-8"))

    def publish(self, post: QueuedPost) -> PublishResult:
        if self._delay:
            threading.Event().wait(self._delay)
        try:
            self._append(self._line(post, self._clock(), None))
        except OSError as error:  # nothing was written: the post is handed back, publishing pauses
            fault = SystemFault.of(error, f"the outbox {self.outbox}")
            if fault is None:
                raise
            raise fault from None
        return PublishResult(remote_id=f"dry-run-{post.idempotency_key}")

    def write(self, post: QueuedPost, *, identity: str | None = None) -> bool:
        """Append the requests publishing `post` would send, naming the `identity` it would post as;
        False (and nothing written) when the outbox already shows exactly these requests for it."""
        line = self._line(post, self._clock(), identity)
        if any(old.get("idempotency_key") == post.idempotency_key and old.get("requests") == line["requests"]
               and old.get("as") == line.get("as") for old in outbox_lines(self.outbox)):
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
            data = data[os.write(fd, data):]
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
