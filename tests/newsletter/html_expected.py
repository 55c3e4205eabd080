"""The blocks each HTML fixture should give, shared by the readers' tests and
benchmarks/html_extractors.py (which scores the extraction libraries against them).

A block is written as its kind and the start of its text: "h2 Research news" (a heading of level
2), "p Welcome to …" (a paragraph), "li Gießen: …" (a list entry; "li2" one level deeper), "img
<alt>" (an image standing alone). The fixture's title heading is not among them: it is the
Document's title.
"""

from __future__ import annotations

from pathlib import Path

from scheduler.newsletter.document import Block, Document, Kind

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "newsletters"
PAGES = FIXTURES / "html"
EMAILS = FIXTURES / "email"

#: The address each page is read from (as `scheduler preview URL` would pass it), "" for a saved file.
PAGE_URLS = {
    "verein-rundbrief-2025-03.html": "",
    "coastal-digest-2025-05.html": "",
    "servicestelle-informiert-2025-02-14.html": "https://www.familien-staerken.example/DE/Informationen/Servicestelle/2025-02-14.html",
    "infodienst-30-2025-10.html": "",
}

_INFODIENST_SECTIONS = {
    "Aus dem Netzwerk": [
        "Neue Geschäftsstelle in Regensburg",
        "Mitgliederversammlung wählt neuen Vorstand",
        "Jahresbericht 2024 erschienen",
        "Zwölf neue Mitglieder",
        "Praktikum im Frühjahr",
    ],
    "Förderung": [
        "Aktion Mensch: neue Förderlinie für Freizeitangebote",
        "Landesprogramm Bayern barrierefrei verlängert",
        "Stiftung fördert inklusive Musikprojekte",
        "Förderfibel aktualisiert",
        "Sprechstunde Fördermittel",
    ],
    "Recht und Politik": [
        "Bundesteilhabegesetz: Stufe vier tritt in Kraft",
        "Barrierefreiheitsstärkungsgesetz gilt seit Juni",
        "Landtag berät Inklusionsgesetz",
        "Urteil zur Assistenz im Studium",
        "Wahlprüfsteine zur Kommunalwahl",
    ],
    "Projekte": [
        "Inklusive Stadtführungen in Bamberg",
        "Kochen ohne Barrieren",
        "Sport für alle in Würzburg",
        "Radio in Leichter Sprache",
        "Theatergruppe gewinnt Preis",
    ],
    "Fortbildung": [
        "Online-Seminar: Barrierefreie PDFs",
        "Leichte Sprache für Einsteiger",
        "Inklusive Öffentlichkeitsarbeit",
        "Fachtag Inklusive Bildung",
        "Zertifikatskurs Peer-Beratung",
    ],
    "Lesetipps": [
        "Studie: Arbeit und Behinderung in Bayern",
        "Ratgeber Persönliches Budget",
        "Podcast: Mittendrin",
        "Buch: Die unsichtbare Mehrheit",
        "Ausstellung: Andere Blicke",
    ],
}


def _infodienst() -> list[str]:
    lines = ["p Liebe Leserinnen und Leser, in dieser Ausgabe"]
    for section, titles in _INFODIENST_SECTIONS.items():
        lines.append(f"h2 {section}")
        for number, title in enumerate(titles):
            lines.append(f"h3 {title}")
            if number == 0:
                lines.append(f"img Foto zum Beitrag: {title}")
            lines.append("p ")
    lines.append("p Möchten Sie, dass wir über Ihr Projekt berichten?")
    return lines


INFODIENST_TITLES = [title for titles in _INFODIENST_SECTIONS.values() for title in titles]

PAGE_BLOCKS: dict[str, list[str]] = {
    "verein-rundbrief-2025-03.html": [
        "p Liebe Mitglieder, liebe Freundinnen und Freunde der Streuobstwiesen,",
        "p der Frühling kommt, und mit ihm die Schnittsaison.",
        "h2 Schnittkurse im Frühjahr",
        "img Teilnehmende eines Schnittkurses an einem alten Apfelbaum",
        "p Erziehungsschnitt für Jungbäume: Am 22. März zeigt Baumwart Emil Hartung",
        "p Altbaumpflege: Wie man einen vergreisten Baum",
        "h2 Rückblick: 14.000 Liter Wiesensaft",
        "p Die Saftaktion im Herbst war die bisher größte",
        "p Ein herzliches Dankeschön an alle",
        "h2 Aus den Ortsgruppen",
        "li Gießen: Die Ortsgruppe hat eine neue Sprecherin",
        "li Alsfeld: Die Stadt stellt dem Verein",
        "li Marburg: Der Obstbaumkataster ist online – jede Kartierung hilft. Zum Kataster",
        "h3 Neue Mitglieder",
        "p Wir begrüßen 27 neue Mitglieder",
    ],
    "coastal-digest-2025-05.html": [
        "p Welcome to the May digest.",
        "h2 Research news",
        "h3 £1.4m to monitor saltmarsh recovery across the North Sea",
        "img A drone photograph of a saltmarsh creek at low tide",
        "p The Natural Environment Research Council has funded",
        "h3 Storm season: what the dunes told us",
        "p After three named storms in February",
        "h2 People",
        "li Congratulations, Dr Wei Chen! Wei passed her viva",
        "li Welcome to Tomás Herrera, who joins us from Valparaíso",
        "li Farewell to Prof. Ian Morrow — after 31 years",
        "h2 Events",
        "p Summer School 2025: Applications for “Living with Rising Seas” (7–18 July)",
        "p Public lecture: “Who owns the coast?”",
        "p You can subscribe to this digest or read earlier issues.",
    ],
    "servicestelle-informiert-2025-02-14.html": [
        "h2 Vorgestellt",
        "p „Brücken bauen“ in Cottbus ist ein Vorhaben",
        "h2 Vernetzt",
        "p Am 28. Januar trafen sich 40 Fachkräfte",
        "p Auch im Norden wird vernetzt: Das Projekt „Anker Familie“",
        "h2 Umgeschaut",
        "p Wie gelingt Elternarbeit in mehreren Sprachen?",
        "p Das Deutsche Institut für Familienforschung",
        "p Möchten auch Sie, dass wir über Ihr Projekt",
    ],
    "infodienst-30-2025-10.html": _infodienst(),
}


