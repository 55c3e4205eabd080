"""A minimal HTTP publisher for the benchmarks: the shape a real Mastodon client will have.

The real platform clients do not exist yet; this one implements the `Publisher` protocol well
enough to measure the queue against a real HTTP round trip (benchmarks/fake_api.py):

- one `requests.Session`, injectable, with a timeout on every request;
- connection failures are retried by the adapter (nothing was sent); a POST whose bytes may have
  arrived is never retried: a read timeout, a dropped connection or a 5xx is `AmbiguousError`,
  which the dispatcher answers with `reconcile`;
- the Mastodon status body from `scheduler.platforms.mastodon.build_payloads`, with the post's
  idempotency key as the `Idempotency-Key` header; parts after the first reply to the previous one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from scheduler.errors import (
    AmbiguousError,
    AuthorisationError,
    RateLimitedError,
    RejectedError,
    TransientError,
)
from scheduler.models import QueuedPost
from scheduler.platforms.base import Outcome, PublishResult, Reconciliation
from scheduler.platforms.mastodon import build_payloads


def session_with_connect_retries() -> requests.Session:
    """A session whose adapter retries failed connections only (never a request that was sent)."""
    session = requests.Session()
    retry = Retry(total=2, connect=2, read=0, status=0, other=0, redirect=0, backoff_factor=0.05, raise_on_status=False)
    adapter = HTTPAdapter(max_retries=retry, pool_connections=1, pool_maxsize=4)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


class HttpPublisher:
    """Publishes to a Mastodon-compatible `POST {base_url}/api/v1/statuses`."""

    def __init__(
        self,
        base_url: str,
        *,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = (3.05, 10.0),
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session or session_with_connect_retries()
        self.timeout = timeout
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))

    def __repr__(self) -> str:
        return f"HttpPublisher(base_url={self.base_url!r}, timeout={self.timeout!r})"

    def _send(self, method: str, path: str, **kwargs: object) -> requests.Response:
        try:
            return self.session.request(method, self.base_url + path, timeout=self.timeout, **kwargs)  # type: ignore[arg-type]  # reason: test or benchmark data given loosely
        except (requests.ConnectTimeout, requests.exceptions.SSLError) as error:
            raise TransientError(f"cannot connect to {self.base_url}: {error}") from None
        except requests.ConnectionError as error:
            if "NewConnectionError" in repr(error) or "Connection refused" in str(error):
                raise TransientError(f"cannot connect to {self.base_url}: {error}") from None
            raise AmbiguousError(f"connection to {self.base_url} dropped after sending: {error}") from None
        except requests.Timeout:
            raise AmbiguousError(f"no answer from {self.base_url} within {self.timeout[1]} s") from None
        except requests.RequestException as error:
            raise AmbiguousError(f"request to {self.base_url} failed: {error}") from None

    @staticmethod
    def _check(response: requests.Response) -> dict[str, object]:
        status = response.status_code
        if status in (401, 403):
            raise AuthorisationError(f"HTTP {status}: {response.text[:200]}")
        if status == 429:
            hint = response.headers.get("Retry-After")
            raise RateLimitedError(
                f"HTTP 429: {response.text[:200]}", retry_after=float(hint) if hint and hint.isdigit() else None
            )
        if status >= 500:
            raise AmbiguousError(f"HTTP {status}: {response.text[:200]}")
        if status >= 300:
            raise RejectedError(f"HTTP {status}: {response.text[:200]}")
        try:
            return response.json()
        except ValueError:
            raise AmbiguousError(f"HTTP {status} with a body that is not JSON: {response.text[:200]}") from None

    def publish(self, post: QueuedPost) -> PublishResult:
        key = post.idempotency_key or f"post-{post.id}"
        first: dict[str, object] | None = None
        previous: object = None
        for index, body in enumerate(build_payloads(post.content, now=self._clock())):
            if index:
                body["in_reply_to_id"] = previous
            answer = self._check(
                self._send(
                    "POST",
                    "/api/v1/statuses",
                    json=body,
                    headers={"Idempotency-Key": key if not index else f"{key}-{index}"},
                )
            )
            previous = answer["id"]
            first = first or answer
        assert first is not None, "a queued post has at least one part"
        return PublishResult(remote_id=str(first["id"]), remote_url=first.get("url"))  # type: ignore[arg-type]  # reason: test or benchmark data given loosely

    def reconcile(self, post: QueuedPost) -> Reconciliation:
        key = post.idempotency_key or f"post-{post.id}"
        response = self._send("GET", "/lookup", params={"key": key})
        if response.status_code == 404:
            return Reconciliation(Outcome.NOT_PUBLISHED)
        answer = self._check(response)  # a PublishError here: the dispatcher marks the post needs_attention
        return Reconciliation(Outcome.PUBLISHED, PublishResult(str(answer["id"]), answer.get("url")))  # type: ignore[arg-type]  # reason: test or benchmark data given loosely
