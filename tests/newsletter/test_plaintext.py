"""Importing our first user's real issue, and plain text in general."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from scheduler.errors import InputError
from scheduler.newsletter import load_issue
from scheduler.newsletter.plaintext import parse
from tests.conftest import EXAMPLE


def test_example_issue_has_exactly_six_items_in_three_sections(example_issue):
    sections = [item.section for item in example_issue.items]
    assert sections == ["Vorgestellt", "Vernetzt", "Vernetzt", "Vernetzt", "Umgeschaut", "Umgeschaut"]


@pytest.mark.parametrize(
    ("index", "must_contain"),
    [
        (0, ["KArAD", "Düren"]),
        (1, ["Bundeskongress", "Hannover"]),
        (2, ["Bremen", "Bremerhaven"]),
        (3, ["ANKER Plus", "Fachtag", "Köln"]),
        (4, ["Geste – GemeinsamSTARK", "radioaktiv"]),
        (5, ["Deutsche Verein", "Empfehlungen"]),
    ],
)
def test_example_items_are_the_news_items(example_issue, index, must_contain):
    body = example_issue.items[index].body
    for text in must_contain:
        assert text in body


def test_navigation_heading_call_for_submissions_and_footer_are_not_items(example_issue):
    everything = "\n".join(item.body + item.title + item.section for item in example_issue.items)
    for boilerplate in (
        "Hauptnavigation",
        "Informationen",
        "13.12.2024",
        "Möchten auch Sie",
        "gefördert",
        "aktif-vernetzt",
    ):
        assert boilerplate not in everything


def test_issue_date_title_and_language(example_issue):
    assert example_issue.date == dt.date(2024, 12, 13)
    assert example_issue.title == "Die Vernetzungsstelle informiert"
    assert example_issue.language == "de"
    assert example_issue.source.endswith("2024-12-13-vernetzungsstelle.txt")
    assert example_issue.slug == "2024-12-13-die-vernetzungsstelle-informiert"


def test_item_ids_are_stable_and_distinct(example_issue):
    again = load_issue(EXAMPLE)
    assert [item.id for item in again.items] == [item.id for item in example_issue.items]
    assert len({item.id for item in example_issue.items}) == 6


def test_item_id_depends_on_the_text_not_on_spacing_or_position():
    one = parse("01.02.2025: T\n\nNews\n\nFirst item text here.\n\nSecond  item text here.", source="a")
    two = parse("01.02.2025: T\n\nOther\n\nSecond item\ntext here.", source="b")
    assert one.items[1].id == two.items[0].id
    assert one.items[0].id != one.items[1].id


def test_whitespace_in_bodies_is_normalised(example_issue):
    assert "Düren ist das" in example_issue.items[0].body  # two spaces in the source


def test_titles_are_short_and_taken_from_the_first_sentence(example_issue):
    for item in example_issue.items:
        assert 0 < len(item.title) <= 80
        assert item.body.startswith(item.title.rstrip("…"))


def test_english_issue_is_detected_as_english():
    text = (
        "2025-03-01: Community update\n\nEvents\n\n"
        "Last week our team met volunteers from three cities to plan the summer programme. "
        "Everyone agreed that the workshops for parents should continue next year.\n"
    )
    issue = parse(text, source="en.txt")
    assert issue.language == "en"
    assert issue.date == dt.date(2025, 3, 1)
    assert [item.section for item in issue.items] == ["Events"]


def test_links_are_extracted_and_obfuscated_addresses_decoded():
    text = (
        "01.01.2025: Links\n\nNeu\n\nMehr unter https://example.org/a?b=1. Fragen an info(at)beispiel.de "
        "oder kontakt [at] verein [dot] de sowie www.bund.de."
    )
    item = parse(text, source="x").items[0]
    assert item.links == (
        "https://example.org/a?b=1",
        "mailto:info@beispiel.de",
        "mailto:kontakt@verein.de",
        "https://www.bund.de",
    )
    assert "info@beispiel.de" in item.body
    assert item.url == "https://example.org/a?b=1"


def test_text_without_items_is_an_error():
    with pytest.raises(InputError, match="no newsletter items found"):
        parse("Hauptnavigation\n\nInformationen\n", source="nav.txt")


def test_date_falls_back_to_the_file_name(tmp_path: Path):
    path = tmp_path / "2023-05-04-update.txt"
    path.write_text("Neuigkeiten\n\nAktuelles\n\nHeute ist ein schöner Tag für alle Familien in der Stadt.\n")
    issue = load_issue(path)
    assert issue.date == dt.date(2023, 5, 4)
    assert issue.title == "Neuigkeiten"


# -- the reader: copied text → Document ------------------------------------------------------------


def test_copied_text_becomes_headings_paragraphs_list_entries_and_lead_ins():
    from scheduler.newsletter.document import Kind
    from scheduler.newsletter.plaintext import read

    document = read(
        "Startseite\nÜber uns\n\n13.12.2024: Die Vernetzungsstelle informiert\n\n"
        "In dieser Ausgabe\n• Neue Geschäftsführerin\n- Sommerfest\n  * Programm\n1. Termine\n\n"
        "Neu im Netzwerk: Der Verein Familienhafen aus Kiel ist jetzt Mitglied bei uns.\n\n"
        "Wann: mittwochs, 15 Uhr, im Gemeindehaus am Markt, Eingang über den Hof.\n\n"
        "Weiterlesen\n",
        file_name="2024-12-01-x.txt",
    )
    assert (document.title, document.date) == ("Die Vernetzungsstelle informiert", dt.date(2024, 12, 13))
    assert [(block.kind, block.level, block.text, block.lead) for block in document.blocks] == [
        (Kind.HEADING, 2, "Startseite", ""),
        (Kind.HEADING, 3, "Über uns", ""),
        (Kind.HEADING, 1, "Die Vernetzungsstelle informiert", ""),
        (Kind.HEADING, 2, "In dieser Ausgabe", ""),
        (Kind.LIST_ITEM, 1, "Neue Geschäftsführerin", ""),
        (Kind.LIST_ITEM, 1, "Sommerfest", ""),
        (Kind.LIST_ITEM, 2, "Programm", ""),
        (Kind.LIST_ITEM, 1, "Termine", ""),
        (
            Kind.PARAGRAPH,
            1,
            "Neu im Netzwerk: Der Verein Familienhafen aus Kiel ist jetzt Mitglied bei uns.",
            "Neu im Netzwerk:",
        ),
        (Kind.PARAGRAPH, 1, "Wann: mittwochs, 15 Uhr, im Gemeindehaus am Markt, Eingang über den Hof.", ""),
        (Kind.PARAGRAPH, 1, "Weiterlesen", ""),
    ]


def test_lines_wrapped_at_a_fixed_width_are_one_paragraph_but_a_list_of_dates_is_not():
    from scheduler.newsletter.plaintext import read

    wrapped = read(
        "Die Veranstaltung findet am 12. März im Rathaus statt und richtet sich\n"
        "an Fachkräfte aus der Jugendhilfe, der Schule und der Verwaltung. Eine\n"
        "Anmeldung ist bis zum 1. März möglich.\n"
    )
    assert [block.text for block in wrapped.blocks] == [
        "Die Veranstaltung findet am 12. März im Rathaus statt und richtet sich an Fachkräfte aus der "
        "Jugendhilfe, der Schule und der Verwaltung. Eine Anmeldung ist bis zum 1. März möglich."
    ]
    dates = read("03.04.2025 | Online-Seminar: Fördermittel richtig beantragen\n24.04.2025 | Regionaltreffen, Gera\n"
                 "15.05.2025 | Mitgliederversammlung, Erfurt\n")  # fmt: skip
    assert len(dates.blocks) == 3


def test_web_and_e_mail_addresses_in_copied_text_are_links():
    from scheduler.newsletter.document import Link
    from scheduler.newsletter.plaintext import read

    (block,) = read("Infos unter www.verein.example/fest und bei info(at)verein.example.").blocks
    assert block.links == (
        Link("https://www.verein.example/fest", "https://www.verein.example/fest"),
        Link("mailto:info@verein.example", "info@verein.example"),
    )


def test_text_above_the_byte_cap_is_refused_before_it_is_read():
    from scheduler.newsletter.plaintext import read

    with pytest.raises(
        InputError, match=r"^issue.txt: 2,000 bytes is more than the 1,000 bytes .*SCHEDULER_MAX_ISSUE_BYTES"
    ):
        read(b"x" * 2000, file_name="issue.txt", max_bytes=1000)


@pytest.mark.parametrize(
    ("sample", "text"),
    [
        ("Hauptnavigation\n\n13.12.2024: Die Vernetzungsstelle informiert\n", True),
        ("Liebe Leserinnen und Leser,\n\nin dieser Ausgabe …", True),
        ("<!DOCTYPE html><html><body><p>Hallo</p></body></html>", False),
        ('<?xml version="1.0"?><rss version="2.0"></rss>', False),
        ("From: info@verein.example\nTo: a@b.example\nSubject: Rundbrief\nMIME-Version: 1.0\n\nText", False),
    ],
)
def test_looks_like_copied_text(sample, text):
    from scheduler.newsletter.plaintext import looks_like

    assert looks_like(sample) is text
