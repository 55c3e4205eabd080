"""Images as staff meet them: previews list them with alt text, and problems stop `queue add` and
`import-csv` with one line before anything is queued."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests import imagefiles
from tests.conftest import EXAMPLE

START = "2030-01-07"


@pytest.fixture(autouse=True)
def database(sqlite_queue: Path) -> Path:
    return sqlite_queue


def _issue(tmp_path: Path, alt: str = "Kinder beim Sommerfest im Hof", data: bytes | None = None) -> Path:
    folder = tmp_path / "posts"
    folder.mkdir(exist_ok=True)
    issue = folder / "issue.txt"
    issue.write_bytes(EXAMPLE.read_bytes())
    imagefiles.write(folder / "img" / "fest.png", data)
    (folder / "issue.toml").write_text(
        f'[[images]]\nitem = 2\npath = "img/fest.png"\nalt = "{alt}"\n', encoding="utf-8"
    )
    return issue


def test_preview_shows_each_image_with_its_alt_text(run, tmp_path):
    issue = _issue(tmp_path)
    text = run("preview", str(issue), "-p", "mastodon")
    assert text.code == 0, text
    assert f"image 1: {tmp_path / 'posts' / 'img' / 'fest.png'}" in text.out
    assert "alt: Kinder beim Sommerfest im Hof" in text.out
    data = json.loads(run("preview", str(issue), "-p", "mastodon", "--format", "json").out)
    posts = data["issues"][0]["posts"]
    assert posts[1]["images"] == [
        {"path": str(tmp_path / "posts" / "img" / "fest.png"), "alt": "Kinder beim Sommerfest im Hof"}
    ]
    assert [post["images"] for post in posts].count([]) == 5


def test_an_image_too_large_for_a_platform_stops_queue_add_before_anything_is_queued(run, tmp_path):
    issue = _issue(tmp_path, data=imagefiles.png(1_000_001))
    result = run("queue", "add", str(issue), "-p", "mastodon", "-p", "bluesky", "--start", START)
    assert result.code == 2
    assert result.err.startswith("error: ") and len(result.err.strip().splitlines()) == 1
    assert (
        "issue.txt item 2" in result.err and "on bluesky" in result.err and "fest.png has 1,000,001 bytes" in result.err
    )
    assert run("queue", "list").out.strip() == "no posts"
    ok = run("queue", "add", str(issue), "-p", "mastodon", "--start", START)  # Mastodon takes 16 MB
    assert ok.code == 0, ok


def test_threads_posts_with_local_images_need_the_media_base_url(run, tmp_path, monkeypatch):
    issue = _issue(tmp_path)
    refused = run("queue", "add", str(issue), "-p", "threads", "--start", START)
    assert refused.code == 2 and "set SCHEDULER_MEDIA_BASE_URL" in refused.err
    monkeypatch.setenv("SCHEDULER_MEDIA_BASE_URL", "https://example.org/media")
    assert run("queue", "add", str(issue), "-p", "threads", "--start", START).code == 0
    posts = json.loads(run("queue", "list", "--format", "json").out)
    assert [p["images"] for p in posts if p["images"]] == [
        [{"path": "https://example.org/media/fest.png", "alt": "Kinder beim Sommerfest im Hof"}]
    ]


def test_import_csv_takes_several_images_with_their_alt_texts(run, tmp_path):
    imagefiles.write(tmp_path / "a.png")
    imagefiles.write(tmp_path / "b.jpg", imagefiles.JPEG)
    path = tmp_path / "extra.csv"
    path.write_text(
        "platform,publish_at,text,image,alt\nmastodon,2030-02-03T10:00,Zwei Bilder,a.png|b.jpg,Das erste|Das zweite\n",
        encoding="utf-8",
    )
    result = run("queue", "import-csv", str(path))
    assert result.code == 0, result
    shown = run("queue", "show", "1").out
    assert f"image 1: {tmp_path / 'a.png'}\n  alt: Das erste" in shown
    assert f"image 2: {tmp_path / 'b.jpg'}\n  alt: Das zweite" in shown
    exported = run("queue", "export", "--format", "csv").out
    assert f"{tmp_path / 'a.png'}|{tmp_path / 'b.jpg'},Das erste|Das zweite" in exported


@pytest.mark.parametrize(
    ("images", "alts", "message"),
    [
        ("a.png|b.jpg", "Nur eins", "image 'b.jpg' needs alt text (the alt column, one per image"),
        ("a.png", "Eins|Zwei", "2 alt texts for 1 image;"),
        ("", "Alt", "alt text without an image"),
        ("a.png|b.jpg|a.png|b.jpg|a.png", "1|2|3|4|5", "5 images, but mastodon takes at most 4 per post"),
        ("notes.png", "Alt", "notes.png is not a JPEG, PNG, GIF or WebP image"),
    ],
)
def test_import_csv_refuses_bad_images_with_one_line(run, tmp_path, images, alts, message):
    imagefiles.write(tmp_path / "a.png")
    imagefiles.write(tmp_path / "b.jpg", imagefiles.JPEG)
    imagefiles.write(tmp_path / "notes.png", b"plain text")
    path = tmp_path / "extra.csv"
    path.write_text(
        f"platform,publish_at,text,image,alt\nmastodon,2030-02-03T10:00,Hallo,{images},{alts}\n", encoding="utf-8"
    )
    result = run("queue", "import-csv", str(path))
    assert result.code == 2 and message in result.err and "extra.csv row 2" in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_a_dry_run_writes_the_upload_steps_before_the_post(run, tmp_path):
    issue = _issue(tmp_path)
    assert run("queue", "add", str(issue), "-p", "mastodon", "--start", START, "--approve").code == 0
    with_image = next(p for p in json.loads(run("queue", "list", "--format", "json").out) if p["images"])
    assert run("queue", "reschedule", str(with_image["id"]), "now").code == 0
    assert run("run", "--once", "--dry-run").code == 0
    (line,) = [json.loads(raw) for raw in (tmp_path / "outbox.jsonl").read_text().splitlines()]
    steps = [(r["method"], r["url"].rsplit("/", 2)[-2:]) for r in line["requests"]]
    # the instance's limits are read, the image uploaded (processed at once in a dry run), then the status
    assert steps == [("GET", ["v2", "instance"]), ("POST", ["v2", "media"]), ("POST", ["v1", "statuses"])]
    size = (tmp_path / "posts" / "img" / "fest.png").stat().st_size
    assert line["requests"][1]["body"] == {
        "file": {"filename": "fest.png", "type": "image/png", "size": size},
        "description": "Kinder beim Sommerfest im Hof",
    }
    (media_id,) = line["requests"][-1]["body"]["media_ids"]  # the id the upload was answered with
    assert isinstance(media_id, str) and media_id


def test_preview_json_lists_the_upload_requests(run, tmp_path):
    data = json.loads(run("preview", str(_issue(tmp_path)), "-p", "linkedin", "--format", "json").out)
    post = data["issues"][0]["posts"][1]
    assert [step["method"] for step in post["uploads"]] == ["POST", "PUT"]
    assert post["payload"]["content"]["media"]["altText"] == "Kinder beim Sommerfest im Hof"
