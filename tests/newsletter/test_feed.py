"""The feed reader: RSS 2.0 and Atom, one entry per issue or per item, dates as written, entity
declarations that could explode refused, broken XML read or refused in one line."""

from __future__ import annotations

import datetime as dt
import re
import resource
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.errors import InputError
from scheduler.models import Image, Issue, Item
from scheduler.newsletter import feed
from scheduler.newsletter.document import Block, Document, Kind, Link
from scheduler.newsletter.itemize import itemize
from tests.conftest import EXAMPLE
from tests.scale import examples

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "newsletters" / "feed"
H, P, L = Kind.HEADING, Kind.PARAGRAPH, Kind.LIST_ITEM
NORDSTADT = "https://quartier-nordstadt.example"
GREENFIELD = "https://greenfield-allotments.example"
LFS = "https://lfs-jugendhilfe.example"
LINDENHOF = "https://nachbarschaftshaus-lindenhof.example"


def outline(document: Document) -> list[tuple[Kind, int, str]]:
    """Each block with text as (kind, level, its lead or else its first six words). Where an image
    standing alone goes is the HTML walk's business (`html_blocks`), not the feed reader's."""
    return [
        (block.kind, block.level, block.lead or " ".join(block.text.split()[:6]))
        for block in document.blocks
        if block.text
    ]


def texts(document: Document) -> list[str]:
    return [block.text for block in document.blocks if block.text]


def images(document: Document) -> list[Image]:
    return [image for block in document.blocks for image in block.images]


def read(name: str, **kwargs: object) -> list[Document]:
    return feed.read((FIXTURES / name).read_bytes(), **kwargs)  # type: ignore[arg-type]  # reason: url and per_entry passed through


def items(issue: Issue) -> list[tuple[str, str | None]]:
    return [(item.title, item.link) for item in issue.items]


def block_starting(document: Document, start: str) -> Block:
    return next(block for block in document.blocks if block.text.startswith(start))


# -- one entry, one issue ---------------------------------------------------------------------------


def test_rss_with_full_content_gives_one_document_per_issue():
    march, february = read("rss-issues-de.xml")
    assert (march.title, march.date, march.language, march.url) == (
        "Newsletter März 2025",
        dt.date(2025, 3, 7),  # "Fri, 07 Mar 2025 00:30:00 +0100": the day as written, not 6 March in UTC
        "de",
        f"{NORDSTADT}/newsletter/maerz-2025/",
    )
    assert (february.title, february.date) == ("Newsletter Februar 2025", dt.date(2025, 2, 7))
    assert outline(march) == [
        (P, 1, "Liebe Nachbarinnen und Nachbarn,"),
        (P, 1, "hier sind die Neuigkeiten aus dem"),
        (H, 2, "Stadtteilfest am 24. Mai"),
        (P, 1, "Das Stadtteilfest auf dem Nordmarkt findet"),
        (P, 1, "Zur Anmeldung"),
        (H, 2, "Sozialberatung mit neuen Sprechzeiten"),
        (P, 1, "Die Sozialberatung im Stadtteilbüro ist ab"),
        (H, 2, "Repair-Café sucht Verstärkung"),
        (P, 1, "Wer gerne schraubt, näht oder lötet,"),
        (P, 1, "Sie erhalten diesen Newsletter, weil Sie"),
    ]
    # relative addresses resolve against the entry's address when the feed's own is not known
    assert images(march) == [
        Image(f"{NORDSTADT}/wp-content/uploads/2025/03/nordmarkt.jpg", "Der Nordmarkt beim Stadtteilfest 2024"),
    ]
    assert block_starting(march, "Wer gerne").links == (Link(f"{NORDSTADT}/repair-cafe/", "hier"),)
    assert "von 9 bis 13 Uhr geöffnet" in block_starting(march, "Die Sozialberatung").text  # &nbsp; is a space
    assert [(block.kind, block.lead) for block in february.blocks if block.kind is L] == [(L, "Wann:"), (L, "Wo:")]


def test_rss_issue_items():
    march, _ = read("rss-issues-de.xml")
    issue = itemize(march, source="feed")
    assert items(issue) == [
        ("Stadtteilfest am 24. Mai", f"{NORDSTADT}/stadtteilfest-2025/"),
        ("Sozialberatung mit neuen Sprechzeiten", None),
        ("Repair-Café sucht Verstärkung", f"{NORDSTADT}/repair-cafe/"),
    ]
    assert issue.items[0].images == (
        Image(f"{NORDSTADT}/wp-content/uploads/2025/03/nordmarkt.jpg", "Der Nordmarkt beim Stadtteilfest 2024"),
    )
    assert {item.date for item in issue.items} == {dt.date(2025, 3, 7)}


def test_rss_issue_with_a_details_list_under_an_item_heading():
    _, february = read("rss-issues-de.xml")
    assert items(itemize(february, source="feed")) == [
        ("Winterhilfe: Wärmestube verlängert", None),
        ("Leseclub für Kinder", None),  # an e-mail address is no main link
        ("Bewohnerbefragung: die Ergebnisse", f"{NORDSTADT}/befragung-2024/ergebnisse.pdf"),
    ]


