"""Mastodon (`POST /api/v1/statuses`): a thread is a chain of self-replies.

Every request carries an `Idempotency-Key` (the post's key plus the part number). Mastodon keeps a
successful key for an hour per account and answers a repeat with the status it created. Reconciling
reads the account's newest statuses first (a request that failed after creating the status may have
left no key), then, within the hour, replays the post with its keys: parts that arrived come back,
missing ones are created.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import TYPE_CHECKING

from scheduler.errors import PublishError, TransientError
from scheduler.models import Post, QueuedPost
from scheduler.platforms.base import ApiClient, Outcome, Payload, PublishResult, Reconciliation

if TYPE_CHECKING:
    import requests


IDEMPOTENCY_WINDOW = dt.timedelta(minutes=55)  # Mastodon keeps keys 1 hour; keep a margin


def build_payloads(post: Post, *, now: dt.datetime) -> list[Payload]:
    payloads: list[Payload] = []
    for index, part in enumerate(post.parts):
        body: Payload = {"status": part, "visibility": "public", "language": post.language}
        if post.spoiler_text:
            body["spoiler_text"] = post.spoiler_text
        if index:
            body["in_reply_to_id"] = f"<id of part {index}>"
        payloads.append(body)
    return payloads


def _reset(response: requests.Response) -> float | None:
    """Mastodon's X-RateLimit-Reset is an ISO 8601 time, not epoch seconds."""
    value = response.headers.get("X-RateLimit-Reset")
    if not value:
        return None
    try:
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return max((when - dt.datetime.now(dt.UTC)).total_seconds(), 0.0)


def _classify(response: requests.Response) -> PublishError | None:
    if response.status_code == 422 and "not finished processing" in response.text:
        return TransientError("media still processing on the Mastodon server")
    return None


def _plain(content: str) -> str:
    """A status's HTML content as plain text, for comparing with what we sent."""
    text = re.sub(r"<br\s*/?>", "\n", content)
    text = re.sub(r"</p>\s*<p>", "\n\n", text)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", text)).split())


class MastodonPublisher(ApiClient):
    """Publishes to one Mastodon account."""


    def _headers(self, key: str | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self._secret.get_secret_value()}"}
        if key:
            headers["Idempotency-Key"] = key
        return headers

    def whoami(self) -> str:
        me = self.http.request("GET", f"{self.base_url}/api/v1/accounts/verify_credentials", headers=self._headers()).json()
        return f"@{me.get('acct') or me.get('username')}"

    def instance_limit(self) -> int | None:
        """The instance's real character limit (`/api/v2/instance`), when it says."""
        info = self.http.request("GET", f"{self.base_url}/api/v2/instance").json()
        limit = info.get("configuration", {}).get("statuses", {}).get("max_characters")
        return int(limit) if isinstance(limit, int) else None

    def publish(self, post: QueuedPost) -> PublishResult:
        from scheduler.platforms.dryrun import as_post

        first: dict[str, object] | None = None
        parent: str | None = None
        for index, body in enumerate(build_payloads(as_post(post), now=self.clock())):
            if parent is not None:
                body["in_reply_to_id"] = parent
            response = self.http.request(
                "POST", f"{self.base_url}/api/v1/statuses", json=body,
                headers=self._headers(f"{post.idempotency_key}:{index}"), classify=_classify, reset_header=_reset,
            )
            status = response.json()
            parent = str(status["id"])
            first = first or status
        assert first is not None
        return PublishResult(remote_id=str(first["id"]), remote_url=str(first.get("url") or "") or None)

    def reconcile(self, post: QueuedPost) -> Reconciliation:
        """Read the account's newest statuses first: Mastodon stores an idempotency key only after
        the status exists, so a status created by a request that then failed may have none, and a
        replay would post it twice. A single post found there is done; a thread found there, or a
        post not found, is replayed with its keys within the hour (parts that arrived come back,
        missing ones are created)."""
        started = post.claimed_at or post.due_at or post.publish_at
        found, oldest = self._find(post.parts[0])
        within_window = self.clock() - started < IDEMPOTENCY_WINDOW
        if found is not None and (len(post.parts) == 1 or not within_window):
            return Reconciliation(Outcome.PUBLISHED, found)
        if within_window:
            return Reconciliation(Outcome.PUBLISHED, self.publish(post))  # an idempotent replay
        if oldest is not None and oldest < started:
            return Reconciliation(Outcome.NOT_PUBLISHED)  # the list reaches back past the attempt
        return Reconciliation(Outcome.UNKNOWN)

    def _find(self, text: str) -> tuple[PublishResult | None, dt.datetime | None]:
        """The newest status with `text` (if any), and the creation time of the oldest one listed."""
        me = self.http.request("GET", f"{self.base_url}/api/v1/accounts/verify_credentials",
                               headers=self._headers()).json()
        statuses = self.http.request("GET", f"{self.base_url}/api/v1/accounts/{me['id']}/statuses",
                                     params={"limit": "40"}, headers=self._headers()).json()
        wanted = " ".join(text.split())
        oldest = min((dt.datetime.fromisoformat(s["created_at"].replace("Z", "+00:00")) for s in statuses), default=None)
        for status in statuses:
            if _plain(status.get("content", "")) == wanted:
                return PublishResult(str(status["id"]), status.get("url")), oldest
        return None, oldest
