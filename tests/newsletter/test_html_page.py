"""Reading a newsletter issue's web page: the main content as blocks, without the page's chrome."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from scheduler.errors import InputError
from scheduler.newsletter import html_page, load_issues
from scheduler.newsletter.document import Document, Kind, Link
from scheduler.newsletter.itemize import itemize
from scheduler.newsletter.reading import Limits
from tests.newsletter.html_expected import EMAILS, INFODIENST_TITLES, PAGE_BLOCKS, PAGE_URLS, PAGES, line


def read(name: str) -> Document:
    return html_page.read((PAGES / name).read_bytes(), url=PAGE_URLS[name])


def text_of(document: Document) -> str:
    return "\n".join(
        [block.text for block in document.blocks]
        + [link.text for block in document.blocks for link in block.links]
        + [image.alt for block in document.blocks for image in block.images]
    )


@pytest.mark.parametrize("name", sorted(PAGE_BLOCKS))
def test_each_page_gives_its_headings_paragraphs_list_entries_and_images_in_order(name):
    lines = [line(block) for block in read(name).blocks]
    expected = PAGE_BLOCKS[name]
    assert len(lines) == len(expected), lines
    for got, want in zip(lines, expected, strict=True):
        assert got.startswith(want)


@pytest.mark.parametrize(
    ("name", "chrome"),
    [
        (
            "verein-rundbrief-2025-03.html",
            [
                "Zum Inhalt springen",
                "Hauptmenü",
                "Startseite",
                "Veröffentlicht am",
                "Teilen mit",
                "Facebook",
                "Ähnliche Beiträge",
                "Winterschnitt",
                "Kommentar",
                "Toll, dass es wieder",
                "Nächste Termine",
                "Rundbrief abonnieren",
                "Vorheriger Beitrag",
                "Impressum",
                "Spendenkonto",
                "Wir verwenden Cookies",
                "Alle akzeptieren",
            ],
        ),
        (
            "coastal-digest-2025-05.html",
            [
                "Skip to main content",
                "University of Northmere",
                "Main navigation",
                "Breadcrumb",
                "Published",
                "Tags",
                "Saltmarsh\n",
                "Get the digest in your inbox",
                "Share on",
                "Related stories",
                "Media enquiries",
                "Accessibility",
                "We use cookies",
                "Accept",
                "Saltmarsh at Hollow Point",  # the figure's caption (the image has its own alt text)
            ],
        ),
        (
            "servicestelle-informiert-2025-02-14.html",
            [
                "Springe direkt zu",
                "Gebärdensprache",
                "Sie sind hier",
                "Bereichsnavigation",
                "Publikationen",
                "gefördert",
                "Kofinanziert",
                "Seite teilen",
                "Erklärung zur Barrierefreiheit",
            ],
        ),
        (
            "infodienst-30-2025-10.html",
            ["Direkt zum Inhalt", "Hauptnavigation", "Inhalt\n", "Archiv", "Abonnieren", "Landwehrstraße", "Cookies"],
        ),
    ],
)
def test_navigation_header_footer_cookie_banner_sidebars_share_buttons_and_comments_are_left_out(name, chrome):
    text = text_of(read(name)) + "\n"
    for words in chrome:
        assert words not in text


@pytest.mark.parametrize(
    ("name", "title", "date", "language", "url"),
    [
        (
            "verein-rundbrief-2025-03.html",
            "Rundbrief März 2025",
            dt.date(2025, 3, 7),
            "de",
            "https://www.streuobst-hessen.example/rundbrief/2025-03/",
        ),
        ("coastal-digest-2025-05.html", "News digest: May 2025", dt.date(2025, 5, 16), "en", ""),
        (
            "servicestelle-informiert-2025-02-14.html",
            "Die Servicestelle informiert",
            dt.date(2025, 2, 14),
            "de",
            PAGE_URLS["servicestelle-informiert-2025-02-14.html"],
        ),
        (
            "infodienst-30-2025-10.html",
            "Infodienst Nr. 42 – Oktober 2025",
            dt.date(2025, 10, 24),
            "de",
            "https://www.inklusion-bayern.example/infodienst/42/",
        ),
    ],
)
def test_title_date_language_and_address_come_from_the_whole_page(name, title, date, language, url):
    document = read(name)
    assert (document.title, document.date, document.language, document.url) == (title, date, language, url)


def test_links_are_resolved_against_base_href_with_their_texts():
    blocks = read("coastal-digest-2025-05.html").blocks
    links = [link for block in blocks for link in block.links]
    assert (
        Link("https://www.coastal-centre.example/news/2025/05/saltmarsh-grant", "Read more about the project") in links
    )
    assert Link("https://www.coastal-centre.example/events/morrow-symposium", "register here") in links
    assert (
        Link(
            "https://www.coastal-centre.example/research/dune-recovery/2025-storm-report.pdf",
            "storm report (PDF, 2.3 MB)",
        )
        in links
    )
    assert Link("https://www.coastal-centre.example/summer-school", "Apply now") in links


def test_links_of_a_saved_page_resolve_against_its_canonical_address_and_mailto_stays():
    blocks = read("verein-rundbrief-2025-03.html").blocks
    entry = next(block for block in blocks if block.lead == "Gießen:")
    assert entry.links == (Link("mailto:giessen@streuobst-hessen.example", "giessen@streuobst-hessen.example"),)
    alsfeld = next(block for block in blocks if block.lead == "Alsfeld:")
    assert alsfeld.links == (Link("https://www.streuobst-hessen.example/2025/03/neue-wiese-alsfeld/", "weiterlesen"),)


def test_relative_links_need_an_address_and_a_link_to_the_page_itself_is_text_only():
    page = b"""<html><body><article><h1>T</h1><p>Ein langer Absatz mit <a href="/a">einem Link</a>,
    <a href="#oben">nach oben</a> und <a href="javascript:void(0)">Skript</a>.</p></article></body></html>"""
    without = html_page.read(page)
    # kept as written, not lost without a word: the item's post names it (and the fix)
    assert [block.links for block in without.blocks if block.text.startswith("Ein")] == [(Link("/a", "einem Link"),)]
    assert "nach oben und Skript" in without.blocks[-1].text
    given = html_page.read(page, url="https://example.org/news/1")
    assert given.blocks[-1].links == (Link("https://example.org/a", "einem Link"),)


@pytest.mark.parametrize(
    "head",
    [
        '<link rel="canonical" href="https://example.org/news/1">',
        '<meta property="og:url" content="https://example.org/news/1">',
        '<base href="https://example.org/news/">',
    ],
)
def test_a_saved_page_that_says_its_address_resolves_its_relative_links(head):
    page = f"""<html><head>{head}</head><body><article><h1>T</h1><p>Ein langer Absatz mit
    <a href="/a">einem Link</a> und <a href="b.pdf">einem Bericht</a>.</p></article></body></html>"""
    (block,) = [block for block in html_page.read(page).blocks if block.text.startswith("Ein")]
    assert [link.url for link in block.links] == ["https://example.org/a", "https://example.org/news/b.pdf"]


@pytest.mark.parametrize(
    ("href", "kept"),
    [
        ("www.verein.example/artikel", "https://www.verein.example/artikel"),  # meant as the address it says
        ("//cdn.verein.example/bericht.pdf", "https://cdn.verein.example/bericht.pdf"),
        ("bericht.pdf", "bericht.pdf"),  # relative: kept as written, for the warning
        ("../2025/03/", "../2025/03/"),
        ("*|ARCHIVE|*", None),  # a merge tag the tool did not fill: no link
        ("{ONLINE_VERSION}", None),
        ("%%view_online%%", None),
        ("$$unsubscribe$$", None),
        ("tel:+49301234", None),
    ],
)
def test_hrefs_of_a_page_without_an_address(href, kept):
    page = f'<html><body><article><h1>T</h1><p>Ein langer Absatz mit <a href="{href}">Link</a>.</p></article></body></html>'
    (block,) = [block for block in html_page.read(page).blocks if block.text.startswith("Ein")]
    assert [link.url for link in block.links] == ([kept] if kept else [])


def test_a_saved_page_that_does_not_say_its_address_takes_it_from_the_options_file(tmp_path):
    name = "servicestelle-informiert-2025-02-14.html"  # no canonical link, og:url or <base>
    issue = tmp_path / name
    issue.write_bytes((PAGES / name).read_bytes())
    issue.with_suffix(".toml").write_text(f'url = "{PAGE_URLS[name]}"\n', encoding="utf-8")
    (read_from_file,) = load_issues(issue)
    served = itemize(read(name), source=PAGE_URLS[name])  # as `scheduler preview <its address>` reads it
    assert [(item.title, item.link) for item in read_from_file.items] == [
        (item.title, item.link) for item in served.items
    ]
    assert read_from_file.items[0].link == (
        "https://www.familien-staerken.example/DE/Informationen/Servicestelle/Vorgestellt/brueckenbauen-cottbus.html"
    )


def test_bold_lead_ins_of_paragraphs_and_list_entries_are_kept():
    blocks = read("coastal-digest-2025-05.html").blocks
    leads = [block.lead for block in blocks if block.lead]
    assert leads == [
        "Congratulations, Dr Wei Chen!",
        "Welcome to Tomás Herrera",
        "Farewell to Prof. Ian Morrow",  # <b>, not <strong>
        "Summer School 2025:",
        "Public lecture:",
    ]


def test_images_have_absolute_addresses_and_alt_text_and_pixels_spacers_and_logos_are_skipped():
    verein = read("verein-rundbrief-2025-03.html")
    images = [image for block in verein.blocks for image in block.images]
    assert [(image.path, image.alt) for image in images] == [
        (
            "https://www.streuobst-hessen.example/wp-content/uploads/2025/03/schnittkurs-gruenberg-1024x683.jpg",
            "Teilnehmende eines Schnittkurses an einem alten Apfelbaum",
        )
    ]
    coastal = read("coastal-digest-2025-05.html")
    paths = [image.path for block in coastal.blocks for image in block.images]
    assert paths == ["https://www.coastal-centre.example/sites/default/files/inline-images/saltmarsh-drone.jpg"]


def test_an_image_without_alt_text_takes_its_figure_caption():
    page = """<html><body><article><h1>Neues</h1>
    <p>Ein ausreichend langer erster Absatz über die Arbeit des Vereins, damit die Seite Inhalt hat.</p>
    <figure><img src="/bild.jpg"><figcaption>Die neue Streuobstwiese im Mai</figcaption></figure>
    <p>Ein zweiter Absatz mit weiteren Neuigkeiten aus dem Verein und seinen Ortsgruppen.</p>
    <p><img src="/ohne-alt.jpg"> Ein Bild ohne Beschreibung wird nicht genommen.</p>
    </article></body></html>"""
    document = html_page.read(page, url="https://verein.example/")
    images = [image for block in document.blocks for image in block.images]
    assert [(image.path, image.alt) for image in images] == [
        ("https://verein.example/bild.jpg", "Die neue Streuobstwiese im Mai")
    ]
    assert "Die neue Streuobstwiese" not in "\n".join(block.text for block in document.blocks)


def test_entities_are_decoded_and_whitespace_normalised():
    page = """<html><body><article><h1>Titel</h1><p>Caf&eacute; &amp; Kuchen:&nbsp;&nbsp;ab 14&#8239;Uhr
      im  Gemeinde&shy;haus,\tfür&#x20;alle&hellip; Und noch ein Satz, damit es ein Absatz ist.</p></article></body></html>"""
    document = html_page.read(page)
    assert document.blocks[-1].text.startswith("Café & Kuchen: ab 14 Uhr im Gemeindehaus, für alle… Und")


