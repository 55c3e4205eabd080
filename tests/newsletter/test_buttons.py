"""The words of a link that a post cannot carry leave an item's text: a call to action after a
sentence or as the item's last paragraph ("Zum Kataster", "Join a mapathon"), a sentence that only
points to the item's link ("Mehr dazu hier."). Each link stays among the item's links, and is the
post's link when the item has none better. Entries nested under an item that is a list entry start
their lines without spaces."""

from __future__ import annotations

from pathlib import Path

import pytest

from scheduler.models import Item
from scheduler.newsletter import load_issues, markdown
from scheduler.newsletter.document import Block, Document, Kind, Link
from scheduler.newsletter.itemize import itemize

H, P, L = Kind.HEADING, Kind.PARAGRAPH, Kind.LIST_ITEM
PAGE = "https://verein.example/aktuelles/kataster"
HEADING = Block(H, "Obstbaumkataster online", level=2)


def one(*blocks: Block, language: str = "de") -> Item:
    document = Document(blocks=(HEADING, *blocks), title="Rundbrief", url="https://verein.example/rundbrief/")
    (item,) = itemize(document, source="test", languages=(language,)).items
    return item


# -- a call to action's words -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "words"),
    [
        ("Der Obstbaumkataster ist online – jede Kartierung hilft.", "Zum Kataster"),
        ("Die Bundesagentur meldet 12 % mehr offene Stellen als im Vorjahr.", "Zur Statistik"),
        ("Das Landesjugendamt veröffentlicht eine Arbeitshilfe.", "Arbeitshilfe herunterladen"),
        ("Eltern finden hier Beratung und eine Spielecke.", "Zum Programm des Elterncafés"),
        ("Frist ist der 30. April 2025.", "Förderrichtlinie als PDF"),
        ("412 Haushalte haben mitgemacht.", "Ergebnisse als PDF"),
        ("Volunteers traced 3,400 buildings.", "Join a mapathon"),
    ],
)
def test_a_call_to_action_after_a_sentence_leaves_the_text_and_its_link_is_the_items(sentence, words):
    item = one(Block(P, f"{sentence} {words}", links=(Link(PAGE, words),)))
    assert item.body == sentence
    assert item.link == PAGE and PAGE in item.links


def test_a_button_that_ends_the_item_leaves_the_text_and_its_link_stays():
    button = "https://maps.example/mapathons"
    item = one(
        Block(P, "We are looking for translators. Write to handbook@maps.example."),
        Block(P, "Join a mapathon", links=(Link(button, "Join a mapathon"),)),
        language="en",
    )
    assert item.body == "We are looking for translators. Write to handbook@maps.example."
    assert button in item.links and item.url == button


@pytest.mark.parametrize(
    ("text", "words", "url"),
    [
        # after a colon, a link's words may be what the sentence names
        ("Der Kurs hat eine neue Leitung. Referentin: Dr. Miriam Aslan", "Dr. Miriam Aslan", PAGE),
        # an address written out is information
        ("Alle Termine stehen online. verein.example/termine", "verein.example/termine", PAGE),
        # a link inside a sentence, or a sentence of its own
        ("Der Obstbaumkataster ist online. Jede Kartierung hilft dem Kataster", "dem Kataster", PAGE),
        ("Der Kataster wächst. Er ist jetzt online.", "Er ist jetzt online.", PAGE),
        # a link that sends nowhere a post can (an e-mail address)
        ("Fragen beantwortet das Team. Schreiben Sie uns", "Schreiben Sie uns", "mailto:team@verein.example"),
        # more words than a button has
        (
            "Der Kataster ist online. Alle Bäume aller Ortsgruppen in Hessen seit dem Jahr 2010",
            "Alle Bäume aller Ortsgruppen in Hessen seit dem Jahr 2010",
            PAGE,
        ),
    ],
)
def test_words_that_say_something_stay(text, words, url):
    assert one(Block(P, text, links=(Link(url, words),))).body == text


def test_a_list_of_links_keeps_its_last_entry():
    item = one(
        Block(P, "Neu in unserer Materialsammlung:"),
        Block(
            L, "Leitfaden Baumschnitt", links=(Link("https://verein.example/leitfaden.pdf", "Leitfaden Baumschnitt"),)
        ),
        Block(L, "Sortenliste 2025", links=(Link("https://verein.example/sorten.pdf", "Sortenliste 2025"),)),
    )
    assert item.body == "Neu in unserer Materialsammlung:\n\n• Leitfaden Baumschnitt\n• Sortenliste 2025"


def test_an_item_that_is_only_a_button_keeps_it():
    item = one(Block(P, "Zum Kataster", links=(Link(PAGE, "Zum Kataster"),)))
    assert item.body == "Zum Kataster" and item.url == PAGE


