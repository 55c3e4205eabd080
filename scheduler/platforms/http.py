"""The one request helper every platform client uses.

It owns the timeout, the User-Agent, retries of failed *connections* only (a POST whose bytes may
have reached the server is never repeated here), and the mapping of transport failures and HTTP
status codes to the error tree in `scheduler.errors`:

    could not connect / DNS          → TransientError  (nothing was sent)
    read timeout, reset after send   → AmbiguousError for POST (it may have arrived), TransientError for GET
    401                              → AuthorisationError
    429                              → RateLimitedError (retry_after from Retry-After or the platform's reset header)
    500–599                          → AmbiguousError for POST, TransientError for GET
    other 4xx                        → RejectedError with the platform's message

Platform modules pass `classify` to recognise their own bodies first (duplicates, expired tokens …).

Every response's rate-limit headers go to the client's `Pacer` (scheduler/platforms/pacing.py); a
client calls `pace` before a post's first request, so a post that would not fit in what the account
may still send is refused (or waited for, briefly) before anything goes out.
"""

from __future__ import annotations

import datetime as dt
import email.utils
from collections.abc import Callable, Mapping
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, NameResolutionError, NewConnectionError, ReadTimeoutError
from urllib3.util.retry import Retry

from scheduler import __version__
from scheduler.errors import (
    AmbiguousError,
    AuthorisationError,
    PublishError,
    RateLimitedError,
    RejectedError,
    TransientError,
)
from scheduler.platforms.pacing import Pacer, endpoint

USER_AGENT = f"newsletter-scheduler/{__version__} python-requests/{requests.__version__}"

Classifier = Callable[[requests.Response], PublishError | None]


def retry_after(value: str | None, *, now: dt.datetime) -> float | None:
    """Seconds to wait from a Retry-After value: delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max((when - now).total_seconds(), 0.0)


def message_of(response: requests.Response) -> str:
    """The platform's own words from an error body, shortened to one line."""
    try:
        body = response.json()
    except ValueError:
        body = None
    text = ""
    if isinstance(body, dict):
        for key in ("error_description", "error", "message", "detail", "title"):
            value = body.get(key)
            if isinstance(value, dict):
                value = value.get("message")
            if isinstance(value, str) and value:
                text = value
                break
    if not text:
        text = response.text.strip() or response.reason or ""
    return " ".join(text.split())[:300]


class HttpClient:
    """A `requests.Session` with our timeout, User-Agent, connection retries, error mapping and the
    pacing of one account (one HttpClient per account client)."""

    def __init__(self, session: requests.Session | None = None, *, timeout: float = 20.0,
                 connect_retries: int = 2, clock: Callable[[], dt.datetime] | None = None,
                 pacer: Pacer | None = None) -> None:
        self.session = session or requests.Session()
        self.timeout = timeout
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.pacer = pacer or Pacer(clock=self.clock)
        # connect=N retries only failures to connect; read=0 and status=0 mean a request that was
        # sent is never repeated by the adapter, whatever its method.
        retry = Retry(total=connect_retries, connect=connect_retries, read=0, status=0, other=0,
                      redirect=0, allowed_methods=None, backoff_factor=0.2, raise_on_status=False)
        adapter = HTTPAdapter(max_retries=retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers["User-Agent"] = USER_AGENT

    def __repr__(self) -> str:
        return f"HttpClient(timeout={self.timeout})"

    def pace(self, method: str, url: str, *, requests: int = 1, cost: int = 1) -> None:
        """Before the first request of a post that sends `requests` requests to `url` (each costing
        `cost` units of the platform's window): return when they fit, waiting briefly if need be;
        otherwise raise `RateLimitedError` with the time to wait, before anything is sent."""
        self.pacer.reserve(endpoint(method, url), requests * cost, host=_host(url))

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        data: Any = None,
        params: Mapping[str, str] | None = None,
        files: Mapping[str, Any] | None = None,
        classify: Classifier | None = None,
        reset_header: Callable[[requests.Response], float | None] | None = None,
    ) -> requests.Response:
        """Send one request; a 2xx response is returned, anything else raises a PublishError."""
        sends = method.upper() not in ("GET", "HEAD")
        self.pacer.space()
        try:
            response = self.session.request(method, url, headers=dict(headers or {}), json=json, data=data,
                                            params=params, files=files, timeout=self.timeout, allow_redirects=False)
        except requests.exceptions.ConnectTimeout:
            raise TransientError(f"could not connect to {_host(url)} (timeout)") from None
        except requests.exceptions.ReadTimeout:
            error = AmbiguousError if sends else TransientError
            raise error(f"no answer from {_host(url)} within {self.timeout:.0f} s") from None
        except requests.exceptions.ConnectionError as exc:
            reason = _reason(exc)
            if isinstance(reason, (NewConnectionError, NameResolutionError)):
                raise TransientError(f"could not connect to {_host(url)}") from None
            error = AmbiguousError if sends else TransientError
            if isinstance(reason, ReadTimeoutError):
                raise error(f"no answer from {_host(url)} within {self.timeout:.0f} s") from None
            raise error(f"connection to {_host(url)} broke off") from None
        except requests.RequestException as exc:
            raise TransientError(f"request to {_host(url)} failed: {type(exc).__name__}") from None
        where = endpoint(method, url)
        if 200 <= response.status_code < 300:
            self.pacer.observe(where, response.headers, status=response.status_code)
            return response
        error = classify(response) if classify is not None else None
        if error is None:
            error = self.error_for(response, sends=sends, reset_header=reset_header)
        self.pacer.observe(where, response.headers, status=response.status_code, retry_after=error.retry_after)
        if isinstance(error, RateLimitedError) and error.retry_after is None:
            error.retry_after = self.pacer.wait(where) or None  # e.g. Meta's time to regain access
        raise error

    def error_for(self, response: requests.Response, *, sends: bool,
                  reset_header: Callable[[requests.Response], float | None] | None = None) -> PublishError:
        status, text = response.status_code, message_of(response)
        where = f"{_host(response.url)} answered {status}"
        if status == 401:
            return AuthorisationError(f"{where}: {text}")
        if status == 429:
            hint = retry_after(response.headers.get("Retry-After"), now=self.clock())
            if hint is None and reset_header is not None:
                hint = reset_header(response)
            return RateLimitedError(f"{where}: {text or 'too many requests'}", retry_after=hint)
        if status >= 500:
            error = AmbiguousError if sends else TransientError
            return error(f"{where}: {text}", retry_after=retry_after(response.headers.get("Retry-After"), now=self.clock()))
        return RejectedError(f"{where}: {text}")


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return parts.netloc or url


def _reason(exc: requests.exceptions.ConnectionError) -> object:
    """The urllib3 error behind a requests ConnectionError (unwrapping MaxRetryError)."""
    reason = exc.args[0] if exc.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    return reason
