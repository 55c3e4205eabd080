"""The layering in the README holds: lower layers never import higher ones (the import-linter
contracts in pyproject.toml), foreign libraries stay in their layer, and the CLI's start-up imports
nothing heavy."""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "scheduler"


def _modules() -> list[tuple[str, Path]]:
    result = []
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        result.append((name, path))
    return result


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_import_contracts_hold():
    """The layers and independence contracts in pyproject.toml ([tool.importlinter]), checked by
    import-linter over every import — also those inside functions, which a list of forbidden
    prefixes checked per file once let through (`platforms → storage`, `render → planner`)."""
    if importlib.util.find_spec("importlinter") is None:
        pytest.skip("import-linter is not installed: pip install -e '.[dev]'")
    code = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"
    result = subprocess.run(
        [sys.executable, "-c", code, "--no-cache"], capture_output=True, text=True, cwd=PACKAGE.parent, check=False
    )
    report = (
        result.stdout[result.stdout.find("Broken contracts") :]
        if "Broken contracts" in result.stdout
        else result.stdout
    )
    assert result.returncode == 0, report + result.stderr


def test_only_platforms_and_notices_use_requests():
    for module, path in _modules():
        if not module.startswith(("scheduler.platforms", "scheduler.notify")):
            assert not any(name.split(".")[0] == "requests" for name in _imports(path)), module


@pytest.mark.parametrize(
    ("library", "home"),
    [("sqlalchemy", "scheduler.storage"), ("alembic", "scheduler.storage"), ("apscheduler", "scheduler.daemon")],
)
def test_foreign_libraries_stay_in_their_layer(library: str, home: str):
    for module, path in _modules():
        if module == home or module.startswith(home + "."):
            continue
        assert not any(name.split(".")[0] == library for name in _imports(path)), f"{module} imports {library}"


def test_cli_start_up_imports_nothing_heavy():
    code = "import sys, scheduler.cli; print(','.join(sorted(sys.modules)))"
    loaded = set(
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        .stdout.strip()
        .split(",")
    )
    for heavy in ("pydantic", "pydantic_settings", "jinja2", "regex", "pysbd", "langdetect", "requests", "apscheduler"):
        assert heavy not in loaded, f"`scheduler --help` imports {heavy}"


def test_preview_path_does_not_load_http_or_database_libraries():
    code = "import sys, scheduler.service, scheduler.report.html; print(','.join(sorted(sys.modules)))"
    loaded = set(
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        .stdout.strip()
        .split(",")
    )
    for heavy in ("requests", "urllib3", "sqlalchemy", "alembic", "apscheduler"):
        assert heavy not in loaded, f"`scheduler preview` imports {heavy}"
