"""Bluesky against the real reference PDS (../shared/peers/bluesky-pds): the example issue's posts,
a thread among them, read back record by record; a mention, a link card and an image with alt text.
Pages and images for link cards come from a page server on 127.0.0.1 (the PDS does not fetch pages:
we do); no other host is ever contacted."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from pydantic import SecretStr

from scheduler.models import Content, Image, IssueOptions, QueuedPost
from scheduler.platforms.base import Outcome
from scheduler.platforms.bluesky import BlueskyPublisher, record_keys
from scheduler.platforms.linkcard import LinkCards
from scheduler.render.renderer import Renderer
from scheduler.service import preview
from scheduler.text.facets import short_link, shown_text
from tests.conftest import EXAMPLE, TEMPLATES
from tests.fakes import pds as peer
from tests.fakes.pages import PageServer, Resource, og_page, png, site_only

#: One server for the module: its tests stay on one parallel worker (see pyproject's addopts).
pytestmark = pytest.mark.xdist_group("bluesky-pds")


@pytest.fixture(scope="module")
def pds() -> Iterator[dict[str, Any]]:
    info = peer.start()
    yield info
    peer.stop(info)


@pytest.fixture(scope="module")
def site() -> Iterator[PageServer]:
    with PageServer() as server:
        server.add("/vorschau.png", Resource(body=png(120, 63), content_type="image/png"))
        server.add(
            "/newsletter/2024-12-13/d%C3%BCren",
            Resource(body=og_page("Die Vernetzungsstelle informiert", "Neues aus dem Kreis Düren", "/vorschau.png")),
        )
        yield server


def _records(pds: dict[str, Any]) -> list[dict[str, Any]]:
    response = requests.get(
        f"{pds['url']}/xrpc/com.atproto.repo.listRecords",
        params={"repo": pds["did"], "collection": "app.bsky.feed.post", "limit": 100},
        timeout=10,
    )
    response.raise_for_status()
    return response.json()["records"]


def _queued(posts, now: dt.datetime) -> list[QueuedPost]:
    return [
        QueuedPost(
            id=n,
            item_id=post.item_id,
            platform="bluesky",
            account="default",
            state="publishing",
            publish_at=now + dt.timedelta(seconds=n),
            content=Content(post.parts, post.language, links=post.links[:1]),
            idempotency_key=f"pds-test-{n}",
            claimed_at=now,
        )
        for n, post in enumerate(posts, 1)
    ]


def _record(pds: dict[str, Any], rkey: str) -> dict[str, Any]:
    response = requests.get(
        f"{pds['url']}/xrpc/com.atproto.repo.getRecord",
        params={"repo": pds["did"], "collection": "app.bsky.feed.post", "rkey": rkey},
        timeout=10,
    )
    response.raise_for_status()
    return response.json()["value"]


def _blob(pds: dict[str, Any], blob: dict[str, Any]) -> bytes:
    response = requests.get(
        f"{pds['url']}/xrpc/com.atproto.sync.getBlob",
        params={"did": pds["did"], "cid": blob["ref"]["$link"]},
        timeout=10,
    )
    response.raise_for_status()
    return response.content


def test_example_issue_on_a_real_pds(pds, site, tmp_path):
    now = dt.datetime.now(dt.UTC)
    renderer = Renderer(TEMPLATES, threads=["bluesky"])
    (issue_preview,) = preview([EXAMPLE], renderer=renderer, platforms=["bluesky"], languages=["de", "en"], now=now)
    issue = dataclasses.replace(
        issue_preview.issue,
        options=IssueOptions(hashtags=("AktifPlus", "ESFPlus"), link=f"{site.url}/newsletter/2024-12-13/düren"),
    )
    # a tighter template so that one item becomes a thread on Bluesky
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    (templates / "vernetzt.bluesky.j2").write_text(
        "{{ item.body | fit(thread=true) }}\n\n{{ link }}\n\n{{ hashtags() }}"
    )
    posts = [Renderer(templates).render(issue, item, "bluesky") for item in issue.items]
    assert any(len(post.parts) > 1 for post in posts)  # a thread among them
    publisher = BlueskyPublisher(
        pds["url"], pds["handle"], SecretStr(pds["password"]), cards=LinkCards(site_only(site))
    )
    queued = _queued(posts, now)
    results = [publisher.publish(post) for post in queued]
    cards = 0

    records = {record["uri"]: record for record in _records(pds)}
    assert len(records) == sum(len(post.parts) for post in posts)
    for post, result in zip(queued, results, strict=False):
        keys = record_keys(post)
        uris = [f"at://{pds['did']}/app.bsky.feed.post/{key}" for key in keys]
        assert result.remote_id == uris[0] and result.remote_url.endswith(keys[0])
        checked = 0
        for index, (part, uri) in enumerate(zip(post.parts, uris, strict=False)):
            value = records[uri]["value"]
            assert value["text"] == shown_text(part) and value["langs"] == ["de"]  # links shown short
            raw = value["text"].encode()
            covered = [
                (raw[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode(), f["features"][0])
                for f in value.get("facets", [])
            ]
            checked += len(covered)
            for text, feature in covered:
                if feature["$type"].endswith("#link"):  # the short form links to the full, UTM-tagged address
                    assert text == short_link(feature["uri"]) and feature["uri"] in part
                    assert "düren?utm_source=bluesky&utm_medium=social" in feature["uri"]
                else:
                    assert text == "#" + feature["tag"]
            if index:
                assert value["reply"]["root"]["uri"] == uris[0]
                assert value["reply"]["parent"]["uri"] == uris[index - 1]
                assert value["reply"]["parent"]["cid"] == records[uris[index - 1]]["cid"]
            else:
                assert "reply" not in value
            links = [feature["uri"] for _, feature in covered if feature["$type"].endswith("#link")]
            if index == 0 and links:  # a card for the first part's link, read from the page when published
                card = value["embed"]["external"]
                assert card["uri"] == links[0] and card["title"] == "Die Vernetzungsstelle informiert"
                assert _blob(pds, card["thumb"]) == png(120, 63)
                cards += 1
            else:  # a thread's later parts, and a first part whose link is in a later part, have none
                assert "embed" not in value
        assert checked >= 3  # the link and both hashtags of each post became facets
    assert cards == sum(len(post.parts) == 1 for post in posts) > 0  # each single post has its card


def test_a_repeated_create_with_the_same_record_key_makes_no_second_post(pds):
    now = dt.datetime.now(dt.UTC)
    post = QueuedPost(
        id=99,
        item_id="again",
        platform="bluesky",
        account="default",
        state="publishing",
        publish_at=now,
        content=Content(("Noch einmal? Nein. #Einmal",), "de"),
        idempotency_key="pds-repeat",
        claimed_at=now,
    )
    publisher = BlueskyPublisher(pds["url"], pds["handle"], SecretStr(pds["password"]))
    assert publisher.reconcile(post).outcome == Outcome.NOT_PUBLISHED
    before = len(_records(pds))
    first = publisher.publish(post)
    second = publisher.publish(post)  # the PDS refuses the existing key; we find the record instead
    assert first == second
    assert len(_records(pds)) == before + 1
    found = publisher.reconcile(post)
    assert found.outcome == Outcome.PUBLISHED and found.result == first


def test_wrong_app_password_is_an_authorisation_error(pds):
    from scheduler.errors import AuthorisationError, RejectedError

    publisher = BlueskyPublisher(pds["url"], pds["handle"], SecretStr("not-the-password"))
    with pytest.raises((AuthorisationError, RejectedError)) as info:
        publisher.session()
    assert "not-the-password" not in str(info.value)


def test_a_mention_a_link_card_and_an_image_on_a_real_pds(pds, site, tmp_path):
    now = dt.datetime.now(dt.UTC)
    publisher = BlueskyPublisher(
        pds["url"], pds["handle"], SecretStr(pds["password"]), cards=LinkCards(site_only(site))
    )
    page = site.add("/artikel", Resource(body=og_page("Familienzentrum Düren", "Neue Kurse ab März", "/vorschau.png")))
    text = f"Grüße ✨ an @{pds['handle']} und @niemand.test: {page} #Familie"
    card_post = QueuedPost(
        id=201,
        item_id="card",
        platform="bluesky",
        account="default",
        state="publishing",
        publish_at=now,
        content=Content((text,), "de"),
        idempotency_key="pds-card",
        claimed_at=now,
    )
    picture = tmp_path / "plakat.png"
    picture.write_bytes(png(1200, 630))
    image_post = QueuedPost(
        id=202,
        item_id="image",
        platform="bluesky",
        account="default",
        state="publishing",
        publish_at=now,
        content=Content(
            (f"Plakat fürs Sommerfest {page}",),
            "de",
            images=(Image(str(picture), "Plakat: Sommerfest am 5. Juli, 14 Uhr"),),
        ),
        idempotency_key="pds-image",
        claimed_at=now,
    )
    publisher.publish(card_post)
    publisher.publish(image_post)

    value = _record(pds, record_keys(card_post)[0])
    raw = value["text"].encode()
    mentions = [
        (raw[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode(), f["features"][0]["did"])
        for f in value["facets"]
        if f["features"][0]["$type"].endswith("#mention")
    ]
    assert mentions == [(f"@{pds['handle']}", pds["did"])]  # @niemand.test does not resolve: plain text
    card = value["embed"]["external"]
    assert (card["uri"], card["title"], card["description"]) == (page, "Familienzentrum Düren", "Neue Kurse ab März")
    assert card["thumb"]["mimeType"] == "image/png" and _blob(pds, card["thumb"]) == png(120, 63)

    value = _record(pds, record_keys(image_post)[0])
    (image,) = value["embed"]["images"]  # images win over the link card
    assert value["embed"]["$type"] == "app.bsky.embed.images"
    assert image["alt"] == "Plakat: Sommerfest am 5. Juli, 14 Uhr"
    assert image["aspectRatio"] == {"width": 1200, "height": 630}
    assert _blob(pds, image["image"]) == picture.read_bytes()
