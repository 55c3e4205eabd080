"""Template lookup, helpers and template errors."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from scheduler.errors import TemplateError
from scheduler.models import Issue, IssueOptions
from scheduler.render.renderer import Renderer


def _everywhere(templates: Path, text: str) -> None:
    for template in templates.glob("*.j2"):
        template.write_text(text)


def _issue_with_link(issue: Issue, url: str = "https://example.org/news/12?ref=nl#top") -> Issue:
    item = dataclasses.replace(issue.items[1], links=(url,))
    return dataclasses.replace(issue, items=(issue.items[0], item, *issue.items[2:]))


def test_section_template_wins_over_platform_template_which_wins_over_default(templates: Path, example_issue):
    (templates / "vernetzt.mastodon.j2").write_text("SECTION {{ section }}")
    (templates / "mastodon.j2").write_text("PLATFORM {{ platform }}")
    (templates / "default.j2").write_text("DEFAULT {{ platform }}")
    (templates / "x.j2").unlink()
    renderer = Renderer(templates)
    vernetzt, vorgestellt = example_issue.items[1], example_issue.items[0]
    assert renderer.render(example_issue, vernetzt, "mastodon").text == "SECTION Vernetzt"
    assert renderer.render(example_issue, vorgestellt, "mastodon").text == "PLATFORM mastodon"
    assert renderer.render(example_issue, vorgestellt, "x").text == "DEFAULT x"


def test_missing_templates_folder_is_a_clear_error(tmp_path: Path):
    with pytest.raises(TemplateError, match=r"templates folder .* not found"):
        Renderer(tmp_path / "nope")


def test_undefined_variable_reports_file_and_line(templates: Path, example_issue):
    (templates / "x.j2").write_text("line one\n{{ item.body }}\n{{ item.subtitle }}\n")
    with pytest.raises(TemplateError) as info:
        Renderer(templates).render(example_issue, example_issue.items[0], "x")
    message = str(info.value)
    assert "x.j2:3:" in message and "subtitle" in message


def test_syntax_error_reports_file_and_line(templates: Path, example_issue):
    (templates / "bluesky.j2").write_text("{{ item.body }}\n{% if link %}\nno endif\n")
    with pytest.raises(TemplateError) as info:
        Renderer(templates).render(example_issue, example_issue.items[0], "bluesky")
    assert "bluesky.j2:" in str(info.value)
    assert "endif" in str(info.value) or "end of template" in str(info.value)


def test_fit_may_be_used_once(templates: Path, example_issue):
    (templates / "x.j2").write_text("{{ item.body | fit }} {{ item.title | fit }}")
    with pytest.raises(TemplateError, match="only once"):
        Renderer(templates).render(example_issue, example_issue.items[0], "x")


def test_hashtags_combine_setting_issue_and_section_without_duplicates(templates: Path, example_issue):
    (templates / "mastodon.j2").write_text("{{ hashtags('extra', 'familie') }}")
    issue = dataclasses.replace(
        example_issue,
        options=IssueOptions(hashtags=("AktifPlus", "Familie"), section_hashtags={"Vernetzt": ("Netzwerk",)}),
    )
    renderer = Renderer(templates, hashtags=("ESFPlus",))
    assert renderer.render(issue, issue.items[1], "mastodon").text == "#ESFPlus #AktifPlus #Familie #Netzwerk #extra"
    assert renderer.render(issue, issue.items[0], "mastodon").text == "#ESFPlus #AktifPlus #Familie #extra"


def test_links_are_utm_tagged_per_platform_keeping_query_and_fragment(templates: Path, example_issue):
    _everywhere(templates, "{{ link }}")
    issue = _issue_with_link(example_issue)
    renderer = Renderer(templates)
    post = renderer.render(issue, issue.items[1], "bluesky")
    assert post.text == (
        "https://example.org/news/12?ref=nl&utm_source=bluesky&utm_medium=social"
        "&utm_campaign=2024-12-13-die-vernetzungsstelle-informiert#top"
    )
    assert "utm_source=mastodon" in renderer.render(issue, issue.items[1], "mastodon").text


def test_utm_can_be_switched_off_by_setting_or_issue(templates: Path, example_issue):
    _everywhere(templates, "{{ link }}")
    issue = _issue_with_link(example_issue, "https://example.org/a")
    assert Renderer(templates, utm=False).render(issue, issue.items[1], "x").text == "https://example.org/a"
    off = dataclasses.replace(issue, options=IssueOptions(utm=False))
    assert Renderer(templates).render(off, off.items[1], "x").text == "https://example.org/a"


def test_issue_link_is_used_for_items_without_one(templates: Path, example_issue):
    _everywhere(templates, "{{ link or 'none' }}")
    issue = dataclasses.replace(example_issue, options=IssueOptions(link="https://example.org/issue", utm=False))
    assert Renderer(templates).render(issue, issue.items[0], "x").text == "https://example.org/issue"
    assert Renderer(templates).render(example_issue, example_issue.items[0], "x").text == "none"
