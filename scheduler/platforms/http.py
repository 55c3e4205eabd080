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
Every error leaving `request` carries `status` (the answer's HTTP status; None when none came) and
`endpoint` (method and path, e.g. "POST /api/v1/statuses": never the query or the host).

Every error leaving `request` is scrubbed (`scrub`) of the secrets the request carried (its
Authorization header, form, JSON and query fields named like secrets), of the secrets its client
registered with `conceal` (token, app password, session tokens), and of anything that looks like one
(`Bearer …`, `access_token=…`): a server that echoes the request in its error answer must not put a
credential into the queue, a log, an export or a notice.

Every response's rate-limit headers go to the client's `Pacer` (scheduler/platforms/pacing.py); a
client calls `pace` before a post's first request, so a post that would not fit in what the account
may still send is refused (or waited for, briefly) before anything goes out.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json as jsonlib
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import quote, quote_plus, urlsplit

import requests
from requests.adapters import BaseAdapter, HTTPAdapter
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

USER_AGENT = f"newsletter-scheduler/{__version__} python-requests/{requests.__version__}"  # type: ignore[attr-defined]  # reason: requests sets __version__ but does not re-export it for type checkers

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


REDACTED = "[redacted]"
#: Field names whose values are credentials, in forms, JSON bodies and query strings.
SECRET_FIELDS = (
    "access_token",
    "refresh_token",
    "client_secret",
    "fb_exchange_token",
    "code_verifier",
    "password",
    "accessJwt",
    "refreshJwt",
    "token",
    "secret",
    "api_key",
    "apikey",
)
_NAMES = "|".join(sorted(SECRET_FIELDS, key=len, reverse=True))
#: What looks like a credential whoever's it is: `Bearer …`, `access_token=…`, `"password": "…"`.
_LOOKS_SECRET = (
    (re.compile(r"\b(Bearer)\s+[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE), rf"\1 {REDACTED}"),
    (re.compile(rf"\b({_NAMES})=[^&\s,;\"']+", re.IGNORECASE), rf"\1={REDACTED}"),
    (re.compile(rf"(\"(?:{_NAMES})\"\s*:\s*)\"(?:[^\"\\]|\\.)*\"", re.IGNORECASE), rf'\1"{REDACTED}"'),
)
#: Shorter values are left alone: they cannot be told from ordinary words in a message.
MIN_SECRET = 4


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with every one of `secrets` (also URL- and JSON-escaped, as an echo may show them) and
    everything that looks like a credential replaced by `[redacted]`."""
    variants: set[str] = set()
    for secret in secrets:
        if secret and len(secret) >= MIN_SECRET:
            variants.update(
                {
                    secret,
                    quote(secret, safe=""),
                    quote_plus(secret, safe=""),
                    quote(secret),
                    jsonlib.dumps(secret)[1:-1],
                    jsonlib.dumps(secret, ensure_ascii=False)[1:-1],
                }
            )
    for variant in sorted(variants, key=len, reverse=True):  # the longest first: no half-replaced secret
        text = text.replace(variant, REDACTED)
    for pattern, replacement in _LOOKS_SECRET:
        text = pattern.sub(replacement, text)
    return text


def _carried(headers: Mapping[str, str], *fields: Any) -> list[str]:
    """The secrets a request carries: its Authorization header and the values of fields named like
    secrets in its form, JSON body or query."""
    found = []
    for name, value in headers.items():
        if name.lower() in ("authorization", "proxy-authorization") and isinstance(value, str):
            found += [value, value.partition(" ")[2]]
    names = {name.lower() for name in SECRET_FIELDS}
    for field in fields:
        if isinstance(field, Mapping):
            found += [
                str(value)
                for name, value in field.items()
                if str(name).lower() in names and isinstance(value, (str, bytes, int))
            ]
    return found


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

    def __init__(
        self,
        session: requests.Session | None = None,
        *,
        timeout: float = 20.0,
        connect_retries: int = 2,
        clock: Callable[[], dt.datetime] | None = None,
        pacer: Pacer | None = None,
        fetch_allow: Iterable[str] = (),
        transport: BaseAdapter | None = None,
        fetch_transport: BaseAdapter | None = None,
    ) -> None:
        """`fetch_allow`: the hosts and networks beyond the public internet that the account's client
        may fetch what content names from (link cards, images given as URLs; SCHEDULER_FETCH_ALLOW).
        `transport`: what carries the requests instead of the network (a dry run's
        `scheduler.platforms.recording.Recorder`); `fetch_transport`: the same for what content names
        (given to every `Fetcher` of the client)."""
        self.session = session or requests.Session()
        self.transport = transport
        self.fetch_transport = fetch_transport
        self.timeout = timeout
        self.fetch_allow = tuple(fetch_allow)
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.pacer = pacer or Pacer(clock=self.clock)
        # connect=N retries only failures to connect; read=0 and status=0 mean a request that was
        # sent is never repeated by the adapter, whatever its method.
        retry = Retry(
            total=connect_retries,
            connect=connect_retries,
            read=0,
            status=0,
            other=0,
            redirect=0,
            allowed_methods=None,
            backoff_factor=0.2,
            raise_on_status=False,
        )
        adapter = transport or HTTPAdapter(max_retries=retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers["User-Agent"] = USER_AGENT
        self._concealed: set[str] = set()

    def __repr__(self) -> str:
        return f"HttpClient(timeout={self.timeout})"

    def conceal(self, *secrets: Any) -> None:
        """Register secrets (str or SecretStr; None is ignored) to scrub from every error text."""
        for secret in secrets:
            value = secret.get_secret_value() if hasattr(secret, "get_secret_value") else secret
            if isinstance(value, str) and value:
                self._concealed.add(value)

    @property
    def concealed(self) -> frozenset[str]:
        """The secrets registered with `conceal` (never shown: for redacting a dry run's requests)."""
        return frozenset(self._concealed)

    def scrub(self, text: str) -> str:
        """`text` (a platform's words from a successful answer) without the registered secrets."""
        return scrub(text, self._concealed)

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
        """Send one request; a 2xx response is returned, anything else raises a PublishError (its
        text scrubbed of the request's and the client's secrets) with its `status` (None when no
        answer came) and `endpoint` (method and path, no query)."""
        try:
            return self._request(
                method,
                url,
                headers=headers,
                json=json,
                data=data,
                params=params,
                files=files,
                classify=classify,
                reset_header=reset_header,
            )
        except PublishError as error:
            secrets = [*self._concealed, *_carried(headers or {}, json, data, params)]
            text = str(error)
            clean = scrub(text, secrets)
            if clean != text:
                error.args = (clean, *error.args[1:])
            if error.endpoint is None:
                error.endpoint = scrub(f"{method.upper()} {urlsplit(url).path or '/'}", secrets)
            raise

    def _request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None,
        json: Any,
        data: Any,
        params: Mapping[str, str] | None,
        files: Mapping[str, Any] | None,
        classify: Classifier | None,
        reset_header: Callable[[requests.Response], float | None] | None,
    ) -> requests.Response:
        sends = method.upper() not in ("GET", "HEAD")
        self.pacer.space()
        try:
            response = self.session.request(
                method,
                url,
                headers=dict(headers or {}),
                json=json,
                data=data,
                params=params,
                files=files,
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.exceptions.ConnectTimeout:
            raise TransientError(f"could not connect to {_host(url)} (timeout)") from None
        except requests.exceptions.ReadTimeout:
            kind = AmbiguousError if sends else TransientError
            raise kind(f"no answer from {_host(url)} within {self.timeout:.0f} s") from None
        except requests.exceptions.ConnectionError as exc:
            reason = _reason(exc)
            if isinstance(reason, (NewConnectionError, NameResolutionError)):
                raise TransientError(f"could not connect to {_host(url)}") from None
            kind = AmbiguousError if sends else TransientError
            if isinstance(reason, ReadTimeoutError):
                raise kind(f"no answer from {_host(url)} within {self.timeout:.0f} s") from None
            raise kind(f"connection to {_host(url)} broke off") from None
        except requests.RequestException as exc:
            raise TransientError(f"request to {_host(url)} failed: {type(exc).__name__}") from None
        where = endpoint(method, url)
        if 200 <= response.status_code < 300:
            self.pacer.observe(where, response.headers, status=response.status_code)
            return response
        error = classify(response) if classify is not None else None
        if error is None:
            error = self.error_for(response, sends=sends, reset_header=reset_header)
        if error.status is None:
            error.status = response.status_code
        self.pacer.observe(where, response.headers, status=response.status_code, retry_after=error.retry_after)
        if isinstance(error, RateLimitedError) and error.retry_after is None:
            error.retry_after = self.pacer.wait(where) or None  # e.g. Meta's time to regain access
        raise error

    def error_for(
        self,
        response: requests.Response,
        *,
        sends: bool,
        reset_header: Callable[[requests.Response], float | None] | None = None,
    ) -> PublishError:
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
            return error(
                f"{where}: {text}", retry_after=retry_after(response.headers.get("Retry-After"), now=self.clock())
            )
        return RejectedError(f"{where}: {text}")


def _host(url: str) -> str:
    parts = urlsplit(url)
    return parts.netloc or url


def _reason(exc: requests.exceptions.ConnectionError) -> object:
    """The urllib3 error behind a requests ConnectionError (unwrapping MaxRetryError)."""
    reason = exc.args[0] if exc.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    return reason