def test_an_entry_with_nothing_to_read_leaves_the_others():
    data = (
        b'<rss version="2.0"><channel><item><title>A</title><description>&lt;!-- nur ein Kommentar --&gt;'
        b"</description></item><item><title>B</title><description>&#1;&#2;</description></item>"
        b"<item><title>C</title><description>Text</description></item></channel></rss>"
    )
    # each entry is one item (no items of its own), titled by the entry: A and B are their titles alone
    assert [(document.title, texts(document)) for document in feed.read(data)] == [
        ("A", ["A"]),
        ("B", ["B"]),
        ("C", ["C", "Text"]),
    ]


def test_a_given_feed_address_resolves_relative_links():
    march, _ = read("rss-issues-de.xml", url=f"{NORDSTADT}/newsletter/feed/")
    assert block_starting(march, "Wer gerne").links == (Link(f"{NORDSTADT}/repair-cafe/", "hier"),)


def test_atom_with_html_and_xhtml_content():
    april, march = read("atom-issues-en.xml")
    assert (april.title, april.date, april.language, april.url) == (
        "April letter: seed swap & water butts",  # type="html": &amp;amp; is "&" once the markup is read
        dt.date(2025, 4, 2),
        "en",
        f"{GREENFIELD}/letters/2025-04/",  # the entry's relative link, resolved against xml:base
    )
    assert outline(april) == [
        (P, 1, "Dear plot holders,"),
        (H, 2, "Seed swap on 12 April"),
        (P, 1, "Bring your spare seeds to the"),
        (H, 2, "Water butts at half price"),
        (P, 1, "The council's scheme offers 200-litre water"),
        (H, 2, "Compost: what goes where"),
        (P, 1, "Please keep perennial weeds out of"),
    ]
    assert block_starting(april, "Bring").links == (Link(f"{GREENFIELD}/events/seed-swap-2025", "Read more"),)
    assert images(april) == [
        Image(f"{GREENFIELD}/letters/2025-04/images/water-butt.jpg", "A green water butt beside a shed")
    ]
    assert (march.title, march.date, march.url) == (
        "March letter: the new committee",
        dt.date(2025, 3, 1),  # no <published>: <updated>
        f"{GREENFIELD}/letters/2025-03/",
    )
    assert outline(march) == [
        (H, 2, "Meet the new committee"),
        (P, 1, "At the AGM on 22 February"),
        (H, 2, "Plot inspections"),
        (P, 1, "Spring inspections take place in the"),
    ]
    assert block_starting(march, "At the AGM").links == (Link(f"{GREENFIELD}/committee/", "Committee page"),)


def test_atom_issue_items():
    april, march = read("atom-issues-en.xml")
    assert items(itemize(april, source="feed")) == [
        ("Seed swap on 12 April", f"{GREENFIELD}/events/seed-swap-2025"),
        ("Water butts at half price", "https://council.example/water-butts"),
        ("Compost: what goes where", None),
    ]
    assert items(itemize(march, source="feed")) == [
        ("Meet the new committee", f"{GREENFIELD}/committee/"),
        ("Plot inspections", None),
    ]


def test_an_image_at_the_end_of_an_item_stays_with_it():
    april, _ = read("atom-issues-en.xml")
    water, compost = itemize(april, source="feed").items[1:]
    assert [image.alt for image in water.images] == ["A green water butt beside a shed"]
    assert compost.images == ()


# -- one entry, one item ----------------------------------------------------------------------------


def test_one_item_per_entry_in_latin1():
    (document,) = read("rss-items-de.xml", per_entry="item")
    assert (document.title, document.date, document.language, document.url) == (
        "Landesfachstelle Jugendhilfe – Meldungen",
        dt.date(2025, 5, 12),
        "de",
        f"{LFS}/meldungen/",
    )
    assert [(block.kind, block.level, block.text, block.date) for block in document.blocks if block.kind is H] == [
        (H, 2, "Neue Arbeitshilfe zur Beteiligung von Kindern", dt.date(2025, 5, 12)),
        (H, 2, "Fachtag „Jugend stärken“ am 26. Juni", dt.date(2025, 5, 8)),
        (H, 2, "Förderaufruf: Jugendräume auf dem Land", dt.date(2025, 5, 2)),
    ]
    first = document.blocks[0]
    assert first.links == (
        Link(f"{LFS}/meldungen/arbeitshilfe-beteiligung/", "Neue Arbeitshilfe zur Beteiligung von Kindern"),
    )
    assert first.images == (
        Image(f"{LFS}/media/arbeitshilfe-cover.jpg", "Titelseite der Arbeitshilfe mit gemalten Kinderhänden"),
    )
    fachtag = block_starting(document, "Der Fachtag")
    assert fachtag.text == (
        "Der Fachtag in Magdeburg widmet sich der Jugendberufshilfe. Anmeldung bis 13. Juni – hier anmelden."
    )
    assert fachtag.links == (Link(f"{LFS}/anmeldung?id=jugend-staerken", "hier anmelden"),)
    assert fachtag.date == dt.date(2025, 5, 8)
    assert all(block.date is not None for block in document.blocks)


