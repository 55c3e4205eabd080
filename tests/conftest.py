from __future__ import annotations

import logging
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from scheduler.cli import Clock, main
from scheduler.models import Issue
from scheduler.newsletter import load_issue
from tests.clocks import PinnedClock

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


@pytest.fixture(autouse=True)
def isolated_logging() -> Iterator[None]:
    """Whatever `scheduler run` does to the process's logging stays in its test: `daemon_logging`
    watches the root logger's handlers (pytest's capture handlers among them) for failed writes
    and quiets library loggers. Without this, a later test in the same worker could find the log
    "unwritable" and publishing paused, depending on which tests ran before it."""
    from scheduler.cli import QUIET_LOGGERS

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    levels = {name: logging.getLogger(name).level for name in QUIET_LOGGERS}
    yield
    for handler in {*handlers, *root.handlers}:
        if getattr(handler, "_scheduler_log_watch", None) is not None:  # undo `LogWatch.watch`
            for name in ("emit", "handleError", "_scheduler_log_watch"):
                handler.__dict__.pop(name, None)
    for handler in root.handlers:
        if handler not in handlers and type(handler) is logging.StreamHandler:  # `logging.basicConfig`'s
            root.removeHandler(handler)
    root.setLevel(level)
    for name, quiet in levels.items():
        logging.getLogger(name).setLevel(quiet)
    pause = sys.modules.get("scheduler.pause")
    if pause is not None:
        pause.LOG._failures.clear()  # no reset method: the daemon's log is one per process


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
def cli_clock() -> Clock | None:
    """The clock `run` gives the CLI: one starting at `tests.clocks.NOW` (2030-01-01 11:00 UTC), so
    the dates a test writes hold forever. A test that needs the machine's clock overrides this
    fixture to return None."""
    return PinnedClock()


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], cli_clock: Clock | None) -> Callable[..., Result]:
    """Run the CLI in-process on `cli_clock`: `run("preview", "--format", "json")`."""

    def invoke(*args: str) -> Result:
        capsys.readouterr()
        code = main(list(args), clock=cli_clock)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return invoke


@pytest.fixture
def run_fresh(capsys: pytest.CaptureFixture[str], cli_clock: Clock | None) -> Callable[..., Result]:
    """`run`, each command meeting the logging of a newly started `scheduler` process: a root logger
    with no handler (pytest's are set aside during the command) at level WARNING. `scheduler run`'s
    log (`daemon_logging`, whose `basicConfig` does nothing while pytest's handlers are there) then
    reaches the captured stderr as it reaches a terminal, and whatever a command set up is undone
    after it, as by the end of its process. `clock=` replaces `cli_clock` for one command."""
    from scheduler.cli import QUIET_LOGGERS

    def invoke(*args: str, clock: Clock | None = cli_clock) -> Result:
        root = logging.getLogger()
        handlers, level = list(root.handlers), root.level
        levels = {name: logging.getLogger(name).level for name in QUIET_LOGGERS}
        for handler in handlers:
            root.removeHandler(handler)
        root.setLevel(logging.WARNING)
        capsys.readouterr()
        try:
            code = main(list(args), clock=clock)
        finally:
            for handler in list(root.handlers):
                root.removeHandler(handler)
            for handler in handlers:
                root.addHandler(handler)
            root.setLevel(level)
            for name, quiet in levels.items():
                logging.getLogger(name).setLevel(quiet)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return invoke


@pytest.fixture
def scheduler_env(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Give the CLI exactly these SCHEDULER_* variables, as a `scheduler` process started with
    `{name: value for name, value in os.environ.items() if not name.startswith("SCHEDULER_")} | values`
    gets them: `clean_env`'s templates and posts folders are removed too."""

    def setenv(**values: str) -> None:
        for name in [name for name in os.environ if name.startswith("SCHEDULER_")]:
            monkeypatch.delenv(name)
        for name, value in values.items():
            monkeypatch.setenv(name, value)

    return setenv


#: The longest test files (5–25 s a test, mostly waiting on processes, servers and the daemon's own
#: timing), run first: started last, one of them would keep a parallel worker busy while the others
#: have finished. Their order among themselves and everyone else's order stay as collected.
LONG_FIRST = (
    "tests/test_workers_postgres.py",
    "tests/platforms/test_bluesky_pds_accounts.py",
    "tests/platforms/test_bluesky_pds.py",
    "tests/test_outage.py",
    "tests/test_crash.py",
    "tests/storage/test_concurrent_add.py",
    "tests/test_daemon.py",
    "tests/test_daemon_log.py",
    "tests/test_ci_examples.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: not item.nodeid.startswith(LONG_FIRST))  # stable: the rest keep their order
