"""The default templates ship inside the package, so the tool works from any folder; a `templates/`
folder in the working directory (or SCHEDULER_TEMPLATES_DIR) overrides them file by file. The
project's top-level `templates/` is the team's editable copy of the same defaults."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from scheduler.errors import TemplateError
from scheduler.render.environment import PACKAGED
from scheduler.render.renderer import Renderer
from tests.conftest import ROOT, TEMPLATES


def test_the_top_level_templates_are_the_packaged_defaults():
    shipped = {path.name: path.read_text(encoding="utf-8") for path in PACKAGED.glob("*.j2")}
    editable = {path.name: path.read_text(encoding="utf-8") for path in TEMPLATES.glob("*.j2")}
    assert shipped, f"no default templates in {PACKAGED}"
    for name in sorted(shipped.keys() | editable.keys()):
        assert editable.get(name) == shipped.get(name), (
            f"templates/{name} and scheduler/render/templates/{name} differ: change both (the packaged one "
            "is what `pip install` ships, templates/ what the team edits)"
        )


def test_the_packaged_templates_are_package_data():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "render/templates/*.j2" in project["tool"]["setuptools"]["package-data"]["scheduler"]


def test_without_a_templates_folder_the_packaged_defaults_are_used(example_issue):
    post = Renderer(None).render(example_issue, example_issue.items[0], "mastodon")
    assert post.fits and post.text.startswith("KArAD")


def test_a_team_folder_overrides_the_defaults_file_by_file(tmp_path: Path, example_issue):
    (tmp_path / "mastodon.j2").write_text("EIGEN {{ platform }}")
    renderer = Renderer(tmp_path)
    assert renderer.render(example_issue, example_issue.items[0], "mastodon").text == "EIGEN mastodon"
    default = Renderer(None).render(example_issue, example_issue.items[0], "x").text
    assert renderer.render(example_issue, example_issue.items[0], "x").text == default


def test_the_team_default_template_wins_over_the_packaged_platform_template(tmp_path: Path, example_issue):
    (tmp_path / "default.j2").write_text("TEAM {{ platform }}")
    assert Renderer(tmp_path).render(example_issue, example_issue.items[0], "bluesky").text == "TEAM bluesky"


def test_a_templates_folder_that_was_named_but_is_missing_is_an_error(tmp_path: Path):
    with pytest.raises(TemplateError, match=r"templates folder .*nope.* not found"):
        Renderer(tmp_path / "nope")


def test_preview_works_from_a_folder_without_templates(run, monkeypatch, tmp_path):
    monkeypatch.delenv("SCHEDULER_TEMPLATES_DIR")
    monkeypatch.chdir(tmp_path)
    result = run("preview", str(ROOT / "posts"), "-p", "mastodon")
    assert result.code == 0, result.err
    assert "KArAD" in result.out


def test_preview_uses_a_templates_folder_in_the_working_directory(run, monkeypatch, tmp_path):
    monkeypatch.delenv("SCHEDULER_TEMPLATES_DIR")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "mastodon.j2").write_text("Aus dem Team-Ordner: {{ item.title }}")
    result = run("preview", str(ROOT / "posts"), "-p", "mastodon")
    assert result.code == 0, result.err
    assert "Aus dem Team-Ordner: KArAD" in result.out


def test_a_missing_templates_dir_setting_is_an_error(run, monkeypatch, tmp_path):
    monkeypatch.setenv("SCHEDULER_TEMPLATES_DIR", str(tmp_path / "nope"))
    result = run("preview", str(ROOT / "posts"), "-p", "mastodon")
    assert result.code == 2 and "nope" in result.err and "SCHEDULER_TEMPLATES_DIR" in result.err
