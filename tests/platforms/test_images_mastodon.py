"""Mastodon images against the fake server (real HTTP on 127.0.0.1): upload with alt text, wait
for processing (202 → 206 → 200), attach to the first part only, instance limits."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from scheduler.errors import RateLimitedError, RejectedError, TransientError
from scheduler.models import Content, Image, QueuedPost
from scheduler.platforms.mastodon import MastodonPublisher
from tests import imagefiles
from tests.fakes.mastodon_server import MastodonFake

NOW = dt.datetime.now(dt.UTC)


@pytest.fixture
def fake() -> Iterator[MastodonFake]:
    with MastodonFake(token="good-token") as server:
        yield server


def _post(*parts: str, images: tuple[Image, ...]) -> QueuedPost:
    return QueuedPost(
        id=1,
        item_id="i",
        platform="mastodon",
        account="default",
        state="publishing",
        publish_at=NOW,
        content=Content(parts, "de", images=images),
        idempotency_key="k",
        claimed_at=NOW,
    )


def _client(fake: MastodonFake, *, media_timeout: float = 60.0, sleeps: list[float] | None = None) -> MastodonPublisher:
    return MastodonPublisher(
        fake.url,
        SecretStr("good-token"),
        media_timeout=media_timeout,
        sleep=(sleeps.append if sleeps is not None else lambda seconds: None),
    )


def _images(tmp_path: Path, count: int = 2) -> tuple[Image, ...]:
    return tuple(Image(str(imagefiles.write(tmp_path / f"{n}.png")), f"Bild {n}") for n in range(1, count + 1))


def test_images_are_uploaded_with_alt_text_waited_for_and_attached_to_the_first_part(fake, tmp_path):
    sleeps: list[float] = []
    result = _client(fake, sleeps=sleeps).publish(_post("Teil eins", "Teil zwei", images=_images(tmp_path)))
    first, second = fake.statuses
    assert [m["description"] for m in first["media_attachments"]] == ["Bild 1", "Bild 2"]
    assert all(m["url"] for m in first["media_attachments"])  # processed before the status was created
    assert second["media_attachments"] == [] and second["in_reply_to_id"] == first["id"]
    assert result.remote_id == first["id"]
    reads = [r["path"] for r in fake.requests if r.get("path", "").startswith("/api/v1/media/")]
    assert len(reads) == 2 * 3  # per image: 206, 206, 200
    assert sleeps == [0.5, 1.0, 2.0] * 2  # a pause before each read, growing


def test_an_image_the_server_processes_at_once_needs_no_polling(tmp_path):
    with MastodonFake(token="good-token", processing_polls=0) as fake:
        _client(fake).publish(_post("Sofort", images=_images(tmp_path, 1)))
        assert not any(r.get("path", "").startswith("/api/v1/media/") for r in fake.requests)
        assert len(fake.statuses[0]["media_attachments"]) == 1


def test_processing_that_takes_too_long_is_retried_later_not_posted_without_the_image(tmp_path):
    with MastodonFake(token="good-token", processing_polls=1000) as fake:
        with pytest.raises(TransientError, match=r"still processing image .*1\.png after 2 s"):
            _client(fake, media_timeout=2).publish(_post("Langsam", images=_images(tmp_path, 1)))
        assert fake.statuses == []


def test_the_fake_refuses_a_status_naming_unprocessed_media(fake, tmp_path):
    import requests

    image = imagefiles.write(tmp_path / "a.png").read_bytes()
    auth = {"Authorization": "Bearer good-token"}
    upload = requests.post(
        f"{fake.url}/api/v2/media",
        headers=auth,
        files={"file": ("a.png", image, "image/png")},
        data={"description": "A"},
        timeout=5,
    )
    assert upload.status_code == 202 and upload.json()["url"] is None
    early = requests.post(
        f"{fake.url}/api/v1/statuses", headers=auth, json={"status": "x", "media_ids": [upload.json()["id"]]}, timeout=5
    )
    assert early.status_code == 422 and "not finished processing" in early.json()["error"]


def test_instance_limits_are_checked_before_anything_is_uploaded(tmp_path):
    with MastodonFake(token="good-token", max_media_attachments=2) as fake:
        with pytest.raises(
            RejectedError, match="3 images, but this Mastodon instance takes at most 2 per post; remove 1"
        ):
            _client(fake).publish(_post("Drei", images=_images(tmp_path, 3)))
        assert fake.media == {}
    with MastodonFake(token="good-token", image_size_limit=1000) as fake:
        big = Image(str(imagefiles.write(tmp_path / "big.png", imagefiles.png(5000))), "Groß")
        with pytest.raises(RejectedError, match=r"big\.png is larger than this Mastodon instance's 1,000 bytes"):
            _client(fake).publish(_post("Groß", images=(big,)))
        assert fake.media == {} and fake.statuses == []


def test_a_file_gone_since_queuing_fails_the_post_naming_the_file(fake, tmp_path):
    (image,) = _images(tmp_path, 1)
    Path(image.path).unlink()
    with pytest.raises(RejectedError, match=r"image .*1.png cannot be read .*put it back, then retry the post"):
        _client(fake).publish(_post("Weg", images=(image,)))
    assert fake.statuses == []


def test_images_beyond_the_media_rate_limit_hold_the_post_back_before_any_request(tmp_path):
    with MastodonFake(token="good-token", media_rate_limit=3, processing_polls=0) as fake:
        client = _client(fake)
        client.publish(_post("Zwei Bilder", images=_images(tmp_path)))  # 1 of 3 uploads left in the window
        sent = len(fake.requests)
        held = dataclasses.replace(_post("Noch zwei Bilder", images=_images(tmp_path)), id=2, idempotency_key="k2")
        with pytest.raises(RateLimitedError, match="1 left in the rate-limit window, the post needs 2") as raised:
            client.publish(held)
        assert raised.value.unsent and 25 * 60 < raised.value.retry_after <= 30 * 60
        assert len(fake.requests) == sent and len(fake.media) == 2 and len(fake.statuses) == 1  # nothing half-sent
        text_only = dataclasses.replace(_post("Ohne Bild", images=()), id=3, idempotency_key="k3")
        client.publish(text_only)  # the statuses window is another one
        assert [s["content"] for s in fake.statuses][-1] == "<p>Ohne Bild</p>"
