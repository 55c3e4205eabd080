"""The deployment examples (examples/deploy/): a systemd template unit, a container image and a
compose file with PostgreSQL and several workers, and the environment file they share.

What can be checked without systemd running, a container engine or the network: the unit passes
`systemd-analyze verify` and its hardening rates as such (`systemd-analyze security --offline`);
the compose file matches the Compose Specification (check-jsonschema's vendored schema) and builds
the Containerfile of the repository; the Containerfile copies files that exist and installs an
extra and a command the package has; every SCHEDULER_ name in them is a setting; a stop waits longer
than a request may take; and the take-over time they state is the one the daemon's figures give.
"""

from __future__ import annotations

import importlib.util
import inspect
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from scheduler import settingnames
from scheduler.daemon import HEARTBEAT_SECONDS, IN_FLIGHT_GRACE_SECONDS
from scheduler.platforms.http import HttpClient
from tests.conftest import ROOT

DEPLOY = ROOT / "examples" / "deploy"
UNIT = DEPLOY / "scheduler@.service"
CONTAINERFILE = DEPLOY / "Containerfile"
COMPOSE = DEPLOY / "compose.yaml"
ENV_FILE = DEPLOY / "scheduler.env"
FILES = (UNIT, CONTAINERFILE, COMPOSE, ENV_FILE)
BIN = Path(sys.executable).parent  # the environment's scripts: scheduler, check-jsonschema
#: Where the unit expects the package's virtual environment (its install comment makes it there).
INSTALLED = "/opt/scheduler/bin/scheduler"
#: How long one request may take (the timeout of every platform's requests).
REQUEST_SECONDS = float(inspect.signature(HttpClient).parameters["timeout"].default)


def _unit(text: str) -> dict[str, dict[str, list[str]]]:
    """Sections of a unit file, each key with every value it is given (keys may repeat)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def _seconds(value: str) -> float:
    """A systemd or compose duration ('180s', '3min', '2m30s', '90') in seconds."""
    units = {"": 1, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600}
    parts = re.findall(r"(\d+(?:\.\d+)?)\s*([a-z]*)", value)
    assert parts and "".join(n + u for n, u in parts) == value.replace(" ", ""), value
    return sum(float(number) * units[unit] for number, unit in parts)


def _compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _instructions() -> list[tuple[str, str]]:
    """The Containerfile's instructions (continuation lines joined, comments left out)."""
    joined = re.sub(
        r"\\\n",
        " ",
        "\n".join(
            line for line in CONTAINERFILE.read_text(encoding="utf-8").splitlines() if not line.lstrip().startswith("#")
        ),
    )
    found = []
    for line in joined.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def _stage_of_final_image() -> list[tuple[str, str]]:
    instructions = _instructions()
    last_from = max(n for n, (word, _) in enumerate(instructions) if word == "FROM")
    return instructions[last_from:]


# --- the systemd unit -------------------------------------------------------------------------------


def _unit_copy(folder: Path, text: str | None = None) -> Path:
    """The unit in `folder`, running this environment's `scheduler` (systemd-analyze verify checks
    that the command exists; the unit names where its install comment puts it)."""
    text = UNIT.read_text(encoding="utf-8") if text is None else text
    assert INSTALLED in text
    copy = folder / UNIT.name
    copy.write_text(text.replace(INSTALLED, str(BIN / "scheduler")), encoding="utf-8")
    return folder / "scheduler@1.service"


def _systemd_analyze() -> str:
    found = shutil.which("systemd-analyze")
    if found is None:
        pytest.skip("systemd-analyze is missing (Debian and Ubuntu: apt-get install systemd): the unit is not verified")
    return found


