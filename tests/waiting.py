"""Waiting in tests for something to happen, not for a number of seconds.

A test that sleeps "long enough" fails on a slow or busy machine (the suite runs in parallel on
shared CI machines); a test that waits for the condition it needs passes as soon as it holds.
The timeout only ends a real hang, so it is generous and never part of what a test asserts.
"""

from __future__ import annotations

import time
from collections.abc import Callable

#: How long a condition may take before the test calls it a hang.
TIMEOUT = 60.0


def wait_for(condition: Callable[[], object], *, timeout: float = TIMEOUT, what: str = "") -> None:
    """Return as soon as `condition()` is true; AssertionError after `timeout` seconds (a hang)."""
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"still waiting after {timeout:.0f} s{': ' + what if what else ''}")
        time.sleep(0.02)
