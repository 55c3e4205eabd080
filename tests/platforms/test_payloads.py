"""The exact request bodies, built from the example issue."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from scheduler.models import IssueOptions, Post
from scheduler.platforms import build_payloads
from scheduler.platforms.base import REDACTED
from scheduler.render.renderer import Renderer
from tests.conftest import TEMPLATES

NOW = dt.datetime(2024, 12, 16, 8, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(TEMPLATES)


def _bodies(post: Post) -> list[dict]:
    return build_payloads(post.platform, post.content, now=NOW)


def _tagged(example_issue):
    return dataclasses.replace(example_issue, options=IssueOptions(hashtags=("AktifPlus", "ESFPlus")))


def test_linkedin_commentary_escapes_reserved_characters_of_the_example(renderer, example_issue):
    issue = _tagged(example_issue)
    first = _bodies(renderer.render(issue, issue.items[0], "linkedin"))[0]
    second = _bodies(renderer.render(issue, issue.items[1], "linkedin"))[0]
    assert "Akti\\(F\\) Plus" in first["commentary"]
    assert "Akti(F)" not in first["commentary"]
    assert "Mitstreiter\\*innen" in second["commentary"]
    assert first["commentary"].endswith("{hashtag|\\#|AktifPlus} {hashtag|\\#|ESFPlus}")
    assert first["visibility"] == "PUBLIC" and first["lifecycleState"] == "PUBLISHED"
    assert set(first) >= {"author", "commentary", "visibility", "distribution", "lifecycleState"}


def test_bluesky_record_has_langs_and_facets_with_byte_offsets(renderer, example_issue):
    item = dataclasses.replace(example_issue.items[0], links=("https://example.org/köln-düren",))
    issue = dataclasses.replace(_tagged(example_issue), items=(item,))
    body = _bodies(renderer.render(issue, item, "bluesky"))[0]
    record = body["record"]
    assert body["collection"] == "app.bsky.feed.post"
    assert record["$type"] == "app.bsky.feed.post"
    assert record["langs"] == ["de"]
    assert record["createdAt"] == "2024-12-16T07:30:00.000Z"
    raw = record["text"].encode()
    covered = [
        (raw[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode(), f["features"][0]) for f in record["facets"]
    ]
    link_text, link_feature = covered[0]
    assert link_text == "example.org/köln-düren"  # shown short; the UTM parameters are in the facet
    assert link_feature["uri"].startswith("https://example.org/köln-düren?utm_source=bluesky&utm_medium=social")
    assert [text for text, _ in covered[1:]] == ["#AktifPlus", "#ESFPlus"]
    assert [feature["tag"] for _, feature in covered[1:]] == ["AktifPlus", "ESFPlus"]
    assert len(record["text"]) < len(raw)  # umlauts: offsets in bytes differ from characters


def test_mastodon_status_carries_language(renderer, example_issue):
    body = _bodies(renderer.render(example_issue, example_issue.items[0], "mastodon"))[0]
    assert body == {"status": body["status"], "visibility": "public", "language": "de"}


def test_mastodon_content_warning_becomes_spoiler_text(renderer, example_issue):
    issue = dataclasses.replace(example_issue, options=IssueOptions(content_warning="Armut"))
    body = _bodies(renderer.render(issue, issue.items[0], "mastodon"))[0]
    assert body["spoiler_text"] == "Armut"


def test_thread_parts_reply_to_the_previous_part():
    renderer = Renderer(TEMPLATES, threads=["x", "mastodon", "bluesky", "threads"])
    from scheduler.newsletter import load_issue
    from tests.conftest import EXAMPLE

    issue = load_issue(EXAMPLE)
    item = issue.items[5]
    x_bodies = _bodies(renderer.render(issue, item, "x"))
    assert len(x_bodies) > 1 and "reply" not in x_bodies[0]
    assert x_bodies[1]["reply"] == {"in_reply_to_tweet_id": "<id of part 1>"}
    bsky = _bodies(renderer.render(issue, item, "bluesky"))
    assert bsky[2]["record"]["reply"]["root"]["uri"] == "<uri of part 1>"
    assert bsky[2]["record"]["reply"]["parent"]["uri"] == "<uri of part 2>"
    masto = _bodies(renderer.render(issue, item, "mastodon"))
    assert all(body["language"] == "de" for body in masto)


def test_meta_tokens_are_redacted(renderer, example_issue):
    for platform in ("threads", "facebook"):
        body = _bodies(renderer.render(example_issue, example_issue.items[0], platform))[0]
        assert body["access_token"] == REDACTED
    threads_body = _bodies(renderer.render(example_issue, example_issue.items[0], "threads"))[0]
    assert threads_body["media_type"] == "TEXT"


def test_x_body_is_just_the_text(renderer, example_issue):
    post = renderer.render(example_issue, example_issue.items[0], "x")
    assert _bodies(post) == [{"text": post.text}]