def test_one_item_per_entry_items():
    (document,) = read("rss-items-de.xml", per_entry="item")
    issue = itemize(document, source="feed")
    assert items(issue) == [
        ("Neue Arbeitshilfe zur Beteiligung von Kindern", f"{LFS}/meldungen/arbeitshilfe-beteiligung/"),
        ("Fachtag „Jugend stärken“ am 26. Juni", f"{LFS}/termine/fachtag-jugend-staerken/"),
        ("Förderaufruf: Jugendräume auf dem Land", f"{LFS}/foerderung/jugendraeume-2025/"),
    ]
    assert [item.date for item in issue.items] == [dt.date(2025, 5, 12), dt.date(2025, 5, 8), dt.date(2025, 5, 2)]
    assert len(issue.items[0].images) == 1


def test_issue_feed_read_per_item_keeps_each_entry_one_item():
    (document,) = read("atom-issues-en.xml", per_entry="item")
    assert [block.kind for block in document.blocks].count(H) == 2  # headings in the content are paragraphs
    assert items(itemize(document, source="feed")) == [
        ("April letter: seed swap & water butts", f"{GREENFIELD}/letters/2025-04/"),
        ("March letter: the new committee", f"{GREENFIELD}/letters/2025-03/"),
    ]
    # the summary when there is one, else the content
    assert document.blocks[1].text == "Seed swap on 12 April, discounted water butts, and the new compost rules."


def test_text_input_is_read_as_the_text_it_is():
    text = (FIXTURES / "rss-items-de.xml").read_bytes().decode("latin-1")  # still declares ISO-8859-1
    (document,) = feed.read(text, per_entry="item")
    assert document.blocks[2].text == "Fachtag „Jugend stärken“ am 26. Juni"


@pytest.mark.parametrize(
    ("declared", "encoding"), [("utf-8", "cp1252"), ("iso-8859-1", "utf-8")], ids=["cp1252-as-utf8", "utf8-as-latin1"]
)
def test_a_wrongly_declared_charset_is_read_right(declared: str, encoding: str):
    xml = (
        f'<?xml version="1.0" encoding="{declared}"?><rss version="2.0"><channel><title>Grüße</title>'
        "<item><title>Straße – Köln</title><description>Öffnungszeiten</description></item></channel></rss>"
    )
    (document,) = feed.read(xml.encode(encoding))
    assert (document.title, texts(document)) == ("Straße – Köln", ["Straße – Köln", "Öffnungszeiten"])


def test_an_unknown_mode_is_refused():
    with pytest.raises(InputError, match="per_entry must be 'issue' or 'item'"):
        feed.read(b"<rss/>", per_entry="page")  # type: ignore[arg-type]  # reason: what a wrong setting would pass


# -- an entry that is one item, whichever the mode --------------------------------------------------


def test_a_news_feed_read_as_issues_keeps_each_entrys_title_link_and_image():
    # the default mode (each entry an issue) on a feed of news: no entry has items of its own
    issues = [itemize(document, source="feed") for document in read("rss-items-de.xml")]
    assert [items(issue) for issue in issues] == [
        [("Neue Arbeitshilfe zur Beteiligung von Kindern", f"{LFS}/meldungen/arbeitshilfe-beteiligung/")],
        [("Fachtag „Jugend stärken“ am 26. Juni", f"{LFS}/termine/fachtag-jugend-staerken/")],
        [("Förderaufruf: Jugendräume auf dem Land", f"{LFS}/foerderung/jugendraeume-2025/")],
    ]
    assert [issue.title for issue in issues] == [issue.items[0].title for issue in issues]
    assert issues[0].items[0].images == (
        Image(f"{LFS}/media/arbeitshilfe-cover.jpg", "Titelseite der Arbeitshilfe mit gemalten Kinderhänden"),
    )
    fachtag = issues[1].items[0]
    assert fachtag.body == (
        "Der Fachtag in Magdeburg widmet sich der Jugendberufshilfe. Anmeldung bis 13. Juni – hier anmelden."
    )
    assert fachtag.links == (f"{LFS}/termine/fachtag-jugend-staerken/", f"{LFS}/anmeldung?id=jugend-staerken")
    assert fachtag.date == dt.date(2025, 5, 8)


@pytest.mark.parametrize("name", ["rss-items-de.xml", "rss-excerpts-de.xml"])
def test_an_entry_that_is_one_item_comes_out_the_same_in_either_mode(name: str):
    def seen(item: Item) -> tuple[object, ...]:
        return (item.id, item.section, item.title, item.body, item.link, item.links, item.images, item.date)

    per_issue = [seen(item) for document in read(name) for item in itemize(document, source="feed").items]
    (document,) = read(name, per_entry="item")
    assert per_issue == [seen(item) for item in itemize(document, source="feed").items]


