"""Adding an issue again after it was corrected, its templates or its options changed: the queued
posts keep their identity, stale ones are shown as a diff and updated only with --update, and
nothing is queued twice (a real SQLite file, the CLI in-process)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from scheduler.models import State
from scheduler.storage import Store
from tests.conftest import EXAMPLE

START = "2030-01-07"  # a Monday
TYPO = "Das Interesse der Fachpublikums"
FIXED = "Das Interesse des Fachpublikums"
NOW = dt.datetime(2029, 12, 1, tzinfo=dt.UTC)
INSERTED = (
    "Neu im Netzwerk: Das Akti(F) Plus-Projekt WegWeiser in Kassel lädt am 14. Januar 2025 zu einem "
    "offenen Austausch über Kinderbetreuung für Alleinerziehende ein."
)


@pytest.fixture(autouse=True)
def database(sqlite_queue: Path) -> Path:
    return sqlite_queue


@pytest.fixture
def issue(tmp_path: Path) -> Path:
    """A copy of the example issue (with its options file) that a test may correct."""
    folder = tmp_path / "posts"
    folder.mkdir()
    shutil.copy(EXAMPLE, folder / EXAMPLE.name)
    shutil.copy(EXAMPLE.with_suffix(".toml"), folder / EXAMPLE.with_suffix(".toml").name)
    return folder / EXAMPLE.name


def _list(run) -> list[dict]:
    result = run("queue", "list", "--format", "json")
    assert result.code == 0, result
    return json.loads(result.out)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _store(database: Path) -> Store:
    return Store.open(f"sqlite:///{database}")


def _publish(database: Path, post_id: int) -> None:
    store = _store(database)
    try:
        if store.get(post_id).state == State.DRAFT:
            store.transition(post_id, State.SCHEDULED, reason="approved", now=NOW)
        store.transition(post_id, State.PUBLISHING, reason="attempt 1", now=NOW)
        store.transition(
            post_id,
            State.PUBLISHED,
            reason="published",
            now=NOW,
            values={"remote_id": "1", "remote_url": "https://example.org/1"},
        )
    finally:
        store.close()


def test_a_corrected_typo_in_a_copy_of_the_issue_queues_nothing_twice_and_shows_the_change(run, issue, tmp_path):
    assert run("queue", "add", str(issue), "-p", "linkedin", "-p", "x", "--start", START).code == 0
    before = _list(run)
    corrected = tmp_path / "corrected.txt"  # a copy beside the first, as staff keep them
    shutil.copy(issue, corrected)
    shutil.copy(issue.with_suffix(".toml"), corrected.with_suffix(".toml"))
    _edit(corrected, TYPO, FIXED)

    again = run("queue", "add", str(corrected), "-p", "linkedin", "-p", "x", "--start", START)

    assert again.code == 0, again
    assert "queued 0 posts" in again.out
    assert len(_list(run)) == len(before) == 12  # the corrected item is not queued beside the first
    stale = next(p for p in before if p["platform"] == "linkedin" and TYPO in p["text"])
    assert f"1 queued post is stale: {stale['id']}" in again.out
    lines = again.out.splitlines()
    assert any(line.startswith("-") and TYPO in line for line in lines)  # a unified diff of the post
    assert any(line.startswith("+") and FIXED in line for line in lines)
    assert "run again with --update" in again.out
    assert {p["id"]: p["text"] for p in _list(run)} == {p["id"]: p["text"] for p in before}  # nothing changed


def test_update_rewrites_the_stale_post_in_place_and_records_why(run, issue):
    run("queue", "add", str(issue), "-p", "linkedin", "--start", START)
    before = {p["id"]: p for p in _list(run)}
    _edit(issue, TYPO, FIXED)  # corrected in place

    result = run("queue", "add", str(issue), "-p", "linkedin", "--start", START, "--update")

    assert result.code == 0, result
    after = {p["id"]: p for p in _list(run)}
    assert after.keys() == before.keys()
    (changed,) = [i for i in after if after[i]["text"] != before[i]["text"]]
    assert FIXED in after[changed]["text"] and TYPO not in after[changed]["text"]
    assert after[changed]["publish_at"] == before[changed]["publish_at"] and after[changed]["state"] == "draft"
    assert f"updated 1 post: {changed}" in result.out
    history = run("queue", "show", str(changed)).out
    assert "draft → draft: updated from" in history and "the item's text changed" in history
    quiet = run("queue", "add", str(issue), "-p", "linkedin", "--start", START)
    assert "stale" not in quiet.out and "queued 0 posts" in quiet.out


def test_an_inserted_paragraph_is_queued_alone_and_the_others_keep_their_posts(run, issue):
    run("queue", "add", str(issue), "-p", "mastodon", "--start", START)
    before = {p["id"]: p["text"] for p in _list(run)}
    _edit(issue, "Vernetzt\n", f"Vernetzt\n\n{INSERTED}\n")

    result = run("queue", "add", str(issue), "-p", "mastodon", "--start", START)

    assert result.code == 0, result
    assert "queued 1 post " in result.out and "stale" not in result.out
    after = {p["id"]: p["text"] for p in _list(run)}
    assert {i: after[i] for i in before} == before
    (new,) = set(after) - set(before)
    assert after[new].startswith("Neu im Netzwerk")


def test_a_removed_paragraph_is_named_with_its_posts_that_stay_queued(run, issue):
    run("queue", "add", str(issue), "-p", "mastodon", "--start", START)
    removed = next(p for p in _list(run) if p["text"].startswith("Das Akti(F) Plus-Projekt ANKER"))
    text = issue.read_text(encoding="utf-8")
    start = text.index("Das Akti(F) Plus-Projekt ANKER")
    issue.write_text(text[:start] + text[text.index("\n", start) + 1 :], encoding="utf-8")

    result = run("queue", "add", str(issue), "-p", "mastodon", "--start", START)

    assert result.code == 0, result
    assert "queued 0 posts" in result.out and "stale" not in result.out
    assert f"is no longer in the issue {issue}; its post {removed['id']} stays queued" in result.out
    assert f"scheduler queue cancel {removed['id']}" in result.out
    assert len(_list(run)) == 6


def test_a_corrected_paragraph_and_an_inserted_one_together(run, issue):
    run("queue", "add", str(issue), "-p", "linkedin", "--start", START)
    _edit(issue, TYPO, FIXED)
    _edit(issue, "Umgeschaut\n", f"Umgeschaut\n\n{INSERTED}\n")

    result = run("queue", "add", str(issue), "-p", "linkedin", "--start", START, "--update")

    assert "queued 1 post " in result.out and "updated 1 post:" in result.out
    texts = [p["text"] for p in _list(run)]
    assert len(texts) == 7 and sum(FIXED in t for t in texts) == 1 and not any(TYPO in t for t in texts)


def test_a_paragraph_repeated_under_two_sections_is_one_item(run, issue):
    text = issue.read_text(encoding="utf-8")
    repeated = next(line for line in text.splitlines() if line.startswith("Der Deutsche Verein"))
    issue.write_text(text.replace("Vernetzt\n", f"Vernetzt\n\n{repeated}\n", 1), encoding="utf-8")

    result = run("queue", "add", str(issue), "-p", "mastodon", "--start", START)

    assert result.code == 0, result
    assert "queued 6 posts" in result.out
    assert "repeats item 2" in result.err and "queued once" in result.err
    assert sum(p["text"].startswith("Der Deutsche Verein") for p in _list(run)) == 1


def test_preview_shows_a_repeated_paragraph_once_with_a_warning(run, issue):
    text = issue.read_text(encoding="utf-8")
    repeated = next(line for line in text.splitlines() if line.startswith("Der Deutsche Verein"))
    issue.write_text(text.replace("Vernetzt\n", f"Vernetzt\n\n{repeated}\n", 1), encoding="utf-8")

    result = run("preview", str(issue), "-p", "mastodon", "--format", "json")

    assert result.code == 0, result
    assert next(line for line in result.err.splitlines() if "repeats item 2" in line).startswith("warning: ")
    assert json.loads(result.out)["issues"][0]["items"] == 6


def test_two_issues_sharing_a_paragraph_queue_it_once(run, issue, tmp_path):
    other = tmp_path / "posts" / "2025-01-10-vernetzungsstelle.txt"
    text = issue.read_text(encoding="utf-8").replace("13.12.2024", "10.01.2025")
    other.write_text(text.replace("Am 12. November traf", "Am 13. November traf"), encoding="utf-8")

    result = run("queue", "add", str(issue.parent), "-p", "mastodon", "--start", START)

    assert result.code == 0, result
    assert "queued 7 posts" in result.out  # 6 items of the first issue, and the one the second has of its own
    assert len(_list(run)) == 7


def test_two_versions_of_one_issue_in_one_call_are_refused_naming_both(run, issue, tmp_path):
    copy = issue.with_name("2024-12-13-korrigiert.txt")
    shutil.copy(issue, copy)
    _edit(copy, TYPO, FIXED)

    result = run("queue", "add", str(issue.parent), "-p", "mastodon", "--start", START)

    assert result.code == 2 and result.out == ""
    (line,) = result.err.strip().splitlines()
    assert line.startswith("error:") and issue.name in line and copy.name in line
    assert _list(run) == []


def test_an_old_and_a_retitled_version_in_one_call_are_refused_naming_both(run, issue):
    run("queue", "add", str(issue), "-p", "mastodon", "--start", START)
    retitled = issue.with_name("2024-12-13-neu.txt")
    shutil.copy(issue, retitled)
    _edit(retitled, "13.12.2024: Die Vernetzungsstelle informiert", "13.12.2024: Neues von der Vernetzungsstelle")

    result = run("queue", "add", str(issue.parent), "-p", "mastodon", "--start", START)

    assert result.code == 2 and issue.name in result.err and retitled.name in result.err
    assert len(_list(run)) == 6


def test_a_changed_template_makes_posts_stale_and_only_update_rewrites_them(
    run, issue, templates, monkeypatch, database
):
    monkeypatch.setenv("SCHEDULER_TEMPLATES_DIR", str(templates))
    run("queue", "add", str(issue), "-p", "mastodon", "--start", START)
    posts = _list(run)
    published, cancelled = posts[0]["id"], posts[1]["id"]
    _publish(database, published)
    assert run("queue", "cancel", str(cancelled)).code == 0
    (templates / "mastodon.j2").write_text(
        "Aus dem Newsletter: {{ item.title }}\n\n{{ hashtags() }}\n", encoding="utf-8"
    )

    shown = run("queue", "add", str(issue), "-p", "mastodon", "--start", START)

    rest = sorted(p["id"] for p in posts[2:])
    assert shown.code == 0, shown
    assert f"4 queued posts are stale: {', '.join(map(str, rest))}" in shown.out
    assert "+Aus dem Newsletter:" in shown.out and "run again with --update" in shown.out
    assert f"1 post keeps its text (published, being published or needing attention): {published}" in shown.out
    assert {p["id"]: p["text"] for p in _list(run)} == {p["id"]: p["text"] for p in posts}

    updated = run("queue", "add", str(issue), "-p", "mastodon", "--start", START, "--update")

    assert updated.code == 0, updated
    assert f"updated 4 posts: {', '.join(map(str, rest))}" in updated.out
    after = {p["id"]: p for p in _list(run)}
    assert after[published]["text"] == posts[0]["text"] and after[published]["state"] == "published"
    assert after[cancelled]["state"] == "cancelled" and after[cancelled]["text"] == posts[1]["text"]
    assert all(after[i]["text"].startswith("Aus dem Newsletter:") for i in rest)
    assert "template or options changed" in run("queue", "show", str(rest[0])).out


def test_changed_hashtags_in_the_issue_options_make_posts_stale(run, issue):
    run("queue", "add", str(issue), "-p", "mastodon", "--start", START)
    _edit(issue.with_suffix(".toml"), 'hashtags = ["AktifPlus", "ESFPlus"]', 'hashtags = ["AktifPlus", "Familie"]')

    shown = run("queue", "add", str(issue), "-p", "mastodon", "--start", START)

    assert "6 queued posts are stale" in shown.out and "#Familie" in shown.out
    assert not any("#Familie" in p["text"] for p in _list(run))
    assert run("queue", "add", str(issue), "-p", "mastodon", "--start", START, "--update").code == 0
    assert all("#Familie" in p["text"] and "#ESFPlus" not in p["text"] for p in _list(run))


def test_an_update_that_no_longer_fits_changes_nothing(run, issue, templates, monkeypatch):
    monkeypatch.setenv("SCHEDULER_TEMPLATES_DIR", str(templates))
    run("queue", "add", str(issue), "-p", "x", "--start", START)
    before = {p["id"]: p["text"] for p in _list(run)}
    (templates / "x.j2").write_text("{{ item.body }}\n", encoding="utf-8")  # no | fit: cannot be shortened

    result = run("queue", "add", str(issue), "-p", "x", "--start", START, "--update")

    assert result.code == 1 and "does not fit" in result.err
    assert {p["id"]: p["text"] for p in _list(run)} == before


def test_a_post_edited_by_hand_is_kept_by_update(run, issue, templates, monkeypatch):
    monkeypatch.setenv("SCHEDULER_TEMPLATES_DIR", str(templates))
    run("queue", "add", str(issue), "-p", "mastodon", "--start", START)
    edited = _list(run)[0]["id"]
    assert run("queue", "edit", str(edited), "--text", "Von Hand geschrieben. #AktifPlus").code == 0
    unchanged = run("queue", "add", str(issue), "-p", "mastodon", "--start", START)
    assert "stale" not in unchanged.out  # the issue did not change: a hand edit is not a stale post
    (templates / "mastodon.j2").write_text("Neu: {{ item.title }}\n", encoding="utf-8")

    result = run("queue", "add", str(issue), "-p", "mastodon", "--start", START, "--update")

    assert result.code == 0, result
    assert "updated 5 posts" in result.out
    assert f"post {edited} was edited by hand" in result.out
    texts = {p["id"]: p["text"] for p in _list(run)}
    assert texts[edited] == "Von Hand geschrieben. #AktifPlus"
    assert all(text.startswith("Neu: ") for i, text in texts.items() if i != edited)


def test_a_new_account_gets_the_items_queued_under_their_first_identity(run, issue, tmp_path):
    run("queue", "add", str(issue), "-p", "mastodon", "--start", START)
    _edit(issue, TYPO, FIXED)
    result = run("queue", "add", str(issue), "-p", "mastodon", "-p", "x", "--start", START, "--update")
    assert result.code == 0, result
    posts = _list(run)
    assert len(posts) == 12
    by_item: dict[str, set[str]] = {}
    for post in posts:
        by_item.setdefault(post["item_id"], set()).add(post["platform"])
    assert all(platforms == {"mastodon", "x"} for platforms in by_item.values())


def test_failed_posts_are_updated_and_posts_needing_attention_keep_their_text(
    run, issue, templates, monkeypatch, database
):
    monkeypatch.setenv("SCHEDULER_TEMPLATES_DIR", str(templates))
    run("queue", "add", str(issue), "-p", "mastodon", "--start", START, "--approve")
    failed, unclear = (p["id"] for p in _list(run)[:2])
    store = _store(database)
    try:
        for post_id, end in ((failed, State.FAILED), (unclear, State.NEEDS_ATTENTION)):
            store.transition(post_id, State.PUBLISHING, reason="attempt 1", now=NOW)
            store.transition(post_id, end, reason="HTTP 500", now=NOW)
    finally:
        store.close()
    (templates / "mastodon.j2").write_text("Neu: {{ item.title }}\n", encoding="utf-8")

    result = run("queue", "add", str(issue), "-p", "mastodon", "--start", START, "--update")

    assert result.code == 0, result
    posts = {p["id"]: p for p in _list(run)}
    assert posts[failed]["text"].startswith("Neu: ") and posts[failed]["state"] == "failed"
    assert not posts[unclear]["text"].startswith("Neu: ") and posts[unclear]["state"] == "needs_attention"
    assert f"1 post keeps its text (published, being published or needing attention): {unclear}" in result.out
    assert "updated 5 posts" in result.out


def test_a_corrected_title_and_typo_together_still_update_the_same_items(run, issue):
    run("queue", "add", str(issue), "-p", "linkedin", "--start", START)
    before = {p["id"]: p["text"] for p in _list(run)}
    _edit(issue, "13.12.2024: Die Vernetzungsstelle informiert", "13.12.2024: Die Vernetzungsstelle informiert Sie")
    _edit(issue, TYPO, FIXED)

    result = run("queue", "add", str(issue), "-p", "linkedin", "--start", START, "--update")

    assert result.code == 0, result
    assert "queued 0 posts" in result.out and "updated 1 post:" in result.out
    after = {p["id"]: p["text"] for p in _list(run)}
    assert after.keys() == before.keys() and sum(FIXED in text for text in after.values()) == 1
    again = run("queue", "add", str(issue), "-p", "linkedin", "--start", START)
    assert "queued 0 posts" in again.out and "stale" not in again.out
