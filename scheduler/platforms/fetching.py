"""Fetching what content names: a page a post links to (and the image that page names) for a link
card, and an image given as a URL.

The address comes from a post, and the image address from somebody else's page, so each request is
held short: GET only, http and https only, a few seconds, a byte cap (a larger answer is refused or,
for a page's head, cut), at most a few redirects, each checked again like the first address.

Only public addresses are reached (server-side request forgery: a page's `og:image` or an issue's
image URL must not make us read an intranet page or a cloud's metadata service into a public post).
Loopback, private, link-local, multicast and unspecified addresses are refused unless `Allowed` lists
the host name or a network holding the address (SCHEDULER_FETCH_ALLOW, e.g. `intranet.example.org,
10.20.0.0/16`). The check is made on the connection itself: a host name is resolved once, every
address it resolves to is checked, and the connection goes to a checked address — so a name that
resolves to a public address at first and to a private one a moment later (DNS rebinding) gains
nothing. (Through a proxy configured in the environment, the proxy connects; only the first check of
the address applies then.)

Failures are `PublishError`s from `scheduler.errors`: `RejectedError` for what will not change
(a refused address, `RefusedAddress`; too large, 4xx, too many redirects), `TransientError` for the
network and 5xx.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import BaseAdapter, HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError, ReadTimeoutError

from scheduler.errors import RejectedError, TransientError
from scheduler.platforms.addresses import AddressRefused, Allowed

_Connection = TypeVar("_Connection", bound=HTTPConnection)


def _connection(base: type[_Connection], allowed: Allowed) -> type[_Connection]:
    """`base` connecting only to addresses `allowed` permits, resolved once (see the module's words)."""

    class Guarded(base):  # type: ignore[valid-type,misc]  # reason: a class made from a type variable (HTTP or HTTPS)
        def _new_conn(self) -> socket.socket:
            host: str = self._dns_host  # type: ignore[has-type]  # reason: urllib3 sets it in __init__ without a type
            addresses = allowed.addresses(host, self.port)
            error: Exception | None = None
            for address in addresses:
                self._dns_host = address  # urllib3 connects to _dns_host; TLS still checks the name
                try:
                    return super()._new_conn()  # type: ignore[no-any-return]  # reason: the base is only known at run time
                except NewConnectionError as exc:
                    error = exc
                finally:
                    self._dns_host = host
            raise error or NewConnectionError(self, f"{host} has no address")

    return Guarded


class GuardedAdapter(HTTPAdapter):
    """A `requests` adapter whose direct connections go only where `allowed` permits."""

    def __init__(self, allowed: Allowed, **kwargs: Any) -> None:
        self.allowed = allowed
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)

        class HTTPPool(HTTPConnectionPool):
            ConnectionCls = _connection(HTTPConnection, self.allowed)

        class HTTPSPool(HTTPSConnectionPool):
            ConnectionCls = _connection(HTTPSConnection, self.allowed)

        self.poolmanager.pool_classes_by_scheme = {"http": HTTPPool, "https": HTTPSPool}


class RefusedAddress(RejectedError):
    """An address not fetched: not public, and not listed in SCHEDULER_FETCH_ALLOW. Its words name
    the setting, the fix (checking the address would not help)."""


@dataclass(frozen=True, slots=True)
class Fetched:
    """An answer's final address (after redirects), its media type and charset, and its bytes."""

    url: str
    content_type: str  # lower-case, without parameters
    charset: str | None
    body: bytes
    truncated: bool = False

    def __repr__(self) -> str:  # never the bytes
        return f"Fetched(url={self.url!r}, content_type={self.content_type!r}, size={len(self.body)})"


