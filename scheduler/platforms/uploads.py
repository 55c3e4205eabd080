"""What the platform clients share about images: reading an image's bytes for an upload (a local
file, or an https URL fetched over the request helper's session without credentials, read no
further than the platform's size limit), checked against the platform's rules again at publish
time, and the placeholders dry runs show for bytes and for ids an upload returns.

Between queuing and publishing a file may have been moved or replaced, and an image given as a URL
is seen for the first time here; both are `RejectedError`s naming the file and the fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from scheduler import media
from scheduler.errors import PublishError, RejectedError, TransientError
from scheduler.models import Image

if TYPE_CHECKING:
    from scheduler.platforms.http import HttpClient


@dataclass(frozen=True, slots=True)
class ImageData:
    """An image ready to upload: its bytes, type, a file name for multipart bodies, and alt text."""

    data: bytes
    mime: str
    name: str
    alt: str

    def __repr__(self) -> str:  # never the bytes
        return f"ImageData(name={self.name!r}, mime={self.mime!r}, size={len(self.data)})"


def _name(image: Image) -> str:
    return PurePosixPath(urlsplit(image.path).path).name if image.is_url else PurePosixPath(image.path).name


def load(image: Image, rules: media.ImageRules, http: HttpClient) -> ImageData:
    """The bytes of `image` as the platform of `rules` takes them; `RejectedError` when they cannot be used."""
    platform = rules.platform
    if image.is_url:
        from scheduler.platforms.fetching import Fetcher

        # public addresses only, unless SCHEDULER_FETCH_ALLOW lists the host (an intranet's image server)
        fetcher = Fetcher(timeout=http.timeout, max_redirects=5, allow=http.fetch_allow, transport=http.fetch_transport)
        try:  # no credentials go to the image's host
            data = fetcher.get(image.path, max_bytes=rules.max_bytes, accept="image/*").body
        except TransientError:
            raise
        except PublishError as error:  # the image's host refused, not the platform: no re-authorising
            raise RejectedError(
                f"image {image.path} could not be fetched ({error}); check the address "
                f"(at most {rules.max_bytes:,} bytes for {platform}), then retry the post"
            ) from None
    else:
        try:
            with open(image.path, "rb") as handle:
                data = handle.read()
        except OSError as exc:
            raise RejectedError(
                f"image {image.path} cannot be read ({exc.strerror}); put it back, then retry the post"
            ) from None
    mime = media.sniff(data[:16])
    if mime not in rules.types:
        raise RejectedError(
            f"image {image.path} is not a {rules.type_names()} image, which {platform} needs; "
            f"replace it, then retry the post"
        )
    if len(data) > rules.max_bytes:
        raise RejectedError(
            f"image {image.path} has {len(data):,} bytes; {platform} takes at most "
            f"{rules.max_bytes:,}; make it smaller, then retry the post"
        )
    return ImageData(data=data, mime=mime, name=_name(image) or "image", alt=image.alt)


def contents(image: Image) -> str:
    """What a dry run shows instead of an image's bytes."""
    return f"<bytes of {image.path}>"


def placeholder(what: str, number: int) -> str:
    """`<image URN of image 1>`: a value an earlier upload's answer supplies."""
    return f"<{what} of image {number}>"
