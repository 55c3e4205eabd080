"""LinkedIn Posts API (`POST /rest/posts`): commentary in the little text format.

Every call names the API version (`LinkedIn-Version`, a setting: LinkedIn answers 426 once a version
is sunset) and the Rest.li protocol. The new post's URN comes back only in the `x-restli-id` header.
LinkedIn has no idempotency key; its duplicate check (422 DUPLICATE_POST naming the original URN) is
how a lost answer is recovered, and an organization's posts can be listed and compared.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import quote

from scheduler.errors import DuplicateError, PublishError, RejectedError
from scheduler.models import Post, QueuedPost
from scheduler.platforms.base import ApiClient, Outcome, Payload, PublishResult, Reconciliation
from scheduler.text import littletext

if TYPE_CHECKING:
    import requests
    from pydantic import SecretStr

    from scheduler.platforms.http import HttpClient

_DUPLICATE_URN = re.compile(r"duplicate of (urn:li:(?:share|ugcPost):\d+)")

AUTHOR_PLACEHOLDER = "<author URN of the account, e.g. urn:li:organization:123>"


def build_payloads(post: Post, *, now: dt.datetime, author: str = AUTHOR_PLACEHOLDER) -> list[Payload]:
    # LinkedIn has no reply threads; posts are shortened, never split, so there is one part.
    return [
        {
            "author": author,
            "commentary": littletext.commentary(post.text),
            "visibility": "PUBLIC",
            "distribution": {"feedDistribution": "MAIN_FEED", "targetEntities": [], "thirdPartyDistributionChannels": []},
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
    ]


def post_url(urn: str) -> str:
    return f"https://www.linkedin.com/feed/update/{urn}"


def _classify(response: requests.Response) -> PublishError | None:
    text = response.text
    if response.status_code == 422 and "DUPLICATE_POST" in text:
        match = _DUPLICATE_URN.search(text)
        return DuplicateError(f"LinkedIn: {_message(response)}", existing=match.group(1) if match else None)
    if response.status_code == 426:
        return RejectedError("LinkedIn no longer serves this API version (426); "
                             "set SCHEDULER_LINKEDIN_VERSION to a current YYYYMM")
    return None


class LinkedInPublisher(ApiClient):
    """Publishes as one member or organization (`author` URN)."""

    shown = ("author", "version")

    def __init__(self, base_url: str, token: SecretStr, *, author: str, version: str,
                 http: HttpClient | None = None, clock: Callable[[], dt.datetime] | None = None) -> None:
        super().__init__(base_url, token, http=http, clock=clock)
        self.author, self.version = author, version


    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._secret.get_secret_value()}", "LinkedIn-Version": self.version,
                "X-Restli-Protocol-Version": "2.0.0"}

    def whoami(self) -> str:
        info = self.http.request("GET", f"{self.base_url}/v2/userinfo",
                                 headers={"Authorization": f"Bearer {self._secret.get_secret_value()}"}).json()
        return f"{info.get('name') or info.get('sub')} posting as {self.author}"

    def publish(self, post: QueuedPost) -> PublishResult:
        from scheduler.platforms.dryrun import as_post

        (body,) = build_payloads(as_post(post), now=self.clock(), author=self.author)
        response = self.http.request("POST", f"{self.base_url}/rest/posts", json=body, headers=self._headers(),
                                     classify=_classify)
        urn = response.headers.get("x-restli-id") or response.headers.get("x-linkedin-id")
        if not urn:
            raise RejectedError("LinkedIn answered 201 without the post's URN (x-restli-id)")
        return PublishResult(remote_id=urn, remote_url=post_url(urn))

    def reconcile(self, post: QueuedPost) -> Reconciliation:
        commentary = littletext.commentary(post.text)
        if self.author.startswith("urn:li:organization:"):
            listing = self.http.request("GET", f"{self.base_url}/rest/posts", headers=self._headers(),
                                        params={"q": "author", "author": self.author, "count": "50"}).json()
            for element in listing.get("elements", []):
                if element.get("commentary") == commentary:
                    return Reconciliation(Outcome.PUBLISHED, PublishResult(element["id"], post_url(element["id"])))
            return Reconciliation(Outcome.NOT_PUBLISHED)
        # A member's posts cannot be listed (restricted scope): send again; an identical post that
        # arrived comes back as DUPLICATE_POST with its URN.
        try:
            return Reconciliation(Outcome.PUBLISHED, self.publish(post))
        except DuplicateError as duplicate:
            if duplicate.existing:
                return Reconciliation(Outcome.PUBLISHED, PublishResult(duplicate.existing, post_url(duplicate.existing)))
            return Reconciliation(Outcome.UNKNOWN)


def encoded(urn: str) -> str:
    """A URN as it goes into a URL path (Rest.li)."""
    return quote(urn, safe="")


def _message(response: requests.Response) -> str:
    from scheduler.platforms.http import message_of

    return message_of(response)