class Fetcher:
    """GETs web pages and images with the limits above, over its own session (no platform's
    credentials, no connection to an address `allow` does not permit)."""

    def __init__(
        self,
        *,
        timeout: float = 5.0,
        max_redirects: int = 3,
        allow: Allowed | Iterable[str] = (),
        transport: BaseAdapter | None = None,
    ) -> None:
        """`transport`: what carries the requests instead of the network (a dry run's recorder, which
        connects nowhere: no address is looked up or checked then)."""
        from scheduler.platforms.http import USER_AGENT

        self.allowed = allow if isinstance(allow, Allowed) else Allowed(allow)
        self.timeout = timeout
        self.max_redirects = max_redirects
        self.transport = transport
        self.session = requests.Session()
        adapter = transport or GuardedAdapter(self.allowed, max_retries=0)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers["User-Agent"] = USER_AGENT

    def __repr__(self) -> str:
        return (
            f"Fetcher(timeout={self.timeout}, max_redirects={self.max_redirects}, allow={list(self.allowed.entries)!r})"
        )

    def get(self, url: str, *, max_bytes: int, accept: str = "*/*", truncate: bool = False) -> Fetched:
        """The answer to GET `url` (following redirects), at most `max_bytes` long: longer answers are
        refused, or cut to `max_bytes` with `truncate` (enough for a page's <head>)."""
        deadline = time.monotonic() + 2 * self.timeout
        with self.answer(url, accept=accept) as (response, url):
            if response.status_code != 200:  # the body is not read: it could be anything, of any size
                error = TransientError if response.status_code == 429 or response.status_code >= 500 else RejectedError
                raise error(f"{url} answered {status_line(response.status_code)}", status=response.status_code)
            body, truncated = self.read_body(response, url, max_bytes=max_bytes, truncate=truncate, deadline=deadline)
            media_type, _, params = response.headers.get("Content-Type", "").partition(";")
            return Fetched(
                url=url,
                content_type=media_type.strip().lower(),
                charset=charset_param(params),
                body=body,
                truncated=truncated,
            )

    @contextmanager
    def answer(
        self, url: str, *, accept: str = "*/*", headers: Mapping[str, str] | None = None
    ) -> Iterator[tuple[requests.Response, str]]:
        """The first answer to GET `url` that is not a redirect, its body not read yet (a caller that
        wants it calls `read_body`), and the address that gave it; closed when the block ends.
        Redirects are followed `max_redirects` times, each address checked like the first.
        `headers`: more request headers (a conditional request's If-None-Match)."""
        for _ in range(self.max_redirects + 1):
            self._check(url)
            try:
                response = self.session.get(
                    url,
                    headers={"Accept": accept, **(headers or {})},
                    stream=True,
                    timeout=self.timeout,
                    allow_redirects=False,
                )
            except AddressRefused as exc:
                raise RefusedAddress(f"{url}: {exc}") from None
            except requests.RequestException as exc:
                raise TransientError(self._failure(url, exc)) from None
            if response.is_redirect and response.headers.get("Location"):
                response.close()
                url = urljoin(url, response.headers["Location"])
                continue
            with response:
                yield response, url
            return
        raise RejectedError(f"{url}: more than {self.max_redirects} redirects")

    def _failure(self, url: str, exc: requests.RequestException) -> str:
        """What went wrong with the connection to `url`, in words."""
        reason = exc.args[0] if exc.args else None
        reason = getattr(reason, "reason", reason)  # urllib3's MaxRetryError wraps the cause
        if isinstance(exc, requests.ConnectTimeout):
            return f"{url}: could not connect within {self.timeout:g} s"
        if isinstance(exc, requests.Timeout) or isinstance(reason, ReadTimeoutError):
            return f"{url}: no answer within {self.timeout:g} s"
        if isinstance(exc, requests.exceptions.SSLError):
            return f"could not fetch {url}: no secure connection (SSLError: certificate or TLS refused)"
        if isinstance(exc, requests.ConnectionError):
            return f"could not fetch {url}: the connection failed or broke off"
        return f"could not fetch {url}: {type(exc).__name__}"

    def _check(self, url: str) -> None:
        """Before any connection: http or https, and a host whose addresses are all permitted (the
        connection checks again the address it connects to)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise RejectedError(f"{url}: only http and https addresses are fetched")
        if not parts.hostname:
            raise RejectedError(f"{url}: the address names no server (e.g. https://example.org/…)")
        if self.transport is not None:
            return
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise RejectedError(f"{url}: the port is not a number") from None
        try:
            self.allowed.addresses(parts.hostname, port)
        except AddressRefused as exc:
            raise RefusedAddress(f"{url}: {exc}") from None
        except socket.gaierror:
            raise TransientError(f"{url}: the name {parts.hostname} does not resolve") from None

    def read_body(
        self, response: requests.Response, url: str, *, max_bytes: int, truncate: bool = False, deadline: float
    ) -> tuple[bytes, bool]:
        """The body of `response` (decompressed, counted as such) and whether it was cut: more than
        `max_bytes` is a `RejectedError` (or cut, with `truncate`); a body still coming at the
        monotonic `deadline`, or broken off, a `TransientError`."""
        declared = response.headers.get("Content-Length", "")
        if not truncate and declared.isdigit() and int(declared) > max_bytes:
            raise RejectedError(f"{url}: {int(declared):,} bytes, more than {max_bytes:,}")
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.iter_content(64 * 1024):  # decoded: a compressed bomb is counted unpacked
                chunks.append(chunk)
                size += len(chunk)
                if size > max_bytes:
                    if truncate:
                        return b"".join(chunks)[:max_bytes], True
                    raise RejectedError(f"{url}: more than {max_bytes:,} bytes")
                if time.monotonic() > deadline:
                    raise TransientError(f"{url}: took longer than {2 * self.timeout:.0f} s")
        except requests.RequestException as exc:
            raise TransientError(self._failure(url, exc)) from None
        return b"".join(chunks), False


def status_line(status: int) -> str:
    """`404 Not Found`; the bare number for a status without a standard phrase."""
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def charset_param(params: str) -> str | None:
    """The charset a Content-Type header's parameters name (lower case), or None."""
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            return value.strip().strip('"').lower()
    return None
