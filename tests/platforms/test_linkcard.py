"""Link cards read from real HTTP answers on 127.0.0.1: Open Graph tags and their fallbacks, the
image as a thumbnail, and every way a page can fail to give a card (which is never an error)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from scheduler.errors import RejectedError
from scheduler.platforms.fetching import Fetcher
from scheduler.platforms.linkcard import LinkCards, read_page
from tests.fakes.pages import PageServer, Resource, og_page, png


@pytest.fixture
def site() -> Iterator[PageServer]:
    with PageServer() as server:
        yield server


@pytest.fixture
def cards() -> LinkCards:
    return LinkCards(Fetcher(allow=["127.0.0.1"], timeout=2.0))  # the test pages are on 127.0.0.1


def test_a_card_has_the_pages_og_title_description_and_image(site, cards):
    site.add("/bild.png", Resource(body=png(3, 2), content_type="image/png"))
    url = site.add(
        "/artikel", Resource(body=og_page("Grüße aus Köln", "Was der Verein &amp; wir planen.", "/bild.png"))
    )
    card = cards.card(url + "?utm_source=bluesky")
    assert card is not None
    assert (card.uri, card.title, card.description) == (
        url + "?utm_source=bluesky",
        "Grüße aus Köln",
        "Was der Verein & wir planen.",
    )
    assert card.thumb is not None and card.thumb.mime == "image/png" and card.thumb.data == png(3, 2)
    assert "bytes" not in repr(card.thumb) and str(len(png(3, 2))) in repr(card.thumb)


def test_without_open_graph_the_title_element_and_meta_description_are_used():
    html = b"<html><head><title> Die  Seite </title><meta name=description content='Kurz gesagt.'></head></html>"
    info = read_page(html, url="https://example.org/a/b")
    assert (info.title, info.description, info.image) == ("Die Seite", "Kurz gesagt.", None)


def test_the_image_address_is_resolved_against_the_page_and_its_base():
    html = b'<head><base href="https://cdn.example.org/x/"><meta property="og:image" content="img/1.png"></head>'
    assert read_page(html, url="https://example.org/a").image == "https://cdn.example.org/x/img/1.png"
    html = b'<head><meta property="og:image" content="javascript:alert(1)"><title>t</title></head>'
    assert read_page(html, url="https://example.org/a").image is None


def test_a_page_in_windows_1252_is_read_with_its_declared_charset():
    html = "<head><title>Straße für Familien</title></head>".encode("cp1252")
    assert read_page(html, url="https://example.org/", charset="windows-1252").title == "Straße für Familien"


def test_a_long_title_is_cut_on_a_character_boundary():
    html = ("<head><meta property='og:title' content='" + "Familie 👨‍👩‍👧 " * 40 + "'></head>").encode()
    title = read_page(html, url="https://example.org/").title
    assert len(title) <= 300 and title.endswith("…") and "\u200d…" not in title


def test_redirects_are_followed_a_few_times(site, cards):
    target = site.add("/ziel", Resource(body=og_page("Ziel", "Angekommen")))
    site.add("/kurz", Resource(301, headers={"Location": "/ziel"}))
    assert cards.card(site.url + "/kurz").title == "Ziel"
    for n in range(5):
        site.add(f"/r{n}", Resource(302, headers={"Location": f"/r{n + 1}"}))
    site.add("/r5", Resource(body=og_page("Zu weit", "")))
    assert cards.card(site.url + "/r0") is None  # more than 3 redirects: no card
    assert target


def test_a_redirect_to_another_scheme_is_not_followed(site, cards):
    site.add("/datei", Resource(302, headers={"Location": "file:///etc/passwd"}))
    assert cards.card(site.url + "/datei") is None
    with pytest.raises(RejectedError, match="only http and https"):
        Fetcher(allow=["127.0.0.1"]).get(site.url + "/datei", max_bytes=1000)


@pytest.mark.parametrize(
    "resource",
    [
        Resource(404, b"weg", "text/plain"),
        Resource(500, b"kaputt", "text/plain"),
        Resource(body=b"%PDF-1.7 ...", content_type="application/pdf"),
        Resource(body=b"<html><body>Nichts im Kopf</body></html>"),
    ],
    ids=["404", "500", "pdf", "no-title"],
)
def test_a_page_that_gives_nothing_means_no_card(site, cards, resource):
    assert cards.card(site.add("/seite", resource)) is None


def test_an_unreachable_page_means_no_card(cards):
    import socket

    with socket.socket() as sock:  # a port on 127.0.0.1 where nothing listens
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert cards.card(f"http://127.0.0.1:{port}/") is None


def test_an_image_over_1_000_000_bytes_gives_a_card_without_thumbnail(site, cards):
    big = png(size=1_000_001)
    assert len(big) > 1_000_000
    site.add("/gross.png", Resource(body=big, content_type="image/png"))
    card = cards.card(site.add("/seite", Resource(body=og_page("Titel", "Text", "/gross.png"))))
    assert card is not None and card.title == "Titel" and card.thumb is None


def test_an_image_that_is_not_an_image_gives_a_card_without_thumbnail(site, cards):
    site.add("/bild.png", Resource(body=b"<svg xmlns='http://www.w3.org/2000/svg'/>", content_type="image/png"))
    card = cards.card(site.add("/seite", Resource(body=og_page("Titel", "Text", "/bild.png"))))
    assert card is not None and card.thumb is None


def test_a_long_page_is_read_only_up_to_the_cap(site, cards):
    body = og_page("Vorne", "im Kopf") + b"<p>" + b"x" * 1_500_000 + b"</p>"
    card = cards.card(site.add("/lang", Resource(body=body)))
    assert card is not None and card.title == "Vorne"


def test_addresses_on_this_machine_are_refused_unless_allowed(site):
    url = site.add("/intern", Resource(body=og_page("Intern", "nur im Haus")))
    assert LinkCards(Fetcher()).card(url) is None  # the default: public addresses only
    with pytest.raises(RejectedError, match="not a public address"):
        Fetcher().get(url, max_bytes=1000)
    assert site.hits.get("/intern") is None  # refused before anything was sent
    assert LinkCards(Fetcher(allow=["127.0.0.1"])).card(url).title == "Intern"


def test_an_image_on_this_machine_named_by_a_page_is_not_fetched(site):
    """A page may name any address as its og:image; only the hosts allowed are fetched. The page is
    reached as `localhost` (allowed by name, standing in for a public page), its image on 127.0.0.1."""
    site.add("/geheim.png", Resource(body=png(), content_type="image/png"))
    page = site.add("/seite", Resource(body=og_page("T", "D", site.url + "/geheim.png"))).replace(
        "127.0.0.1", "localhost"
    )
    card = LinkCards(Fetcher(allow=["localhost"])).card(page)
    assert card is not None and card.title == "T" and card.thumb is None and site.hits.get("/geheim.png") is None
