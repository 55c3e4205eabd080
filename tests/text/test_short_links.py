"""Bluesky shows a link as its host and the start of its path: the text of a post carries that short
form, the facet the full (UTM-tagged) address, and Bluesky's length counts the short form."""

from __future__ import annotations

import pytest

from scheduler.platforms.registry import measure
from scheduler.text.facets import rich_text, short_link, shown_text

LONG = (
    "https://www.example.org/aktuelles/veranstaltungen/fachtag-alleinerziehende-2024"
    "?utm_source=bluesky&utm_medium=social&utm_campaign=2024-12-13-die-vernetzungsstelle-informiert"
)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (LONG, "www.example.org/aktuelles/vera…"),
        (
            "https://example.org/newsletter/12?utm_source=bluesky&utm_medium=social&utm_campaign=x",
            "example.org/newsletter/12",
        ),
        ("https://example.org/", "example.org"),
        ("https://example.org", "example.org"),
        ("https://Example.ORG/a?b=1#c", "example.org/a?b=1#c"),
        ("https://example.org/familie?id=12345678901&utm_source=bluesky", "example.org/familie?id=123…"),
        ("https://www.bund.de/köln-düren-fachtag", "www.bund.de/köln-düren-fac…"),
        ("www.bund.de", "www.bund.de"),
    ],
)
def test_a_link_is_shown_as_host_and_the_start_of_its_path(url, shown):
    assert short_link(url) == shown


def test_the_facet_covers_the_short_form_and_points_to_the_full_address():
    text = f"Grüße aus Köln ✨ Mehr: {LONG} #Familie"
    rich = rich_text(text)
    assert rich.text == "Grüße aus Köln ✨ Mehr: www.example.org/aktuelles/vera… #Familie"
    raw = rich.text.encode()
    covered = [(raw[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode(), f["features"][0]) for f in rich.facets]
    assert covered == [
        ("www.example.org/aktuelles/vera…", {"$type": "app.bsky.richtext.facet#link", "uri": LONG}),
        ("#Familie", {"$type": "app.bsky.richtext.facet#tag", "tag": "Familie"}),
    ]
    assert shown_text(text) == rich.text


def test_bluesky_counts_the_short_form_x_and_mastodon_count_23():
    text = "Neu im Newsletter: " + LONG
    assert measure("bluesky", text).length == len("Neu im Newsletter: www.example.org/aktuelles/vera…")
    assert measure("x", text).length == len("Neu im Newsletter: ") + 23
    assert measure("mastodon", text).length == len("Neu im Newsletter: ") + 23


def test_a_long_link_no_longer_eats_a_bluesky_post():
    text = "Satz. " * 40 + LONG  # 240 + 175 characters as written
    assert measure("bluesky", text).fits