def test_a_windows_1252_page_declared_iso_8859_1_keeps_its_typographic_quotes():
    texts = [block.text for block in read("servicestelle-informiert-2025-02-14.html").blocks]
    assert texts[1].startswith("„Brücken bauen“ in Cottbus")
    assert "Kooperationspartner*innen" in texts[4]


def test_utf8_bytes_are_read_as_utf8_whatever_the_page_declares():
    page = '<html><head><meta charset="iso-8859-1"></head><body><h1>Grüße</h1><p>Schöne Grüße aus Köln – bis bald.</p></body></html>'
    document = html_page.read(page.encode("utf-8"))
    assert document.title == "Grüße"
    assert any("Schöne Grüße aus Köln – bis bald." in block.text for block in document.blocks)


def test_bytes_without_a_declaration_are_detected():
    page = "<html><body><h1>Neuigkeiten</h1><p>Die Mitgliederversammlung hat über die Änderung der Satzung abgestimmt. Größere Veränderungen gibt es nicht; die Beiträge bleiben gleich, und über die Höhe der Rücklagen wird im Herbst beraten.</p></body></html>"
    document = html_page.read(page.encode("cp1252"))
    assert any("Änderung der Satzung" in block.text and "Größere" in block.text for block in document.blocks)


def test_text_and_bytes_give_the_same_document():
    data = (PAGES / "verein-rundbrief-2025-03.html").read_bytes()
    assert html_page.read(data) == html_page.read(data.decode("utf-8"))