def test_the_unit_passes_systemd_analyze_verify(tmp_path: Path):
    analyze = _systemd_analyze()
    instance = _unit_copy(tmp_path)
    done = subprocess.run(
        [analyze, "verify", "--man=no", str(instance)], capture_output=True, text=True, timeout=60, check=False
    )
    assert (done.returncode, done.stdout + done.stderr) == (0, "")
    # and the check sees a misspelt option (it only warns: its output is what fails the test above)
    broken = tmp_path / "broken"
    broken.mkdir()
    misspelt = UNIT.read_text(encoding="utf-8").replace("TimeoutStopSec=", "TimeoutStopSecs=")
    done = subprocess.run(
        [analyze, "verify", "--man=no", str(_unit_copy(broken, misspelt))],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "Unknown key 'TimeoutStopSecs'" in done.stdout + done.stderr


def test_the_unit_is_hardened(tmp_path: Path):
    analyze = _systemd_analyze()
    done = subprocess.run(
        [analyze, "security", "--offline=yes", str(_unit_copy(tmp_path))],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    level = re.search(r"Overall exposure level for scheduler@1\.service: (\d+\.\d+)", done.stdout + done.stderr)
    assert level is not None, done.stdout + done.stderr
    # systemd's scale: 0 (locked down) to 10 (unprotected); "OK" is below 2.5. A worker needs the
    # network (no address allow-list is possible for the platforms' APIs), so 0 is out of reach.
    assert float(level.group(1)) <= 2.0, done.stdout[-3000:]


def test_the_unit_runs_the_daemon_as_its_own_user_restarts_it_and_stops_it_with_sigterm():
    unit = _unit(UNIT.read_text(encoding="utf-8"))
    service = unit["Service"]
    assert service["ExecStart"] == [f"{INSTALLED} run"]
    assert service["User"] and service["User"][0] not in ("root", "0")
    assert "/etc/scheduler/scheduler.env" in service["EnvironmentFile"]
    assert service["Restart"] == ["on-failure"]
    assert service["KillSignal"] == ["SIGTERM"]
    # a stop lets the posts in flight finish: a request, and then some
    assert _seconds(service["TimeoutStopSec"][0]) >= 3 * REQUEST_SECONDS
    assert unit["Install"]["WantedBy"] == ["multi-user.target"]


# --- the container image and compose ------------------------------------------------------------------


def test_compose_matches_the_compose_specification(tmp_path: Path):
    if importlib.util.find_spec("check_jsonschema") is None:
        pytest.skip("check-jsonschema is missing: pip install -e '.[test]' (or .ci/run) installs it")
    check = [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.compose-spec"]
    done = subprocess.run([*check, str(COMPOSE)], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    broken = tmp_path / "compose.yaml"  # the schema knows the keys: a misspelt one fails
    broken.write_text(COMPOSE.read_text(encoding="utf-8").replace("stop_grace_period:", "stop_grace_periode:"))
    done = subprocess.run([*check, str(broken)], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode != 0, done.stdout


def test_compose_runs_postgresql_and_several_workers_built_from_the_repository():
    services = _compose()["services"]
    worker, database = services["worker"], services["postgres"]
    assert worker["deploy"]["replicas"] >= 2
    context = (DEPLOY / worker["build"]["context"]).resolve()
    assert context == ROOT
    assert (context / worker["build"]["dockerfile"]).resolve() == CONTAINERFILE
    assert worker["command"] == ["run"]
    assert worker["stop_signal"] == "SIGTERM"
    assert _seconds(worker["stop_grace_period"]) >= 3 * REQUEST_SECONDS
    assert worker["restart"] == "on-failure"
    assert worker["user"] not in ("root", "0") and "ALL" in worker["cap_drop"]
    assert all((DEPLOY / name).is_file() for name in worker["env_file"])
    # the workers' database is the compose file's PostgreSQL, which they wait for
    url = worker["environment"]["SCHEDULER_DATABASE_URL"]
    host = re.match(r"postgresql\+psycopg://[^@/]+@([^:/]+)[:/]", url)
    assert host is not None and host.group(1) == "postgres", url
    assert worker["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "healthcheck" in database
    assert worker["environment"]["PGPASSWORD"] == database["environment"]["POSTGRES_PASSWORD"]


def test_the_containerfile_copies_files_that_exist_and_installs_what_the_package_has():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    instructions = _instructions()
    copies = [rest for word, rest in instructions if word == "COPY" and not rest.startswith("--from")]
    assert copies
    for rest in copies:
        *sources, _ = rest.split()
        for source in sources:
            assert (ROOT / source).exists(), f"COPY {source}: no such file in the repository"
    # everything pip reads is copied: the readme pyproject.toml names, the constraint files it is given
    copied = {Path(source).as_posix().rstrip("/") for rest in copies for source in rest.split()[:-1]}
    assert {"pyproject.toml", pyproject["project"]["readme"], "scheduler"} <= copied
    runs = " ".join(rest for word, rest in instructions if word == "RUN")
    for option in ("--constraint", "--build-constraint"):
        named = re.findall(rf"{option} (\S+)", runs)
        assert named and all(name in copied for name in named), (option, named)
    extras = re.findall(r"'\.\[([^\]]+)\]'", runs)
    assert extras and set(extras[0].split(",")) <= set(pyproject["project"]["optional-dependencies"])
    assert "postgres" in extras[0]
    # the image: its Python is one the package supports; it runs `scheduler run` as a user of its own
    image = dict(_stage_of_final_image())
    version = re.match(r"python:(\d+)\.(\d+)", image["FROM"])
    required = re.fullmatch(r">=(\d+)\.(\d+)", pyproject["project"]["requires-python"])
    assert version is not None and required is not None
    assert tuple(map(int, version.groups())) >= tuple(map(int, required.groups()))
    assert image["ENTRYPOINT"] == '["scheduler"]' and "scheduler" in pyproject["project"]["scripts"]
    assert image["CMD"] == '["run"]'
    assert image["USER"] not in ("root", "0")
    assert image["STOPSIGNAL"] == "SIGTERM"


# --- what all of them say ---------------------------------------------------------------------------


def test_every_setting_named_in_the_files_is_a_setting():
    names = set()
    for path in FILES:
        names.update(re.findall(r"\bSCHEDULER_[A-Z0-9_]+", path.read_text(encoding="utf-8")))
    assert {"SCHEDULER_DATABASE_URL", "SCHEDULER_CONCURRENCY"} <= names
    assert {name: settingnames.problem(name) for name in names if settingnames.problem(name)} == {}


def test_the_environment_file_is_read_alike_by_systemd_compose_and_the_tool():
    # plain NAME=value lines: no quotes, spaces or `export`, which systemd and compose read differently
    for number, line in enumerate(ENV_FILE.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip() and not line.startswith("#"):
            assert re.fullmatch(r"[A-Z][A-Z0-9_]*=[^\s\"'#]*", line), f"line {number}: {line}"
    assert settingnames.name_problems({}, ENV_FILE) == []


def test_the_paths_the_files_name_exist():
    for path in FILES:
        for named in re.findall(r"examples/deploy/[\w@.-]+", path.read_text(encoding="utf-8")):
            assert (ROOT / named).is_file(), f"{path.name} names {named}"


def test_the_stated_take_over_time_is_the_daemons():
    """A dead worker is one whose heartbeat is 3 heartbeats old; the live workers' orphans job runs
    every 3 heartbeats and leaves a post touched less than IN_FLIGHT_GRACE_SECONDS ago for a later
    pass. Both waits count from moments before the death, so they overlap: the first pass at least
    max(3 heartbeats, grace) after the death takes the posts over, and passes are 3 heartbeats apart."""
    worst = max(3 * HEARTBEAT_SECONDS, IN_FLIGHT_GRACE_SECONDS) + 3 * HEARTBEAT_SECONDS
    for path in (UNIT, COMPOSE):
        assert f"within about {worst:.0f} s" in path.read_text(encoding="utf-8"), path.name
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Several workers") :]
    section = section[: section.index("\n## ", 1)]
    assert f"{worst:.0f} s" in section
