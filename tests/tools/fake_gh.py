"""A stand-in for the GitHub CLI's `gh api`, for running the example workflow's comment step in the
tests (tests/test_ci_examples.py) without GitHub: the pull request's comments live in a JSON file.

It takes only what that step uses, as `gh help api` documents it — `--paginate` (every page, each
filtered by `--jq` on its own, as gh does), `--jq` (run by the real jq, which prints strings raw like
gh), `--method`/`-X`, `-F`/`--field` (`@file` reads the value from a file), `-f`/`--raw-field`,
`--silent` — and refuses anything else, so that a changed workflow fails the test instead of passing
against a fake that ignores what it does not know. Like gh in a workflow it needs GH_TOKEN, and it
acts as the workflow's bot: editing someone else's comment is refused (HTTP 403), as GitHub does.

The state file (FAKE_GH_STATE): {"comments": {"owner/repo#7": [{"id", "user": {"login", "type"},
"body"}, …]}, "next_id": 1000, "calls": [["GET", "repos/…"], …]}; FAKE_GH_PAGE_SIZE sets the page
size (GitHub's default is 30).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

BOT = {"login": "github-actions[bot]", "type": "Bot"}
LIST = re.compile(r"repos/([^/]+/[^/]+)/issues/(\d+)/comments")
ONE = re.compile(r"repos/([^/]+/[^/]+)/issues/comments/(\d+)")


class Failure(Exception):
    """gh's answer to an HTTP error: a message on stderr and exit status 1."""


def main(argv: list[str]) -> int:
    if argv[:1] != ["api"]:
        return _refuse(f"only 'gh api' is faked, not {argv[:1]}")
    if not os.environ.get("GH_TOKEN"):
        print(
            "gh: To use GitHub CLI in a GitHub Actions workflow, set the GH_TOKEN environment variable.",
            file=sys.stderr,
        )
        return 4
    try:
        options = _parse(argv[1:])
    except ValueError as error:
        return _refuse(str(error))
    state_file = Path(os.environ["FAKE_GH_STATE"])
    state = json.loads(state_file.read_text(encoding="utf-8"))
    state["calls"].append([options["method"], options["endpoint"]])
    try:
        pages = _answer(state, options)
    except Failure as error:
        print(f"gh: {error}", file=sys.stderr)
        return 1
    finally:
        state_file.write_text(json.dumps(state, indent=1), encoding="utf-8")
    if options["silent"]:
        return 0
    for page in pages:
        if options["jq"] is None:
            sys.stdout.write(json.dumps(page) + "\n")
            continue
        result = subprocess.run(
            ["jq", "-r", options["jq"]], input=json.dumps(page), capture_output=True, text=True, check=False
        )
        if result.returncode:
            print(f"gh: jq: {result.stderr.strip()}", file=sys.stderr)
            return 1
        sys.stdout.write(result.stdout)
    return 0


def _parse(args: list[str]) -> dict[str, Any]:
    options: dict[str, Any] = {"paginate": False, "jq": None, "method": None, "fields": {}, "silent": False}
    endpoint = None
    arguments = iter(args)
    for argument in arguments:
        if argument == "--paginate":
            options["paginate"] = True
        elif argument == "--silent":
            options["silent"] = True
        elif argument in ("--jq", "-q"):
            options["jq"] = next(arguments)
        elif argument in ("--method", "-X"):
            options["method"] = next(arguments).upper()
        elif argument in ("-F", "--field", "-f", "--raw-field"):
            key, _, value = next(arguments).partition("=")
            if argument in ("-F", "--field") and value.startswith("@"):
                value = Path(value[1:]).read_text(encoding="utf-8")
            options["fields"][key] = value
        elif argument.startswith("-"):
            raise ValueError(f"the option {argument} is not faked")
        elif endpoint is None:
            endpoint = argument
        else:
            raise ValueError(f"a second endpoint {argument!r}")
    if endpoint is None:
        raise ValueError("no endpoint")
    options["endpoint"] = endpoint.lstrip("/")
    options["method"] = options["method"] or ("POST" if options["fields"] else "GET")
    return options


def _answer(state: dict[str, Any], options: dict[str, Any]) -> list[Any]:
    """The response's pages (one, unless a paginated list)."""
    method, endpoint, fields = options["method"], options["endpoint"], options["fields"]
    if match := LIST.fullmatch(endpoint):
        comments = state["comments"].setdefault(f"{match[1]}#{match[2]}", [])
        if method == "GET":
            size = int(os.environ.get("FAKE_GH_PAGE_SIZE", "30"))
            pages = [comments[start : start + size] for start in range(0, len(comments), size)] or [[]]
            return pages if options["paginate"] else pages[:1]
        if method == "POST":
            comment = {"id": state["next_id"], "user": BOT, "body": _body(fields)}
            state["next_id"] += 1
            comments.append(comment)
            return [comment]
    elif match := ONE.fullmatch(endpoint):
        found: dict[str, Any] | None = next(
            (
                c
                for key, cs in state["comments"].items()
                if key.startswith(f"{match[1]}#")
                for c in cs
                if c["id"] == int(match[2])
            ),
            None,
        )
        if found is None:
            raise Failure("Not Found (HTTP 404)")
        comment = found
        if method == "PATCH":
            if comment["user"] != BOT:
                raise Failure("Resource not accessible by integration (HTTP 403)")
            comment["body"] = _body(fields)
            return [comment]
        if method == "GET":
            return [comment]
    raise Failure(f"Not Found (HTTP 404): {method} {endpoint} is not faked")


def _body(fields: dict[str, str]) -> str:
    if set(fields) != {"body"}:
        raise Failure(f"Invalid request (HTTP 422): fields {sorted(fields)}, expected body")
    return fields["body"]


def _refuse(message: str) -> int:
    print(f"fake gh: {message}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
