"""Facebook Pages (`POST /{page-id}/feed`): message, the first link for the preview card.

Facebook has been seen to create a post and still answer 500: such an answer is ambiguous and
reconciled by reading the page's feed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from scheduler.models import Post, QueuedPost
from scheduler.platforms import meta
from scheduler.platforms.base import REDACTED, ApiClient, Outcome, Payload, PublishResult, Reconciliation

if TYPE_CHECKING:
    from pydantic import SecretStr

    from scheduler.platforms.http import HttpClient


def build_payloads(post: Post, *, now: dt.datetime) -> list[Payload]:
    body: Payload = {"message": post.text}
    if post.links:
        body["link"] = post.links[0]
    body["access_token"] = REDACTED
    return [body]


class FacebookPublisher(ApiClient):
    shown = ("page_id",)

    def __init__(self, base_url: str, token: SecretStr, *, page_id: str, http: HttpClient | None = None,
                 clock: Callable[[], dt.datetime] | None = None) -> None:
        super().__init__(base_url, token, http=http, clock=clock)
        self.page_id = page_id


    def whoami(self) -> str:
        page = self.http.request("GET", f"{self.base_url}/{self.page_id}", classify=meta.classify,
                                 params={"fields": "id,name", "access_token": self._secret.get_secret_value()}).json()
        return f"page {page.get('name', page.get('id'))}"

    def publish(self, post: QueuedPost) -> PublishResult:
        from scheduler.platforms.dryrun import as_post

        (body,) = build_payloads(as_post(post), now=self.clock())
        form = {**{k: v for k, v in body.items() if k != "access_token"}, "access_token": self._secret.get_secret_value()}
        created = self.http.request("POST", f"{self.base_url}/{self.page_id}/feed", data=form,
                                    classify=meta.classify).json()
        post_id = str(created["id"])
        return PublishResult(remote_id=post_id, remote_url=f"https://www.facebook.com/{post_id}")

    def reconcile(self, post: QueuedPost) -> Reconciliation:
        listing = self.http.request(
            "GET", f"{self.base_url}/{self.page_id}/feed", classify=meta.classify,
            params={"fields": "id,message,created_time", "limit": "50", "access_token": self._secret.get_secret_value()},
        ).json()
        wanted = " ".join(post.text.split())
        for item in listing.get("data", []):
            if " ".join(str(item.get("message", "")).split()) == wanted:
                return Reconciliation(Outcome.PUBLISHED, PublishResult(str(item["id"]), f"https://www.facebook.com/{item['id']}"))
        return Reconciliation(Outcome.NOT_PUBLISHED)
