"""What `pip install newsletter-scheduler` promises: every library the package imports is a declared
dependency (found by reading every import, also those inside functions), PostgreSQL support is the
`postgres` extra and not a base dependency, and the POSIX-only parts are declared."""

from __future__ import annotations

import ast
import importlib.metadata
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "scheduler"
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _names(requirements: list[str]) -> set[str]:
    return {canonicalize_name(Requirement(line).name) for line in requirements}


def _imported_top_level_names() -> dict[str, set[str]]:
    """Top-level module name → the files importing it (absolute imports, at any depth)."""
    found: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], set()).add(str(path.relative_to(ROOT)))
    return found


def test_every_imported_library_is_a_declared_dependency():
    declared = _names(PROJECT["dependencies"])
    distributions = importlib.metadata.packages_distributions()
    missing = {}
    for name, files in sorted(_imported_top_level_names().items()):
        if name in sys.stdlib_module_names or name == "scheduler":
            continue
        providers = {canonicalize_name(dist) for dist in distributions.get(name, [])}
        assert providers, f"no installed distribution provides `{name}` (imported by {sorted(files)})"
        if not providers & declared:
            missing[name] = sorted(providers)
    assert not missing, f"imported but not in [project].dependencies: {missing}"


def test_postgresql_is_an_extra_and_the_tests_install_it():
    extras = PROJECT["optional-dependencies"]
    assert "psycopg" not in _names(PROJECT["dependencies"])
    assert "psycopg" in _names(extras["postgres"])
    assert any(
        Requirement(line).name == "newsletter-scheduler" and "postgres" in Requirement(line).extras
        for line in extras["test"]
    )


def test_dev_extra_holds_the_tests_and_the_checks():
    dev = PROJECT["optional-dependencies"]["dev"]
    assert {"mypy", "ruff", "import-linter"} <= _names(dev)
    assert any(
        Requirement(line).name == "newsletter-scheduler" and {"test", "postgres"} <= Requirement(line).extras
        for line in dev
    )


def test_posix_only_parts_are_declared():
    uses_fcntl = sorted(_imported_top_level_names().get("fcntl", set()))
    if uses_fcntl:
        assert "Operating System :: POSIX" in PROJECT.get("classifiers", []), uses_fcntl


def test_build_constraints_pin_the_build_backend_within_its_range():
    build = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["build-system"]["requires"]
    pinned = _pins(ROOT / "build-constraints.txt")
    for line in build:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{name} is not pinned in build-constraints.txt"
        assert requirement.specifier.contains(pinned[name], prereleases=True), (line, pinned[name])


def _pins(path: Path) -> dict[str, str]:
    """name → version of each `name==version` line of a constraints file (every line must be one)."""
    pinned = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line:
            requirement = Requirement(line)
            assert len(requirement.specifier) == 1 and next(iter(requirement.specifier)).operator == "==", line
            pinned[canonicalize_name(requirement.name)] = next(iter(requirement.specifier)).version
    return pinned


def test_constraints_pin_every_dev_dependency():
    """The constraints file .ci/run installs from pins each distribution the dev extra pulls in."""
    pinned = _pins(ROOT / "constraints.txt")
    optional = PROJECT["optional-dependencies"]
    wanted = _names(PROJECT["dependencies"]) | _names(optional["test"]) | _names(optional["dev"])
    wanted.discard("newsletter-scheduler")
    assert not wanted - set(pinned), f"not pinned in constraints.txt: {sorted(wanted - set(pinned))}"
    for line in PROJECT["dependencies"] + optional["postgres"] + optional["test"] + optional["dev"]:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        if name in pinned:
            assert requirement.specifier.contains(pinned[name], prereleases=True), (line, pinned[name])
