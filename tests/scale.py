"""How much randomised work the tests do.

The randomised comparisons (generated texts against a reference, workers killed at random) run a
number of examples that finds a regression in the everyday run and keeps the suite fast; a soak
runs more of the same: `TEST_SCALE=10 python -m pytest tests/text/test_twitter.py` compares ten
times as many texts. The seeds stay fixed, so a scaled run checks the everyday run's examples too.
"""

from __future__ import annotations

import os


def scale() -> int:
    """TEST_SCALE as a whole number of at least 1 (1 when unset)."""
    value = os.environ.get("TEST_SCALE", "1")
    try:
        return max(1, int(value))
    except ValueError:
        raise SystemExit(f"TEST_SCALE={value!r} is not a whole number; use e.g. TEST_SCALE=10") from None


def examples(everyday: int) -> int:
    """How many examples a randomised test runs: `everyday` times TEST_SCALE."""
    return everyday * scale()
