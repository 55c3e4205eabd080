"""What the fake PDS checks in an `app.bsky.feed.post` record beyond its text: embeds (images and
link cards), blobs and mention DIDs, with the reference PDS's error names and messages.

Confirmed against the reference PDS (0.5.35): a missing `alt` or `description`, five images, a blob
that was never uploaded (`BlobNotFound`), and a DID that is not one are refused with 400. The
reference PDS did *accept* an image blob of 1,000,074 bytes in `app.bsky.embed.images`, although the
lexicon says `maxSize: 1000000`; the fake refuses it, as the app and the AppView are entitled to
(whether they do is unconfirmed), so that a client that sends one is caught here.
"""

from __future__ import annotations

import re
from typing import Any

MAX_BLOB = 1_000_000  # app.bsky.embed.images#image.image and #external.thumb: maxSize
_DID = re.compile(r"^did:[a-z]+:[a-zA-Z0-9._:%-]*[a-zA-Z0-9._-]$")

Answer = tuple[int, dict[str, Any]]


def _invalid(message: str) -> Answer:
    return 400, {"error": "InvalidRequest", "message": f"Invalid app.bsky.feed.post record: {message}"}


def _blob(value: Any, where: str, blobs: dict[str, dict[str, Any]]) -> Answer | None:
    if not (
        isinstance(value, dict)
        and value.get("$type") == "blob"
        and isinstance(value.get("ref"), dict)
        and isinstance(value.get("mimeType"), str)
        and isinstance(value.get("size"), int)
    ):
        return _invalid(f"{where} should be a blob ref")
    cid = str(value["ref"].get("$link", ""))
    stored = blobs.get(cid)
    if stored is None:
        return 400, {"error": "BlobNotFound", "message": f"Could not find blob: {cid}"}
    if not stored["mimeType"].startswith("image/"):
        return _invalid(f"{where} has a mimeType that is not image/* (got {stored['mimeType']})")
    if stored["size"] > MAX_BLOB:
        return _invalid(f"{where} is too big (maximum {MAX_BLOB}, got {stored['size']})")
    return None


def _images(embed: dict[str, Any], blobs: dict[str, dict[str, Any]]) -> Answer | None:
    images = embed.get("images")
    if not isinstance(images, list) or not images:
        return _invalid('Missing required key "images" at $.record.embed')
    if len(images) > 4:
        return _invalid(f"array too big (maximum 4, got {len(images)}) at $.record.embed.images")
    for n, image in enumerate(images):
        where = f"$.record.embed.images[{n}]"
        for key in ("image", "alt"):
            if key not in image:
                return _invalid(f'Missing required key "{key}" at {where}')
        if not isinstance(image["alt"], str):
            return _invalid(f"{where}.alt must be a string")
        ratio = image.get("aspectRatio")
        if ratio is not None and not (
            isinstance(ratio, dict)
            and all(isinstance(ratio.get(side), int) and ratio[side] >= 1 for side in ("width", "height"))
        ):
            return _invalid(f"{where}.aspectRatio must have integer width and height of at least 1")
        if (refused := _blob(image["image"], f"{where}.image", blobs)) is not None:
            return refused
    return None


def _external(embed: dict[str, Any], blobs: dict[str, dict[str, Any]]) -> Answer | None:
    external = embed.get("external")
    if not isinstance(external, dict):
        return _invalid('Missing required key "external" at $.record.embed')
    for key in ("uri", "title", "description"):
        if not isinstance(external.get(key), str):
            return _invalid(f'Missing required key "{key}" at $.record.embed.external')
    if not re.match(r"^[a-z][a-z0-9+.-]*:\S+$", external["uri"]):
        return _invalid("$.record.embed.external.uri must be a uri")
    if "thumb" in external:
        return _blob(external["thumb"], "$.record.embed.external.thumb", blobs)
    return None


def check_record(record: dict[str, Any], blobs: dict[str, dict[str, Any]]) -> Answer | None:
    """The PDS's answer to an invalid record, or None when embed and mention facets are valid."""
    for n, facet in enumerate(record.get("facets", [])):
        for m, feature in enumerate(facet.get("features", [])):
            if feature.get("$type") == "app.bsky.richtext.facet#mention" and not _DID.match(
                str(feature.get("did", ""))
            ):
                return _invalid(f'Invalid DID (got "{feature.get("did")}") at $.record.facets[{n}].features[{m}].did')
    embed = record.get("embed")
    if embed is None:
        return None
    kind = embed.get("$type") if isinstance(embed, dict) else None
    if kind == "app.bsky.embed.images":
        return _images(embed, blobs)
    if kind == "app.bsky.embed.external":
        return _external(embed, blobs)
    return _invalid(f"$.record.embed has an unsupported type (got {kind!r}); this fake knows images and external")
