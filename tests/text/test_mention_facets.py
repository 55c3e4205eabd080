"""Mentions on Bluesky: `@handle.domain` becomes a mention facet with the account's DID; what
cannot be resolved, and what is not a Bluesky handle, stays plain text."""

from __future__ import annotations

from scheduler.text.facets import handles, rich_text

DIDS = {"verein.bsky.social": "did:plc:verein", "comms.test": "did:plc:comms"}


def _covered(text: str, **kwargs) -> list[tuple[str, dict]]:
    rich = rich_text(text, **kwargs)
    raw = rich.text.encode()
    return [(raw[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode(), f["features"][0]) for f in rich.facets]


def test_mention_facet_covers_the_mention_bytes_after_umlauts_and_emoji():
    text = "Grüße ✨ an @verein.bsky.social und (@Comms.Test): https://example.org/ü #Köln"
    covered = _covered(text, did_of=DIDS.get)
    assert covered == [
        ("@verein.bsky.social", {"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:verein"}),
        ("@Comms.Test", {"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:comms"}),
        ("example.org/ü", {"$type": "app.bsky.richtext.facet#link", "uri": "https://example.org/ü"}),
        ("#Köln", {"$type": "app.bsky.richtext.facet#tag", "tag": "Köln"}),
    ]


def test_an_unresolvable_handle_stays_plain_text():
    covered = _covered("Danke @niemand.example und @verein.bsky.social!", did_of=DIDS.get)
    assert [text for text, _ in covered] == ["@verein.bsky.social"]


def test_without_an_account_the_payload_shows_a_placeholder():
    assert _covered("Mit @Verein.bsky.social.") == [
        ("@Verein.bsky.social", {"$type": "app.bsky.richtext.facet#mention", "did": "<DID of @verein.bsky.social>"})
    ]


def test_mastodon_mentions_bare_names_and_email_addresses_are_not_bluesky_mentions():
    text = "Von @user@mastodon.social, @nurname, info@verein.de und @unter_strich.de"
    assert [feature["$type"] for _, feature in _covered(text)] == []
    assert handles(text) == []


def test_handles_lists_each_mentioned_handle_once_lower_cased():
    assert handles("@A.test und @a.test, dann @b.test.") == ["a.test", "b.test"]
