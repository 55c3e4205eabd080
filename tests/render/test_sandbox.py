"""Templates run in Jinja2's sandbox: a template (say, from a pull request of a fork that CI previews)
can shape text but cannot reach Python's internals, run commands or read files."""

from __future__ import annotations

from pathlib import Path

import pytest

from scheduler.errors import TemplateError
from scheduler.render.renderer import Renderer
from tests.conftest import EXAMPLE

ESCAPES = [
    "{{ cycler.__init__.__globals__.os.popen('touch MARKER').read() }}",
    "{{ joiner.__init__.__globals__.__builtins__['open']('MARKER', 'w').write('x') }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ item.__class__.__init__.__globals__ }}",
    "{{ lipsum.__globals__['os'].system('touch MARKER') }}",
    "{{ ('{0.__class__.__mro__}').format(item) }}",
]


@pytest.mark.parametrize("escape", ESCAPES)
def test_a_template_cannot_reach_python_internals(templates: Path, example_issue, escape, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (templates / "x.j2").write_text("Erste Zeile\n" + escape.replace("MARKER", str(tmp_path / "marker")) + "\n")
    with pytest.raises(TemplateError) as info:
        Renderer(templates).render(example_issue, example_issue.items[0], "x")
    assert str(info.value).startswith("template error: ") and "x.j2:2:" in str(info.value)
    assert "\n" not in str(info.value)
    assert not (tmp_path / "marker").exists()


def test_preview_of_a_template_that_runs_a_command_is_one_error_line(run, templates, monkeypatch, tmp_path):
    marker = tmp_path / "ran"
    (templates / "mastodon.j2").write_text(
        "{{ item.body }}\n{{ cycler.__init__.__globals__.os.popen('touch " + str(marker) + "').read() }}\n"
    )
    monkeypatch.setenv("SCHEDULER_TEMPLATES_DIR", str(templates))
    result = run("preview", str(EXAMPLE), "--platform", "mastodon")
    assert result.code == 2, result
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: template error: ") and "mastodon.j2:2:" in lines[0]
    assert "unsafe" in lines[0]
    assert not marker.exists()


def test_what_templates_do_still_works_in_the_sandbox(templates: Path, example_issue):
    """The helpers the packaged templates use: filters, hashtags(), utm(), headline, phrases, footer,
    loops, string methods and formatting."""
    (templates / "mastodon.j2").write_text(
        "{{ headline }}{{ item.title | upper }} {{ '%s/%d' | format('a', 2) }} {{ item.title.split(' ')[0] }}\n"
        "{% for word in ['eins', 'zwei'] %}{{ loop.index }}{{ word }} {% endfor %}{{ phrases.read_more }}\n"
        "{{ item.body | paragraphs | fit }}\n{{ utm(link) if link else '' }} {{ hashtags() }}{{ footer }}"
    )
    post = Renderer(templates).render(example_issue, example_issue.items[1], "mastodon")
    assert post.text.startswith(example_issue.items[1].title.upper())
    assert "a/2" in post.text and "1eins 2zwei" in post.text and "#" in post.text
    for platform in ("x", "bluesky", "linkedin", "threads", "facebook"):  # the packaged templates
        assert Renderer(templates).render(example_issue, example_issue.items[1], platform).text


@pytest.mark.parametrize(
    "expression", ["9 ** 99999999", "'x' * 10 ** 9", "[0] * 10 ** 9", "10 * 'x' * 10 ** 5", "2 ** 100000"]
)
def test_a_template_cannot_tie_up_the_machine_with_one_operation(templates: Path, example_issue, expression):
    """Arithmetic on huge numbers or strings (CPU or memory for minutes) is refused, naming the line."""
    (templates / "x.j2").write_text("{{ item.body }}\n{{ " + expression + " }}\n")
    with pytest.raises(TemplateError, match=r"x\.j2:2: .*too large"):
        Renderer(templates).render(example_issue, example_issue.items[0], "x")


@pytest.mark.parametrize(
    ("expression", "values"), [("a ** b", {"a": 9, "b": 99_999_999}), ("a * b", {"a": 10**9, "b": "x"})]
)
def test_a_too_large_operation_is_refused_before_it_is_computed(
    expression: str, values: dict[str, object], monkeypatch: pytest.MonkeyPatch
):
    """The refusal comes from the operands' sizes, before the operation: Jinja2's own call, which
    computes it, is never reached."""
    from jinja2.exceptions import SecurityError
    from jinja2.sandbox import SandboxedEnvironment

    from scheduler.render.environment import make_environment

    computed: list[str] = []

    def compute(self: SandboxedEnvironment, context: object, operator: str, left: object, right: object) -> object:
        computed.append(operator)
        return 1

    monkeypatch.setattr(SandboxedEnvironment, "call_binop", compute)
    template = make_environment(None).from_string("{{ " + expression + " }}")
    with pytest.raises(SecurityError, match="too large"):
        template.render(**values)
    assert computed == []
    assert make_environment(None).from_string("{{ 3 ** 2 }}").render() == "1"  # the patched call is the one used
    assert computed == ["**"]


def test_ordinary_arithmetic_and_repetition_still_work(templates: Path, example_issue):
    (templates / "x.j2").write_text("{{ '=' * 20 }} {{ 2 ** 10 }} {{ 3 * 4 }} {{ [1, 2] * 2 }} {{ item.title }}")
    text = Renderer(templates).render(example_issue, example_issue.items[0], "x").text
    assert text.startswith("=" * 20 + " 1024 12 [1, 2, 1, 2] ")
