"""Notices as a JSON POST to an incoming webhook (Slack, Matrix hookshot, Teams, Mattermost all
read the `text` field).

A webhook URL embeds its secret (its path or query): it never appears in a repr or an error, which
name only the host. Every failure is a `NoticeError` with channel "webhook".
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests
from pydantic import SecretStr

from scheduler.errors import NoticeError
from scheduler.models import QueuedPost
from scheduler.notify import describe
from scheduler.notify.tls import cause, tls_problem

CHANNEL = "webhook"


class WebhookNotifier:
    def __init__(self, url: SecretStr, *, session: requests.Session | None = None, timeout: float = 10.0) -> None:
        self._url = url  # webhook URLs embed their secret: never shown
        self.session = session or requests.Session()
        self.timeout = timeout
        parts = urlsplit(url.get_secret_value())
        # Host and port only: the user-info, path and query may hold the secret.
        self.target = f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)

    def __repr__(self) -> str:
        return f"WebhookNotifier(host={self.target!r})"

    def __call__(self, post: QueuedPost) -> None:
        body = {
            "text": describe(post),
            "post": {
                "id": post.id,
                "platform": post.platform,
                "account": post.account,
                "state": post.state,
                "error": post.error,
                "publish_at": post.publish_at.isoformat(),
                "item_id": post.item_id,
            },
        }
        self._send(body)

    def announce(self, text: str) -> None:
        self._send({"text": text})

    def _fail(self, why: str, status: int | None = None) -> NoticeError:
        return NoticeError(f"webhook at {self.target} {why}", channel=CHANNEL, target=self.target, status=status)

    def _send(self, body: dict[str, Any]) -> None:
        # The messages of requests' exceptions quote the URL (and so its secret): only their kind is used.
        try:
            response = self.session.post(
                self._url.get_secret_value(), json=body, timeout=self.timeout, allow_redirects=False
            )
        except requests.exceptions.SSLError as exc:
            raise self._fail(f"unreachable: {tls_problem(exc) or 'TLS failed'}") from None
        except requests.exceptions.ConnectTimeout:
            raise self._fail(f"unreachable: no connection within {self.timeout:g} s") from None
        except requests.exceptions.ReadTimeout:
            raise self._fail(f"did not answer within {self.timeout:g} s") from None
        except requests.exceptions.ConnectionError as exc:
            refused = cause(exc, ConnectionRefusedError) is not None
            raise self._fail(
                "unreachable: connection refused" if refused else f"unreachable: {type(exc).__name__}"
            ) from None
        except requests.RequestException as exc:
            raise self._fail(f"unreachable: {type(exc).__name__}") from None
        if response.status_code >= 300:
            raise self._fail(f"answered HTTP {response.status_code}", status=response.status_code)