@pytest.mark.parametrize("as_text", [False, True])
def test_input_above_the_byte_cap_is_refused_before_parsing_naming_the_setting(as_text):
    data = b"<p>" + b"x" * 50_000_000
    started = time.thread_time()
    with pytest.raises(InputError, match="SCHEDULER_MAX_ISSUE_BYTES") as error:
        html_page.read(data.decode() if as_text else data, url="https://example.org/issue", max_bytes=5_000_000)
    assert time.thread_time() - started < 1.0
    assert "\n" not in str(error.value)
    assert str(error.value).startswith("https://example.org/issue: 50.0 MB is more than the 5.0 MB")


def test_the_default_cap_is_the_settings_default():
    assert html_page.read.__kwdefaults__["max_bytes"] == Limits().max_bytes


def test_ten_thousand_nested_divs_neither_hang_nor_raise():
    page = "<html><body>" + "<div>" * 10_000 + "tief" + "</div>" * 10_000 + "<p>danach</p></body></html>"
    started = time.thread_time()
    document = html_page.read(page)
    assert time.thread_time() - started < 2.0
    assert isinstance(document, Document)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"   \n\t ", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    ],
)
def test_empty_and_binary_input_is_one_line_input_error(data, message):
    with pytest.raises(InputError, match=message) as error:
        html_page.read(data)
    assert "\n" not in str(error.value)


