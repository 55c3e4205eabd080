"""The request bodies of a Bluesky post (`com.atproto.repo.createRecord`), as a dry run and a preview
show them and as publishing starts from: records with `langs`, byte-offset facets (links, hashtags,
and mentions resolved to DIDs by a `Resolver`), replies for the later parts of a thread, and on the
first part one embed: the post's images, or else a link card for its first link. A post's parts
keep each link's full address; the record shows it short (`www.example.org/aktuelles/vera…`) with
the link facet pointing to the full address (see `text.facets.rich_text`). Also the `uploadBlob`
requests that come before the first part when the post has images."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from scheduler import media
from scheduler.models import Content, Image
from scheduler.platforms import uploads
from scheduler.platforms.base import Payload
from scheduler.platforms.imagesize import dimensions
from scheduler.text.facets import Resolver, placeholder_did, rich_text

if TYPE_CHECKING:
    from scheduler.platforms.linkcard import LinkCard

REPO_PLACEHOLDER = "<DID of the account>"
#: app.bsky.embed.images: at most 4 images, each blob at most 1,000,000 bytes (lexicon).
IMAGES = media.ImageRules(
    "bluesky", max_count=4, max_bytes=1_000_000, types=(media.JPEG, media.PNG, media.GIF, media.WEBP)
)
MAX_IMAGES = IMAGES.max_count
_HEAD = 256 * 1024  # enough of a JPEG to reach its size (EXIF blocks come first)
UPLOAD_PATH = "/xrpc/com.atproto.repo.uploadBlob"


def _ref(index: int) -> dict[str, str]:
    return {"uri": f"<uri of part {index}>", "cid": f"<cid of part {index}>"}


def first_link(record: Payload) -> str | None:
    """The address of the first link facet of a record, or None."""
    for facet in record.get("facets", ()):
        for feature in facet["features"]:
            if feature["$type"] == "app.bsky.richtext.facet#link":
                return str(feature["uri"])
    return None


def card_embed(card: LinkCard | None, uri: str, thumb: Any = None) -> Payload:
    """`app.bsky.embed.external` for `uri`; without a card (a dry run), placeholders say what the page gives."""
    external: Payload = {
        "uri": uri,
        "title": "<title of the page (og:title)>",
        "description": "<description of the page (og:description)>",
        "thumb": "<blob of the page's image (og:image)>",
    }
    if card is not None:
        external = {"uri": card.uri, "title": card.title, "description": card.description}
        if thumb is not None:
            external["thumb"] = thumb
    return {"$type": "app.bsky.embed.external", "external": external}


def _local_head(image: Image) -> bytes:
    """The first bytes of a local image (what a dry run reads to show type and aspect ratio); b"" for a
    URL or a file that cannot be read (publishing names that problem)."""
    if image.is_url:
        return b""
    try:
        with open(image.path, "rb") as handle:
            return handle.read(_HEAD)
    except OSError:
        return b""


def image_entry(image: Image, blob: Any, head: bytes) -> Payload:
    """One `app.bsky.embed.images#image`: the uploaded blob, the alt text, and the aspect ratio when the
    image's header tells it."""
    entry: Payload = {"image": blob, "alt": image.alt}
    if size := dimensions(head):
        entry["aspectRatio"] = {"width": size[0], "height": size[1]}
    return entry


def build_uploads(post: Content) -> list[Payload]:
    """One `uploadBlob` per image — the raw bytes, sent with the image's type — before the first part."""
    steps: list[Payload] = []
    for number, image in enumerate(post.images, start=1):
        mime = media.sniff(_local_head(image)[:16]) or uploads.placeholder("type", number)
        steps.append({"method": "POST", "path": UPLOAD_PATH, "content_type": mime, "body": uploads.contents(image)})
    return steps


def build_payloads(
    post: Content, *, now: dt.datetime, repo: str = REPO_PLACEHOLDER, did_of: Resolver = placeholder_did
) -> list[Payload]:
    """The createRecord bodies of `post`'s parts. Without an account (a dry run, a preview) nothing is
    fetched: mentions show `<DID of @handle>`; a first part with images shows them as
    `app.bsky.embed.images` with `<blob of image N>` (images win over a link card: a record has one
    embed), and one with a link and no images a link-card embed with placeholders — when published,
    the card is read from the page, and left out when the page cannot be fetched."""
    created = now.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    payloads: list[Payload] = []
    for index, part in enumerate(post.parts):
        rich = rich_text(part, did_of=did_of)  # links shown short, the facet holds the full address
        record: Payload = {
            "$type": "app.bsky.feed.post",
            "text": rich.text,
            "createdAt": created,
            "langs": [post.language],
        }
        if rich.facets:
            record["facets"] = rich.facets
        if not index and post.images:
            record["embed"] = {
                "$type": "app.bsky.embed.images",
                "images": [
                    image_entry(image, uploads.placeholder("blob", number), _local_head(image))
                    for number, image in enumerate(post.images, start=1)
                ],
            }
        elif not index and (link := first_link(record)):
            record["embed"] = card_embed(None, link)
        if index:
            record["reply"] = {"root": _ref(1), "parent": _ref(index)}
        payloads.append({"repo": repo, "collection": "app.bsky.feed.post", "record": record})
    return payloads
