"""LinkedIn images against the fake Images and Posts API (real HTTP on 127.0.0.1)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from pydantic import SecretStr

from scheduler.errors import RejectedError
from scheduler.models import Content, Image, QueuedPost
from scheduler.platforms.linkedin import LinkedInPublisher
from tests import imagefiles
from tests.fakes.linkedin_server import LinkedInFake

NOW = dt.datetime.now(dt.UTC)
ORG = "urn:li:organization:4711"


@pytest.fixture
def fake() -> Iterator[LinkedInFake]:
    with LinkedInFake(token="li-good") as server:
        yield server


def _client(fake: LinkedInFake) -> LinkedInPublisher:
    return LinkedInPublisher(fake.url, SecretStr("li-good"), author=ORG, version="202601")


def _post(text: str, images: tuple[Image, ...]) -> QueuedPost:
    return QueuedPost(
        id=1,
        item_id="i",
        platform="linkedin",
        account="default",
        state="publishing",
        publish_at=NOW,
        content=Content((text,), "de", images=images),
        idempotency_key="k",
        claimed_at=NOW,
    )


def _image(tmp_path: Path, name: str, alt: str, data: bytes | None = None) -> Image:
    return Image(str(imagefiles.write(tmp_path / name, data)), alt)


def test_one_image_is_uploaded_then_named_in_content_media_with_its_alt_text(fake, tmp_path):
    image = _image(tmp_path, "fest.png", "Kinder beim Sommerfest")
    result = _client(fake).publish(_post("Sommerfest (Bilder)", (image,)))
    (post,) = fake.posts
    (urn,) = fake.images
    assert post["content"] == {"media": {"id": urn, "altText": "Kinder beim Sommerfest"}}
    assert fake.images[urn]["data"] == Path(image.path).read_bytes() and fake.images[urn]["owner"] == ORG
    assert result.remote_id == post["id"]
    put = next(r for r in fake.requests if r.get("path", "").startswith("/dms-uploads/"))
    assert put["headers"]["content-type"] == "application/octet-stream"


def test_several_images_become_a_multi_image_post_in_order(fake, tmp_path):
    images = (_image(tmp_path, "a.png", "Erstes"), _image(tmp_path, "b.jpg", "Zweites", imagefiles.JPEG))
    _client(fake).publish(_post("Zwei Bilder", images))
    content = fake.posts[0]["content"]
    assert [entry["altText"] for entry in content["multiImage"]["images"]] == ["Erstes", "Zweites"]
    assert [entry["id"] for entry in content["multiImage"]["images"]] == list(fake.images)


def test_the_fake_enforces_the_upload_contract():
    with LinkedInFake(token="li-good") as fake:
        auth = {"Authorization": "Bearer li-good", "LinkedIn-Version": "202601", "X-Restli-Protocol-Version": "2.0.0"}
        started = requests.post(
            f"{fake.url}/rest/images?action=initializeUpload",
            headers=auth,
            timeout=5,
            json={"initializeUploadRequest": {"owner": ORG}},
        ).json()["value"]
        body = {
            "author": ORG,
            "commentary": "x",
            "visibility": "PUBLIC",
            "distribution": {},
            "lifecycleState": "PUBLISHED",
            "content": {"media": {"id": started["image"], "altText": "A"}},
        }
        early = requests.post(f"{fake.url}/rest/posts", headers=auth, json=body, timeout=5)
        assert early.status_code == 400 and "has not been uploaded" in early.json()["message"]
        assert requests.put(started["uploadUrl"], data=imagefiles.png(), timeout=5).status_code == 401
        assert requests.put(started["uploadUrl"], data=b"not an image", headers=auth, timeout=5).status_code == 400
        assert requests.put(started["uploadUrl"], data=imagefiles.png(), headers=auth, timeout=5).status_code == 201
        other = requests.post(
            f"{fake.url}/rest/posts", headers=auth, json={**body, "author": "urn:li:person:x"}, timeout=5
        )
        assert other.status_code == 400 and "not the author" in other.json()["message"]
        assert requests.post(f"{fake.url}/rest/posts", headers=auth, json=body, timeout=5).status_code == 201


def test_an_image_that_is_not_an_image_any_more_fails_before_the_post(fake, tmp_path):
    image = _image(tmp_path, "fest.png", "Fest")
    Path(image.path).write_bytes(b"replaced by a text file")
    with pytest.raises(RejectedError, match=r"fest.png is not a JPEG, PNG, GIF image, which linkedin needs"):
        _client(fake).publish(_post("Fest", (image,)))
    assert fake.posts == [] and fake.images == {}


def test_the_token_goes_only_to_linkedin_hosts():
    from scheduler.platforms.linkedin import _same_site

    assert _same_site("https://www.linkedin.com/dms-uploads/x", "https://api.linkedin.com")
    assert not _same_site("https://uploads.example.net/x", "https://api.linkedin.com")
