"""Text copied from newsletters' web pages (select all, copy), one fixture per kind of sender:
an association, a ministry, an NGO, a foundation, a faculty, a residents' association; a UK
university, charity and government department. Each fixture is our own, modelled on how such
newsletters are built: a menu above the title, a greeting and editorial, a table of contents,
headings over several paragraphs, "Weiterlesen" lines, a list of dates, a sign-off and a footer.

The reader before issue 11 took every paragraph for an item: 9–16 items where these have 3–5.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from scheduler.models import Issue
from scheduler.newsletter.plaintext import parse

TEXT = Path(__file__).resolve().parent.parent / "fixtures" / "newsletters" / "text"

#: fixture → the items it gives: (section, title, main link).
EXPECTED: dict[str, list[tuple[str, str, str | None]]] = {
    "de-verband.txt": [
        ("Aus dem Verband", "Neue Geschäftsführerin im Landesverband", None),
        ("Aus dem Verband", "Fachtagung „Familie stärken“ in Erfurt", "https://www.lvf-thueringen.de/fachtagung-2025"),
        ("Aus dem Verband", "Förderaufruf: Familienzentren im ländlichen Raum", None),
        ("Aus den Mitgliedsorganisationen", "Mitgliedsorganisationen stellen sich vor", None),
    ],
    "de-ministerium.txt": [
        ("", "Kinderzuschlag: Antrag jetzt vollständig digital", None),
        ("", "Bundesprogramm „Elternchance“ wird fortgesetzt", None),
        (
            "",
            "Neue Studie zur Vereinbarkeit von Familie und Beruf",
            "https://www.bmfsfj-beispiel.de/studie-vereinbarkeit",
        ),
    ],
    "de-ngo.txt": [
        ("", "Kinderarmut: Bündnis übergibt 80.000 Unterschriften", None),
        ("", "Kinder reden mit: Jugendbeirat gewählt", None),
        ("Kurz notiert", "Neue Broschüre", None),
        ("Kurz notiert", "Preis verliehen", None),
        ("Kurz notiert", "Ehrenamt", None),
    ],
    "de-stiftung.txt": [
        ("", "Neue Website", None),
        ("", "Zehn Jahre Lesepatenschaften: Festakt in Hannover", None),
        (
            "",
            "Vorlesestudie 2024: Väter lesen seltener vor",
            "https://www.stiftung-lesewelt-beispiel.de/vorlesestudie-2024",
        ),
        (
            "Save the Date",
            "Bundesweiter Vorlesetag am 15. November 2024",
            "https://www.stiftung-lesewelt-beispiel.de/vorlesetag",
        ),
    ],
    "de-universitaet.txt": [
        ("Forschung", "DFG fördert Graduiertenkolleg zu Bildungsungleichheit", None),
        ("Lehre", "Neues Masterprofil Inklusive Bildung", "https://www.uni-beispielstadt.de/ewi/master-inklusion"),
        ("Personalien", "Prof. Dr. Jonas Meyer hat den Ruf auf die Professur für Erwachsenenbildung…", None),
        ("Personalien", "Dr. Leyla Aydın wurde mit dem Lehrpreis der Universität ausgezeichnet.", None),
        ("Personalien", "Prof. Dr. Karin Vogt ist nach 28 Jahren an der Fakultät in den Ruhestand…", None),
    ],
    "de-buergerverein.txt": [
        ("", "Sommerfest", None),
        ("", "Verkehrsberuhigung Gartenstraße", None),
        ("", "Neue Boule-Bahn", None),
        ("", "Mitgliederversammlung", None),
    ],
    "en-university.txt": [
        ("", "£4.2m for coastal resilience research", None),
        ("", "New Research Data Service launches", "https://www.northbridge-example.ac.uk/research-data"),
        ("", "Open access: what changes in April", None),
    ],
    "en-charity.txt": [
        ("NEWS", "Ten miles of hedgerow planted", None),
        ("NEWS", "Coleford bridge reopens", None),
        ("CAMPAIGNS", "Protect the Meadow Lane verges", "https://www.greenwaytrust-example.org.uk/meadow-lane"),
    ],
    # the three below were written without a look at the reader's rules (held out): before they
    # were added it gave 7 items of 5, 5 of 4 and 4 of 4 (sub-headings and a "Referentin:" line)
    "de-familienbuero.txt": [
        ("", "Ferienpass 2025: Jetzt anmelden!", "https://ferienpass.wiesenfeld-beispiel.de/anmeldung-2025"),
        ("", "Kita-Platz für 2025/26: Was Eltern jetzt wissen müssen", None),
        ("", "Familienzentrum Nordviertel öffnet seine Türen", None),
        ("", "Elterngeld, Kindergeld, Kinderzuschlag: Sprechstunde im Bürgerbüro", None),
        (
            "",
            "„Wiesenfeld liest vor“ sucht Vorlesepatinnen und -paten",
            "https://www.wiesenfeld-beispiel.de/vorlesepaten",
        ),
    ],
    "de-netzwerk-fruehe-hilfen.txt": [
        ("Neues aus dem Netzwerk", "Babylotsinnen jetzt an beiden Geburtskliniken", None),
        ("Neues aus dem Netzwerk", "Rückblick: Netzwerkkonferenz „Familien in Belastungslagen“", None),
        (
            "Wissenswertes für die Praxis",
            "Fortbildung „Feinfühligkeit im Säuglingsalter“ – noch Plätze frei",
            "https://fortbildung.fruehe-hilfen-talheim-beispiel.de/feinfuehligkeit-2025",
        ),
        ("Wissenswertes für die Praxis", "Neue Elterninfo zu Schreibabys in sechs Sprachen", None),
    ],
    "en-council.txt": [
        ("", "Changes to your bin collections from 12 May", "https://www.brackenford.example.gov.uk/bin-day"),
        ("", "Community Grants Fund opens for applications", "https://www.brackenford.example.gov.uk/community-grants"),
        ("", "Have your say on the Town Centre Plan", None),
        ("", "Thank you to our Litter Heroes", None),
    ],
    "en-government.txt": [
        ("", "Free breakfast clubs: second wave of early adopters", None),
        ("", "Changes to the school census in spring", None),
        ("", "Teacher pay award: funding allocations published", None),
        ("Reminders", "Key stage 2 tests: the test administration guidance is now available.", None),
        ("Reminders", "Ofsted: the consultation on the new report card closes on 28 March.", None),
    ],
}

#: fixture → words of its menu, greeting, table of contents, list of dates, sign-off and footer,
#: none of which may reach an item.
NOT_ITEMS: dict[str, list[str]] = {
    "de-verband.txt": ["Startseite", "Liebe Leserinnen", "Frühling", "In dieser Ausgabe", "Online-Seminar", "Weiterlesen",
                       "Herzliche Grüße", "Anger 12", "Impressum", "abbestellen"],
    "de-ministerium.txt": ["Leichte Sprache", "Themen dieser Ausgabe", "Mehr erfahren", "Fachdialog", "Teilen",
                           "abonnieren", "Herausgeber", "Glinkastraße"],
    "de-ngo.txt": ["Mitmachen", "herzlich willkommen", "Spende", "30 Euro", "Folgen Sie uns", "instagram", "Feiertage",
                   "Petra Lindner und", "Spendenkonto", "Abmelden"],
    "de-stiftung.txt": ["Menü", "Ausgabe Herbst", "Editorial", "Freundinnen und Freunde", "Ute Sommer", "Vorständin",
                        "unterstützen", "Georgstraße", "Datenschutz"],
    "de-universitaet.txt": ["Transfer", "Inhalt", "Antrittsvorlesung", "Tag der Lehre", "Redaktion", "newsletter-ewi",
                            "Barrierefreiheit"],
    "de-buergerverein.txt": ["Liebe Mitglieder", "wichtigsten Neuigkeiten", "schönen Sommer", "Herzliche Grüße",
                             "Karl Weber", "Lindenplatz 3", "vorstand@"],
    "en-university.txt": ["Skip to", "Home /", "Dear colleagues", "Welcome to the March", "In this issue",
                          "Read more", "Research Culture Forum", "Best regards", "Unsubscribe", "Crown"],
    "en-charity.txt": ["Get involved", "Hello Sam", "Spring has arrived", "Find out more", "Diary dates",
                       "Volunteer work party", "Warm wishes", "Follow us", "registered charity", "unsubscribe"],
    "de-familienbuero.txt": ["Startseite", "Veröffentlicht am", "Hallo liebe Familien", "Kinderflohmarkt",
                             "Familienkalender", "Herzliche Grüße", "abmelden", "Impressum", "Nach oben"],
    "de-netzwerk-fruehe-hilfen.txt": ["Zurück zur Übersicht", "Drucken", "Liebe Netzwerkpartnerinnen", "Brösel",
                                      "Mit herzlichen Grüßen", "Bahnhofstraße 41", "Gefördert durch", "Datenschutz"],
    "en-council.txt": ["cookies", "Home >", "Published:", "Welcome to the spring", "Dates for your diary",
                       "Farmers' Market", "Best wishes", "Follow us", "Unsubscribe"],
    "en-government.txt": ["Cookies", "cookies", "Published 6 March", "Contents", "Share this page", "useful",
                          "Open Government Licence", "Crown copyright"],
}  # fmt: skip


def _issue(name: str) -> Issue:
    path = TEXT / name
    return parse(path.read_text(encoding="utf-8"), source=str(path), file_name=name)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_copied_newsletters_give_their_items(name):
    issue = _issue(name)
    assert [(item.section, item.title, item.link) for item in issue.items] == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(NOT_ITEMS))
def test_menu_greeting_contents_dates_sign_off_and_footer_are_not_items(name):
    issue = _issue(name)
    everything = "\n".join(f"{item.section}\n{item.title}\n{item.body}" for item in issue.items)
    assert [words for words in NOT_ITEMS[name] if words in everything] == []


def test_every_fixture_is_checked_both_ways():
    assert set(EXPECTED) == set(NOT_ITEMS) == {path.name for path in TEXT.glob("*.txt")}


def test_a_heading_with_several_paragraphs_is_one_item_with_all_of_them():
    first = _issue("de-verband.txt").items[0]
    assert first.body.startswith("Seit dem 1. März leitet Dr. Miriam Kessler")
    assert "„Ich freue mich darauf" in first.body
    assert first.body.endswith("wünscht ihm alles Gute.")
    assert first.body.count("\n\n") == 2  # three paragraphs
    assert "Neue Geschäftsführerin" not in first.body  # the title is not repeated


def test_a_title_lead_in_is_the_title_and_leaves_the_body():
    brochure = _issue("de-ngo.txt").items[2]
    assert brochure.title == "Neue Broschüre"
    assert brochure.body.startswith("Unsere Broschüre „Kinderrechte im Alltag“ erklärt")
    assert brochure.links == ("mailto:bestellung@kinderrechte-beispiel.de",)  # kept, but never the main link


def test_obfuscated_addresses_are_links_and_home_pages_are_not_main_links():
    call = _issue("de-verband.txt").items[2]
    assert "julia.wendt@lvf-thueringen.de" in call.body
    assert call.links == ("mailto:julia.wendt@lvf-thueringen.de",)
    assert call.link is None and call.url is None


def test_titles_dates_and_languages():
    found = {
        name: (issue.title, issue.date, issue.language)
        for name in ("de-ministerium.txt", "en-government.txt", "en-charity.txt", "de-stiftung.txt")
        for issue in [_issue(name)]
    }
    assert found == {
        "de-ministerium.txt": ("Newsletter „Familie aktuell“ – Ausgabe 2/2025", dt.date(2025, 2, 14), "de"),
        "en-government.txt": ("Schools Update: 6 March 2025", dt.date(2025, 3, 6), "en"),
        "en-charity.txt": ("Greenway Trust – Spring Update 2025", None, "en"),
        "de-stiftung.txt": ("Newsletter der Stiftung Lesewelt", None, "de"),
    }
    assert {item.date for item in _issue("de-ministerium.txt").items} == {dt.date(2025, 2, 14)}


def test_run_in_sub_headings_and_detail_lines_stay_in_their_item():
    kita = _issue("de-familienbuero.txt").items[1]
    assert "\n\nNeues Vormerkportal: Seit April werden Vormerkungen" in kita.body
    assert "\n\nFristen und Zusagen: Die Zusagen" in kita.body
    course = _issue("de-netzwerk-fruehe-hilfen.txt").items[2]
    assert "Referentin: Dipl.-Psych. Martina Vogt" in course.body


def test_headings_over_their_text_in_one_paragraph_are_items_where_every_heading_is_so():
    # en-charity's item headings all sit right above their text: none is taken for a sub-heading
    assert [item.title for item in _issue("en-charity.txt").items] == [
        "Ten miles of hedgerow planted",
        "Coleford bridge reopens",
        "Protect the Meadow Lane verges",
    ]
