"""`scheduler queue …`, `run --once` and `status` as staff use them, on a real SQLite file."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE

START = "2030-01-07"  # a Monday, so planned times do not depend on today


@pytest.fixture(autouse=True)
def database(sqlite_queue: Path) -> Path:
    return sqlite_queue


def _list(run, *args: str) -> list[dict]:
    result = run("queue", "list", "--format", "json", *args)
    assert result.code == 0, result
    return json.loads(result.out)


def test_add_queues_one_draft_per_item_and_platform_at_planned_local_times(run):
    result = run("queue", "add", str(EXAMPLE), "-p", "mastodon", "-p", "bluesky", "--start", START)
    assert result.code == 0, result
    assert "queued 12 posts (drafts awaiting approval)" in result.out
    posts = _list(run)
    assert len(posts) == 12 and {p["state"] for p in posts} == {"draft"}
    keys = {
        "id",
        "item_id",
        "platform",
        "account",
        "state",
        "publish_at",
        "text",
        "images",
        "attempts",
        "remote_id",
        "remote_url",
        "error",
    }
    assert all(set(p) == keys for p in posts)
    assert posts[0]["publish_at"] == "2030-01-07T09:00+01:00"  # local time with its offset
    by_item: dict[str, set[str]] = {}
    for post in posts:
        by_item.setdefault(post["item_id"], set()).add(post["publish_at"])
    assert all(len(times) == 1 for times in by_item.values())  # an item's posts share a slot
    assert len({next(iter(t)) for t in by_item.values()}) == 6  # items get different slots


def test_adding_the_same_issue_again_adds_nothing(run):
    assert run("queue", "add", str(EXAMPLE), "-p", "x", "--start", START).code == 0
    again = run("queue", "add", str(EXAMPLE), "-p", "x", "-p", "mastodon", "--start", START)
    assert "queued 6 posts" in again.out and "6 were queued already" in again.out
    assert len(_list(run)) == 12


def test_a_dry_run_writes_the_due_posts_requests_and_changes_no_post(run, tmp_path):
    run("queue", "add", str(EXAMPLE), "-p", "mastodon", "--start", START)
    first = _list(run)[0]["id"]
    assert run("queue", "approve", "--all").out.strip() == "approved 6 posts"
    assert run("queue", "reschedule", str(first), "now").code == 0
    before = _list(run)
    result = run("run", "--once", "--dry-run")
    assert result.code == 0, result
    assert "dry run: 1 post in " in result.out and "nothing was sent and the queue is unchanged" in result.out
    assert f"#{first} " in result.out
    outbox = [json.loads(line) for line in (tmp_path / "outbox.jsonl").read_text().splitlines()]
    assert [line["post_id"] for line in outbox] == [first]
    request = outbox[0]["requests"][0]
    assert request["url"].endswith("/api/v1/statuses") and request["headers"]["Authorization"] == "Bearer [redacted]"
    assert request["headers"]["Idempotency-Key"] == f"{outbox[0]['idempotency_key']}:0"  # the post's key, part 1
    assert outbox[0]["as"] == "no credentials configured"
    assert _list(run) == before  # every post as it was: state, time, attempts, no remote id
    shown = run("queue", "show", str(first))
    assert "scheduled → scheduled: dry run" in shown.out
    again = run("run", "--once", "--dry-run")  # the same requests are not written twice
    assert "(1 shown there already, unchanged)" in again.out
    assert len((tmp_path / "outbox.jsonl").read_text().splitlines()) == 1
    assert _list(run) == before


def test_a_dry_run_can_show_the_next_posts_before_they_are_due(run, tmp_path):
    run("queue", "add", str(EXAMPLE), "-p", "bluesky", "-p", "x", "--start", START, "--approve")
    before = _list(run)
    nothing = run("run", "--once", "--dry-run")
    assert nothing.code == 0 and "dry run: nothing due; the next post is due 2030-01-07T09:00+01:00" in nothing.out
    assert "--next" in nothing.out
    shown = run("run", "--once", "--dry-run", "--next", "3")
    assert shown.code == 0, shown
    outbox = [json.loads(line) for line in (tmp_path / "outbox.jsonl").read_text().splitlines()]
    assert [line["post_id"] for line in outbox] == [post["id"] for post in before[:3]]  # the next three, in order
    assert "2030-01-07T09:00+01:00" in shown.out
    assert _list(run) == before


def test_next_needs_a_dry_run_once(run):
    result = run("run", "--once", "--next", "3")
    assert result.code == 2 and "--next goes with --once --dry-run" in result.err


def test_mastodon_visibility_setting_shapes_the_preview_and_the_dry_run_alike(run, tmp_path, monkeypatch):
    monkeypatch.setenv("SCHEDULER_MASTODON_VISIBILITY", "unlisted")
    previewed = json.loads(run("preview", str(EXAMPLE), "-p", "mastodon", "--format", "json").out)
    assert {post["payload"]["visibility"] for post in previewed["issues"][0]["posts"]} == {"unlisted"}
    run("queue", "add", str(EXAMPLE), "-p", "mastodon", "--start", START, "--approve")
    first = _list(run)[0]["id"]
    assert run("queue", "reschedule", str(first), "now").code == 0
    assert run("run", "--once", "--dry-run").code == 0
    (line,) = [json.loads(line) for line in (tmp_path / "outbox.jsonl").read_text().splitlines()]
    assert [request["body"]["visibility"] for request in line["requests"]] == ["unlisted"]


def test_an_unknown_mastodon_visibility_is_a_one_line_error(run, monkeypatch):
    monkeypatch.setenv("SCHEDULER_MASTODON_VISIBILITY", "friends")
    result = run("run", "--once", "--dry-run")
    assert result.code == 2 and result.out == ""
    (line,) = result.err.strip().splitlines()
    assert "SCHEDULER_MASTODON_VISIBILITY=friends is invalid" in line and "public, unlisted, private or direct" in line


def test_add_with_approve_schedules_directly(run):
    run("queue", "add", str(EXAMPLE), "-p", "x", "--start", START, "--approve")
    assert {p["state"] for p in _list(run)} == {"scheduled"}
    assert _list(run, "--state", "draft") == []


def test_list_filters(run):
    run("queue", "add", str(EXAMPLE), "-p", "x", "-p", "bluesky", "--start", START)
    assert {p["platform"] for p in _list(run, "-p", "bluesky")} == {"bluesky"}
    assert len(_list(run, "--limit", "3")) == 3
    day_one = _list(run, "--from", "2030-01-07", "--to", "2030-01-08")
    assert day_one and all(p["publish_at"].startswith("2030-01-07") for p in day_one)
    table = run("queue", "list")
    assert "2030-01-07T09:00+01:00" in table.out and "draft" in table.out


def test_show_prints_text_and_history(run):
    run("queue", "add", str(EXAMPLE), "-p", "x", "--start", START)
    post = _list(run)[0]
    result = run("queue", "show", str(post["id"]))
    assert result.code == 0
    assert "state       draft" in result.out and post["text"] in result.out
    assert "— → draft: queued from" in result.out


def test_edit_is_checked_against_the_platform_limit(run):
    run("queue", "add", str(EXAMPLE), "-p", "x", "--start", START)
    post_id = str(_list(run)[0]["id"])
    too_long = run("queue", "edit", post_id, "--text", "a" * 281)
    assert (
        too_long.code == 1 and too_long.err.startswith("does not fit: ") and "exceeds the limit of 280" in too_long.err
    )
    assert run("queue", "edit", post_id, "--text", "Kurz und gut. #Familie").code == 0
    assert _list(run)[0]["text"] == "Kurz und gut. #Familie"


def test_reschedule_without_offset_is_local_time(run):
    run("queue", "add", str(EXAMPLE), "-p", "x", "--start", START)
    post_id = str(_list(run)[0]["id"])
    assert run("queue", "reschedule", post_id, "2030-07-01T10:15").code == 0  # summer: +02:00
    post = next(p for p in _list(run) if p["id"] == int(post_id))
    assert post["publish_at"] == "2030-07-01T10:15+02:00"
    assert run("queue", "reschedule", post_id, "2030-07-01T10:15:00+00:00").code == 0
    post = next(p for p in _list(run) if p["id"] == int(post_id))
    assert post["publish_at"] == "2030-07-01T12:15+02:00"
    bad = run("queue", "reschedule", post_id, "next tuesday")
    assert bad.code == 2 and "is not a time" in bad.err


def test_cancel_and_state_rules(run):
    run("queue", "add", str(EXAMPLE), "-p", "x", "--start", START)
    post_id = str(_list(run)[0]["id"])
    assert run("queue", "cancel", post_id).code == 0
    again = run("queue", "cancel", post_id)
    assert again.code == 2 and "is cancelled" in again.err
    approve = run("queue", "approve", post_id)
    assert approve.code == 2 and "only draft posts can be approved" in approve.err
    retry = run("queue", "retry", post_id)
    assert retry.code == 2 and "can be retried" in retry.err


def test_unknown_post_is_one_line(run):
    result = run("queue", "show", "999")
    assert result.code == 2
    assert result.err.strip() == "error: no post with id 999; see 'scheduler queue list'"


def test_approve_needs_an_id_or_all(run):
    result = run("queue", "approve")
    assert result.code == 2 and "give a post ID or --all" in result.err


def test_queue_add_refuses_posts_that_do_not_fit_and_adds_nothing(run, templates, monkeypatch):
    (templates / "x.j2").write_text("{{ item.body }}")
    monkeypatch.setenv("SCHEDULER_TEMPLATES_DIR", str(templates))
    result = run("queue", "add", str(EXAMPLE), "-p", "x", "--start", START)
    assert result.code == 1 and "nothing queued" in result.err
    assert _list(run) == []


def test_status_reports_down_daemon_and_counts(run):
    run("queue", "add", str(EXAMPLE), "-p", "x", "--start", START, "--approve")
    result = run("status")
    assert result.code == 1
    assert "daemon down" in result.out
    assert "next due: 2030-01-07T09:00+01:00" in result.out
    assert "scheduled 6" in result.out


def test_bad_database_url_is_one_line(run, monkeypatch):
    monkeypatch.setenv("SCHEDULER_DATABASE_URL", "oracle://nope")
    result = run("queue", "list")
    assert result.code == 2 and result.err.startswith("error: database 'oracle' is not supported")


def test_unreachable_postgres_is_one_line(run, monkeypatch):
    monkeypatch.setenv("SCHEDULER_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    result = run("queue", "list")
    assert result.code == 2 and result.err.startswith("error: cannot open the database")
    assert len(result.err.strip().splitlines()) == 1


def test_export_ics_and_csv(run, tmp_path):
    run("queue", "add", str(EXAMPLE), "-p", "x", "--start", START)
    ics = tmp_path / "posts.ics"
    assert run("queue", "export", "--format", "ics", "-o", str(ics)).code == 0
    from icalendar import Calendar

    events = Calendar.from_ical(ics.read_bytes()).walk("VEVENT")
    assert len(events) == 6
    first = min(events, key=lambda e: e.decoded("dtstart"))
    assert first.decoded("dtstart") == dt.datetime(2030, 1, 7, 8, 0, tzinfo=dt.UTC)
    assert str(first["status"]) == "TENTATIVE" and str(first["summary"]).startswith("[x] ")
    csv_out = run("queue", "export", "--format", "csv")
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(csv_out.out)))
    assert len(rows) == 6 and rows[0]["publish_at"] == "2030-01-07T09:00+01:00" and rows[0]["state"] == "draft"


def _csv(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "extra.csv"
    path.write_text("platform,account,publish_at,text,link,image,alt\n" + body, encoding="utf-8")
    return path


def test_import_csv_validates_every_row_before_storing_anything(run, tmp_path):
    good = "mastodon,main,2030-02-03T10:00,Hallo Welt #Familie,https://example.org/a,,\n"
    bad = "x,,2030-02-03T10:00," + "a" * 300 + ",,,\n"
    result = run("queue", "import-csv", str(_csv(tmp_path, good + bad)))
    assert result.code == 1  # does not fit, as in preview and queue add
    assert "does not fit: " in result.err and "extra.csv row 3: text too long for x" in result.err
    assert _list(run) == []
    ok = run(
        "queue",
        "import-csv",
        str(_csv(tmp_path, good + "bluesky,,2030-02-03T11:00+00:00,Zweiter Post,,,\n")),
        "--approve",
    )
    assert ok.code == 0 and "imported 2 posts (scheduled)" in ok.out
    posts = _list(run)
    assert [(p["platform"], p["account"], p["publish_at"]) for p in posts] == [
        ("mastodon", "main", "2030-02-03T10:00+01:00"),
        ("bluesky", "default", "2030-02-03T12:00+01:00"),
    ]
    again = run("queue", "import-csv", str(tmp_path / "extra.csv"))
    assert "imported 0 posts" in again.out and "2 were queued already" in again.out


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("myspace,,2030-02-03T10:00,Hallo,,,\n", "row 2: unknown platform 'myspace'"),
        ("x,,morgen,Hallo,,,\n", "row 2: publish_at 'morgen' is not a time"),
        ("x,,2001-02-03T10:00,Hallo,,,\n", "row 2: publish_at 2001-02-03T10:00 is in the past"),
        ("x,,2030-02-03T10:00,,,,\n", "row 2: text is empty"),
        ("x,,2030-02-03T10:00,Hallo,example.org,,\n", "row 2: link 'example.org' must start with https://"),
        ("x,,2030-02-03T10:00,Hallo,,missing.png,Alt\n", "missing.png not found; check the path"),
        ("x,,2030-02-03T10:00,Hallo,,extra.csv,\n", "row 2: image 'extra.csv' needs alt text"),
    ],
)
def test_import_csv_row_errors(run, tmp_path, body, message):
    result = run("queue", "import-csv", str(_csv(tmp_path, body)))
    assert result.code == 2 and message in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_import_csv_needs_the_columns(run, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("network,when,words\nx,2030-01-01,hi\n")
    result = run("queue", "import-csv", str(path))
    assert result.code == 2 and "missing column 'platform'" in result.err


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SCHEDULER_SLOTS", "mon-fri 9h", "error: SCHEDULER_SLOTS: slots 'mon-fri 9h': '9h' is not a time"),
        (
            "SCHEDULER_HOLIDAYS_REGION",
            "XX",
            "error: SCHEDULER_HOLIDAYS_COUNTRY/REGION: region 'XX' is not a region of DE",
        ),
    ],
)
def test_bad_planning_settings_name_the_variable(run, monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    result = run("queue", "add", str(EXAMPLE), "--start", START)
    assert result.code == 2 and result.err.startswith(message)
    assert _list(run) == []


def test_add_queues_for_every_configured_account_and_account_picks_one(run, monkeypatch):
    monkeypatch.setenv("SCHEDULER_MASTODON_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("SCHEDULER_MASTODON_TOKEN", "t1")
    monkeypatch.setenv("SCHEDULER_ACCOUNTS__MASTODON__REGIONAL__TOKEN", "t2")
    assert run("queue", "add", str(EXAMPLE), "-p", "mastodon", "--start", START).code == 0
    posts = _list(run)
    assert sorted({p["account"] for p in posts}) == ["default", "regional"] and len(posts) == 12
    by_account = {a: sorted(p["publish_at"] for p in posts if p["account"] == a) for a in ("default", "regional")}
    assert by_account["default"] == by_account["regional"]  # one slot per item on every account
    table = run("queue", "list", "--limit", "2").out
    assert "account" in table.splitlines()[0] and "mastodon:regional" in table
    bad = run("queue", "add", str(EXAMPLE), "--account", "mastodon:nope", "--start", START)
    assert bad.code == 2 and "is not a configured account; use one of" in bad.err and "mastodon:regional" in bad.err


def test_account_option_restricts_the_accounts(run, monkeypatch):
    monkeypatch.setenv("SCHEDULER_X_TOKEN", "t")
    monkeypatch.setenv("SCHEDULER_X_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("SCHEDULER_ACCOUNTS__X__SECOND__TOKEN", "t2")
    assert run("queue", "add", str(EXAMPLE), "--account", "x:second", "--start", START).code == 0
    assert {(p["platform"], p["account"]) for p in _list(run)} == {("x", "second")}


def test_a_dry_run_shows_the_requests_for_the_configured_servers(run, tmp_path, monkeypatch):
    # an account with credentials on its own instance, and one without credentials on its own PDS: the
    # outbox names those servers (and no other); nothing reaches them (.invalid does not even resolve)
    monkeypatch.setenv("SCHEDULER_MASTODON_BASE_URL", "https://social.invalid")
    monkeypatch.setenv("SCHEDULER_MASTODON_TOKEN", "token-of-the-team-0042")
    monkeypatch.setenv("SCHEDULER_BLUESKY_BASE_URL", "https://pds.invalid")
    run("queue", "add", str(EXAMPLE), "-p", "mastodon", "-p", "bluesky", "--start", START, "--approve")
    shown = run("run", "--once", "--dry-run", "--next", "2")
    assert shown.code == 0, shown
    text = (tmp_path / "outbox.jsonl").read_text()
    lines = {line["platform"]: line for line in map(json.loads, text.splitlines())}
    assert {r["url"].split("/")[2] for r in lines["mastodon"]["requests"]} == {"social.invalid"}
    assert {r["url"].split("/")[2] for r in lines["bluesky"]["requests"]} == {"pds.invalid"}
    assert lines["bluesky"]["as"] == "no credentials configured" and lines["mastodon"]["as"] != lines["bluesky"]["as"]
    assert "token-of-the-team-0042" not in text and "Bearer [redacted]" in text
    assert "error" not in lines["mastodon"] and "error" not in lines["bluesky"]
