"""What a dry run shows for posts with images: every upload step before the post, with
placeholders for the bytes and for ids an earlier answer supplies, and no secret."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from scheduler.models import Image, QueuedPost
from scheduler.platforms.dryrun import requests_for

NOW = dt.datetime(2030, 1, 7, 8, tzinfo=dt.UTC)
A = Image("/srv/posts/img/a.png", "Erstes Bild")
B = Image("https://example.org/media/b.jpg", "Zweites Bild")


def _requests(platform: str, *images: Image) -> list[dict]:
    post = QueuedPost(id=1, item_id="i", platform=platform, account="default", state="publishing", publish_at=NOW,
                      parts=("Hallo",), language="de", idempotency_key="k", images=images)
    return requests_for(post, now=NOW)


@pytest.mark.parametrize(
    ("platform", "steps"),
    [
        ("linkedin", [("POST", "https://api.linkedin.com/rest/images?action=initializeUpload"),
                      ("PUT", "<uploadUrl of image 1>"),
                      ("POST", "https://api.linkedin.com/rest/images?action=initializeUpload"),
                      ("PUT", "<uploadUrl of image 2>"), ("POST", "https://api.linkedin.com/rest/posts")]),
        ("mastodon", [("POST", "https://mastodon.social/api/v2/media"),
                      ("GET", "https://mastodon.social/api/v1/media/<media id of image 1>"),
                      ("POST", "https://mastodon.social/api/v2/media"),
                      ("GET", "https://mastodon.social/api/v1/media/<media id of image 2>"),
                      ("POST", "https://mastodon.social/api/v1/statuses")]),
        ("x", [("POST", "https://api.x.com/2/media/upload"), ("POST", "https://api.x.com/2/media/metadata"),
               ("POST", "https://api.x.com/2/media/upload"), ("POST", "https://api.x.com/2/media/metadata"),
               ("POST", "https://api.x.com/2/tweets")]),
        ("threads", [("POST", "https://graph.threads.net/v1.0/<threads-user-id>/threads")] * 3),
        ("facebook", [("POST", "https://graph.facebook.com/v21.0/<page-id>/photos")] * 2
         + [("POST", "https://graph.facebook.com/v21.0/<page-id>/feed")]),
    ],
)
def test_uploads_come_first_then_the_post_naming_them(platform, steps):
    requests = _requests(platform, A, B)
    assert [(r["method"], r["url"]) for r in requests] == steps
    text = json.dumps(requests, ensure_ascii=False)
    assert "Erstes Bild" in text and "Zweites Bild" in text  # alt text travels with each image
    assert "Bearer [redacted]" in text or '"access_token": "[redacted]"' in text


def test_the_post_bodies_name_the_uploads_by_placeholder():
    assert _requests("linkedin", A)[-1]["body"]["content"] == {"media": {"id": "<image URN of image 1>", "altText": "Erstes Bild"}}
    assert _requests("mastodon", A, B)[-1]["body"]["media_ids"] == ["<media id of image 1>", "<media id of image 2>"]
    assert _requests("x", A)[-1]["body"]["media"] == {"media_ids": ["<media id of image 1>"]}
    single = _requests("threads", B)
    assert len(single) == 1 and single[0]["body"]["media_type"] == "IMAGE" and single[0]["body"]["alt_text"] == "Zweites Bild"
    carousel = _requests("threads", B, B)[-1]["body"]
    assert carousel["children"] == "<container id of image 1>,<container id of image 2>"
    feed = _requests("facebook", A)[-1]["body"]
    assert feed["attached_media[0]"] == '{"media_fbid": "<photo id of image 1>"}' and "link" not in feed
    assert _requests("x", A)[0]["body"]["media"] == "<bytes of /srv/posts/img/a.png>"


def test_posts_without_images_send_what_they_sent_before():
    for platform in ("linkedin", "mastodon", "x", "threads", "facebook"):
        assert len(_requests(platform)) == 1