# -- a sentence that only points to the link --------------------------------------------------------


@pytest.mark.parametrize(
    "pointer",
    ["Mehr dazu hier.", "Die Folge hören Sie hier.", "Das ganze Interview lesen Sie hier."],
)
def test_a_last_sentence_that_only_points_to_the_items_link_leaves_the_text(pointer):
    text = f"Wir treffen uns jeden ersten Samstag im Gemeindehaus. {pointer}"
    item = one(Block(P, text, links=(Link(PAGE, "hier"),)))
    assert item.body == "Wir treffen uns jeden ersten Samstag im Gemeindehaus."
    assert item.link == PAGE  # the post's "Mehr dazu: …" line says the same, with the link


def test_a_pointer_to_another_link_than_the_items_stays():
    heading = Block(H, "Obstbaumkataster online", level=2, links=(Link(PAGE, "Obstbaumkataster online"),))
    document = Document(
        blocks=(
            heading,
            Block(
                P,
                "Im Podcast erzählt die Gruppe davon. Die Folge hören Sie hier.",
                links=(Link("https://podcast.example/31", "hier"),),
            ),
        ),
        title="Rundbrief",
    )
    (item,) = itemize(document, source="test").items
    assert item.link == PAGE and item.body.endswith("Die Folge hören Sie hier.")


@pytest.mark.parametrize(
    "text",
    [
        "Der Kurs kostet 15 €, anmelden können Sie sich hier.",  # one sentence that says more
        "Der Kurs ist beliebt. Die 12 Plätze buchen Sie hier.",  # a number
        "We need volunteers. Write to volunteer@library.example or read more here.",  # an address
    ],
)
def test_a_sentence_that_says_more_than_where_the_link_is_stays(text):
    words = "hier" if "hier" in text else "here"
    assert one(Block(P, text, links=(Link(PAGE, words),))).body == text


# -- lists ------------------------------------------------------------------------------------------


def test_entries_under_an_item_that_is_a_list_entry_start_their_lines_with_the_bullet():
    document = markdown.read(
        "## Meldungen\n\n"
        "- **Digitale Beratung:** Die Online-Beratung erweitert ihre Zeiten auf Wochenenden.\n"
        "  * Chat: Samstag 14–20 Uhr\n"
        "  * Telefon: Sonntag 10–16 Uhr\n"
        "- **Fachkräfte:** Die Bundesagentur meldet mehr offene Stellen in der Erziehung als im Vorjahr.\n"
    )
    first, _ = itemize(document, source="test").items
    assert first.body == (
        "Die Online-Beratung erweitert ihre Zeiten auf Wochenenden.\n\n• Chat: Samstag 14–20 Uhr\n• Telefon: Sonntag 10–16 Uhr"
    )


def test_a_nested_list_under_a_paragraph_keeps_its_nesting():
    item = one(
        Block(P, "Das Programm:"),
        Block(L, "Samstag: Schnittkurs", level=1),
        Block(L, "für Anfänger", level=2),
        Block(L, "Sonntag: Wiesenfest", level=1),
    )
    assert item.body == "Das Programm:\n\n• Samstag: Schnittkurs\n  • für Anfänger\n• Sonntag: Wiesenfest"


# -- the fixtures -----------------------------------------------------------------------------------

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "newsletters"


@pytest.mark.parametrize(
    ("name", "title", "ending"),
    [
        ("html/verein-rundbrief-2025-03.html", "Marburg", "Der Obstbaumkataster ist online – jede Kartierung hilft."),
        ("markdown/list-entries-de.md", "Kinderschutz", "überarbeitete Arbeitshilfe zur Gefährdungseinschätzung."),
        ("markdown/list-entries-de.md", "Fachkräfte", "in der Erziehung als im Vorjahr."),
        ("markdown/static-site-de.md", "Elterncafé in Bergheim eröffnet", "Beratung, Austausch und eine Spielecke."),
        ("markdown/static-site-de.md", "Aufruf: Kleinprojekte für Familien 2025", "Frist ist der 30. April 2025."),
        ("feed/rss-issues-de.xml", "Bewohnerbefragung: die Ergebnisse", "und ein Treffpunkt für Jugendliche."),
        ("feed/rss-issues-de.xml", "Repair-Café sucht Verstärkung", "jeden ersten Samstag im Monat im Gemeindehaus."),
        ("email/brevo-openmaps-2025-07.html", "Translators wanted", "Write to handbook@openmaps-collective.example."),
    ],
)
def test_the_fixtures_items_end_with_their_news_not_a_links_words(name, title, ending):
    (item,) = [item for issue in load_issues(FIXTURES / name) for item in issue.items if item.title == title]
    assert item.body.endswith(ending)
    assert item.url is not None  # the link of the words that left: the post's "Mehr dazu: …"
