"""Threads (`POST /{user-id}/threads`, then `threads_publish`): the container request's form body.

A lost answer is reconciled by reading the profile's recent threads and comparing their text.
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
    payloads: list[Payload] = []
    for index, part in enumerate(post.parts):
        body: Payload = {"media_type": "TEXT", "text": part}
        if index:
            body["reply_to_id"] = f"<media id of part {index}>"
        body["access_token"] = REDACTED
        payloads.append(body)
    return payloads


class ThreadsPublisher(ApiClient):
    shown = ("user_id",)

    def __init__(self, base_url: str, token: SecretStr, *, user_id: str = "me", http: HttpClient | None = None,
                 clock: Callable[[], dt.datetime] | None = None) -> None:
        super().__init__(base_url, token, http=http, clock=clock)
        self.user_id = user_id


    def _post(self, path: str, form: dict[str, str]) -> dict[str, str]:
        form = {**form, "access_token": self._secret.get_secret_value()}
        return self.http.request("POST", f"{self.base_url}/{self.user_id}/{path}", data=form,
                                 classify=meta.classify).json()

    def whoami(self) -> str:
        me = self.http.request("GET", f"{self.base_url}/{self.user_id}", classify=meta.classify,
                               params={"fields": "id,username", "access_token": self._secret.get_secret_value()}).json()
        return f"@{me.get('username', me.get('id'))}"

    def publish(self, post: QueuedPost) -> PublishResult:
        from scheduler.platforms.dryrun import as_post

        first: str | None = None
        parent: str | None = None
        for body in build_payloads(as_post(post), now=self.clock()):
            form = {key: value for key, value in body.items() if key != "access_token"}
            if parent is not None:
                form["reply_to_id"] = parent
            container = self._post("threads", form)["id"]
            parent = self._post("threads_publish", {"creation_id": container})["id"]
            first = first or parent
        assert first is not None
        return PublishResult(remote_id=first, remote_url=None)

    def reconcile(self, post: QueuedPost) -> Reconciliation:
        listing = self.http.request(
            "GET", f"{self.base_url}/{self.user_id}/threads", classify=meta.classify,
            params={"fields": "id,text,timestamp,permalink", "limit": "50", "access_token": self._secret.get_secret_value()},
        ).json()
        wanted = " ".join(post.parts[0].split())
        for item in listing.get("data", []):
            if " ".join(str(item.get("text", "")).split()) == wanted:
                return Reconciliation(Outcome.PUBLISHED, PublishResult(str(item["id"]), item.get("permalink")))
        return Reconciliation(Outcome.NOT_PUBLISHED if listing.get("data") is not None else Outcome.UNKNOWN)