SHORT_NEWS = """<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Verband</title>
<link>https://verband.example/</link><language>de</language>
<item><title>Kurznachrichten Mai</title><link>https://verband.example/kurz-mai/</link>
<description><![CDATA[
<p><strong>Neue Geschäftsstelle:</strong> Ab 1. Mai finden Sie uns in der Hafenstraße 12 in Kiel.</p>
<p><strong>Fortbildung Moderation:</strong> Für den Kurs im Juni sind noch drei Plätze frei,
<a href="https://verband.example/moderation/">Anmeldung hier</a>.</p>
<p><strong>Jahresbericht 2024:</strong> Der Bericht über das vergangene Jahr ist erschienen.</p>
]]></description></item>
<item><title>Die Beratungsstelle zieht um</title><link>https://verband.example/umzug/</link>
<description><![CDATA[
<p>Nach 20 Jahren verlässt die Beratungsstelle das Haus am Markt.</p>
<p><strong>Neue Adresse</strong></p>
<p>Ab Juni beraten wir in der Hafenstraße 12, zweiter Stock, barrierefrei erreichbar.</p>
<p>Alles zum Umzug:</p>
<ul><li><a href="https://verband.example/umzug/flyer.pdf">Flyer (PDF)</a></li>
<li><a href="https://verband.example/umzug/lageplan.pdf">Lageplan (PDF)</a></li></ul>
]]></description></item>
</channel></rss>"""


def test_an_issue_without_headings_is_still_split_and_one_news_post_is_one_item():
    digest, move = (itemize(document, source="feed") for document in feed.read(SHORT_NEWS))
    # three paragraphs with bold lead-ins: an issue's items
    assert items(digest) == [
        ("Neue Geschäftsstelle", None),
        ("Fortbildung Moderation", "https://verband.example/moderation/"),
        ("Jahresbericht 2024", None),
    ]
    # one bold line and a list a paragraph introduces: one post, titled and linked by its entry
    assert items(move) == [("Die Beratungsstelle zieht um", "https://verband.example/umzug/")]
    assert "Hafenstraße 12" in move.items[0].body and "Lageplan (PDF)" in move.items[0].body


def test_an_excerpt_feed_gives_each_entry_as_one_item_without_the_excerpt_marks():
    (document,) = read("rss-excerpts-de.xml", per_entry="item")
    issue = itemize(document, source="feed")
    assert [(item.section, item.title, item.link) for item in issue.items] == [
        ("", "Newsletter April 2025", f"{LINDENHOF}/2025/04/newsletter-april-2025/"),
        ("", "Sommerfest am 5. Juli", f"{LINDENHOF}/2025/03/sommerfest-am-5-juli/"),
        ("", "Repair-Café", f"{LINDENHOF}/2025/03/repair-cafe/"),  # one word: still the entry's title
        ("", "Hausaufgabenhilfe sucht Ehrenamtliche", f"{LINDENHOF}/2025/03/hausaufgabenhilfe/"),
    ]
    bodies = [item.body for item in issue.items[1:]]
    assert bodies == [
        # "Es gibt Musik und Kuchen […]": the sentence the excerpt cut, after a whole one, goes
        "Am Samstag, 5. Juli, feiern wir von 14 bis 18 Uhr im Hof des Nachbarschaftshauses.",
        # "… lässt. [...] Weiterlesen »": the mark and the link's words go, the link stays the item's
        "Kaputter Toaster, wackeliger Stuhl? Jeden ersten Samstag im Monat reparieren Ehrenamtliche im Keller "
        "des Nachbarschaftshauses, was sich reparieren lässt.",
        # a plain-text summary that is one cut sentence ending in "…": the sentence stays, the mark goes
        "Für unsere Hausaufgabenhilfe dienstags und donnerstags suchen wir Menschen, die Kindern der Klassen 3 "
        "bis 6 beim Lernen helfen",
    ]
    assert not any(mark in item.body for item in issue.items for mark in ("[", "…", "...", "Weiterlesen"))


def _one_entry(description: str, *, content: str = "") -> str:
    encoded = f"<content:encoded><![CDATA[{content}]]></content:encoded>" if content else ""
    return (
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>T</title>'
        "<item><title>Saatgut-Tausch am 12. April</title><link>https://garden.example/seed-swap</link>"
        f"<description><![CDATA[{description}]]></description>{encoded}</item></channel></rss>"
    )


@pytest.mark.parametrize(
    ("description", "body"),
    [
        ("Bring your spare seeds. Tomatoes and beans were the most wanted [&#8230;]", "Bring your spare seeds."),
        ("Bring your spare seeds to the pavilion. [...]", "Bring your spare seeds to the pavilion."),
        ("Bring your spare seeds to the pavilion (…)", "Bring your spare seeds to the pavilion"),
        (
            'Bring your spare seeds to the pavilion&#8230; <a href="https://garden.example/seed-swap">Read more</a>',
            "Bring your spare seeds to the pavilion",
        ),
        (
            '<p>Bring your spare seeds. Tomatoes were the most [&hellip;]</p><p><a href="https://garden.example/seed-swap">'
            "Continue reading &rarr;</a></p>",
            "Bring your spare seeds.",
        ),
    ],
    ids=["bracketed", "three-dots", "parenthesised", "bare-with-link", "read-on-line"],
)
def test_excerpt_marks_are_removed(description: str, body: str):
    (document,) = feed.read(_one_entry(description), per_entry="item")
    (item,) = itemize(document, source="feed").items
    assert (item.title, item.body, item.link) == (
        "Saatgut-Tausch am 12. April",
        body,
        "https://garden.example/seed-swap",
    )


