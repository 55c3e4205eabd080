from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from scheduler.cli import main
from scheduler.newsletter import load_issue
from scheduler.models import Issue

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "posts" / "2024-12-13-vernetzungsstelle.txt"
TEMPLATES = ROOT / "templates"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """No SCHEDULER_* variable and no .env from the developer's machine leaks into a test."""
    import os

    for name in list(os.environ):
        if name.startswith("SCHEDULER_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))
    monkeypatch.setenv("SCHEDULER_TEMPLATES_DIR", str(TEMPLATES))
    monkeypatch.setenv("SCHEDULER_POSTS_DIR", str(ROOT / "posts"))
    yield


@pytest.fixture(scope="session")
def example_issue() -> Issue:
    return load_issue(EXAMPLE)


@pytest.fixture
def sqlite_queue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A queue in a real SQLite file under tmp_path (and the dry-run outbox beside it) for CLI tests."""
    path = tmp_path / "queue.sqlite3"
    monkeypatch.setenv("SCHEDULER_DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("SCHEDULER_OUTBOX", str(tmp_path / "outbox.jsonl"))
    return path


@pytest.fixture
def templates(tmp_path: Path) -> Path:
    """A copy of the project's templates that a test may change."""
    target = tmp_path / "templates"
    shutil.copytree(TEMPLATES, target)
    return target


class Result:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    def __repr__(self) -> str:
        return f"Result(code={self.code}, err={self.err!r}, out={self.out[:300]!r})"


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """Run the CLI in-process: `run("preview", "--format", "json")`."""

    def invoke(*args: str) -> Result:
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return invoke
