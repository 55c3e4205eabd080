"""Threads and Facebook images against the fake Graph API (real HTTP on 127.0.0.1)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from pydantic import SecretStr

from scheduler.errors import RejectedError, TransientError
from scheduler.models import Content, Image, QueuedPost
from scheduler.platforms.facebook import FacebookPublisher
from scheduler.platforms.threads import ThreadsPublisher
from tests import imagefiles
from tests.fakes.meta_server import MetaFake

NOW = dt.datetime.now(dt.UTC)
# Public addresses Meta would download; the fake never fetches them, it only checks their form.
FEST = Image("https://example.org/media/fest.jpg", "Kinder beim Sommerfest")
KARTE = Image("https://example.org/media/karte.png", "Karte der Region")


@pytest.fixture
def fake() -> Iterator[MetaFake]:
    with MetaFake(token="meta-good") as server:
        yield server


def _post(platform: str, *parts: str, images: tuple[Image, ...]) -> QueuedPost:
    return QueuedPost(
        id=1,
        item_id="i",
        platform=platform,
        account="default",
        state="publishing",
        publish_at=NOW,
        content=Content(parts, "de", links=("https://example.org/n",), images=images),
        idempotency_key="k",
        claimed_at=NOW,
    )


def _threads(fake: MetaFake, sleeps: list[float] | None = None, timeout: float = 300.0) -> ThreadsPublisher:
    return ThreadsPublisher(
        fake.url,
        SecretStr("meta-good"),
        media_timeout=timeout,
        sleep=sleeps.append if sleeps is not None else (lambda seconds: None),
    )


def test_threads_one_image_waits_until_finished_then_publishes_with_alt_text(fake):
    sleeps: list[float] = []
    result = _threads(fake, sleeps).publish(_post("threads", "Sommerfest 1/2", "Mehr 2/2", images=(FEST,)))
    first, second = fake.threads
    assert (first["media_type"], first["image_url"], first["alt_text"]) == ("IMAGE", FEST.path, FEST.alt)
    assert first["text"] == "Sommerfest 1/2" and second["media_type"] == "TEXT" and second["reply_to_id"] == first["id"]
    assert result.remote_id == first["id"]
    assert sleeps == [2.0]  # one IN_PROGRESS answer, then FINISHED


def test_threads_several_images_become_a_carousel(fake):
    _threads(fake).publish(_post("threads", "Zwei Bilder", images=(FEST, KARTE)))
    (post,) = fake.threads
    assert post["media_type"] == "CAROUSEL" and post["text"] == "Zwei Bilder"
    assert [(c["image_url"], c["alt_text"]) for c in post["children"]] == [
        (FEST.path, FEST.alt),
        (KARTE.path, KARTE.alt),
    ]


def test_threads_publishing_an_unfinished_container_is_refused_by_the_fake(fake):
    form = {"media_type": "IMAGE", "image_url": FEST.path, "access_token": "meta-good"}
    container = requests.post(f"{fake.url}/me/threads", data=form, timeout=5).json()["id"]
    early = requests.post(
        f"{fake.url}/me/threads_publish", data={"creation_id": container, "access_token": "meta-good"}, timeout=5
    )
    assert early.status_code == 400 and early.json()["error"]["code"] == 9007
    local = requests.post(f"{fake.url}/me/threads", data={**form, "image_url": "/srv/fest.jpg"}, timeout=5)
    assert local.status_code == 400 and "image_url" in local.json()["error"]["message"]


def test_threads_gives_up_waiting_within_its_bound(fake):
    fake.processing_polls = 10_000
    with pytest.raises(TransientError, match="still processing the image after 10 s"):
        _threads(fake, timeout=10).publish(_post("threads", "Langsam", images=(FEST,)))
    assert fake.threads == []


def test_threads_refuses_a_local_file_naming_the_setting(fake, tmp_path):
    local = Image(str(imagefiles.write(tmp_path / "fest.png")), "Fest")
    with pytest.raises(RejectedError, match="set SCHEDULER_MEDIA_BASE_URL"):
        _threads(fake).publish(_post("threads", "Lokal", images=(local,)))
    assert fake.containers == {}


def test_facebook_uploads_unpublished_photos_with_alt_text_then_one_feed_post(fake, tmp_path):
    local = Image(str(imagefiles.write(tmp_path / "plan.png")), "Lageplan")
    client = FacebookPublisher(fake.url, SecretStr("meta-good"), page_id="1234")
    result = client.publish(_post("facebook", "Sommerfest mit Bildern https://example.org/n", images=(FEST, local)))
    (item,) = fake.feed
    assert item["id"] == result.remote_id and item["message"] == "Sommerfest mit Bildern https://example.org/n"
    assert item["link"] is None  # a post with photos has no link card; the link stays in the text
    photos = [fake.photos[p] for p in item["photos"]]
    assert [(p["url"], p["alt_text_custom"], p["published"]) for p in photos] == [
        (FEST.path, FEST.alt, False),
        (None, "Lageplan", False),
    ]
    assert photos[1]["size"] == len(Path(local.path).read_bytes())  # the file itself went as `source`


def test_facebook_feed_must_name_uploaded_unpublished_photos(fake):
    form = {"message": "x", "attached_media[0]": '{"media_fbid": "999"}', "access_token": "meta-good"}
    answer = requests.post(f"{fake.url}/1234/feed", data=form, timeout=5)
    assert answer.status_code == 400 and answer.json()["error"]["code"] == 100
    bad = requests.post(
        f"{fake.url}/1234/photos", data={"url": "ftp://example.org/a.png", "access_token": "meta-good"}, timeout=5
    )
    assert bad.status_code == 400
