from __future__ import annotations

from scheduler.text.facets import rich_text


def facets(text: str) -> list[dict]:
    return rich_text(text).facets


def _texts(text: str) -> list[tuple[str, str]]:
    rich = rich_text(text)
    raw = rich.text.encode()
    out = []
    for facet in rich.facets:
        start, end = facet["index"]["byteStart"], facet["index"]["byteEnd"]
        out.append((raw[start:end].decode(), facet["features"][0]["$type"].rsplit("#", 1)[1]))
    return out


def test_byte_offsets_cover_exactly_the_link_and_tag_text_after_umlauts_and_emoji():
    text = "Grüße ✨ aus Köln: https://example.org/fürsorge?x=1 #Familie und #ESFPlus."
    assert _texts(text) == [
        ("example.org/fürsorge?x=1", "link"),
        ("#Familie", "tag"),
        ("#ESFPlus", "tag"),
    ]


def test_doc_example_offsets():
    text = "Café ✨ see https://example.com/a #tag"  # shown as "Café ✨ see example.com/a #tag"
    result = facets(text)
    assert result[0]["index"] == {"byteStart": 14, "byteEnd": 27}
    assert result[0]["features"][0] == {"$type": "app.bsky.richtext.facet#link", "uri": "https://example.com/a"}
    assert result[1]["index"] == {"byteStart": 28, "byteEnd": 32}
    assert result[1]["features"][0] == {"$type": "app.bsky.richtext.facet#tag", "tag": "tag"}


def test_www_link_gets_a_scheme_in_the_uri_and_trailing_punctuation_is_not_linked():
    result = facets("Siehe www.bund.de.")
    assert result[0]["features"][0]["uri"] == "https://www.bund.de"
    assert _texts("Siehe www.bund.de.") == [("www.bund.de", "link")]


def test_no_facets_for_plain_text():
    assert facets("Nur Text, Platz #1, (Klammern)") == []
