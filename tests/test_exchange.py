"""Spreadsheets round-trip: CSV export safe from formula injection and readable by German Excel,
import of what spreadsheets save, links in imported posts, calendar UIDs, file modes."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE

START = "2030-01-07"
COLUMNS = "platform,account,publish_at,text,link,image,alt\n"


@pytest.fixture(autouse=True)
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "queue.sqlite3"
    monkeypatch.setenv("SCHEDULER_DATABASE_URL", f"sqlite:///{path}")
    return path


def _list(run) -> list[dict]:
    result = run("queue", "list", "--format", "json")
    assert result.code == 0, result
    return json.loads(result.out)


def _import(run, tmp_path: Path, body: str | bytes, *args: str, name: str = "extra.csv"):
    path = tmp_path / name
    if isinstance(body, str):
        path.write_text(body, encoding="utf-8")
    else:
        path.write_bytes(body)
    return run("queue", "import-csv", str(path), *args)


FORMULAS = ['=HYPERLINK("https://evil.example";"Klick")', "+49 30 1234567", "-5 Grad in Berlin", "@bund Hallo"]


def test_csv_export_neutralises_formulas_and_import_reverses_it(run, tmp_path, monkeypatch):
    body = COLUMNS + "".join(
        f'mastodon,,2030-02-03T1{n}:00,"{text.replace(chr(34), chr(34) * 2)}",,,\n' for n, text in enumerate(FORMULAS)
    )
    assert _import(run, tmp_path, body).code == 0
    exported = run("queue", "export", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(exported.out)))
    assert [row["text"] for row in rows] == [f"'{text}" for text in FORMULAS]
    assert not any(cell[:1] in ("=", "+", "-", "@", "\t", "\r") for row in rows for cell in row.values())
    # the export imported into another queue gives the same texts, not the quoted ones
    other = tmp_path / "other.sqlite3"
    monkeypatch.setenv("SCHEDULER_DATABASE_URL", f"sqlite:///{other}")
    assert _import(run, tmp_path, exported.out, name="export.csv").code == 0
    assert sorted(post["text"] for post in _list(run)) == sorted(FORMULAS)


def test_a_text_that_starts_with_a_quote_survives_the_round_trip(run, tmp_path, monkeypatch):
    texts = ["'=nicht escaped' sagt sie", "'Zitat' am Anfang", "''+zwei Anführungszeichen"]
    body = COLUMNS + "".join(f"x,,2030-02-03T1{n}:00,Platzhalter {n},,,\n" for n in range(len(texts)))
    assert _import(run, tmp_path, body).code == 0
    for post, text in zip(_list(run), texts, strict=False):
        assert run("queue", "edit", str(post["id"]), "--text", text).code == 0
    exported = run("queue", "export", "--format", "csv").out
    monkeypatch.setenv("SCHEDULER_DATABASE_URL", f"sqlite:///{tmp_path / 'other.sqlite3'}")
    assert _import(run, tmp_path, exported, name="export.csv").code == 0
    assert sorted(post["text"] for post in _list(run)) == sorted(texts)


def test_importing_an_export_adds_nothing_twice_and_leaves_out_posts_no_longer_pending(run, tmp_path, monkeypatch):
    assert run("queue", "add", str(EXAMPLE), "-p", "x", "--start", START).code == 0
    assert run("queue", "cancel", "1").code == 0
    exported = run("queue", "export", "--format", "csv").out
    result = _import(run, tmp_path, exported, name="export.csv")
    assert result.code == 0, result
    assert result.out.strip() == (
        "imported 0 posts (draft); 5 were queued already; 1 row of posts no longer pending left out"
    )
    assert len(_list(run)) == 6
    monkeypatch.setenv("SCHEDULER_DATABASE_URL", f"sqlite:///{tmp_path / 'other.sqlite3'}")
    moved = _import(run, tmp_path, exported, name="export.csv")
    assert moved.out.startswith("imported 5 posts (draft); 0 were queued already")
    assert {post["state"] for post in _list(run)} == {"draft"}


def test_excel_export_has_a_bom_semicolons_and_crlf(run, tmp_path):
    assert _import(run, tmp_path, COLUMNS + 'x,,2030-02-03T10:00,"Größe, Maß; Übung",,,\n').code == 0
    target = tmp_path / "posts.csv"
    assert run("queue", "export", "--format", "csv", "--excel", "-o", str(target)).code == 0
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfid;item_id;platform;")
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[0]["text"] == "Größe, Maß; Übung"


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("utf-8", ","), ("utf-8-sig", ";"), ("cp1252", ";"), ("cp1252", ","), ("utf-8-sig", ",")],
)
def test_import_reads_what_spreadsheets_save(run, tmp_path, encoding, delimiter):
    rows = [
        ["platform", "account", "publish_at", "text"],
        ["mastodon", "", "2030-02-03T10:00", "Grüße, Straße; Maß – 5 €"],
    ]
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    result = _import(run, tmp_path, out.getvalue().encode(encoding))
    assert result.code == 0, result
    assert [post["text"] for post in _list(run)] == ["Grüße, Straße; Maß – 5 €"]


def test_a_utf8_file_with_a_stray_byte_is_refused_with_its_line_not_read_as_windows_1252(run, tmp_path):
    body = (
        (COLUMNS + "x,,2030-02-03T10:00,Grüße,,,\nx,,2030-02-03T11:00,Straße \x00,,,\n")
        .encode()
        .replace(b"\x00", b"\xe4")
    )
    result = _import(run, tmp_path, body)
    assert result.code == 2 and "extra.csv line 3: byte 0xe4 is not UTF-8" in result.err
    assert _list(run) == []


def test_a_file_that_is_neither_utf8_nor_windows_1252_is_one_line(run, tmp_path):
    result = _import(run, tmp_path, COLUMNS.encode() + b"x,,2030-02-03T10:00,Hallo \x81\x8d,,,\n")
    assert result.code == 2 and "neither UTF-8 nor Windows-1252" in result.err
    assert len(result.err.strip().splitlines()) == 1


PLATFORMS = ("linkedin", "mastodon", "bluesky", "x", "threads", "facebook")


def test_a_csv_link_reaches_every_platforms_post_with_utm(run, tmp_path):
    body = COLUMNS + "".join(
        f"{platform},,2030-02-03T10:00,Neu im Netzwerk,https://example.org/a?id=1,,\n" for platform in PLATFORMS
    )
    assert _import(run, tmp_path, body).code == 0
    texts = {post["platform"]: post["text"] for post in _list(run)}
    for platform in PLATFORMS:
        link = f"https://example.org/a?id=1&utm_source={platform}&utm_medium=social&utm_campaign=extra"
        assert texts[platform] == f"Neu im Netzwerk\n\n{link}"


def test_a_link_already_in_the_text_is_tagged_not_added_twice_and_utm_can_be_off(run, tmp_path, monkeypatch):
    body = COLUMNS + "x,,2030-02-03T10:00,Mehr: https://example.org/a dort,https://example.org/a,,\n"
    assert _import(run, tmp_path, body).code == 0
    assert _list(run)[0]["text"] == (
        "Mehr: https://example.org/a?utm_source=x&utm_medium=social&utm_campaign=extra dort"
    )
    monkeypatch.setenv("SCHEDULER_UTM", "false")
    monkeypatch.setenv("SCHEDULER_DATABASE_URL", f"sqlite:///{tmp_path / 'plain.sqlite3'}")
    assert _import(run, tmp_path, COLUMNS + "bluesky,,2030-02-03T10:00,Neu,https://example.org/a,,\n").code == 0
    assert _list(run)[0]["text"] == "Neu\n\nhttps://example.org/a"


def test_calendar_uids_differ_between_databases_and_stay_the_same_in_one(run, tmp_path, monkeypatch):
    from icalendar import Calendar

    def uids() -> list[str]:
        result = run("queue", "export", "--format", "ics")
        return [str(event["uid"]) for event in Calendar.from_ical(result.out).walk("VEVENT")]

    body = COLUMNS + "x,,2030-02-03T10:00,Hallo,,,\n"
    assert _import(run, tmp_path, body).code == 0
    first = uids()
    assert uids() == first  # a calendar that subscribes sees the same event again
    monkeypatch.setenv("SCHEDULER_DATABASE_URL", f"sqlite:///{tmp_path / 'second.sqlite3'}")
    assert _import(run, tmp_path, body).code == 0
    assert _list(run)[0]["id"] == 1
    assert set(uids()).isdisjoint(first)


@pytest.mark.parametrize("umask", [0o022, 0o002])
def test_files_written_with_o_get_the_users_umask(run, tmp_path, umask):
    assert _import(run, tmp_path, COLUMNS + "x,,2030-02-03T10:00,Hallo,,,\n").code == 0
    old = os.umask(umask)
    try:
        for fmt in ("csv", "ics"):
            target = tmp_path / f"posts.{fmt}"
            assert run("queue", "export", "--format", fmt, "-o", str(target)).code == 0
            assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask
        assert run("preview", str(EXAMPLE), "-p", "x", "-o", str(tmp_path / "preview.txt")).code == 0
        assert stat.S_IMODE((tmp_path / "preview.txt").stat().st_mode) == 0o666 & ~umask
    finally:
        os.umask(old)
    assert [path.name for path in tmp_path.iterdir() if path.name.startswith(".")] == []  # no temporary files left


def test_a_time_as_german_excel_shows_it_is_read_and_a_dst_gap_is_reported(run, tmp_path):
    assert _import(run, tmp_path, COLUMNS + "x,,03.02.2030 10:00,Hallo,,,\nx,,3.2.2030 11:30,Zwei,,,\n").code == 0
    assert [post["publish_at"] for post in _list(run)] == ["2030-02-03T10:00+01:00", "2030-02-03T11:30+01:00"]
    gap = _import(run, tmp_path, COLUMNS + "x,,2030-03-31T02:30,Nachts,,,\n", name="gap.csv")
    assert gap.code == 2 and "gap.csv row 2: publish_at 2030-03-31T02:30 does not exist in Europe/Berlin" in gap.err