def test_a_page_whose_main_content_cannot_be_found_is_read_without_its_chrome():
    page = """<html lang="en"><body><header><a href="/">Home</a></header><nav><a href="/a">About</a></nav>
    <p>Short note.</p><aside>Sidebar</aside><footer>Imprint</footer></body></html>"""
    document = html_page.read(page)
    assert [block.text for block in document.blocks] == ["Short note."]
    assert document.language == "en"


@pytest.mark.parametrize("name", sorted(PAGE_BLOCKS))
def test_web_pages_look_like_pages(name):
    sample = (PAGES / name).read_bytes()[:8192].decode("utf-8", "replace")
    assert html_page.looks_like(sample)


@pytest.mark.parametrize("name", sorted(path.name for path in EMAILS.glob("*.html")))
def test_html_emails_do_not_look_like_pages(name):
    sample = (EMAILS / name).read_text(encoding="utf-8")[:8192]
    assert not html_page.looks_like(sample)


@pytest.mark.parametrize(
    "sample",
    ["Hauptnavigation\n\n13.12.2024: Die Vernetzungsstelle informiert\n", "# Rundbrief\n\n**Neu:** Text", "{}"],
)
def test_plain_text_and_markdown_do_not_look_like_pages(sample):
    assert not html_page.looks_like(sample)


# -- items (itemize on what the reader gives) ----------------------------------------------------


def items(name: str) -> list[tuple[str, str | None]]:
    issue = itemize(read(name), source=name)
    return [(item.title, item.link) for item in issue.items]


