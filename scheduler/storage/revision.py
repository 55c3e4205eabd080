"""The schema revision this code expects: the head of migrations/versions, read from the migration
files themselves (their `revision` and `down_revision` lines) without importing Alembic or
SQLAlchemy, so that start-up and the fast read path can compare it cheaply. Adding a migration
is all it takes; `tests/storage/test_revision.py` checks the answer against Alembic's."""

from __future__ import annotations

import functools
import re
from pathlib import Path

VERSIONS = Path(__file__).with_name("migrations") / "versions"
_FIELD = re.compile(r"""^(revision|down_revision)\s*(?::[^=\n]*)?=\s*(?:["']([^"']*)["']|None)""", re.M)


@functools.cache
def head() -> str:
    """The newest revision: the one no other migration revises."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for migration in VERSIONS.glob("*.py"):
        fields = dict(_FIELD.findall(migration.read_text(encoding="utf-8")))
        if "revision" not in fields:
            continue
        revisions.add(fields["revision"])
        if fields.get("down_revision"):
            revised.add(fields["down_revision"])
    heads = revisions - revised
    if len(heads) != 1:
        raise RuntimeError(
            f"the migrations in {VERSIONS} have {len(heads)} heads ({', '.join(sorted(heads))}); "
            "they must form one line"
        )
    return heads.pop()