def line(block: Block) -> str:
    """A block as the expectations above write it."""
    if not block.text:
        return "img " + " | ".join(image.alt for image in block.images)
    if block.kind is Kind.HEADING:
        return f"h{block.level} {block.text}"
    if block.kind is Kind.LIST_ITEM:
        return f"li{block.level if block.level > 1 else ''} {block.text}"
    return f"p {block.text}"


def matches(document: Document, expected: list[str]) -> tuple[int, int]:
    """(expected blocks found in order, blocks found that were not expected), for scoring."""
    actual = [line(block) for block in document.blocks]
    found = 0
    position = 0
    for want in expected:
        for index in range(position, len(actual)):
            if actual[index].startswith(want):
                found += 1
                position = index + 1
                break
    return found, len(actual) - found


EMAIL_BLOCKS: dict[str, list[str]] = {
    "mailchimp-foodbank-2025-04.html": [
        "p Hi,",
        "p spring is our busiest season, and you made it count.",
        "h2 Spring food drive: 18 tonnes collected",
        "p Forty-two schools, churches and businesses collected 18 tonnes of food",
        "h2 A new pantry in Eastfield",
        "p From 6 May our third pantry opens in the Eastfield Community Centre",
        "img Volunteers sorting tins at the Riverside warehouse",
        "p Volunteer shifts for May",
        "p We still need drivers on Saturday mornings",
        "p Donate now",
        "p With gratitude, Maya Okonkwo Volunteer coordinator",
    ],
    "mjml-jugendring-2025-06.html": [
        "p Hallo,",
        "p die Sommerferien stehen vor der Tür",
        "h2 Ferienfreizeiten: noch Plätze frei",
        "img Kinder beim Kanufahren auf der Eder",
        "p Für das Zeltlager am Edersee",
        "h2 Juleica-Schulung im Herbst",
        "p Wer Jugendgruppen leiten möchte",
        "h3 Neues Förderprogramm „Mitmachen vor Ort“",
        "p Vereine und Initiativen können ab sofort",
        "h3 Termine",
        "li 3. Juli: Vollversammlung in Bad Arolsen",
        "li 19. Juli: Spielmobil auf dem Korbacher Marktplatz",
        "li 6. September: Fachtag Kinderschutz, Programm",
    ],
    "cleverreach-lebenshilfe-2025-05.html": [
        "p Liebe/r,",
        "p im Mai ist bei uns viel passiert.",
        "h3 Ferienbetreuung für alle Kinder",
        "img Kinder mit und ohne Behinderung basteln gemeinsam",
        "p In den Sommerferien betreuen wir wieder Kinder",
        "h3 Neue Wohngruppe in Buchholz",
        "p Acht junge Erwachsene sind im April",
        "p Für die Nachtbereitschaft suchen wir noch Verstärkung.",
        "h3 Sommerfest am 21. Juni",
        "p Mit Live-Musik der Band „Die Querbeeten“",
        "p Herzliche Grüße Ihr Team der Lebenshilfe Nordheide",
    ],
    "brevo-openmaps-2025-07.html": [
        "h1 Mapping news, July 2025",
        "p Hello,",
        "p summer mapathons are in full swing.",
        "h2 3,400 buildings mapped in Lilongwe",
        "p Over two weekends, 160 volunteers",
        "h2 A faster tile server",
        "img Map of Lisbon rendered with the new vector tiles",
        "p Our new vector tile server renders a city map",
        "li Styles for print and for screen readers",
        "li Daily updates instead of weekly ones",
        "li Open API, documentation here",
        "h2 Translators wanted",
        "p The mapping handbook now exists in eleven languages.",
        "p Join a mapathon",
    ],
    "rapidmail-buergerstiftung-2025-09.html": [
        "p Sehr geehrte,",
        "p der Herbst bringt bei uns viel Bewegung",
        "h2 Ehrenamtspreis 2025: Jetzt vorschlagen",
        "p Zum fünften Mal vergibt die Bürgerstiftung den Elbtaler Ehrenamtspreis",
        "p So geht's: Formular ausfüllen",
        "h2 Lesepatinnen und Lesepaten gesucht",
        "p Eine Stunde pro Woche, ein Kind, ein Buch",
        "li eine Einführung an zwei Abenden im Oktober",
        "li feste Tandems für ein Schuljahr",
        "li2 in Pirna (Grundschule Copitz)",
        "li2 in Heidenau (Grundschule Nord)",
        "li ein Austauschtreffen pro Halbjahr",
        "p Ansprechpartnerin ist Heike Rothe",
        "h2 Stadtteilfonds: 23 Projekte gefördert",
        "p Vom Gemeinschaftsgarten bis zum Repair-Café",
        "p Mit herzlichen Grüßen aus dem Elbtal",
    ],
}
