"""What a dry run shows for posts with images: the account's real client publishes them over the
recorder, so every upload comes before the post, the post names what the uploads were answered
with, the bytes appear as their size, and no secret is shown. An image given as a URL is not
fetched: the GET is shown with a note, and a stand-in is uploaded."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from scheduler.models import Content, Image, QueuedPost
from scheduler.platforms.dryrun import DryRunPublisher
from tests.fakes.pages import png

NOW = dt.datetime(2030, 1, 7, 8, tzinfo=dt.UTC)
B = Image("https://example.org/media/b.png", "Zweites Bild")


def _requests(tmp_path: Path, platform: str, *images: Image) -> list[dict]:
    post = QueuedPost(
        id=1,
        item_id="i",
        platform=platform,
        account="default",
        state="scheduled",
        publish_at=NOW,
        content=Content(("Hallo",), "de", images=images),
        idempotency_key="k",
    )
    outbox = tmp_path / f"{platform}-{len(images)}.jsonl"
    assert DryRunPublisher(outbox, clock=lambda: NOW).write(post)
    (line,) = [json.loads(raw) for raw in outbox.read_text().splitlines()]
    assert "error" not in line, line["error"]
    return line["requests"]


@pytest.fixture
def local(tmp_path: Path) -> Image:
    picture = tmp_path / "a.png"
    picture.write_bytes(png(4, 3))
    return Image(str(picture), "Erstes Bild")


@pytest.mark.parametrize(
    ("platform", "steps"),
    [
        (
            "linkedin",
            [
                ("POST", "https://api.linkedin.com/rest/images?action=initializeUpload"),
                ("PUT", "https://api.linkedin.com/rehearsal-upload/1000001"),
                ("POST", "https://api.linkedin.com/rest/images?action=initializeUpload"),
                ("PUT", "https://api.linkedin.com/rehearsal-upload/1000004"),
                ("POST", "https://api.linkedin.com/rest/posts"),
            ],
        ),
        (
            "mastodon",
            [
                ("GET", "https://mastodon.social/api/v2/instance"),
                ("POST", "https://mastodon.social/api/v2/media"),
                ("POST", "https://mastodon.social/api/v2/media"),
                ("POST", "https://mastodon.social/api/v1/statuses"),
            ],
        ),
        (
            "x",
            [
                ("POST", "https://api.x.com/2/media/upload"),
                ("POST", "https://api.x.com/2/media/metadata"),
                ("POST", "https://api.x.com/2/media/upload"),
                ("POST", "https://api.x.com/2/media/metadata"),
                ("POST", "https://api.x.com/2/tweets"),
            ],
        ),
        (
            "facebook",
            [("POST", "https://graph.facebook.com/v21.0/<page_id>/photos")] * 2
            + [("POST", "https://graph.facebook.com/v21.0/<page_id>/feed")],
        ),
    ],
)
def test_uploads_come_first_then_the_post_naming_them(tmp_path, local, platform, steps):
    requests = [r for r in _requests(tmp_path, platform, local, B) if r["url"] != B.path]  # B's GET: below
    assert [(r["method"], r["url"]) for r in requests] == steps
    text = json.dumps(requests, ensure_ascii=False)
    assert "Erstes Bild" in text and "Zweites Bild" in text  # alt text travels with each image
    assert "Bearer [redacted]" in text or '"access_token": "[redacted]"' in text
    assert "dry-run-placeholder-secret" not in text


def test_threads_makes_a_carousel_of_the_image_addresses(tmp_path):
    requests = _requests(tmp_path, "threads", B, B)
    containers = [r for r in requests if r["method"] == "POST" and r["url"].endswith("/me/threads")]
    assert [c["body"]["media_type"] for c in containers] == ["IMAGE", "IMAGE", "CAROUSEL"]
    assert containers[0]["body"]["image_url"] == B.path and containers[0]["body"]["alt_text"] == "Zweites Bild"
    assert len(containers[-1]["body"]["children"].split(",")) == 2  # the two items' container ids
    assert requests[0]["url"].startswith("https://graph.threads.net/v1.0/me/threads_publishing_limit")
    assert requests[-1]["url"].endswith("/me/threads_publish")  # published once Threads says FINISHED


def test_the_post_bodies_name_what_the_uploads_were_answered_with(tmp_path, local):
    linkedin = _requests(tmp_path, "linkedin", local)
    assert linkedin[-1]["body"]["content"] == {"media": {"id": "urn:li:image:1000001", "altText": "Erstes Bild"}}
    mastodon = _requests(tmp_path, "mastodon", local)
    assert mastodon[-1]["body"]["media_ids"] == ["1000002"]  # the id the upload was answered with
    x = _requests(tmp_path, "x", local)
    assert x[-1]["body"]["media"] == {"media_ids": ["1000001"]}
    size = Path(local.path).stat().st_size
    assert x[0]["body"]["media"] == {"filename": "a.png", "type": "image/png", "size": size}  # never the bytes
    feed = _requests(tmp_path, "facebook", local)[-1]["body"]
    assert feed["attached_media[0]"] == '{"media_fbid": "1000001"}' and "link" not in feed


def test_an_image_given_as_an_address_is_not_fetched_in_a_dry_run(tmp_path):
    fetch, upload, *_ = _requests(tmp_path, "x", B)
    assert (fetch["method"], fetch["url"], fetch["headers"]) == ("GET", B.path, {"Accept": "image/*"})
    assert "does not fetch" in fetch["note"]
    assert upload["body"]["media"]["filename"] == "b.png"


def test_posts_without_images_send_only_the_post(tmp_path):
    for platform in ("linkedin", "mastodon", "x", "facebook"):
        assert len(_requests(tmp_path, platform)) == 1, platform
    threads = _requests(tmp_path, "threads")  # the quota is read first, then the container is published
    assert [r["url"].split("?")[0].rsplit("/", 1)[1] for r in threads] == [
        "threads_publishing_limit",
        "threads",
        "threads_publish",
    ]
