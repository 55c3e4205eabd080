"""The first part's real embed, in place of the placeholder `bodies.build_payloads` shows: the
post's images, each checked again (type by its bytes, at most 1,000,000 bytes) and uploaded as a
blob (`com.atproto.repo.uploadBlob`), or else the link card read from the page of the first link,
with its image uploaded as the thumbnail when that image can be used."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from scheduler.errors import RejectedError
from scheduler.models import Image, QueuedPost
from scheduler.platforms import uploads
from scheduler.platforms.base import Payload
from scheduler.platforms.bluesky.bodies import IMAGES, MAX_IMAGES, card_embed, first_link, image_entry
from scheduler.platforms.bluesky.session import Call

if TYPE_CHECKING:
    from scheduler.platforms.http import HttpClient
    from scheduler.platforms.linkcard import LinkCards

log = logging.getLogger(__name__)

#: Uploads bytes of a type; answers the blob object to put into a record as it is.
Uploader = Callable[[bytes, str], Any]


def upload_blob(call: Call, data: bytes, mime: str) -> dict[str, Any]:
    """Upload `data` (`com.atproto.repo.uploadBlob`); the blob object to put into a record as it is."""
    blob: dict[str, Any] = call("POST", "com.atproto.repo.uploadBlob", data=data, headers={"Content-Type": mime})[
        "blob"
    ]
    return blob


def images_embed(images: Sequence[Image], *, upload: Uploader, http: HttpClient) -> Payload:
    """Upload each image (checked again: type by its bytes, at most 1,000,000 bytes) and embed them."""
    if len(images) > MAX_IMAGES:
        raise RejectedError(
            f"{len(images)} images, but Bluesky takes at most {MAX_IMAGES} per post; "
            f"remove {len(images) - MAX_IMAGES}, then retry the post"
        )
    entries = []
    for image in images:
        data = uploads.load(image, IMAGES, http)
        entries.append(image_entry(image, upload(data.data, data.mime), data.data))
    return {"$type": "app.bsky.embed.images", "images": entries}


def embed(
    post: QueuedPost, record: Payload, *, upload: Uploader, http: HttpClient, cards: Callable[[], LinkCards]
) -> None:
    """Put the first part's real embed into `record`: the images, or the link card read from the page
    (without a thumbnail when its image cannot be used), or none at all."""
    if post.images:
        record["embed"] = images_embed(post.images, upload=upload, http=http)
        return
    link = first_link(record)
    if link is None:
        return
    card = cards().card(link)
    if card is None:
        record.pop("embed", None)
        return
    thumb = None
    if card.thumb is not None:
        try:
            thumb = upload(card.thumb.data, card.thumb.mime)
        except RejectedError as error:
            log.info("link card for %s without its image: %s", link, error)
    record["embed"] = card_embed(card, link, thumb)