@pytest.mark.parametrize("mode", ["issue", "item"])
def test_the_line_an_seo_plugin_adds_under_each_entry_is_no_text_of_the_post(mode: str):
    content = (
        "<p>Am 12. April tauschen wir im Pavillon Saatgut, von 10 bis 13 Uhr.</p>"
        '<p>Der Beitrag <a href="https://garden.example/seed-swap">Saatgut-Tausch am 12. April</a> erschien zuerst '
        'auf <a href="https://garden.example/">Gemeinschaftsgarten</a>.</p>'
    )
    (document,) = feed.read(_one_entry(content), per_entry=mode)  # type: ignore[arg-type]  # reason: the two modes
    (item,) = itemize(document, source="feed").items
    assert item.body == "Am 12. April tauschen wir im Pavillon Saatgut, von 10 bis 13 Uhr."


def test_an_ellipsis_in_an_entrys_full_text_is_the_writers_own():
    text = "<p>Wir haben gesät, gegossen, gewartet … und dann kam der Hagel…</p>"
    (document,) = feed.read(_one_entry("Kurz gesagt: Hagel.", content=text))  # issue mode: the full text
    (item,) = itemize(document, source="feed").items
    assert item.body == "Wir haben gesät, gegossen, gewartet … und dann kam der Hagel…"


NEVER_SECTIONS = """<rss version="2.0"><channel><title>Verein</title><link>https://verein.example/</link>
<item><title>Mitgliederversammlung am 20. Mai</title><link>https://verein.example/mitgliederversammlung/</link>
<description>Liebe Mitglieder, wir laden Sie herzlich ein.</description></item>
<item><title>Termine</title><link>https://verein.example/termine/</link>
<description>Der Vorstand tagt am 12. Mai, die Kassenprüfung ist am 15. Mai.</description></item>
<item><title>Kurz notiert</title><link>https://verein.example/kurz/</link>
<description><![CDATA[<p><strong>Neu im Team:</strong> Jana Beispiel leitet die Jugendarbeit.</p>
<p><strong>Neu im Haus:</strong> Die Werkstatt hat eine Drehbank.</p>]]></description></item>
<item><title>Sommerfest</title><link>https://verein.example/sommerfest/</link>
<description>Am 5. Juli feiern wir im Garten, mit Musik und Kuchen.</description></item>
</channel></rss>"""


def test_in_item_mode_each_entry_is_one_item_and_no_entry_is_filed_under_another():
    # before: the first entry (its text a greeting, dropped) and the one-word titles were read as
    # sections, and the entries after them filed under them
    (document,) = feed.read(NEVER_SECTIONS, per_entry="item")
    issue = itemize(document, source="feed")
    assert [(item.section, item.title, item.link) for item in issue.items] == [
        ("", "Mitgliederversammlung am 20. Mai", "https://verein.example/mitgliederversammlung/"),
        ("", "Termine", "https://verein.example/termine/"),
        ("", "Kurz notiert", "https://verein.example/kurz/"),
        ("", "Sommerfest", "https://verein.example/sommerfest/"),
    ]
    assert "Drehbank" in issue.items[2].body


def test_an_entry_without_a_title_is_titled_by_its_first_sentence():
    data = (
        b'<rss version="2.0"><channel><title>T</title><item><title>Erstens</title><description>Eins.</description>'
        b"</item><item><link>https://x.example/2</link><description>Die Bibliothek hat samstags offen. Ab Mai."
        b"</description></item></channel></rss>"
    )
    (document,) = feed.read(data, per_entry="item")
    assert items(itemize(document, source="feed")) == [
        ("Erstens", None),
        ("Die Bibliothek hat samstags offen.", "https://x.example/2"),
    ]


# -- detection --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(path.name for path in FIXTURES.glob("*.xml")))
def test_fixtures_look_like_feeds(name: str):
    assert feed.looks_like((FIXTURES / name).read_bytes().decode("latin-1")[:4096])


@pytest.mark.parametrize(
    "sample",
    [
        '\ufeff<?xml version="1.0"?>\n<!-- generator -->\n<?xml-stylesheet href="s.xsl"?>\n<rss version="2.0">',
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        '<?xml version="1.0"?><!DOCTYPE rss PUBLIC "-//Netscape//DTD RSS 0.91//EN" "x.dtd"><rss version="0.91">',
        '<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">',
        '<?xml version="1.0"?>\n<atom:feed xmlns:atom="http://www.w3.org/2005/Atom">',  # a prefixed root
        '<?xml version="1.0" encoding="utf-8">\n<rss version="2.0">',  # a broken declaration
        # cut off before its root shows, or in its name: only the feed reader can say so
        '<?xml version="1.0"?>\n<rs',
        '<?xml version="1.0"?>\n<?xml-stylesheet href="s.xsl"?>\n<rss',
        '<?xml version="1.0"?>\n<!-- generated by',
        '<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY',
        '<?xml version="1.0" encoding="UTF-8"?>\n',
    ],
)
def test_looks_like_a_feed(sample: str):
    assert feed.looks_like(sample)


