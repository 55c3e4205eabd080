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
