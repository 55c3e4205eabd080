"""Images: what type a file is (by its first bytes, not its name), each platform's limits, and
the checks that run before anything is queued.

A local image is checked completely (exists, alt text, type, size, count); an image given as an
https URL is checked for its alt text and count here, and for type and size when it is fetched at
publish time. Limits below name their source; the ones marked unconfirmed come from third-party
documentation and are kept on the safe side.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from scheduler.errors import InputError
from scheduler.models import Image

JPEG, PNG, GIF, WEBP = "image/jpeg", "image/png", "image/gif", "image/webp"
_NAMES = {JPEG: "JPEG", PNG: "PNG", GIF: "GIF", WEBP: "WebP"}

MB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class ImageRules:
    """What one platform accepts on one post (each platform's module declares its own)."""

    platform: str  # as named in messages
    max_count: int
    max_bytes: int
    types: tuple[str, ...]
    needs_public_url: bool = False  # the platform fetches the image itself (Threads)
    max_alt: int | None = None  # characters of alt text, where the platform documents a limit

    def type_names(self) -> str:
        return ", ".join(_NAMES[t] for t in self.types)


def sniff(head: bytes) -> str | None:
    """The image type from a file's first bytes (magic numbers), or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    return None


#: Files that are no text, by their first bytes: (magic, what it is in words, its media type).
_NOT_TEXT = (
    (b"%PDF-", "a PDF document", "application/pdf"),
    (b"PK\x03\x04", "a ZIP archive or office document", "application/zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office document", "application/msword"),
    (b"{\\rtf", "an RTF document", "application/rtf"),
)


def not_text(head: bytes) -> tuple[str, str] | None:
    """What a file is, in words, and its media type, when its first bytes say it is an image or a
    document that is no text (a PDF, an office document); None otherwise."""
    image = sniff(head)
    if image is not None:
        return "an image", image
    for magic, kind, media_type in _NOT_TEXT:
        if head.startswith(magic):
            return kind, media_type
    return None


def resolve(path: str, base: Path, *, where: str = "") -> str:
    """A path as written in an options file or CSV: URLs as they are, files absolute (relative to `base`).
    A path with a NUL byte, which no file system takes, is an `InputError` (naming `where` it was written)."""
    if "\x00" in path:
        raise InputError(
            f"{where + ': ' if where else ''}image {path!r} contains a NUL byte, which no file name can; "
            "write the file's name"
        )
    if path.startswith(("https://", "http://")):
        return path
    return str((base / Path(path).expanduser()).resolve())


@dataclass(frozen=True, slots=True)
class ImageFile:
    """A local image's type and size, read once."""

    mime: str
    size: int


def inspect(image: Image, *, where: str) -> ImageFile | None:
    """Check alt text and, for a local file, that it exists and is a supported image; None for a URL."""
    if not image.alt.strip():
        raise InputError(f"{where}: image {image.path} has no alt text; describe it for people who cannot see it")
    if image.is_url:
        if not image.path.startswith("https://"):
            raise InputError(f"{where}: image {image.path} must be an https:// address")
        return None
    try:
        with open(image.path, "rb") as handle:
            head = handle.read(16)
            size = os.fstat(handle.fileno()).st_size
    except FileNotFoundError:
        raise InputError(f"{where}: image {image.path} not found; check the path") from None
    except IsADirectoryError:
        raise InputError(f"{where}: image {image.path} is a folder; name an image file") from None
    except OSError as exc:
        raise InputError(
            f"{where}: image {image.path} cannot be read ({exc.strerror}); check its permissions"
        ) from None
    mime = sniff(head)
    if mime is None:
        raise InputError(
            f"{where}: {image.path} is not a JPEG, PNG, GIF or WebP image; save it in one of those formats"
        )
    return ImageFile(mime, size)


def check(images: Sequence[Image], rules: ImageRules, *, where: str) -> None:
    """Refuse images the platform of `rules` cannot take (count, type, size), naming the file and the fix."""
    platform = rules.platform
    if not images:
        return
    if len(images) > rules.max_count:
        raise InputError(
            f"{where}: {len(images)} images, but {platform} takes at most {rules.max_count} per post; "
            f"remove {len(images) - rules.max_count}"
        )
    for image in images:
        found = inspect(image, where=where)
        if rules.max_alt is not None and len(image.alt) > rules.max_alt:
            raise InputError(
                f"{where}: the alt text of {image.path} has {len(image.alt)} characters; {platform} "
                f"takes at most {rules.max_alt}; shorten it"
            )
        if found is None:
            continue
        if found.mime not in rules.types:
            raise InputError(
                f"{where}: {image.path} is {_NAMES[found.mime]}, which {platform} does not take; "
                f"save it as {rules.type_names()}"
            )
        if found.size > rules.max_bytes:
            raise InputError(
                f"{where}: {image.path} has {found.size:,} bytes; {platform} takes at most "
                f"{rules.max_bytes:,} bytes ({_size(rules.max_bytes)}) per image; make it smaller"
            )


def public_url(image: Image, base_url: str | None, platform: str, *, where: str) -> Image:
    """The image as a platform that downloads images itself sees it: an https URL. A local file
    becomes `<base_url>/<file name>` (SCHEDULER_MEDIA_BASE_URL: where the files are published)."""
    if image.is_url:
        return image
    if not base_url:
        raise InputError(
            f"{where}: {platform} downloads images from a public address, and {image.path} is a local "
            f"file; publish the images and set SCHEDULER_MEDIA_BASE_URL to their address, "
            f"or give the image as an https:// URL"
        )
    return Image(path=f"{base_url.rstrip('/')}/{Path(image.path).name}", alt=image.alt)


def prepare(
    images: Sequence[Image], rules: ImageRules, *, where: str, media_base_url: str | None = None
) -> tuple[Image, ...]:
    """Check `images` against `rules` and return them as the platform will use them (public URLs
    for platforms that download images themselves)."""
    check(images, rules, where=where)
    if rules.needs_public_url:
        return tuple(public_url(image, media_base_url, rules.platform, where=where) for image in images)
    return tuple(images)


def _size(count: int) -> str:
    return f"{count / MB:.1f} MB" if count >= MB else f"{count / 1000:.0f} kB"  # MB here: MiB, as platforms write it