@pytest.mark.parametrize(
    "sample",
    [
        "<!doctype html><html><head><link rel=alternate type=application/rss+xml href=/feed></head>",
        "# Newsletter\n\n<rss> is how we publish",
        "From: a@b.example\nSubject: rss\n\n<rss>",
        '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>',
        '<?xml version="1.0"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "x.dtd">',
        '<?xml version="1.0"?>\n<html xmlns="http://www.w3.org/1999/xhtml">',
        "<rs",  # no declaration: nothing says this is XML
    ],
)
def test_does_not_look_like_a_feed(sample: str):
    assert not feed.looks_like(sample)


def test_example_issue_does_not_look_like_a_feed():
    assert not feed.looks_like(EXAMPLE.read_text(encoding="utf-8"))


# -- XML bombs and other hostile input --------------------------------------------------------------


def _laughs(levels: int = 10) -> bytes:
    declarations = b'<!ENTITY lol0 "lol">\n' + b"".join(
        b'<!ENTITY lol%d "%s">\n' % (level, b"&lol%d;" % (level - 1) * 10) for level in range(1, levels)
    )
    return (
        b'<?xml version="1.0"?>\n<!DOCTYPE rss [\n' + declarations + b"]>\n"
        b'<rss version="2.0"><channel><title>&lol%d;</title><item><title>x</title>'
        b"<description>&lol%d;</description></item></channel></rss>" % (levels - 1, levels - 1)
    )


def test_billion_laughs_is_refused_at_once_without_memory():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.thread_time()
    with pytest.raises(InputError, match=r"^feed: declares an entity that refers to others.*XML bomb") as caught:
        feed.read(_laughs())
    assert time.thread_time() - started < 0.5
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50_000  # kB: nothing was expanded
    assert "\n" not in str(caught.value)


def test_quadratic_blowup_is_refused():
    value = b"x" * 60  # a short value, referenced half a million times: 30 MB
    data = (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "' + value + b'">]><rss version="2.0"><channel>'
        b"<item><title>x</title><description>" + b"&a;" * 500_000 + b"</description></item></channel></rss>"
    )
    with pytest.raises(InputError, match="entities referenced so often they expand to over 1 MB"):
        feed.read(data)


@pytest.mark.parametrize(
    "declaration",
    [
        b'<!ENTITY xxe SYSTEM "file:///etc/passwd">',
        b'<!ENTITY xxe PUBLIC "-//x//y" "http://127.0.0.1:1/evil.dtd">',
        b'<!ENTITY % p "x">',
        b'<!ENTITY long "' + b"y" * 65 + b'">',
        b'<!ENTITY inner "<b>x</b>">',
        b'<!entity lower SYSTEM "file:///etc/hostname">',
    ],
    ids=["system", "public", "parameter", "long", "markup", "lower-case"],
)
def test_external_parameter_and_long_entities_are_refused(declaration: bytes):
    data = (
        b'<?xml version="1.0"?><!DOCTYPE rss [' + declaration + b']><rss version="2.0"><channel>'
        b"<item><title>x</title><description>&xxe;</description></item></channel></rss>"
    )
    with pytest.raises(InputError, match="XML bomb"):
        feed.read(data)


def test_short_literal_entities_are_read():
    data = (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY nbsp "&#160;"><!ENTITY org \'Verein e.V.\'>]>'
        b'<rss version="2.0"><channel><title>&org;</title><item><title>Hallo&nbsp;&org;</title>'
        b"<link>https://verein.example/1</link><description>Text</description></item></channel></rss>"
    )
    (document,) = feed.read(data)
    assert document.title == "Hallo Verein e.V."


def test_a_flood_of_elements_is_refused_before_parsing():
    data = b'<rss version="2.0"><channel><item><title>x</title>' + b"<a>" * 60_000 + b"</item></channel></rss>"
    started = time.thread_time()
    with pytest.raises(InputError, match=r"has 60,004 XML elements, more than the 50,000"):
        feed.read(data)
    assert time.thread_time() - started < 0.5


def test_escaped_html_does_not_count_as_elements():
    html = b"&lt;p&gt;Text&lt;/p&gt;" * 30_000 + b"<![CDATA[" + b"<p>x</p>" * 30_000 + b"]]>"
    data = (
        b'<rss version="2.0"><channel><item><title>Viel</title><description>'
        + html
        + b"</description></item></channel></rss>"
    )
    (document,) = feed.read(data)
    assert document.title == "Viel"


