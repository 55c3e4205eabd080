"""Image checks before anything is queued: type by content, alt text, size and count per platform."""

from __future__ import annotations

from pathlib import Path

import pytest

from scheduler import media
from scheduler.errors import InputError
from scheduler.models import Image
from scheduler.platforms import registry
from tests import imagefiles


@pytest.mark.parametrize(
    ("data", "mime"),
    [
        (imagefiles.png(), "image/png"),
        (imagefiles.JPEG, "image/jpeg"),
        (imagefiles.GIF, "image/gif"),
        (imagefiles.WEBP, "image/webp"),
        (b"%PDF-1.7", None),
        (b"", None),
    ],
)
def test_the_type_comes_from_the_first_bytes(data, mime):
    assert media.sniff(data[:16]) == mime


def _image(tmp_path: Path, name: str = "photo.png", data: bytes | None = None, alt: str = "Ein Foto") -> Image:
    return Image(str(imagefiles.write(tmp_path / name, data)), alt)


def test_a_good_image_passes_for_every_platform(tmp_path):
    image = _image(tmp_path)
    for platform in registry.every():
        media.check([image], platform.images, where="post")


@pytest.mark.parametrize(
    ("make", "platform", "message"),
    [
        (lambda p: Image(str(p / "gone.png"), "Alt"), "mastodon", r"gone.png not found; check the path"),
        (lambda p: _image(p, alt="  "), "mastodon", r"photo.png has no alt text; describe it"),
        (
            lambda p: _image(p, "notes.png", b"just text, renamed"),
            "mastodon",
            r"notes.png is not a JPEG, PNG, GIF or WebP image; save it in one of those formats",
        ),
        (
            lambda p: _image(p, "anim.webp", imagefiles.WEBP),
            "linkedin",
            r"anim.webp is WebP, which linkedin does not take; save it as JPEG, PNG, GIF",
        ),
        (lambda p: _image(p, "anim.gif", imagefiles.GIF), "x", r"anim.gif is GIF, which x does not take"),
        (
            lambda p: _image(p, "big.png", imagefiles.png(1_000_001)),
            "bluesky",
            r"big.png has 1,000,001 bytes; bluesky takes at most 1,000,000 bytes \(1000 kB\) per image; make it smaller",
        ),
        (
            lambda p: _image(p, "big.png", imagefiles.png(5 * media.MB + 1)),
            "x",
            r"x takes at most 5,242,880 bytes \(5.0 MB\)",
        ),
        (lambda p: Image("http://example.org/a.png", "Alt"), "mastodon", r"must be an https:// address"),
    ],
)
def test_each_problem_is_one_line_naming_the_file_and_the_fix(tmp_path, make, platform, message):
    with pytest.raises(InputError, match=message) as info:
        media.check([make(tmp_path)], registry.get(platform).images, where="issue.txt item 2")
    assert str(info.value).startswith("issue.txt item 2: ") and "\n" not in str(info.value)


def test_alt_text_longer_than_the_platform_takes_is_refused(tmp_path):
    image = _image(tmp_path, alt="x" * 1001)
    media.check([image], registry.get("mastodon").images, where="post")  # 1500
    with pytest.raises(InputError, match="has 1001 characters; x takes at most 1000; shorten it"):
        media.check([image], registry.get("x").images, where="post")


def test_more_images_than_the_platform_takes_are_refused(tmp_path):
    images = [_image(tmp_path, f"{n}.png") for n in range(5)]
    media.check(images, registry.get("linkedin").images, where="post")  # up to 20
    with pytest.raises(InputError, match="5 images, but mastodon takes at most 4 per post; remove 1"):
        media.check(images, registry.get("mastodon").images, where="post")


def test_an_image_url_is_checked_for_alt_text_only_until_it_is_fetched():
    media.check([Image("https://example.org/photo.jpg", "Alt")], registry.get("x").images, where="post")
    with pytest.raises(InputError, match="has no alt text"):
        media.check([Image("https://example.org/photo.jpg", "")], registry.get("x").images, where="post")


def test_threads_needs_a_public_address_for_a_local_file(tmp_path):
    image = _image(tmp_path)
    with pytest.raises(
        InputError, match=r"threads downloads images from a public address.*set SCHEDULER_MEDIA_BASE_URL"
    ):
        media.prepare([image], registry.get("threads").images, where="post")
    (public,) = media.prepare(
        [image], registry.get("threads").images, where="post", media_base_url="https://example.org/media/"
    )
    assert public == Image("https://example.org/media/photo.png", "Ein Foto")
    assert media.prepare([image], registry.get("mastodon").images, where="post") == (image,)  # uploads the file itself


def test_paths_are_made_absolute_relative_to_their_file(tmp_path):
    assert media.resolve("img/a.png", tmp_path) == str(tmp_path / "img" / "a.png")
    assert media.resolve("https://example.org/a.png", tmp_path) == "https://example.org/a.png"
