"""Messages are consistent: "1 post" and "2 posts", "does not fit" is exit 1, template errors name
the template and its folder, the binary-file error suggests only formats that are accepted, and
`--help` summaries are whole sentences, never cut off."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import click
import pytest

from scheduler.cli import cli
from scheduler.newsletter.formats import SUFFIXES

ONE_ITEM = "13.12.2024: Die Vernetzungsstelle informiert\n\nVernetzt\n\nNeues Netzwerktreffen in Köln am 20. Januar.\n"


@pytest.fixture
def one_item(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SCHEDULER_DATABASE_URL", f"sqlite:///{tmp_path / 'queue.sqlite3'}")
    path = tmp_path / "one.txt"
    path.write_text(ONE_ITEM, encoding="utf-8")
    return path


def test_one_post_is_one_post_in_queue_add(run, one_item):
    first = run("queue", "add", str(one_item), "-p", "x", "--start", "2030-01-07")
    assert first.code == 0, first
    assert "queued 1 post (drafts awaiting approval); 0 were queued already" in first.out
    again = run("queue", "add", str(one_item), "-p", "x", "--start", "2030-01-07")
    assert "queued 0 posts (drafts awaiting approval); 1 was queued already" in again.out


def test_one_post_is_one_post_in_the_previews(run, one_item, tmp_path):
    text = run("preview", str(one_item), "-p", "x")
    assert " · 1 item · " in text.out and "1 of 1 post fits." in text.out
    markdown = run("preview", str(one_item), "-p", "x", "--format", "markdown")
    assert " · 1 item · 1 post · " in markdown.out
    written = run("preview", str(one_item), "-p", "x", "-o", str(tmp_path / "preview.txt"))
    assert f"wrote {tmp_path / 'preview.txt'}: 1 post, 1 fits" in written.err


def test_one_attempt_is_one_attempt():
    from scheduler.errors import TransientError
    from scheduler.platforms.base import PublishResult  # noqa: F401  (the publisher contract the fake follows)
    from scheduler.publishing import Dispatcher, RetryPolicy
    from scheduler.storage import Store
    from tests.test_publishing import Clock, ScriptedPublisher, queue

    store = Store.open("sqlite://")
    (post_id,) = queue(store, "a")
    Dispatcher(
        store, ScriptedPublisher(TransientError("could not connect")), worker="w", policy=RetryPolicy(max_attempts=1)
    ).dispatch_due(now=Clock())
    assert store.history(post_id)[-1].reason == "gave up after 1 attempt: could not connect"


def test_quota_and_expiry_count_in_words():
    from scheduler.accountcheck import expiry, quota

    class OneLeft:
        def quota_left(self) -> int:
            return 1

    assert quota(OneLeft()) == "1 post left in its 24-hour publishing quota"
    now = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    assert "(in 1 day)" in expiry("2030-01-02T00:00:00+00:00", now, "x")


def test_one_alt_text_for_two_images_says_so(run, one_item, tmp_path):
    from tests.imagefiles import png

    for name in ("a.png", "b.png"):
        (tmp_path / name).write_bytes(png())
    (tmp_path / "extra.csv").write_text(
        "platform,publish_at,text,image,alt\nmastodon,2030-02-03T10:00,Hallo,a.png|b.png,Erstes|Zweites|Drittes\n",
        encoding="utf-8",
    )
    result = run("queue", "import-csv", str(tmp_path / "extra.csv"))
    assert result.code == 2 and "3 alt texts for 2 images" in result.err
    (tmp_path / "extra.csv").write_text(
        "platform,publish_at,text,image,alt\nmastodon,2030-02-03T10:00,Hallo,a.png,Erstes|Zweites\n", encoding="utf-8"
    )
    assert "2 alt texts for 1 image;" in run("queue", "import-csv", str(tmp_path / "extra.csv")).err


def test_an_image_for_an_item_past_the_end_counts_one_item(run, one_item):
    one_item.with_suffix(".toml").write_text('[[images]]\nitem = 2\npath = "a.png"\nalt = "Bild"\n', encoding="utf-8")
    from tests.imagefiles import png

    (one_item.parent / "a.png").write_bytes(png())
    result = run("preview", str(one_item))
    assert result.code == 2 and "but the issue has 1 item;" in result.err


# -- does not fit: exit 1 everywhere -----------------------------------------------------------------


def test_does_not_fit_is_exit_1_in_queue_edit_as_in_preview_and_queue_add(run, one_item):
    assert run("queue", "add", str(one_item), "-p", "x", "--start", "2030-01-07").code == 0
    edited = run("queue", "edit", "1", "--text", "a" * 281)
    assert edited.code == 1 and edited.err.startswith("does not fit: post 1 on x: ")
    assert len(edited.err.strip().splitlines()) == 1


# -- template errors name the template and the folder ------------------------------------------------


def _preview_with(run, one_item, tmp_path, template: str, name: str = "x.j2"):
    folder = tmp_path / "my-templates"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(template, encoding="utf-8")
    return run("preview", str(one_item), "-p", "x"), folder


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ("{{ item.titel }}", "x.j2:1: undefined: item has no attribute 'titel'"),
        ("{{ item.title ", "x.j2:1: unexpected end of template"),
        ("{{ item.title | nofilter }}", "x.j2:1: No filter named 'nofilter'"),
        (
            '{% include "footer.j2" %}',
            "x.j2:1: template 'footer.j2' not found in {folder} or the default templates (included or extended)",
        ),
    ],
)
def test_template_errors_name_the_template_and_the_folder(run, one_item, tmp_path, monkeypatch, template, problem):
    monkeypatch.setenv("SCHEDULER_TEMPLATES_DIR", str(tmp_path / "my-templates"))
    result, folder = _preview_with(run, one_item, tmp_path, template)
    assert result.code == 2
    assert problem.format(folder=folder) in result.err and str(folder) in result.err, result.err
    assert "scheduler.models" not in result.err and " object" not in result.err


# -- the binary-file error suggests only accepted forms ----------------------------------------------


def test_the_binary_file_error_suggests_only_formats_that_are_accepted(run, tmp_path):
    path = tmp_path / "issue.txt"
    path.write_bytes(b"\x00\x01\x02binary" * 100)
    result = run("preview", str(path))
    assert result.code == 2 and "not a newsletter (binary content)" in result.err
    suggested = set(re.findall(r"\.[a-z]+\b", result.err.split("binary content", 1)[1]))
    assert suggested and suggested <= SUFFIXES, result.err
    for unsupported in ("PDF", "Word", ".docx"):
        assert unsupported not in result.err


# -- --help summaries are never cut --------------------------------------------------------------------


def _commands(group: click.Group, ctx: click.Context) -> dict[str, click.Command]:
    return {name: group.get_command(ctx, name) for name in group.list_commands(ctx)}


@pytest.mark.parametrize("path", [(), ("queue",), ("accounts",)])
@pytest.mark.parametrize("columns", ["80", "60"])
def test_help_summaries_are_whole_sentences(run, monkeypatch, path, columns):
    monkeypatch.setenv("COLUMNS", columns)
    result = run(*path, "--help")
    assert result.code == 0
    listing = result.out.split("Commands:", 1)[1]
    assert "..." not in listing
    group = cli
    ctx = click.Context(cli, info_name="scheduler")
    for name in path:
        group = group.get_command(ctx, name)
    flat = " ".join(listing.split())
    for name, command in _commands(group, ctx).items():
        first = " ".join((command.help or "").split("\n\n", 1)[0].split())
        sentence = first[: first.index(". ") + 1] if ". " in first else first
        assert f"{name} {sentence}" in flat, (name, sentence)
