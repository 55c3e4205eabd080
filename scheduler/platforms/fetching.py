"""Fetching a page a post links to (and the image that page names) for a link card.

The address comes from a post, and the image address from somebody else's page, so each request is
held short: GET only, http and https only, a few seconds, a byte cap (a larger answer is refused or,
for a page's head, cut), at most a few redirects, each checked again like the first address. Unless
`allow_private` is set, an address that resolves to this machine or a private network is refused: a
page's `og:image` must not make us copy an intranet image into a public post. (A name that resolves
to a public address when checked and to a private one when fetched — DNS rebinding — is not caught.)

Failures are `PublishError`s from `scheduler.errors`: `RejectedError` for what will not change
(refused address, too large, 4xx, too many redirects), `TransientError` for the network and 5xx.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

import requests

from scheduler.errors import RejectedError, TransientError

if TYPE_CHECKING:
    from scheduler.platforms.http import HttpClient


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
    """GETs web pages and images with the limits above, through the project's request helper's session."""

    def __init__(self, http: HttpClient | None = None, *, timeout: float = 5.0, max_redirects: int = 3,
                 allow_private: bool = False) -> None:
        if http is None:
            from scheduler.platforms.http import HttpClient

            http = HttpClient(timeout=timeout, connect_retries=0)
        self.http = http
        self.timeout = timeout
        self.max_redirects = max_redirects
        self.allow_private = allow_private

    def __repr__(self) -> str:
        return (f"Fetcher(timeout={self.timeout}, max_redirects={self.max_redirects}, "
                f"allow_private={self.allow_private})")

    def get(self, url: str, *, max_bytes: int, accept: str = "*/*", truncate: bool = False) -> Fetched:
        """The answer to GET `url` (following redirects), at most `max_bytes` long: longer answers are
        refused, or cut to `max_bytes` with `truncate` (enough for a page's <head>)."""
        deadline = time.monotonic() + 2 * self.timeout
        for _ in range(self.max_redirects + 1):
            self._check(url)
            try:
                response = self.http.session.get(url, headers={"Accept": accept}, stream=True,
                                                 timeout=self.timeout, allow_redirects=False)
            except requests.RequestException as exc:
                raise TransientError(f"could not fetch {url}: {type(exc).__name__}") from None
            with response:
                if response.is_redirect and response.headers.get("Location"):
                    url = urljoin(url, response.headers["Location"])
                    continue
                if response.status_code != 200:  # the body is not read: it could be anything, of any size
                    error = TransientError if response.status_code == 429 or response.status_code >= 500 else RejectedError
                    raise error(f"{url} answered {response.status_code}")
                body, truncated = self._read(response, url, max_bytes=max_bytes, truncate=truncate, deadline=deadline)
                media_type, _, params = response.headers.get("Content-Type", "").partition(";")
                return Fetched(url=url, content_type=media_type.strip().lower(), charset=_charset(params),
                               body=body, truncated=truncated)
        raise RejectedError(f"{url}: more than {self.max_redirects} redirects")

    def _check(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise RejectedError(f"{url}: only http and https addresses are fetched")
        if self.allow_private:
            return
        try:
            infos = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError):
            raise TransientError(f"{url}: the name {parts.hostname} does not resolve") from None
        for info in infos:
            address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
            if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
                address = address.ipv4_mapped
            if not address.is_global or address.is_multicast:
                raise RejectedError(f"{url}: {parts.hostname} is not a public address ({address}); not fetched")

    def _read(self, response: requests.Response, url: str, *, max_bytes: int, truncate: bool,
              deadline: float) -> tuple[bytes, bool]:
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
            raise TransientError(f"could not fetch {url}: {type(exc).__name__}") from None
        return b"".join(chunks), False


def _charset(params: str) -> str | None:
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            return value.strip().strip('"').lower()
    return None
