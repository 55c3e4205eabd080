"""Posts as code: a single post kept as a Markdown file with a front matter beside the issues,
checked by `scheduler check` (for CI) and queued by `queue add` where and when it says."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scheduler.storage import Store
from tests.conftest import EXAMPLE
from tests.imagefiles import png

SOMMERFEST = """---
platforms: [mastodon, bluesky]
publish_at: 2030-06-02 09:00
title: Sommerfest im Familienzentrum
link: https://familienzentrum-beispiel.de/sommerfest
images:
  - path: sommerfest.png
    alt: Kinder beim Dosenwerfen auf dem Sommerfest 2029
---
Am 14. Juni feiern wir von 14 bis 18 Uhr unser **Sommerfest** im Garten – mit Kinderschminken,
Dosenwerfen und Kuchen.

Der Eintritt ist frei.
"""


@pytest.fixture
def posts(tmp_path: Path) -> Path:
    folder = tmp_path / "posts"
    folder.mkdir()
    shutil.copy(EXAMPLE, folder)
    (folder / "sommerfest.png").write_bytes(png())
    (folder / "2030-06-02-sommerfest.md").write_text(SOMMERFEST, encoding="utf-8")
    return folder


def test_check_passes_a_folder_of_issues_and_single_posts(run, posts: Path, sqlite_queue: Path):
    result = run("check", str(posts))
    assert result.code == 0, result
    assert result.out.splitlines() == [
        f"ok: {posts / '2024-12-13-vernetzungsstelle.txt'}: 6 items, 36 posts",
        f"ok: {posts / '2030-06-02-sommerfest.md'}: single post, 2 posts",
        "checked 2 files: every post fits",
    ]


def test_queue_add_puts_a_single_post_on_its_platforms_at_its_time(run, posts: Path, sqlite_queue: Path):
    result = run("queue", "add", str(posts / "2030-06-02-sommerfest.md"), "--approve")
    assert result.code == 0, result
    store = Store.open(f"sqlite:///{sqlite_queue}")
    try:
        queued = store.list_posts()
    finally:
        store.close()
    assert sorted(post.platform for post in queued) == ["bluesky", "mastodon"]
    assert {post.publish_at.isoformat() for post in queued} == {"2030-06-02T07:00:00+00:00"}  # 09:00 in Berlin
    mastodon = next(post for post in queued if post.platform == "mastodon")
    text = mastodon.parts[0]
    assert text.startswith("Sommerfest im Familienzentrum")
    assert "unser Sommerfest im Garten" in text and "**" not in text
    assert "https://familienzentrum-beispiel.de/sommerfest" in text
    assert [image.alt for image in mastodon.images] == ["Kinder beim Dosenwerfen auf dem Sommerfest 2029"]
    again = run("queue", "add", str(posts / "2030-06-02-sommerfest.md"), "--approve")
    assert "queued 0 posts" in again.out  # nothing twice


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("publish_at: 2030-06-02 09:00", "publish_at: 2029-06-02 09:00"),
            "publish_at 2029-06-02 09:00 is in the past",
        ),
        (
            ("publish_at: 2030-06-02 09:00", "publish_at: nächsten Montag"),
            "publish_at 'nächsten Montag' is no date and time",
        ),
        (("platforms: [mastodon, bluesky]", "platforms: [mastodon, myspace]"), "'myspace'"),
        (("platforms: [mastodon, bluesky]", "platfroms: [mastodon]"), "unknown front matter key 'platfroms'"),
        (("    alt: Kinder beim Dosenwerfen auf dem Sommerfest 2029\n", ""), "image"),
        (("path: sommerfest.png", "path: fehlt.png"), "fehlt.png"),
        (
            ("link: https://familienzentrum-beispiel.de/sommerfest", "link: familienzentrum sommerfest"),
            "is no web address",
        ),
    ],
)
def test_check_names_each_problem_of_a_single_post_in_one_line_and_exits_2(
    run, posts: Path, sqlite_queue: Path, change: tuple[str, str], message: str
):
    post = posts / "2030-06-02-sommerfest.md"
    post.write_text(SOMMERFEST.replace(*change), encoding="utf-8")
    result = run("check", str(posts))
    assert result.code == 2, result
    errors = [line for line in result.err.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and errors[0].startswith(f"error: {post}") and message in errors[0], result.err
    assert f"ok: {posts / '2024-12-13-vernetzungsstelle.txt'}" in result.out  # the other file is still checked
    queued = run("queue", "add", str(post))
    if "in the past" in message:  # out already, or missed: a CI job queueing posts/ goes on to publish the rest
        assert (
            queued.code == 0
            and f"warning: {post}: not queued, its publish_at 2029-06-02 09:00 has passed" in queued.err
        )
    else:
        assert queued.code == 2
    assert "queued 0 posts" in queued.out or queued.code == 2


def test_every_problem_of_a_single_post_is_said_in_one_line(run, posts: Path, sqlite_queue: Path):
    post = posts / "2030-06-02-sommerfest.md"
    broken = SOMMERFEST.replace("link: https://familienzentrum-beispiel.de/sommerfest", "link: kein link")
    broken = broken.replace("    alt: Kinder beim Dosenwerfen auf dem Sommerfest 2029\n", "")
    post.write_text(
        broken.replace("platforms: [mastodon, bluesky]", "platforms: [mastodon]\nthread: vielleicht"), encoding="utf-8"
    )
    result = run("check", str(post))
    assert result.code == 2
    (line,) = [line for line in result.err.splitlines() if line.startswith("error: ")]
    assert "link 'kein link' is no web address" in line
    assert "thread must be true or false" in line
    assert "image sommerfest.png has no alt text" in line


def test_an_account_is_checked_where_accounts_are_configured(run, posts: Path, sqlite_queue: Path, monkeypatch):
    post = posts / "2030-06-02-sommerfest.md"
    post.write_text(
        SOMMERFEST.replace("platforms: [mastodon, bluesky]", "platforms: [mastodon]\naccounts: [mastodon:team]"),
        encoding="utf-8",
    )
    unchecked = run("check", str(post))  # a pull request's check: no account configured, no secrets
    assert unchecked.code == 0, unchecked
    assert "account mastodon:team not checked: no mastodon account is configured here" in unchecked.err
    monkeypatch.setenv("SCHEDULER_ACCOUNTS__MASTODON__REDAKTION__BASE_URL", "https://social.example")
    monkeypatch.setenv("SCHEDULER_ACCOUNTS__MASTODON__REDAKTION__TOKEN", "token-of-the-redaktion")
    wrong = run("check", str(post))
    assert wrong.code == 2
    assert "accounts: mastodon:team is not a configured account; use one of mastodon:redaktion" in wrong.err


LONG = """---
platforms: [x]
publish_at: 2030-06-02 09:00
---
Am 14. Juni feiern wir von 14 bis 18 Uhr unser Sommerfest im Garten des Familienzentrums an der Lindenstraße
mit Kinderschminken, Dosenwerfen, Kuchen vom Elternbeirat, einer Hüpfburg, Musik von der Schulband und einem
Flohmarkt für Kindersachen und Spielzeug. Der Erlös der Tombola geht an den Förderverein. Alle Familien aus dem
Viertel und darüber hinaus sind herzlich eingeladen!
"""


def test_a_single_post_goes_out_whole_or_not_at_all(run, posts: Path, sqlite_queue: Path):
    post = posts / "2030-06-02-sommerfest.md"
    post.write_text(LONG, encoding="utf-8")
    cut = run("check", str(post))
    assert cut.code == 1, cut
    assert (
        f"does not fit: {post} item 1 (Am 14. Juni feiern wir von) on x: the text was cut to fit 280 characters; "
        "shorten it or set thread: true" in cut.err
    )
    assert run("queue", "add", str(post)).code == 1  # nothing queued cut short
    post.write_text(LONG.replace("platforms: [x]", "platforms: [x]\nthread: true"), encoding="utf-8")
    assert run("check", str(post)).code == 0
    assert run("queue", "add", str(post), "--approve").code == 0
    store = Store.open(f"sqlite:///{sqlite_queue}")
    try:
        (queued,) = store.list_posts()
    finally:
        store.close()
    assert len(queued.parts) == 2  # a thread with every word
    assert " ".join(" ".join(queued.parts).split()).count("herzlich eingeladen!") == 1