def test_input_above_the_byte_cap_is_refused_before_parsing():
    with pytest.raises(
        InputError, match=r"^feed: 4,001 bytes is more than the 4,000 bytes .*SCHEDULER_MAX_ISSUE_BYTES"
    ):
        feed.read(b"<rss>" + b" " * 3996, max_bytes=4000)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", r"not a readable RSS or Atom feed; check the address or the file"),
        (b"<html><body><p>Hallo</p></body></html>", r"not a readable RSS or Atom feed"),
        (b"\x00\x01garbage", r"not a readable RSS or Atom feed \(line \d+: not well-formed"),
        (b'<rss version="2.0"><channel><title>Nur der Kopf</title></channel></rss>', r"the feed has no entries yet"),
    ],
)
def test_what_is_no_feed_is_one_error_line(data: bytes, words: str):
    with pytest.raises(InputError, match=f"^feed: {words}"):
        feed.read(data)


def test_broken_xml_is_read_as_far_as_it_goes():
    raw = (FIXTURES / "rss-issues-de.xml").read_bytes()
    broken = raw.replace(b"</h2>\n<p>Die Sozialberatung", b"</h3>\n<p>Die Sozialberatung").replace(b"</channel>", b"")
    documents = feed.read(broken)
    assert [document.title for document in documents] == ["Newsletter März 2025", "Newsletter Februar 2025"]


FIXTURE_NAMES = sorted(path.name for path in FIXTURES.glob("*.xml"))
CUT_OFF = re.compile(
    r"downloads/feed\.xml: the feed is not well-formed XML \(line (\d+): ends (?:inside|before) [^;]+\); "
    r"it may have been cut off — fetch it again"
)


@pytest.mark.parametrize("name", FIXTURE_NAMES)
@pytest.mark.parametrize("mode", ["issue", "item"])
def test_a_feed_cut_off_is_refused_naming_its_last_line(name: str, mode: str):
    cut = (FIXTURES / name).read_bytes()[:-200]  # before: read, the half entry posted
    with pytest.raises(InputError) as caught:
        feed.read(cut, source="downloads/feed.xml", per_entry=mode)  # type: ignore[arg-type]  # reason: the two modes
    found = CUT_OFF.fullmatch(str(caught.value))
    assert found is not None, caught.value
    assert int(found.group(1)) == cut.rstrip().count(b"\n") + 1  # the last line, where it stops


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(FIXTURE_NAMES), st.data())
def test_every_cut_of_a_feed_is_refused_as_one(name: str, data: st.DataObject):
    raw = (FIXTURES / name).read_bytes().rstrip()
    cut = raw[: data.draw(st.integers(min_value=2, max_value=len(raw) - 1))]
    with pytest.raises(InputError) as caught:
        feed.read(cut, source="downloads/feed.xml")
    assert CUT_OFF.fullmatch(str(caught.value)), caught.value


def _march(raw: bytes) -> bytes:
    return raw.replace(
        b"<title>Newsletter M\xc3\xa4rz 2025</title>", b"<title>Newsletter&nbsp;M\xc3\xa4rz 2025</title>"
    )


@pytest.mark.parametrize(
    "change",
    [
        _march,  # an HTML entity XML does not know: feedparser's "undefined entity"
        lambda raw: raw.replace(b"<title>Newsletter Februar 2025", b"<title>Newsletter Februar 2025 & mehr"),
        lambda raw: raw.replace(b"</item>", b"", 1).replace(b"</channel>", b""),  # containers left open
        lambda raw: raw.rstrip() + b"\n<br />\n<b>Warning</b>: Undefined variable $ad in feed.php\n",  # after the end
        lambda raw: raw.rstrip()[: -len(b"</rss>")] + b"</RSS>",
    ],
    ids=["undefined-entity", "bare-ampersand", "unclosed-containers", "junk-after", "end-tag-case"],
)
def test_harmless_faults_real_feeds_have_are_read(change):
    raw = (FIXTURES / "rss-issues-de.xml").read_bytes()
    documents = feed.read(change(raw))
    assert [document.title[:20] for document in documents] == ["Newsletter März 2025", "Newsletter Februar 2"]
    assert [len(itemize(document, source="feed").items) for document in documents] == [3, 3]


def test_unescaped_html_in_a_description_is_read():
    data = (
        b'<rss version="2.0"><channel><title>T</title><item><title>Eins</title><link>https://x.example/1</link>'
        b'<description>Erste Zeile<br>zweite Zeile <img src="a.jpg" alt="Bild"></p></description></item>'
        b"<item><title>Zwei</title><description>Zweiter Text</description></item></channel></rss>"
    )
    assert [document.title for document in feed.read(data)] == ["Eins", "Zwei"]


def test_a_harmless_fault_does_not_hide_a_cut_further_on():
    raw = _march((FIXTURES / "rss-issues-de.xml").read_bytes())  # expat stops at the &nbsp; in line 15
    with pytest.raises(InputError, match=r"\(line 5\d: ends inside .*it may have been cut off"):
        feed.read(raw[:-200])


