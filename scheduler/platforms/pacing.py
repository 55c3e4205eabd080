"""Pacing one account's requests, so that a burst of posts does not run into a 429 halfway through a
thread.

Every response tells the pacer what the platform still allows, each platform in its own headers
(../shared/reference/platform-apis.md):

    Mastodon  X-RateLimit-Limit, -Remaining, -Reset         Reset is an ISO 8601 time (§2.5)
    Bluesky   RateLimit-Limit, -Remaining, -Reset           Reset is epoch seconds, Remaining counts
                                                            points (a create costs 3); 429 adds
                                                            Retry-After (§3.4)
    X         x-rate-limit-limit, -remaining, -reset        epoch seconds, and the 24-hour caps
              x-user-limit-24hour-*, x-app-limit-24hour-*   in the same form (§4.4)
    LinkedIn  none (§1.6): only a 429's Retry-After, if one comes, is remembered
    Meta      X-Business-Use-Case-Usage, X-App-Usage        usage in per cent; a refused app or page
                                                            says estimated_time_to_regain_access in
                                                            minutes (§5.2)

The header names do not overlap, so one reader serves every client. Windows are kept per endpoint
(`POST host/api/v1/statuses`): platforms count endpoints apart (Mastodon's statuses family, X's
`/2/tweets`). Meta's usage covers the whole app and applies to every endpoint.

Before a post goes out its client calls `HttpClient.pace`, which calls `reserve(endpoint, n)`: when
the n requests of the post fit in what every window still allows, they are booked; when they do not
and the window resets within `max_wait`, the pacer sleeps until then; otherwise it raises
`RateLimitedError(retry_after=…)` before the first request, so the queue retries the whole post
later and nothing goes out half.
A 429 that arrives anyway blocks its endpoint until the time it names.

`min_interval` spaces any two requests of the account. No platform documents such a spacing for
text posts, so it is 0 unless a caller sets it.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from scheduler.errors import RateLimitedError

#: Windows that apply to every endpoint of the account (Meta's app and business usage).
ANY = "*"

#: Epoch seconds are larger than this; smaller reset values are seconds from now (RFC draft form).
_EPOCH_FLOOR = 1_000_000_000


@dataclass(frozen=True, slots=True)
class Window:
    """One rate-limit window as the platform last described it."""

    name: str  # the header family, e.g. "x-user-limit-24hour"
    remaining: int
    limit: int | None = None
    reset_at: dt.datetime | None = None  # None: the platform did not say when it resets


def endpoint(method: str, url: str) -> str:
    """The key a window is kept under: method, host and path (no query)."""
    parts = urlsplit(url)
    return f"{method.upper()} {parts.netloc}{parts.path}"


def _int(value: str | None) -> int | None:
    try:
        return int(float(value)) if value not in (None, "") else None
    except ValueError:
        return None


def _epoch_or_delta(value: str | None, now: dt.datetime) -> dt.datetime | None:
    """Epoch seconds (X, Bluesky) or, for small values, seconds from now."""
    try:
        number = float(value) if value else None
    except ValueError:
        return None
    if number is None:
        return None
    if number >= _EPOCH_FLOOR:
        return dt.datetime.fromtimestamp(number, dt.UTC)
    return now + dt.timedelta(seconds=max(number, 0.0))


def _iso_or_epoch(value: str | None, now: dt.datetime) -> dt.datetime | None:
    """An ISO 8601 time (Mastodon); digits are read as epoch seconds, in case a proxy rewrote it."""
    if not value:
        return None
    value = value.strip()
    if value.replace(".", "", 1).isdigit():
        return _epoch_or_delta(value, now)
    try:
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


_FAMILIES: tuple[tuple[str, str, Callable[[str | None, dt.datetime], dt.datetime | None]], ...] = (
    ("mastodon", "X-RateLimit-", _iso_or_epoch),
    ("bluesky", "RateLimit-", _epoch_or_delta),
    ("x", "x-rate-limit-", _epoch_or_delta),
    ("x-user-limit-24hour", "x-user-limit-24hour-", _epoch_or_delta),
    ("x-app-limit-24hour", "x-app-limit-24hour-", _epoch_or_delta),
)


def windows(headers: Mapping[str, str], *, now: dt.datetime) -> list[tuple[str, Window]]:
    """Every window the headers describe, each with its scope: "" for the endpoint, `ANY` for the
    whole account. `headers` must look names up case-insensitively (requests' headers do)."""
    found: list[tuple[str, Window]] = []
    for name, prefix, reset in _FAMILIES:
        remaining = _int(headers.get(prefix + "Remaining"))
        if remaining is None:
            continue
        found.append(
            (
                "",
                Window(name, remaining, _int(headers.get(prefix + "Limit")), reset(headers.get(prefix + "Reset"), now)),
            )
        )
    found.extend((ANY, window) for window in _meta_windows(headers, now))
    return found


def _meta_windows(headers: Mapping[str, str], now: dt.datetime) -> list[Window]:
    """Meta reports usage in per cent; only a refusal with a time to wait is a window to respect."""
    raw = headers.get("X-Business-Use-Case-Usage")
    if not raw:
        return []
    try:
        usage = json.loads(raw)
    except ValueError:
        return []
    minutes = 0.0
    if isinstance(usage, dict):
        for entries in usage.values():
            for entry in entries if isinstance(entries, list) else []:
                if isinstance(entry, dict):
                    try:
                        minutes = max(minutes, float(entry.get("estimated_time_to_regain_access") or 0))
                    except (TypeError, ValueError):
                        continue
    if minutes <= 0:
        return []
    return [Window("meta-business-use-case", 0, None, now + dt.timedelta(minutes=minutes))]


class Pacer:
    """What one account may still send, learnt from its responses; see the module docstring."""

    def __init__(
        self,
        *,
        clock: Callable[[], dt.datetime] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        max_wait: float = 5.0,
        min_interval: float = 0.0,
    ) -> None:
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.sleep = sleep
        self.max_wait = max_wait
        self.min_interval = min_interval
        self._windows: dict[str, dict[str, Window]] = {}
        self._last: dt.datetime | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Pacer(max_wait={self.max_wait}, min_interval={self.min_interval})"

    # -- learning ------------------------------------------------------------------------------

    def observe(self, where: str, headers: Mapping[str, str], *, status: int, retry_after: float | None = None) -> None:
        """Remember the windows a response to `where` describes; a 429 blocks `where` for
        `retry_after` seconds when the platform said how long."""
        now = self.clock()
        learnt = windows(headers, now=now)
        if status == 429 and retry_after is not None:
            learnt.append(("", Window("retry-after", 0, None, now + dt.timedelta(seconds=retry_after))))
        if not learnt:
            return
        with self._lock:
            for scope, window in learnt:
                self._windows.setdefault(scope or where, {})[window.name] = window

    # -- asking --------------------------------------------------------------------------------

    def _live(self, where: str, now: dt.datetime) -> list[tuple[str, Window]]:
        live = []
        for scope in (where, ANY):
            kept = self._windows.get(scope, {})
            for name, window in list(kept.items()):
                if window.reset_at is not None and window.reset_at <= now:
                    del kept[name]  # the window has reset: what it said no longer holds
                else:
                    live.append((scope, window))
        return live

    def wait(self, where: str, requests: int = 1) -> float:
        """Seconds until `requests` requests to `where` fit in every window (0: they fit now)."""
        with self._lock:
            return self._wait(where, requests, self.clock())

    def _wait(self, where: str, requests: int, now: dt.datetime) -> float:
        wait = 0.0
        for _scope, window in self._live(where, now):
            # a post longer than a whole window waits for a fresh one rather than for ever
            needed = min(requests, window.limit) if window.limit else requests
            if window.remaining < needed and window.reset_at is not None:  # no reset time: the platform decides
                wait = max(wait, (window.reset_at - now).total_seconds())
        return wait

    def reserve(self, where: str, requests: int = 1, *, host: str = "") -> None:
        """Book `requests` requests to `where` before the first of them is sent: sleep when the
        windows reset within `max_wait`, else raise `RateLimitedError` with the time to wait."""
        for attempt in (0, 1):
            with self._lock:
                now = self.clock()
                wait = self._wait(where, requests, now)
                if wait <= 0:
                    for scope, window in self._live(where, now):  # booked until the next answer says better
                        self._windows[scope][window.name] = replace(window, remaining=window.remaining - requests)
                    return
                left = min((window.remaining for _scope, window in self._live(where, now)), default=0)
            if attempt or wait > self.max_wait:
                raise RateLimitedError(
                    f"{host or where}: {max(left, 0)} left in the rate-limit window, the post needs {requests}; "
                    f"not started, retry in {wait:.0f} s",
                    retry_after=wait,
                    unsent=True,
                )
            self.sleep(wait)  # short: wait here rather than give the post back to the queue
        raise AssertionError("unreachable")

    def space(self) -> None:
        """Before each request: keep `min_interval` since the previous one of this account."""
        if self.min_interval <= 0:
            return
        with self._lock:
            now = self.clock()
            wait = 0.0 if self._last is None else (self._last - now).total_seconds() + self.min_interval
            self._last = now + dt.timedelta(seconds=max(wait, 0.0))  # claimed before sleeping: threads queue up
        if wait > 0:
            self.sleep(wait)
