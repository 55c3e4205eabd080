"""The schema revision the code expects is read from the migrations, and is Alembic's head."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

from scheduler.storage import revision


def test_the_expected_revision_is_alembics_head():
    config = Config()
    config.set_main_option("script_location", str(revision.VERSIONS.parent))
    assert revision.head() == ScriptDirectory.from_config(config).get_current_head()


def test_a_new_migration_becomes_the_head_without_editing_anything_else(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    for migration in revision.VERSIONS.glob("*.py"):
        (tmp_path / migration.name).write_text(migration.read_text(encoding="utf-8"), encoding="utf-8")
    current = revision.head()
    (tmp_path / "9999_next.py").write_text(f'revision = "9999"\ndown_revision = "{current}"\n', encoding="utf-8")
    monkeypatch.setattr(revision, "VERSIONS", tmp_path)
    revision.head.cache_clear()
    try:
        assert revision.head() == "9999"
        (tmp_path / "9998_branch.py").write_text(
            f'revision: str = "9998"\ndown_revision = "{current}"\n', encoding="utf-8"
        )
        revision.head.cache_clear()
        with pytest.raises(RuntimeError, match="2 heads"):
            revision.head()
    finally:
        revision.head.cache_clear()