@pytest.mark.parametrize(
    ("name", "old", "new", "problem"),
    [
        (
            "rss-issues-de.xml",
            b"Newsletter M\xc3\xa4rz 2025</title>",
            b"Newsletter M\xc3\xa4rz 2025",
            "line 15: <title> is not closed",
        ),
        (
            "rss-issues-de.xml",
            b"M\xc3\xa4rz 2025</title>",
            b"M\xc3\xa4rz 2025</titel>",
            "line 15: </titel> does not close <title>",
        ),
        (
            "atom-issues-en.xml",
            b"compost rules.</summary>",
            b"compost rules.</summry>",
            "line 16: </summry> does not close <summary>",
        ),
        (
            "rss-items-de.xml",
            b"Download bereit.</description>",
            b"Download bereit.",
            "line 12: <description> is not closed",
        ),
    ],
    ids=["unclosed-title", "misspelt-end-tag", "atom-summary", "unclosed-description"],
)
def test_damage_that_loses_content_is_refused_naming_the_line(name: str, old: bytes, new: bytes, problem: str):
    raw = (FIXTURES / name).read_bytes()
    assert raw.count(old) >= 1
    with pytest.raises(InputError) as caught:
        feed.read(raw.replace(old, new, 1), source="feed.xml")
    assert str(caught.value) == (
        f"feed.xml: the feed is not well-formed XML ({problem}); part of it cannot be read — fetch it again, "
        "or ask its publisher to check it with a feed validator"
    )


def test_an_xml_bomb_is_refused_as_one_even_when_cut_off():
    with pytest.raises(InputError, match="XML bomb"):
        feed.read(_laughs()[:-40])


def test_an_empty_feed_names_its_file():
    data = b'<?xml version="1.0"?><rss version="2.0"><channel><title>Leer</title></channel></rss>'
    with pytest.raises(InputError, match=r"^newsletter/feed\.xml: the feed has no entries yet"):
        feed.read(data, source="newsletter/feed.xml")


def _never_an_exception(data: bytes | str, **kwargs: object) -> None:
    try:
        documents = feed.read(data, **kwargs)  # type: ignore[arg-type]  # reason: per_entry passed through
    except InputError as error:
        assert "\n" not in str(error)
    else:
        assert all(isinstance(block, Block) for document in documents for block in document.blocks)


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(FIXTURES.glob("*.xml"))), st.data(), st.sampled_from(["issue", "item"]))
def test_truncated_feeds_never_raise_anything_else(path: Path, data: st.DataObject, mode: str):
    raw = path.read_bytes()
    _never_an_exception(raw[: data.draw(st.integers(min_value=0, max_value=len(raw)))], per_entry=mode)


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=1500))
def test_random_bytes_never_raise_anything_else(data: bytes):
    _never_an_exception(data)


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.sampled_from(
            [
                "<rss>",
                "</rss>",
                "<channel>",
                "</channel>",
                "<item>",
                "</item>",
                "<title>",
                "</title>",
                "<link>",
                "</link>",
                "<description>",
                "</description>",
                "<![CDATA[",
                "]]>",
                "&lt;p&gt;",
                "&amp;",
                "&bogus;",
                "<!ENTITY a 'x'>",
                "<!DOCTYPE rss [",
                "]>",
                "text ",
                "<a href='/x'>",
                '<feed xmlns="http://www.w3.org/2005/Atom">',
                "<entry>",
                "</entry>",
                "<content type='html'>",
                "</content>",
                "<",
                ">",
                "\x00",
                "ä",
                "&lt;!-- c --&gt;",
                "&#1;",
            ]
        ),
        max_size=60,
    ),
    st.sampled_from(["issue", "item"]),
)
def test_broken_xml_never_raises_anything_else(pieces: list[str], mode: str):
    _never_an_exception("".join(pieces), per_entry=mode)


def test_in_item_mode_one_entrys_sign_off_and_imprint_do_not_end_the_feed():
    from scheduler.newsletter import read_issues

    entries = [
        ("Sommerfest am 5. Juli", "<p>Wir feiern am 5. Juli im Garten. Es gibt Musik und Kuchen.</p>"
         "<p>Herzliche Grüße</p><p>Ihr Vorstand</p><p>Impressum | Datenschutz</p>"),
        ("Neue Sprechzeiten", "<p>Ab Juni ist die Beratung dienstags und donnerstags geöffnet.</p>"),
        ("Ferienprogramm 2025", "<p>Die Anmeldung für das Ferienprogramm beginnt am 12. Mai.</p>"),
    ]  # fmt: skip
    items = "".join(
        f"<item><title>{title}</title><link>https://verein.example/{number}</link>"
        f"<description><![CDATA[{html}]]></description></item>"
        for number, (title, html) in enumerate(entries)
    )
    data = f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Pressemitteilungen</title>{items}</channel></rss>'
    (issue,) = read_issues(data.encode(), source="presse.xml", per_entry="item", languages=("de",))
    assert [(item.title, item.link) for item in issue.items] == [
        ("Sommerfest am 5. Juli", "https://verein.example/0"),
        ("Neue Sprechzeiten", "https://verein.example/1"),
        ("Ferienprogramm 2025", "https://verein.example/2"),
    ]
    assert issue.items[0].body == "Wir feiern am 5. Juli im Garten. Es gibt Musik und Kuchen."
    assert issue.title == "Pressemitteilungen"
