"""Width and height from image headers, for Bluesky's aspectRatio."""

from __future__ import annotations

import struct

import pytest

from scheduler.platforms.imagesize import dimensions
from tests.fakes.pages import png


def jpeg(width: int, height: int, *, progressive: bool = False) -> bytes:
    """A JPEG's markers up to its frame header: an APP1 block first (as cameras write EXIF), then SOF."""
    app1 = b"\xff\xe1" + struct.pack(">H", 2 + 20) + b"Exif\x00\x00" + b"\x00" * 14
    dht = b"\xff\xc4" + struct.pack(">H", 2 + 3) + b"\x00\x01\x02"  # C4 is not a frame header
    sof = (
        b"\xff"
        + (b"\xc2" if progressive else b"\xc0")
        + struct.pack(">HBHHB", 11, 8, height, width, 1)
        + b"\x01\x11\x00"
    )
    return b"\xff\xd8" + app1 + dht + sof + b"\xff\xd9"


def webp_lossless(width: int, height: int) -> bytes:
    bits = (width - 1) | ((height - 1) << 14)
    chunk = b"VP8L" + struct.pack("<I", 5) + b"\x2f" + struct.pack("<I", bits)
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk


def webp_extended(width: int, height: int) -> bytes:
    chunk = (
        b"VP8X"
        + struct.pack("<I", 10)
        + b"\x00" * 4
        + (width - 1).to_bytes(3, "little")
        + (height - 1).to_bytes(3, "little")
    )
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk


@pytest.mark.parametrize(
    ("data", "size"),
    [
        (png(3, 2), (3, 2)),
        (png(1200, 630), (1200, 630)),
        (jpeg(4032, 3024), (4032, 3024)),
        (jpeg(7, 5, progressive=True), (7, 5)),
        (b"GIF89a" + struct.pack("<HH", 640, 480) + b"\x00" * 10, (640, 480)),
        (webp_lossless(16383, 2), (16383, 2)),
        (webp_extended(1920, 1080), (1920, 1080)),
    ],
    ids=["png", "png-large", "jpeg-exif", "jpeg-progressive", "gif", "webp-lossless", "webp-extended"],
)
def test_dimensions_from_the_header(data: bytes, size: tuple[int, int]):
    assert dimensions(data) == size


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not an image",
        b"\xff\xd8\xff\xe0\x00\x10JFIF",
        png(3, 2)[:20],
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 4 + b"IHDR" + b"\x00" * 8,
    ],
)
def test_unknown_cut_or_empty_headers_give_none(data: bytes):
    assert dimensions(data) is None
