"""The layering in the README holds: lower layers never import higher ones, and the CLI's
start-up imports nothing heavy."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "scheduler"

# module prefix → prefixes it must not import
FORBIDDEN = {
    "scheduler.errors": ["scheduler."],
    "scheduler.models": ["scheduler.text", "scheduler.newsletter", "scheduler.render", "scheduler.platforms",
                         "scheduler.service", "scheduler.cli", "scheduler.config", "scheduler.report"],
    "scheduler.media": ["scheduler.text", "scheduler.newsletter", "scheduler.render", "scheduler.platforms",
                        "scheduler.service", "scheduler.cli", "scheduler.config", "scheduler.report",
                        "scheduler.storage"],
    "scheduler.text": ["scheduler.newsletter", "scheduler.render", "scheduler.platforms", "scheduler.service",
                       "scheduler.cli", "scheduler.config", "scheduler.report"],
    "scheduler.newsletter": ["scheduler.render", "scheduler.platforms", "scheduler.service", "scheduler.cli",
                             "scheduler.config", "scheduler.report"],
    "scheduler.render": ["scheduler.newsletter", "scheduler.platforms", "scheduler.service", "scheduler.cli",
                         "scheduler.config", "scheduler.report"],
    "scheduler.platforms": ["scheduler.newsletter", "scheduler.render", "scheduler.service", "scheduler.cli",
                            "scheduler.config", "scheduler.report"],
    "scheduler.service": ["scheduler.cli", "scheduler.config", "scheduler.report"],
    "scheduler.planner": ["scheduler.text", "scheduler.newsletter", "scheduler.render", "scheduler.platforms",
                          "scheduler.service", "scheduler.cli", "scheduler.config", "scheduler.storage"],
    "scheduler.storage": ["scheduler.text", "scheduler.newsletter", "scheduler.render", "scheduler.platforms",
                          "scheduler.service", "scheduler.cli", "scheduler.config", "scheduler.report",
                          "scheduler.planner", "scheduler.publishing", "scheduler.daemon"],
    # publishing depends on the Publisher interface, never on a concrete platform client
    "scheduler.publishing": ["scheduler.cli", "scheduler.config", "scheduler.platforms.dryrun",
                             "scheduler.platforms.linkedin", "scheduler.platforms.mastodon",
                             "scheduler.platforms.bluesky", "scheduler.platforms.x", "scheduler.platforms.threads",
                             "scheduler.platforms.facebook", "scheduler.daemon"],
    "scheduler.queueing": ["scheduler.cli", "scheduler.config", "scheduler.daemon"],
    "scheduler.daemon": ["scheduler.cli", "scheduler.config"],
}


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


@pytest.mark.parametrize(("module", "path"), _modules(), ids=lambda value: str(value))
def test_module_imports_only_lower_layers(module: str, path: Path):
    for layer, forbidden in FORBIDDEN.items():
        if module == layer or module.startswith(layer + "."):
            bad = sorted(name for name in _imports(path) for prefix in forbidden if name.startswith(prefix))
            assert not bad, f"{module} imports {bad}"


def test_only_platforms_and_notices_use_requests():
    for module, path in _modules():
        if not module.startswith(("scheduler.platforms", "scheduler.notify")):
            assert not any(name.split(".")[0] == "requests" for name in _imports(path)), module


@pytest.mark.parametrize(("library", "home"), [("sqlalchemy", "scheduler.storage"), ("alembic", "scheduler.storage"),
                                               ("apscheduler", "scheduler.daemon")])
def test_foreign_libraries_stay_in_their_layer(library: str, home: str):
    for module, path in _modules():
        if module == home or module.startswith(home + "."):
            continue
        assert not any(name.split(".")[0] == library for name in _imports(path)), f"{module} imports {library}"


def test_cli_start_up_imports_nothing_heavy():
    code = "import sys, scheduler.cli; print(','.join(sorted(sys.modules)))"
    loaded = set(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip().split(","))
    for heavy in ("pydantic", "pydantic_settings", "jinja2", "regex", "pysbd", "langdetect", "requests", "apscheduler"):
        assert heavy not in loaded, f"`scheduler --help` imports {heavy}"


def test_preview_path_does_not_load_http_or_database_libraries():
    code = "import sys, scheduler.service, scheduler.report.html; print(','.join(sorted(sys.modules)))"
    loaded = set(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip().split(","))
    for heavy in ("requests", "urllib3", "sqlalchemy", "alembic", "apscheduler"):
        assert heavy not in loaded, f"`scheduler preview` imports {heavy}"
