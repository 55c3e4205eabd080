"""Fixtures of the platform client tests that keep notes in the queue's store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from scheduler.storage import Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A real SQLite queue file, for clients that note remote ids between requests (`Journal`)."""
    opened = Store.open(f"sqlite:///{tmp_path / 'queue.sqlite3'}")
    yield opened
    opened.close()
