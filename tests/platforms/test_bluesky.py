"""Bluesky against the fake PDS: mentions resolved to DIDs when published, link cards read from a
page on 127.0.0.1, and what a dry run shows instead (without touching the network)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import SecretStr

from scheduler.errors import RejectedError
from scheduler.models import Content, Image, QueuedPost
from scheduler.platforms.bluesky import BlueskyPublisher, build_payloads
from scheduler.platforms.dryrun import DryRunPublisher
from scheduler.platforms.linkcard import LinkCards
from tests.fakes.bluesky_server import BlueskyFake
from tests.fakes.pages import PageServer, Resource, og_page, png, site_only

NOW = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC)
PASSWORD = "bsky-app-password-0042"


@pytest.fixture
def pds() -> Iterator[BlueskyFake]:
    with BlueskyFake(password=PASSWORD, others={"verein.bsky.social": "did:plc:verein"}) as fake:
        yield fake


@pytest.fixture
def site() -> Iterator[PageServer]:
    with PageServer() as server:
        yield server


@pytest.fixture
def client(pds: BlueskyFake, site: PageServer) -> BlueskyPublisher:
    return BlueskyPublisher(
        pds.url, "comms.test", SecretStr(PASSWORD), cards=LinkCards(site_only(site))
    )  # the test pages, nothing else


def _post(*parts: str, key: str = "bsky-1") -> QueuedPost:
    return QueuedPost(
        id=1,
        item_id="i",
        platform="bluesky",
        account="default",
        state="publishing",
        publish_at=NOW,
        content=Content(parts, "de"),
        idempotency_key=key,
        claimed_at=NOW,
    )


def _records(pds: BlueskyFake) -> list[dict[str, Any]]:
    return [stored["value"] for _, stored in sorted(pds.records.items())]


def _covered(record: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    raw = record["text"].encode()
    return [
        (raw[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode(), f["features"][0])
        for f in record.get("facets", [])
    ]


# -- mentions --------------------------------------------------------------------------------------


def test_a_mention_becomes_a_facet_with_the_did_the_pds_resolves(pds, client):
    client.publish(_post("Grüße ✨ an @Verein.bsky.social und @comms.test! #Dank"))
    (record,) = _records(pds)
    assert _covered(record) == [
        ("@Verein.bsky.social", {"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:verein"}),
        ("@comms.test", {"$type": "app.bsky.richtext.facet#mention", "did": pds.did}),
        ("#Dank", {"$type": "app.bsky.richtext.facet#tag", "tag": "Dank"}),
    ]


def test_a_handle_the_pds_cannot_resolve_stays_plain_text_and_the_post_goes_out(pds, client):
    client.publish(_post("Danke @niemand.test und @verein.bsky.social"))
    (record,) = _records(pds)
    assert [text for text, _ in _covered(record)] == ["@verein.bsky.social"]
    assert record["text"] == "Danke @niemand.test und @verein.bsky.social"


def test_each_handle_is_resolved_once_per_post_across_a_thread(pds, client):
    client.publish(_post("Teil eins mit @verein.bsky.social", "Teil zwei, wieder @verein.bsky.social"))
    _first, second = _records(pds)
    assert _covered(second)[0][1]["did"] == "did:plc:verein"
    assert sum("resolveHandle" in r["path"] for r in pds.requests) == 1


# -- link cards ------------------------------------------------------------------------------------


def test_a_link_gets_a_card_with_the_pages_title_description_and_thumbnail(pds, client, site):
    site.add("/bild.png", Resource(body=png(3, 2), content_type="image/png"))
    url = site.add("/artikel", Resource(body=og_page("Familienzentrum Düren", "Neue Kurse ab März", "/bild.png")))
    link = url + "?utm_source=bluesky"
    client.publish(_post(f"Neu: {link} #Familie"))
    (record,) = _records(pds)
    external = record["embed"]["external"]
    assert record["embed"]["$type"] == "app.bsky.embed.external"
    assert (external["uri"], external["title"], external["description"]) == (
        link,
        "Familienzentrum Düren",
        "Neue Kurse ab März",
    )
    thumb = external["thumb"]
    assert thumb["$type"] == "blob" and thumb["mimeType"] == "image/png" and thumb["size"] == len(png(3, 2))
    assert pds.blobs[thumb["ref"]["$link"]]["data"] == png(3, 2)
    upload = next(r for r in pds.requests if r["path"].endswith("uploadBlob"))
    assert upload["headers"]["content-type"] == "image/png"


def test_a_page_that_cannot_be_fetched_means_a_post_without_a_card(pds, client, site):
    client.publish(_post(f"Neu: {site.url}/gibt-es-nicht #Familie"))
    (record,) = _records(pds)
    assert "embed" not in record and record["text"].startswith("Neu: 127.0.0.1:")  # the link shown short


def test_a_thumbnail_over_1_000_000_bytes_is_left_out_of_the_card(pds, client, site):
    site.add("/gross.png", Resource(body=png(size=1_000_001), content_type="image/png"))
    url = site.add("/artikel", Resource(body=og_page("Titel", "Beschreibung", "/gross.png")))
    client.publish(_post(f"Siehe {url}"))
    (record,) = _records(pds)
    assert record["embed"]["external"]["title"] == "Titel" and "thumb" not in record["embed"]["external"]
    assert not pds.blobs


def test_only_the_first_part_of_a_thread_has_the_card(pds, client, site):
    url = site.add("/artikel", Resource(body=og_page("Titel", "Beschreibung")))
    client.publish(_post(f"Teil eins {url}", f"Teil zwei {url}"))
    first, second = _records(pds)
    assert first["embed"]["external"]["uri"] == url and "embed" not in second
    assert site.hits["/artikel"] == 1


def test_by_default_pages_on_this_machine_get_no_card(pds, site):
    url = site.add("/artikel", Resource(body=og_page("Titel", "Beschreibung")))
    BlueskyPublisher(pds.url, "comms.test", SecretStr(PASSWORD)).publish(_post(f"Siehe {url}"))
    (record,) = _records(pds)
    assert "embed" not in record and not site.hits


# -- the fake enforces what the PDS enforces -------------------------------------------------------


def test_the_fake_pds_refuses_what_the_real_one_refuses(pds, client):
    def create(record: dict[str, Any]) -> str:
        body = {"$type": "app.bsky.feed.post", "text": "x", "createdAt": "2025-03-03T09:00:00.000Z", **record}
        try:
            client.pds.call(
                "POST",
                "com.atproto.repo.createRecord",
                json={"repo": pds.did, "collection": "app.bsky.feed.post", "rkey": "3lbq2ktexgo2c", "record": body},
            )
        except Exception as error:  # noqa: BLE001 - the message is what is checked
            return str(error)
        return "created"

    blob = client.upload_blob(png(), "image/png")
    unknown = {**blob, "ref": {"$link": "bafkreinotuploaded"}}
    assert "BlobNotFound" in create(
        {"embed": {"$type": "app.bsky.embed.images", "images": [{"image": unknown, "alt": ""}]}}
    )
    assert "alt" in create({"embed": {"$type": "app.bsky.embed.images", "images": [{"image": blob}]}})
    assert "maximum 4" in create(
        {"embed": {"$type": "app.bsky.embed.images", "images": [{"image": blob, "alt": ""}] * 5}}
    )
    assert "description" in create(
        {"embed": {"$type": "app.bsky.embed.external", "external": {"uri": "https://a.example", "title": ""}}}
    )
    assert "Invalid DID" in create(
        {
            "facets": [
                {
                    "index": {"byteStart": 0, "byteEnd": 1},
                    "features": [{"$type": "app.bsky.richtext.facet#mention", "did": "<DID of @x.test>"}],
                }
            ]
        }
    )
    big = client.upload_blob(png(size=1_000_001), "image/png")
    assert "too big" in create({"embed": {"$type": "app.bsky.embed.images", "images": [{"image": big, "alt": ""}]}})
    assert create({"embed": {"$type": "app.bsky.embed.images", "images": [{"image": blob, "alt": "rot"}]}}) == "created"


def test_the_fake_pds_wants_a_content_type_on_uploads(pds):
    import requests

    session = requests.post(
        f"{pds.url}/xrpc/com.atproto.server.createSession",
        json={"identifier": "comms.test", "password": PASSWORD},
        timeout=5,
    ).json()
    answer = requests.post(
        f"{pds.url}/xrpc/com.atproto.repo.uploadBlob",
        data=png(),
        headers={"Authorization": f"Bearer {session['accessJwt']}", "Content-Type": ""},
        timeout=5,
    )
    assert answer.status_code == 400 and "Content-Type" in answer.json()["message"]


# -- dry run ---------------------------------------------------------------------------------------


def test_a_dry_run_shows_placeholders_and_fetches_nothing(site, tmp_path):
    url = site.add("/artikel", Resource(body=og_page("Titel", "Beschreibung")))
    post = _post(f"Mit @verein.bsky.social: {url}", "Teil zwei")
    (first, second) = build_payloads(post.content, now=NOW)
    record = first["record"]
    assert _covered(record)[0][1] == {"$type": "app.bsky.richtext.facet#mention", "did": "<DID of @verein.bsky.social>"}
    assert record["embed"] == {
        "$type": "app.bsky.embed.external",
        "external": {
            "uri": url,
            "title": "<title of the page (og:title)>",
            "description": "<description of the page (og:description)>",
            "thumb": "<blob of the page's image (og:image)>",
        },
    }
    assert "embed" not in second["record"]
    DryRunPublisher(tmp_path / "outbox.jsonl").publish(post)
    requests = json.loads((tmp_path / "outbox.jsonl").read_text())["requests"]
    (page,) = [request for request in requests if request["url"] == url]  # shown, with why no card
    assert page["method"] == "GET" and "no link card" in page["note"]
    assert [r["url"].rsplit("/", 1)[1] for r in requests if r is not page] == [
        "com.atproto.server.createSession",
        "com.atproto.identity.resolveHandle?handle=verein.bsky.social",
        "com.atproto.repo.createRecord",
        "com.atproto.repo.createRecord",
    ]
    assert "embed" not in requests[-2]["body"]["record"]  # no card without the page
    assert not site.hits  # nothing was fetched


# -- images ----------------------------------------------------------------------------------------


def _with_images(post: QueuedPost, *images: Image) -> QueuedPost:
    return dataclasses.replace(post, content=dataclasses.replace(post.content, images=images))


def test_images_are_uploaded_and_embedded_with_alt_text_and_aspect_ratio(pds, client, tmp_path):
    from tests.platforms.test_imagesize import jpeg

    first = tmp_path / "plakat.png"
    first.write_bytes(png(1200, 630))
    second = tmp_path / "foto.jpg"
    second.write_bytes(jpeg(800, 600))
    client.publish(
        _with_images(
            _post("Unser Sommerfest #Familie"),
            Image(str(first), "Plakat: Sommerfest am 5. Juli"),
            Image(str(second), "Kinder beim Malen"),
        )
    )
    (record,) = _records(pds)
    embed = record["embed"]
    assert embed["$type"] == "app.bsky.embed.images"
    assert [(i["alt"], i["aspectRatio"], i["image"]["mimeType"]) for i in embed["images"]] == [
        ("Plakat: Sommerfest am 5. Juli", {"width": 1200, "height": 630}, "image/png"),
        ("Kinder beim Malen", {"width": 800, "height": 600}, "image/jpeg"),
    ]
    assert [pds.blobs[i["image"]["ref"]["$link"]]["data"] for i in embed["images"]] == [
        first.read_bytes(),
        second.read_bytes(),
    ]
    assert [r["headers"]["content-type"] for r in pds.requests if r["path"].endswith("uploadBlob")] == [
        "image/png",
        "image/jpeg",
    ]


def test_images_win_over_a_link_card_and_the_page_is_not_fetched(pds, client, site, tmp_path):
    url = site.add("/artikel", Resource(body=og_page("Titel", "Beschreibung")))
    picture = tmp_path / "bild.png"
    picture.write_bytes(png())
    client.publish(_with_images(_post(f"Mit Bild: {url}"), Image(str(picture), "Ein rotes Bild")))
    (record,) = _records(pds)
    assert record["embed"]["$type"] == "app.bsky.embed.images" and not site.hits
    assert _covered(record)[0][1]["uri"] == url  # the link is still a link


def test_an_image_from_an_address_is_fetched_and_uploaded(pds, client, site):
    url = site.add("/bild.png", Resource(body=png(4, 4), content_type="image/png"))
    client.http.fetch_allow = ("127.0.0.1",)  # SCHEDULER_FETCH_ALLOW: the test's pages are on 127.0.0.1
    client.publish(_with_images(_post("Bild aus dem Netz"), Image(url, "Vier mal vier")))
    (record,) = _records(pds)
    assert record["embed"]["images"][0]["aspectRatio"] == {"width": 4, "height": 4}


def test_an_image_over_1_000_000_bytes_is_refused_before_anything_is_created(pds, client, tmp_path):
    picture = tmp_path / "gross.png"
    picture.write_bytes(png(size=1_000_001))
    with pytest.raises(RejectedError, match="1,000,000"):
        client.publish(_with_images(_post("Zu groß"), Image(str(picture), "groß")))
    assert not pds.records and not pds.blobs


def test_more_than_four_images_are_refused(pds, client, tmp_path):
    picture = tmp_path / "bild.png"
    picture.write_bytes(png())
    with pytest.raises(RejectedError, match="at most 4"):
        client.publish(_with_images(_post("Fünf"), *[Image(str(picture), f"Bild {n}") for n in range(5)]))
    assert not pds.records


def test_a_dry_run_shows_each_upload_and_the_images_embed_with_placeholders(tmp_path):
    picture = tmp_path / "plakat.png"
    picture.write_bytes(png(1200, 630))
    post = _with_images(_post("Mit Bild https://example.org/a"), Image(str(picture), "Plakat"))
    DryRunPublisher(tmp_path / "outbox.jsonl").publish(post)
    login, upload, create = json.loads((tmp_path / "outbox.jsonl").read_text())["requests"]
    assert login["body"]["password"] == "[redacted]"
    size = picture.stat().st_size
    assert (upload["method"], upload["url"], upload["headers"]["Content-Type"], upload["body"]) == (
        "POST",
        "https://bsky.social/xrpc/com.atproto.repo.uploadBlob",
        "image/png",
        f"<{size:,} bytes of image/png>",
    )
    assert upload["headers"]["Authorization"] == "Bearer [redacted]"
    (image,) = create["body"]["record"]["embed"]["images"]
    assert image["image"]["mimeType"] == "image/png" and image["image"]["size"] == size  # the blob as answered
    assert (image["alt"], image["aspectRatio"]) == ("Plakat", {"width": 1200, "height": 630})
