"""The Markdown reader: front matter, headings, paragraphs with bold lead-ins, list entries, links
(inline, reference-style, bare), images, entities — on our own fixtures and on small cases."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.errors import InputError
from scheduler.models import Image
from scheduler.newsletter import markdown
from scheduler.newsletter.document import Block, Document, Kind, Link
from scheduler.newsletter.itemize import itemize
from tests.conftest import EXAMPLE
from tests.scale import examples

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "newsletters" / "markdown"
H, P, L = Kind.HEADING, Kind.PARAGRAPH, Kind.LIST_ITEM


def outline(document: Document) -> list[tuple[Kind, int, str]]:
    """Each block as (kind, level, its lead or else its first six words)."""
    return [(block.kind, block.level, block.lead or " ".join(block.text.split()[:6])) for block in document.blocks]


def fixture(name: str, **kwargs: str) -> Document:
    return markdown.read((FIXTURES / name).read_bytes(), **kwargs)


def block_starting(document: Document, start: str) -> Block:
    return next(block for block in document.blocks if block.text.startswith(start))


# -- the fixtures -----------------------------------------------------------------------------------


def test_static_site_issue_with_yaml_front_matter_and_sections():
    document = fixture("static-site-de.md")
    assert document.title == "Familiennetz Rhein-Erft – Ausgabe 3/2025"
    assert document.date == dt.date(2025, 3, 14)
    assert document.language == "de"
    assert document.url == "https://familiennetz-rhein-erft.example/newsletter/2025-03/"
    assert outline(document) == [
        (P, 1, "Liebe Kolleginnen und Kollegen,"),
        (P, 1, "der Frühling bringt neue Angebote, zwei"),
        (H, 2, "Aus dem Netzwerk"),
        (H, 3, "Elterncafé in Bergheim eröffnet"),
        (P, 1, "Seit Februar lädt das Familienzentrum Quadrath-Ichendorf"),
        (P, 1, ""),
        (H, 3, "Neue Lotsinnen für Geflüchtete"),
        (P, 1, "Fünf ehrenamtliche Familienlotsinnen begleiten ab April"),
        (H, 2, "Termine"),
        (H, 3, "Fachtag „Armutssensible Kita“ am 8. Mai"),
        (P, 1, "Wie erkennen Fachkräfte verdeckte Armut, und"),
        (H, 3, "Online-Sprechstunde Kinderzuschlag"),
        (P, 1, "Am 2. April beantwortet die Familienkasse"),
        (H, 2, "Förderung"),
        (H, 3, "Aufruf: Kleinprojekte für Familien 2025"),
        (P, 1, "Vereine und Initiativen können bis zu"),
        (P, 1, "Sie möchten über Ihr Projekt berichten?"),
        (P, 1, "Newsletter abbestellen · Impressum"),
    ]
    site = "https://familiennetz-rhein-erft.example"
    image = document.blocks[5]
    assert image.images == (
        Image(f"{site}/newsletter/2025-03/bilder/elterncafe.jpg", "Eltern und Kinder im neuen Elterncafé"),
    )
    assert block_starting(document, "Wie erkennen").links == (
        Link("https://kreis-rhein-erft.example/fachtag-kita", "hier"),
    )
    assert block_starting(document, "Vereine").links == (
        Link(f"{site}/downloads/foerderrichtlinie-2025.pdf", "Förderrichtlinie als PDF"),
    )
    assert block_starting(document, "Fünf").links == (
        Link("mailto:familienlotsen@caritas-rhein-erft.example", "familienlotsen@caritas-rhein-erft.example"),
    )
    # entities decoded, no-break spaces normalised
    assert "Caritasverband – die nächste Runde" in block_starting(document, "Fünf").text
    assert "bis zu 2.500 € für Angebote" in block_starting(document, "Vereine").text


def test_issue_written_as_bold_lead_ins_with_toml_front_matter():
    document = fixture("bold-leadins-en.md")
    assert document.title == "Open Streets Digest — April 2025"
    assert document.date == dt.date(2025, 4, 4)
    assert document.language == "en"
    assert document.url == "https://openstreets.example/digest/2025-04"
    assert [block.lead for block in document.blocks if block.lead] == [
        "Volunteer mapping weekend:",
        "New accessibility layer.",
        "Grant awarded:",  # **Grant awarded**: — the colon after the bold span belongs to the lead-in
        "Call for speakers:",
        "In other news:",
    ]
    assert outline(document)[:2] == [(H, 1, "Open Streets Digest"), (P, 1, "Hello everyone — here is what")]
    assert block_starting(document, "Grant").text.startswith("Grant awarded: The Civic Tech Fund awarded us £25,000")
    assert block_starting(document, "New accessibility").links == (
        Link("https://map.openstreets.example/?layer=access", "https://map.openstreets.example/?layer=access"),
    )
    assert block_starting(document, "In other news").links == (
        Link("https://news.example.co.uk/data/school-routes", "article"),
        Link("https://openstreets.example/surveys/school-routes-2025", "survey results"),
    )
    assert "The Guardian featured" in block_starting(document, "In other news").text
    (picture,) = [block for block in document.blocks if block.images]
    assert picture.images == (
        Image(
            "https://openstreets.example/digest/images/mapathon-leeds.jpg",
            "Volunteers with clipboards on a pavement in Leeds",
        ),
    )


def test_issue_written_as_list_entries():
    document = fixture("list-entries-de.md")
    assert (document.title, document.date, document.language, document.url) == ("", None, "", "")
    assert outline(document) == [
        (H, 1, "Kurz notiert – KW 19"),
        (P, 1, "Die wichtigsten Meldungen der Woche aus"),
        (H, 2, "Meldungen"),
        (L, 1, "Kinderschutz:"),
        (L, 1, "Fachkräfte:"),
        (L, 1, "Digitale Beratung:"),
        (L, 2, "Chat: Samstag 14–20 Uhr"),
        (L, 2, "Telefon: Sonntag 10–16 Uhr"),
        (L, 1, "Förderprogramm:"),
        (H, 2, "Termine"),
        (L, 1, "14.05.2025 – Online-Seminar „Partizipation in Wohngruppen“"),
        (L, 1, "22.05.2025 – Netzwerktreffen Frühe Hilfen, Kreishaus"),
        (L, 1, "05.06.2025 – Fachtag Inklusion in der"),
    ]
    assert block_starting(document, "Fachkräfte").links == (
        Link("https://statistik.example/erziehung-2025", "Zur Statistik"),
    )
    assert block_starting(document, "Förderprogramm").links == (
        Link("https://bmfsfj.example/zukunftspaket", "https://bmfsfj.example/zukunftspaket"),
    )
    assert block_starting(document, "05.06.2025").links == (
        Link("https://jugendarbeit-nrw.example/fachtag-inklusion", "Programm"),  # a reference link in a list
    )
    assert block_starting(document, "Fachkräfte").text == (
        "Fachkräfte: Die Bundesagentur meldet 12 % mehr offene Stellen in der Erziehung als im Vorjahr. Zur Statistik"
    )


def test_reference_links_and_setext_headings_resolved_against_the_given_address():
    document = fixture("reference-links-en.md", url="https://library.example/newsletter/2025-03.html")
    assert document.url == "https://library.example/newsletter/2025-03.html"
    assert outline(document) == [
        (H, 1, "Community Library Newsletter"),
        (H, 2, "Spring programme"),
        (P, 1, "The library's spring programme starts on"),
        (H, 2, "Repair café every second Saturday"),
        (P, 1, "Bring a broken lamp, toaster or"),
        (H, 2, "Homework club needs volunteers"),
        (P, 1, "We are looking for retired teachers"),
        (P, 1, ""),
    ]
    assert document.blocks[2].links == (Link("https://library.example/events/spring-2025", "book a seat"),)
    assert document.blocks[4].links == (
        Link("https://makers.example/", "Makerspace"),
        Link("https://library.example/services/repair-cafe", "the repair café page"),
    )
    assert document.blocks[6].links == (
        Link("mailto:volunteer@library.example", "volunteer@library.example"),
        Link("https://library.example/volunteering#homework", "more"),
    )
    logo = document.blocks[7]
    assert logo.links == (Link("https://library.example/", ""),)  # an image link has no text
    assert logo.images == (Image("https://library.example/static/logo.png", "Library logo"),)


def test_relative_addresses_stay_relative_without_a_base():
    document = fixture("reference-links-en.md")
    assert Link("/services/repair-cafe", "the repair café page") in document.blocks[4].links


# -- small cases ------------------------------------------------------------------------------------


def test_front_matter_with_url_key_and_datetime():
    text = '---\ntitle: Issue 7\ndate: "2025-01-31T18:00:00Z"\nlanguage: EN\nurl: /issues/7/\n---\n# Hi\n'
    document = markdown.read(text, url="https://news.example/")
    assert (document.title, document.date, document.language, document.url) == (
        "Issue 7",
        dt.date(2025, 1, 31),
        "en",
        "https://news.example/issues/7/",
    )
    assert outline(document) == [(H, 1, "Hi")]


def test_a_rule_above_prose_is_no_front_matter():
    document = markdown.read("---\nJust a line.\n---\nMore text.\n")
    assert [block.text for block in document.blocks] == ["Just a line.", "More text."]
    assert document.title == ""


def test_broken_front_matter_is_one_line_input_error():
    with pytest.raises(
        InputError, match=r"^Markdown: the YAML front matter cannot be read \(.*\); fix it or remove it$"
    ):
        markdown.read('---\ntitle: "unterminated\ndate: [2025\n---\nText\n')
    with pytest.raises(InputError, match="TOML front matter cannot be read"):
        markdown.read("+++\ntitle = \n+++\nText\n")


def test_bold_lead_in_needs_the_bold_span_to_open_the_paragraph():
    document = markdown.read("Plain **not a lead:** here.\n\n**Whole bold line**\n\n__Neu im Netzwerk:__ Text\n")
    assert [block.lead for block in document.blocks] == ["", "Whole bold line", "Neu im Netzwerk:"]


def test_entities_inline_html_and_whitespace():
    document = markdown.read(
        "Caf&eacute; &amp; Bar&nbsp;&ndash;  open<br>daily, <a href='/x'>see</a> &#x2764;\n", url="https://a.example/n/"
    )
    (block,) = document.blocks
    assert block.text == "Café & Bar – open daily, see ❤"
    assert block.links == (Link("https://a.example/x", ""),)


def test_unsafe_link_schemes_are_dropped():
    (block,) = markdown.read("[click](javascript:alert(1)) and ![x](data:image/png;base64,AAAA)\n").blocks
    assert block.links == () and block.images == ()  # markdown-it leaves an unsafe link as text


def test_html_block_gives_text_links_and_images_without_comments():
    text = '<!-- preheader -->\n<div class="box"><p>Jetzt <a href="https://x.example/a">anmelden</a></p><img src="/i.png" alt="Logo"></div>\n'
    (block,) = markdown.read(text, url="https://x.example/nl/").blocks
    assert block.text == "Jetzt anmelden"
    assert block.links == (Link("https://x.example/a", "anmelden"),)
    assert block.images == (Image("https://x.example/i.png", "Logo"),)


def test_an_image_without_alt_text_is_left_out():
    (block,) = markdown.read("Text ![](spacer.gif) ![ ](x.png) ![Logo](logo.png)\n").blocks
    assert block.images == (Image("logo.png", "Logo"),)


def test_table_rows_are_paragraphs():
    document = markdown.read("| Datum | Termin |\n|---|---|\n| 3.5. | [Fachtag](https://f.example) |\n\nDanach.\n")
    assert [(block.text, block.links) for block in document.blocks] == [
        ("Datum | Termin", ()),
        ("3.5. | Fachtag", (Link("https://f.example", "Fachtag"),)),
        ("Danach.", ()),
    ]


def test_latin1_bytes_and_utf8_bom():
    assert markdown.read("# Grüße\n".encode("latin-1")).blocks[0].text == "Grüße"
    assert markdown.read("\ufeff---\ntitle: Ä\n---\n# Ö\n".encode()).title == "Ä"


@pytest.mark.parametrize(
    "sample",
    [
        "---\ntitle: x\n---\ntext",
        "+++\ntitle = 'x'\n+++\n",
        "# Heading\n\nSee [this](https://x.example).",
        "Title\n=====\n\n- one\n- two\n",
        "**Lead:** text\n\n[ref]: https://x.example\n",
    ],
)
def test_looks_like_markdown(sample: str):
    assert markdown.looks_like(sample)


@pytest.mark.parametrize(
    "sample",
    [
        "<!doctype html><html><body># not markdown</body></html>",
        '<?xml version="1.0"?><rss><channel><title>- x</title></channel></rss>',
        "Hauptnavigation\n\n13.12.2024: Die Vernetzungsstelle informiert\n\nVorgestellt\n\nText.",
        "From: a@b.example\nSubject: Newsletter\n\n# body",
    ],
)
def test_does_not_look_like_markdown(sample: str):
    assert not markdown.looks_like(sample)


def test_example_issue_does_not_look_like_markdown():
    assert not markdown.looks_like(EXAMPLE.read_text(encoding="utf-8"))


# -- limits and robustness --------------------------------------------------------------------------


def test_input_above_the_byte_cap_is_refused_before_parsing():
    with pytest.raises(
        InputError, match=r"^Markdown: 2,001 bytes is more than the 2,000 bytes .*\(SCHEDULER_MAX_ISSUE_BYTES\)"
    ):
        markdown.read(b"#" * 2001, max_bytes=2000)
    with pytest.raises(InputError, match="SCHEDULER_MAX_ISSUE_BYTES"):
        markdown.read("ä" * 1001, max_bytes=2000)  # text is counted in UTF-8 bytes


def test_binary_input_is_input_error():
    with pytest.raises(InputError, match="binary"):
        markdown.read(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))


@pytest.mark.parametrize(
    "text",
    [
        "> " * 50_000 + "deep",
        "- " * 30_000 + "deep",
        "[" * 100_000 + "x" + "]" * 100_000,
        "*" * 100_000,
        "**a " * 50_000,
        "<div>" * 30_000 + "x",
        "[a]: <" * 20_000,
    ],
    ids=["quotes", "lists", "brackets", "stars", "bold", "html", "refs"],
)
def test_pathological_nesting_reads_quickly(text: str):
    started = time.thread_time()
    markdown.read(text)
    assert time.thread_time() - started < 5


def test_more_lines_than_an_issue_has_are_refused_before_parsing():
    with pytest.raises(
        InputError, match=r"^Markdown: 50,001 lines, more than the 50,000 a Markdown issue is read with"
    ):
        markdown.read("- a\n" * 50_000)


def test_a_block_longer_than_any_paragraph_is_read_as_plain_text():
    text = "[" * 30_000 + " see https://x.example/a"
    started = time.thread_time()
    (block,) = markdown.read(text).blocks
    assert time.thread_time() - started < 1
    assert block.text == text and block.links == (Link("https://x.example/a", "https://x.example/a"),)


def test_reading_that_takes_too_long_stops_with_one_error_line():
    dense = ("[" * 15_000 + "\n\n") * 40  # each paragraph fine, together seconds of markdown-it-py's time
    started = time.thread_time()  # CPU time: the whole read would take seconds of it, on any machine load
    with pytest.raises(
        InputError, match=r"^Markdown: reading took longer than 0.2 s \(markup this dense is no newsletter\)"
    ):
        markdown.read(dense, time_limit=0.2)
    assert time.thread_time() - started < 1.5


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_random_bytes_give_a_document_or_input_error(data: bytes):
    try:
        document = markdown.read(data)
    except InputError as error:
        assert "\n" not in str(error)
    else:
        assert all(isinstance(block, Block) for block in document.blocks)


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(FIXTURES.glob("*.md"))), st.data())
def test_truncated_fixtures_read(path: Path, data: st.DataObject):
    raw = path.read_bytes()
    cut = data.draw(st.integers(min_value=0, max_value=len(raw)))
    try:
        markdown.read(raw[:cut])
    except InputError as error:
        assert "front matter" in str(error) or "not a newsletter (binary content)" in str(error)


@settings(max_examples=examples(60), deadline=None)
@given(st.text(alphabet=st.sampled_from(list("#*_-+=>[]()!:`<>/ \nab1.|~&;\\")), max_size=300))
def test_markdown_like_noise_reads(text: str):
    try:
        markdown.read(text)
    except InputError as error:
        assert "\n" not in str(error)


# -- items (itemize) --------------------------------------------------------------------------------


def items(document: Document) -> list[tuple[str, str, str | None]]:
    return [(item.section, item.title, item.link) for item in itemize(document, source="markdown").items]


def test_static_site_issue_items():
    site = "https://familiennetz-rhein-erft.example"
    assert items(fixture("static-site-de.md")) == [
        ("Aus dem Netzwerk", "Elterncafé in Bergheim eröffnet", "https://fz-quadrath.example/elterncafe"),
        ("Aus dem Netzwerk", "Neue Lotsinnen für Geflüchtete", None),
        ("Termine", "Fachtag „Armutssensible Kita“ am 8. Mai", "https://kreis-rhein-erft.example/fachtag-kita"),
        ("Termine", "Online-Sprechstunde Kinderzuschlag", f"{site}/termine/kiz-sprechstunde/"),
        ("Förderung", "Aufruf: Kleinprojekte für Familien 2025", f"{site}/downloads/foerderrichtlinie-2025.pdf"),
    ]


def test_reference_links_issue_items():
    document = fixture("reference-links-en.md", url="https://library.example/newsletter/2025-03.html")
    assert [(title, link) for _, title, link in items(document)] == [
        ("Spring programme", "https://library.example/events/spring-2025"),
        ("Repair café every second Saturday", "https://library.example/services/repair-cafe"),
        ("Homework club needs volunteers", "https://library.example/volunteering#homework"),
    ]


def test_bold_lead_in_issue_items():
    assert [(title, link) for _, title, link in items(fixture("bold-leadins-en.md"))] == [
        ("Volunteer mapping weekend", "https://openstreets.example/blog/leeds-mapathon"),
        ("New accessibility layer.", "https://map.openstreets.example/?layer=access"),
        ("Grant awarded", "https://openstreets.example/news/civic-tech-grant"),
        ("Call for speakers", None),
        ("In other news", "https://news.example.co.uk/data/school-routes"),
    ]


def test_list_entry_issue_items():
    assert items(fixture("list-entries-de.md")) == [
        ("Meldungen", "Kinderschutz", "https://lja.example/arbeitshilfe-kinderschutz.pdf"),
        ("Meldungen", "Fachkräfte", "https://statistik.example/erziehung-2025"),
        ("Meldungen", "Digitale Beratung", None),
        ("Meldungen", "Förderprogramm", "https://bmfsfj.example/zukunftspaket"),
    ]
