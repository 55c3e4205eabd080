"""The command line as staff and CI use it: formats, exit codes, and one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE, ROOT

PLATFORMS = ["linkedin", "mastodon", "bluesky", "x", "threads", "facebook"]


def test_preview_json_of_the_example_issue(run):
    result = run("preview", str(EXAMPLE), "--format", "json")
    assert result.code == 0, result
    data = json.loads(result.out)
    (issue,) = data["issues"]
    assert issue["title"] == "Die Vernetzungsstelle informiert"
    assert issue["date"] == "2024-12-13" and issue["language"] == "de" and issue["items"] == 6
    assert len(issue["posts"]) == 6 * 6
    assert {post["platform"] for post in issue["posts"]} == set(PLATFORMS)
    keys = {"item_id", "section", "title", "platform", "text", "parts", "length", "limit", "fits", "links", "payload"}
    for post in issue["posts"]:
        assert keys <= set(post)
        assert post["fits"] and post["length"] <= post["limit"]
        assert post["parts"] and "\n\n".join(post["parts"]) == post["text"]
    linkedin = next(p for p in issue["posts"] if p["platform"] == "linkedin")
    assert "Akti\\(F\\) Plus" in linkedin["payload"]["commentary"]


def test_preview_defaults_to_the_posts_folder(run):
    result = run("preview", "--format", "json")
    assert result.code == 0, result
    assert json.loads(result.out)["issues"][0]["source"].endswith("2024-12-13-vernetzungsstelle.txt")


def test_preview_text_shows_item_platform_length_and_limit(run):
    result = run("preview", str(EXAMPLE), "--platform", "x", "--platform", "bluesky")
    assert result.code == 0, result
    assert "[1/6] Vorgestellt" in result.out
    assert "x — " in result.out and "/280" in result.out and "/300" in result.out
    assert "linkedin" not in result.out
    assert "12 of 12 posts fit." in result.out


def test_preview_markdown_has_a_summary_table(run):
    result = run("preview", str(EXAMPLE), "--format", "markdown", "-p", "mastodon")
    assert result.code == 0
    assert "| # | Section | Item | mastodon |" in result.out
    assert result.out.count("<details>") == 6
    assert "✅ every post fits" in result.out


def test_preview_html_is_self_contained_with_a_card_per_post(run, tmp_path):
    target = tmp_path / "preview.html"
    result = run("preview", str(EXAMPLE), "--format", "html", "--output", str(target))
    assert result.code == 0, result
    html = target.read_text(encoding="utf-8")
    assert html.count('<article class="card') == 36
    for external in ("<script src", "<link ", "@import", "url(http", "<img"):
        assert external not in html
    assert "Akti(F) Plus" in html  # the text as readers will see it, not escaped for the API
    assert f"wrote {target}" in result.err


def test_preview_exits_1_and_prints_each_reason_when_a_post_does_not_fit(run, templates, monkeypatch):
    (templates / "x.j2").write_text("{{ item.body }}")
    monkeypatch.setenv("SCHEDULER_TEMPLATES_DIR", str(templates))
    result = run("preview", str(EXAMPLE), "--platform", "x", "--format", "json")
    assert result.code == 1
    misfits = [p for p in json.loads(result.out)["issues"][0]["posts"] if not p["fits"]]
    assert misfits
    assert result.err.count("does not fit:") == len(misfits)
    assert "exceeds the limit of 280" in result.err


def test_output_file_is_not_written_on_bad_input(run, tmp_path):
    target = tmp_path / "out.json"
    result = run("preview", str(EXAMPLE), str(tmp_path / "missing.txt"), "--format", "json", "-o", str(target))
    assert result.code == 2
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def _one_line_error(result) -> str:
    assert result.code == 2, result
    assert result.out == ""
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert "Traceback" not in result.err
    assert lines[0].startswith("error: ")
    return lines[0]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "not a newsletter (binary content)"),
        (b"", "the file is empty"),
        (b"\n\n   \n", "the file is empty"),
        (b"Hauptnavigation\n\nInformationen\n", "no newsletter items found"),
    ],
)
def test_bad_files_give_one_line_and_exit_2(run, tmp_path, content, message):
    path = tmp_path / "issue.txt"
    path.write_bytes(content)
    line = _one_line_error(run("preview", str(path)))
    assert message in line and str(path) in line


def test_cp1252_file_is_read_correctly(run, tmp_path):
    path = tmp_path / "issue.txt"
    path.write_bytes(EXAMPLE.read_text(encoding="utf-8").replace("\u2212", "-").encode("cp1252"))
    result = run("preview", str(path), "--format", "json", "-p", "x")
    assert result.code == 0
    assert "Düren" in json.loads(result.out)["issues"][0]["posts"][0]["text"]


def test_missing_path(run, tmp_path):
    assert "no such file or folder" in _one_line_error(run("preview", str(tmp_path / "nope.txt")))


def test_unknown_platform(run):
    line = _one_line_error(run("preview", str(EXAMPLE), "--platform", "myspace"))
    assert "unknown platform 'myspace'" in line and "linkedin" in line


def test_unknown_format(run):
    assert "--format" in _one_line_error(run("preview", str(EXAMPLE), "--format", "pdf"))


def test_template_syntax_error(run, templates, monkeypatch):
    (templates / "mastodon.j2").write_text("{{ item.body }\n")
    monkeypatch.setenv("SCHEDULER_TEMPLATES_DIR", str(templates))
    line = _one_line_error(run("preview", str(EXAMPLE)))
    assert "mastodon.j2:1:" in line


def test_invalid_setting(run, monkeypatch):
    monkeypatch.setenv("SCHEDULER_MASTODON_MAX_CHARACTERS", "lots")
    line = _one_line_error(run("preview", str(EXAMPLE)))
    assert "SCHEDULER_MASTODON_MAX_CHARACTERS=lots" in line and "whole number" in line


def test_count_text_argument(run):
    result = run("count", "Grüße aus Köln 👋 https://example.org/a/very/long/path")
    assert result.code == 0
    lines = {line.split()[0]: line for line in result.out.splitlines()}
    assert set(lines) == set(PLATFORMS)
    assert lines["x"].split()[1] == str(15 + 2 + 1 + 23)
    assert "/ 280" in lines["x"]


def test_count_json_from_stdin(run, monkeypatch):
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO("Akti(F) Plus #Familie\n"))
    result = run("count", "-", "--format", "json")
    data = json.loads(result.out)
    assert set(data) == set(PLATFORMS)
    assert data["linkedin"] == {"length": len("Akti\\(F\\) Plus {hashtag|\\#|Familie}"), "limit": 3000, "fits": True}
    assert data["x"]["length"] == 21


def test_count_exits_1_when_too_long_somewhere(run):
    result = run("count", "a" * 400, "--format", "json")
    assert result.code == 1
    assert json.loads(result.out)["x"]["fits"] is False
    assert json.loads(result.out)["linkedin"]["fits"] is True


def _subprocess(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEDULER_")}
    return subprocess.run(args, capture_output=True, text=True, cwd=cwd, env=env, timeout=60)


def test_python_dash_m_runs_the_cli():
    result = _subprocess(sys.executable, "-m", "scheduler", "preview", "--format", "json", "-p", "x")
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)["issues"][0]["posts"]) == 6


def test_console_script_help_and_error_without_traceback():
    script = Path(sys.executable).with_name("scheduler")
    if not script.exists():
        pytest.skip("the scheduler console script is not installed (pip install -e .)")
    assert "preview" in _subprocess(str(script), "--help").stdout
    failed = _subprocess(str(script), "preview", "does-not-exist.txt")
    assert failed.returncode == 2
    assert failed.stderr.strip() == "error: does-not-exist.txt: no such file or folder; check the path"


def test_every_command_has_help_with_an_example():
    import click

    from scheduler.cli import cli

    names = cli.list_commands(click.Context(cli))
    assert set(names) >= {"preview", "count", "queue", "run", "status", "auth", "accounts"}
    for name in names:
        command = cli.get_command(click.Context(cli), name)
        assert command is not None and command.help and "Example:" in command.help, f"{name} needs help with an example"


def test_count_of_nothing_is_a_usage_error(run, monkeypatch):
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    result = run("count", "-")
    assert result.code == 2 and "nothing to count" in result.err