def test_infodienst_gives_its_thirty_items_with_their_titles():
    issue = itemize(read("infodienst-30-2025-10.html"), source="infodienst")
    assert [item.title for item in issue.items] == INFODIENST_TITLES
    assert [item.section for item in issue.items][::5] == [
        "Aus dem Netzwerk",
        "Förderung",
        "Recht und Politik",
        "Projekte",
        "Fortbildung",
        "Lesetipps",
    ]
    first = issue.items[0]
    assert first.link == "https://www.inklusion-bayern.example/aktuelles/geschaeftsstelle-regensburg/"
    assert [image.alt for image in first.images] == ["Foto zum Beitrag: Neue Geschäftsstelle in Regensburg"]


def test_infodienst_items_link_to_their_read_more_targets():
    issue = itemize(read("infodienst-30-2025-10.html"), source="infodienst")
    budget = next(item for item in issue.items if item.title == "Ratgeber Persönliches Budget")
    assert budget.link == "https://www.budget-ratgeber.example/"
    assert all(item.link for item in issue.items)


def test_servicestelle_items():
    base = "https://www.familien-staerken.example"
    assert items("servicestelle-informiert-2025-02-14.html") == [
        ("„Brücken bauen“ in Cottbus", f"{base}/DE/Informationen/Servicestelle/Vorgestellt/brueckenbauen-cottbus.html"),
        (  # a link in the middle of a sentence ("Die Ergebnisse des Treffens stehen …") is no title
            "Am 28. Januar trafen sich 40 Fachkräfte aus zwölf Projekten in Erfurt zum…",
            f"{base}/SharedDocs/Downloads/DE/Regionaltreffen/2025-01-28-erfurt-ergebnisse.pdf?__blob=publicationFile&v=3",
        ),
        ("Auch im Norden wird vernetzt: Das Projekt „Anker Familie“ aus Rostock lud am…", None),
        ("Wie gelingt Elternarbeit in mehreren Sprachen?", "https://www.familie-kann-mehr.example/folge-31"),
        (
            "Das Deutsche Institut für Familienforschung hat die Studie „Armut und…",
            "https://www.dif-familie.example/publikationen/alleinerziehende-2024",
        ),
    ]


def test_verein_items():
    base = "https://www.streuobst-hessen.example"
    assert items("verein-rundbrief-2025-03.html") == [
        ("Erziehungsschnitt für Jungbäume", f"{base}/termine/erziehungsschnitt-laubach/"),
        ("Altbaumpflege", f"{base}/termine/altbaumpflege-homberg/"),
        ("Rückblick: 14.000 Liter Wiesensaft", f"{base}/2025/02/saftaktion-bilanz/"),
        ("Gießen", None),
        ("Alsfeld", f"{base}/2025/03/neue-wiese-alsfeld/"),
        ("Marburg", "https://kataster.streuobst-hessen.example/marburg"),
        ("Neue Mitglieder", None),
    ]


def test_coastal_items():
    base = "https://www.coastal-centre.example"
    assert items("coastal-digest-2025-05.html") == [
        ("£1.4m to monitor saltmarsh recovery across the North Sea", f"{base}/news/2025/05/saltmarsh-grant"),
        ("Storm season: what the dunes told us", f"{base}/research/dune-recovery/2025-storm-report.pdf"),
        ("Congratulations, Dr Wei Chen!", f"{base}/people/wei-chen"),
        ("Welcome to Tomás Herrera", None),
        ("Farewell to Prof. Ian Morrow", f"{base}/events/morrow-symposium"),
        ("Summer School 2025", f"{base}/summer-school"),
        ("Public lecture", f"{base}/events/who-owns-the-coast"),
    ]


def test_kinds_in_pages_are_headings_paragraphs_and_list_entries_only():
    for name in PAGE_BLOCKS:
        for block in read(name).blocks:
            assert block.kind in (Kind.HEADING, Kind.PARAGRAPH, Kind.LIST_ITEM)
            assert block.text == " ".join(block.text.split())


def test_a_bold_lead_in_that_is_its_sentences_subject_stays_in_the_sentence():
    issue = itemize(read("servicestelle-informiert-2025-02-14.html"), source="servicestelle")
    first = issue.items[0]
    assert (first.section, first.title) == ("Vorgestellt", "„Brücken bauen“ in Cottbus")
    assert first.body.startswith(
        "„Brücken bauen“ in Cottbus ist ein Vorhaben des Trägers Lausitzer Familienwerk gGmbH."
    )
