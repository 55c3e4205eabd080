"""X API v2 (`POST /2/tweets`): a thread is a chain of replies.

X has no idempotency key. A lost answer is reconciled by reading the account's recent posts; a
403 "duplicate content" answer carries no id, so unless the post is found it needs a person.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from scheduler.errors import DuplicateError, PublishError, TransientError
from scheduler.models import Post, QueuedPost
from scheduler.platforms.base import ApiClient, Outcome, Payload, PublishResult, Reconciliation

if TYPE_CHECKING:
    import requests



def build_payloads(post: Post, *, now: dt.datetime) -> list[Payload]:
    payloads: list[Payload] = []
    for index, part in enumerate(post.parts):
        body: Payload = {"text": part}
        if index:
            body["reply"] = {"in_reply_to_tweet_id": f"<id of part {index}>"}
        payloads.append(body)
    return payloads


def _reset(response: requests.Response) -> float | None:
    """X's x-rate-limit-reset (or the 24-hour cap's reset) is epoch seconds."""
    for name in ("x-user-limit-24hour-reset", "x-app-limit-24hour-reset", "x-rate-limit-reset"):
        remaining = response.headers.get(name.replace("reset", "remaining"))
        value = response.headers.get(name)
        if value and (remaining in (None, "0") or name == "x-rate-limit-reset"):
            try:
                return max(float(value) - dt.datetime.now(dt.UTC).timestamp(), 0.0)
            except ValueError:
                continue
    return None


def _classify(response: requests.Response) -> PublishError | None:
    if response.status_code == 403 and "duplicate content" in response.text.lower():
        return DuplicateError(f"X: {_message(response)}")
    if response.status_code == 503:
        return TransientError(f"X is over capacity: {_message(response)}")
    return None


class XPublisher(ApiClient):
    """Publishes to one X account with an OAuth 2.0 user-context access token."""


    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._secret.get_secret_value()}"}

    def whoami(self) -> str:
        me = self.http.request("GET", f"{self.base_url}/2/users/me", headers=self._headers()).json()["data"]
        return f"@{me.get('username', me.get('id'))}"

    def publish(self, post: QueuedPost) -> PublishResult:
        from scheduler.platforms.dryrun import as_post

        first: str | None = None
        parent: str | None = None
        for body in build_payloads(as_post(post), now=self.clock()):
            if parent is not None:
                body["reply"] = {"in_reply_to_tweet_id": parent}
            response = self.http.request("POST", f"{self.base_url}/2/tweets", json=body, headers=self._headers(),
                                         classify=_classify, reset_header=_reset)
            parent = str(response.json()["data"]["id"])
            first = first or parent
        assert first is not None
        return PublishResult(remote_id=first, remote_url=f"https://x.com/i/status/{first}")

    def reconcile(self, post: QueuedPost) -> Reconciliation:
        me = self.http.request("GET", f"{self.base_url}/2/users/me", headers=self._headers()).json()["data"]["id"]
        listing = self.http.request("GET", f"{self.base_url}/2/users/{me}/tweets", headers=self._headers(),
                                    params={"max_results": "100", "tweet.fields": "created_at"}).json()
        tweets = listing.get("data", [])
        wanted = " ".join(post.parts[0].split())
        for tweet in tweets:
            if " ".join(str(tweet.get("text", "")).split()) == wanted:
                return Reconciliation(Outcome.PUBLISHED, PublishResult(str(tweet["id"]), f"https://x.com/i/status/{tweet['id']}"))
        started = post.claimed_at or post.publish_at
        times = [dt.datetime.fromisoformat(t["created_at"].replace("Z", "+00:00")) for t in tweets if t.get("created_at")]
        if times and min(times) < started:
            return Reconciliation(Outcome.NOT_PUBLISHED)
        return Reconciliation(Outcome.UNKNOWN)


def _message(response: requests.Response) -> str:
    from scheduler.platforms.http import message_of

    return message_of(response)
