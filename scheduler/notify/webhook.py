"""Notices as a JSON POST to an incoming webhook (Slack, Matrix hookshot, Teams, Mattermost all
read the `text` field)."""

from __future__ import annotations

from urllib.parse import urlsplit

import requests
from pydantic import SecretStr

from scheduler.models import QueuedPost
from scheduler.notify import describe


class WebhookNotifier:
    def __init__(self, url: SecretStr, *, session: requests.Session | None = None, timeout: float = 10.0) -> None:
        self._url = url  # webhook URLs embed their secret: never shown
        self.session = session or requests.Session()
        self.timeout = timeout

    def __repr__(self) -> str:
        host = urlsplit(self._url.get_secret_value()).hostname
        return f"WebhookNotifier(host={host!r})"

    def __call__(self, post: QueuedPost) -> None:
        body = {
            "text": describe(post),
            "post": {"id": post.id, "platform": post.platform, "account": post.account, "state": post.state,
                     "error": post.error, "publish_at": post.publish_at.isoformat(), "item_id": post.item_id},
        }
        self._send(body)

    def announce(self, text: str) -> None:
        self._send({"text": text})

    def _send(self, body: dict[str, object]) -> None:
        try:
            response = self.session.post(self._url.get_secret_value(), json=body, timeout=self.timeout)
        except requests.RequestException as exc:
            raise RuntimeError(f"webhook at {urlsplit(self._url.get_secret_value()).hostname} unreachable: "
                               f"{type(exc).__name__}") from None
        if response.status_code >= 300:
            raise RuntimeError(f"webhook answered HTTP {response.status_code}")
