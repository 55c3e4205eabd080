"""`itemize`: the one set of rules that splits any reader's `Document` into items."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from scheduler.errors import ConfigError, InputError
from scheduler.models import Image, IssueOptions, Item
from scheduler.newsletter.document import Block, Document, Kind, Link
from scheduler.newsletter.itemize import itemize
from scheduler.newsletter.links import never_main, site
from scheduler.newsletter.rules import Rules

H, P, L = Kind.HEADING, Kind.PARAGRAPH, Kind.LIST_ITEM
SITE = "https://verein.example"
LONG_DE = (
    "Seit dem 1. März leitet Anna Schmidt die Geschäftsstelle des Verbands. Sie war zuvor zehn Jahre beim "
    "Landesverband tätig und hat dort die Familienbildung aufgebaut."
)
MORE_DE = "Der Vorstand dankt ihrem Vorgänger für sein langjähriges Engagement und wünscht ihm alles Gute."
FEST_DE = "Am 14. Juni feiern wir im Park. Alle Mitglieder sind mit ihren Familien herzlich eingeladen."


def heading(text: str, level: int = 2, *links: Link) -> Block:
    return Block(H, text, level=level, links=links)


def para(text: str, *links: Link, lead: str = "", images: tuple[Image, ...] = ()) -> Block:
    return Block(P, text, links=links, lead=lead, images=images)


def entry(text: str, *links: Link, lead: str = "") -> Block:
    return Block(L, text, links=links, lead=lead)


def run(*blocks: Block, title: str = "Newsletter März 2025", **kwargs: object) -> list[Item]:
    document = Document(blocks=blocks, title=title, url=str(kwargs.pop("url", f"{SITE}/newsletter/2025-03")))
    return list(itemize(document, source="test", **kwargs).items)  # type: ignore[arg-type]  # reason: keyword options of itemize


def shape(items: list[Item]) -> list[tuple[str, str, str | None]]:
    return [(item.section, item.title, item.link) for item in items]


# -- what an item is -------------------------------------------------------------------------------


def test_sections_over_item_headings_and_a_heading_with_several_paragraphs_is_one_item():
    items = run(
        heading("Aus dem Verband"),
        heading("Neue Geschäftsführerin", 3, Link(f"{SITE}/news/gf", "Neue Geschäftsführerin")),
        para(LONG_DE),
        para(MORE_DE),
        heading("Sommerfest 2025 im Park", 3),
        para(FEST_DE),
        para("Weiterlesen", Link(f"{SITE}/news/fest", "Weiterlesen")),
    )
    assert shape(items) == [
        ("Aus dem Verband", "Neue Geschäftsführerin", f"{SITE}/news/gf"),
        ("Aus dem Verband", "Sommerfest 2025 im Park", f"{SITE}/news/fest"),
    ]
    assert items[0].body == f"{LONG_DE}\n\n{MORE_DE}"
    assert items[1].body == FEST_DE  # the "Weiterlesen" line is the link, not text


def test_a_category_heading_over_paragraphs_makes_each_paragraph_an_item():
    items = run(heading("Vernetzt"), para(LONG_DE), para(FEST_DE))
    assert [(item.section, item.body) for item in items] == [("Vernetzt", LONG_DE), ("Vernetzt", FEST_DE)]
    assert items[0].title == "Seit dem 1. März leitet Anna Schmidt die Geschäftsstelle des Verbands."


def test_bold_lead_ins_are_items_titled_by_them_and_a_paragraph_without_one_continues():
    items = run(
        heading("Kurz notiert"),
        para(f"Neu im Netzwerk: {FEST_DE}", lead="Neu im Netzwerk:"),
        para(MORE_DE),
        para(f"Jahresbericht: {LONG_DE}", Link(f"{SITE}/jb.pdf", "hier"), lead="Jahresbericht:"),
    )
    assert shape(items) == [
        ("Kurz notiert", "Neu im Netzwerk", None),
        ("Kurz notiert", "Jahresbericht", f"{SITE}/jb.pdf"),
    ]
    assert items[0].body == f"{FEST_DE}\n\n{MORE_DE}"
    assert items[1].body == LONG_DE


def test_list_entries_with_links_are_items_titled_by_their_link():
    items = run(
        heading("Publikationen"),
        entry("Arbeitshilfe Kinderschutz (PDF, 2 MB)", Link(f"{SITE}/kinderschutz.pdf", "Arbeitshilfe Kinderschutz")),
        entry("Jahresbericht 2024 der Geschäftsstelle", Link(f"{SITE}/jb-2024/", "Jahresbericht 2024")),
    )
    assert shape(items) == [
        ("Publikationen", "Arbeitshilfe Kinderschutz", f"{SITE}/kinderschutz.pdf"),
        ("Publikationen", "Jahresbericht 2024", f"{SITE}/jb-2024/"),
    ]


def test_a_list_a_paragraph_introduces_belongs_to_it():
    items = run(
        heading("Fachtag Kinderarmut am 4. Juni", 2),
        para("Auf dem Programm stehen:"),
        entry("Vorträge"),
        entry("Workshops zu Wohnen, Bildung und Gesundheit"),
        heading("Neue Geschäftsführerin im Amt", 2),
        para(LONG_DE),
    )
    assert [item.title for item in items] == ["Fachtag Kinderarmut am 4. Juni", "Neue Geschäftsführerin im Amt"]
    assert items[0].body == "Auf dem Programm stehen:\n\n• Vorträge\n• Workshops zu Wohnen, Bildung und Gesundheit"


# -- what is not an item ---------------------------------------------------------------------------


def test_above_the_title_greeting_editorial_sign_off_and_footer_are_not_items():
    items = run(
        para("Startseite"),
        para("Über uns"),
        heading("Newsletter März 2025", 1),
        para("Liebe Leserinnen und Leser,"),
        para("in dieser Ausgabe berichten wir über vieles, was uns im Winter bewegt hat. Viel Spaß!"),
        heading("Neue Geschäftsführerin im Amt"),
        para(LONG_DE),
        para("Herzliche Grüße"),
        para("Ihr Team der Geschäftsstelle"),
        para("Impressum"),
        para("Sie erhalten diesen Newsletter, weil Sie ihn abonniert haben. Abbestellen"),
    )
    assert [(item.title, item.body) for item in items] == [("Neue Geschäftsführerin im Amt", LONG_DE)]


def test_a_letter_that_is_all_news_keeps_its_paragraphs():
    items = run(
        para("Liebe Mitglieder,"),
        para(LONG_DE),
        para(FEST_DE),
        para("Viele Grüße"),
        para("Anna Schmidt"),
    )
    assert [item.body for item in items] == [LONG_DE, FEST_DE]


def test_a_table_of_contents_is_no_item_and_nothing_comes_out_twice():
    page = f"{SITE}/newsletter/2025-03"
    items = run(
        heading("In dieser Ausgabe"),
        entry("Neue Geschäftsführerin im Amt", Link(f"{page}#gf", "Neue Geschäftsführerin im Amt")),
        entry("Sommerfest 2025 im Park", Link(f"{page}#fest", "Sommerfest 2025 im Park")),
        heading("Neue Geschäftsführerin im Amt"),
        para(LONG_DE),
        heading("Sommerfest 2025 im Park"),
        para(FEST_DE),
    )
    assert [item.title for item in items] == ["Neue Geschäftsführerin im Amt", "Sommerfest 2025 im Park"]
    assert all("#" not in link for item in items for link in item.links)


def test_the_same_entry_twice_comes_out_once_with_the_longer_text(caplog):
    caplog.set_level(logging.INFO)
    items = run(
        heading("Sommerfest 2025 im Park", 2, Link(f"{SITE}/fest", "Sommerfest 2025 im Park")),
        para("Alle Infos zum Fest folgen."),
        heading("Neue Geschäftsführerin im Amt"),
        para(LONG_DE),
        heading("Sommerfest 2025 im Park", 2, Link(f"{SITE}/fest", "Sommerfest 2025 im Park")),
        para(FEST_DE),
    )
    assert [(item.title, item.body) for item in items] == [
        ("Neue Geschäftsführerin im Amt", LONG_DE),
        ("Sommerfest 2025 im Park", FEST_DE),
    ]
    assert "there twice" in caplog.text


EVENTS = (
    heading("Termine"),
    entry("03.04.2025 | Online-Seminar: Fördermittel richtig beantragen"),
    entry("24.04.2025 | Regionaltreffen, Gera"),
    entry("15.05.2025 | Mitgliederversammlung, Erfurt"),
)


def test_a_list_of_dates_is_no_item():
    items = run(heading("Neue Geschäftsführerin im Amt"), para(LONG_DE), *EVENTS)
    assert [item.title for item in items] == ["Neue Geschäftsführerin im Amt"]


def test_a_list_of_dates_kept_as_one_item_when_the_rules_say_so():
    items = run(heading("Neue Geschäftsführerin im Amt"), para(LONG_DE), *EVENTS, rules=Rules(keep_events=True))
    assert [item.title for item in items] == ["Neue Geschäftsführerin im Amt", "Termine"]
    assert items[1].body.splitlines() == [
        "• 03.04.2025 | Online-Seminar: Fördermittel richtig beantragen",
        "• 24.04.2025 | Regionaltreffen, Gera",
        "• 15.05.2025 | Mitgliederversammlung, Erfurt",
    ]


def test_the_teams_own_phrases_from_the_options_file():
    blocks = (
        heading("Neue Geschäftsführerin im Amt"),
        para(LONG_DE),
        para("Spendenkonto: IBAN DE12 3456 7890 1234 5678 90, Stichwort Sommerfest, vielen Dank für jede Gabe."),
        heading("Herausgegeben vom Verein"),
        para(FEST_DE),
    )
    assert len(run(*blocks)) == 2
    options = IssueOptions(boilerplate=("^Spendenkonto",), footer=("^Herausgegeben",))
    items = run(*blocks, options=options)
    assert [(item.title, item.body) for item in items] == [("Neue Geschäftsführerin im Amt", LONG_DE)]
    with pytest.raises(ConfigError, match=r"boilerplate: '\[' is not a regular expression"):
        run(*blocks, options=IssueOptions(boilerplate=("[",)))


# -- what an item keeps ----------------------------------------------------------------------------


def test_main_link_read_more_over_others_never_home_page_profile_share_or_mailto():
    items = run(
        heading("Neue Geschäftsführerin im Amt"),
        para(
            "Mehr auf unserer Website, bei Facebook und per Mail.",
            Link(f"{SITE}/", "Website"),
            Link("https://www.facebook.com/verein", "Facebook"),
            Link("https://www.facebook.com/sharer/sharer.php?u=x", "Teilen"),
            Link("mailto:info@verein.example", "per Mail"),
        ),
        para(LONG_DE, Link("https://partner.example/studie", "Studie"), Link(f"{SITE}/news/gf", "hier")),
        para("Weitere Infos hier.", Link("https://partner.example/studie", "hier")),
    )
    assert items[0].link == f"{SITE}/news/gf"
    assert items[0].links == (
        f"{SITE}/",
        "https://www.facebook.com/verein",
        "https://www.facebook.com/sharer/sharer.php?u=x",
        "mailto:info@verein.example",
        "https://partner.example/studie",
        f"{SITE}/news/gf",
    )


def test_without_a_usable_link_the_item_has_none_and_its_url_falls_back():
    items = run(heading("Neue Geschäftsführerin im Amt"), para(LONG_DE, Link(f"{SITE}/", "Website")))
    assert items[0].link is None
    assert items[0].url == f"{SITE}/"  # what the renderer offered before items had a main link
    assert Item(id="x", section="", title="t", body="b", links=("mailto:a@b.example", f"{SITE}/a")).url == f"{SITE}/a"


def test_images_with_alt_text_and_an_image_above_a_heading_goes_with_it():
    photo = Image(f"{SITE}/img/gf.jpg", "Anna Schmidt vor der Geschäftsstelle")
    park = Image(f"{SITE}/img/park.jpg", "Kinder spielen im Park")
    items = run(
        heading("Neue Geschäftsführerin im Amt"),
        para(LONG_DE, images=(photo,)),
        para("", images=(park,)),
        heading("Sommerfest 2025 im Park"),
        para(FEST_DE),
    )
    assert [item.images for item in items] == [(photo,), (park,)]


def test_an_image_below_an_items_text_is_its_own_and_an_image_above_each_heading_its_headings():
    photo = Image(f"{SITE}/img/gf.jpg", "Anna Schmidt vor der Geschäftsstelle")
    park = Image(f"{SITE}/img/park.jpg", "Kinder spielen im Park")
    below = run(
        heading("Neue Geschäftsführerin im Amt"),
        para(LONG_DE),
        para("", images=(photo,)),
        heading("Sommerfest 2025 im Park"),
        para(FEST_DE),
        para("", images=(park,)),
    )
    assert [item.images for item in below] == [(photo,), (park,)]
    above = run(
        para("", images=(photo,)),
        heading("Neue Geschäftsführerin im Amt"),
        para(LONG_DE),
        para("", images=(park,)),
        heading("Sommerfest 2025 im Park"),
        para(FEST_DE),
    )
    assert [item.images for item in above] == [(photo,), (park,)]


def test_dates_the_blocks_own_else_a_date_line_else_the_documents():
    document = Document(
        blocks=(
            heading("Neue Geschäftsführerin im Amt"),
            Block(P, LONG_DE, date=dt.date(2025, 2, 1)),
            heading("Sommerfest 2025 im Park"),
            para("12. März 2025"),
            para(FEST_DE),
            heading("Jahresbericht erschienen"),
            para(MORE_DE),
        ),
        title="Rundbrief",
        date=dt.date(2025, 3, 15),
    )
    items = itemize(document, source="t").items
    assert [item.date for item in items] == [dt.date(2025, 2, 1), dt.date(2025, 3, 12), dt.date(2025, 3, 15)]
    assert items[1].body == FEST_DE


def test_language_options_over_declared_over_detected():
    blocks = (heading("Neue Geschäftsführerin im Amt"), para(LONG_DE))
    assert itemize(Document(blocks=blocks), source="t").language == "de"
    assert itemize(Document(blocks=blocks, language="en-GB"), source="t").language == "en"
    options = IssueOptions(language="fr")
    assert itemize(Document(blocks=blocks, language="en-GB"), source="t", options=options).language == "fr"


def test_too_many_items_and_no_items_are_input_errors():
    blocks = [para(f"Meldung {n}: " + LONG_DE, lead=f"Meldung {n}:") for n in range(1, 5)]
    assert len(run(*blocks, max_items=4)) == 4
    with pytest.raises(InputError, match=r"^test: more than 3 items \(4 paragraphs\), the most one issue may have"):
        run(*blocks, max_items=3)
    with pytest.raises(InputError, match="no newsletter items found"):
        run(para("Startseite"), para("Impressum"))


# -- links that are never the main link ------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "never"),
    [
        ("https://verein.example", True),
        ("https://verein.example/", True),
        ("https://www.verein.example/de/", True),
        ("https://verein.example/index.html?utm_source=newsletter", True),
        ("https://verein.example/?layer=access", False),
        ("https://verein.example/news/fest", False),
        ("https://www.facebook.com/verein", True),
        ("https://www.facebook.com/verein/posts/123", False),
        ("https://www.youtube.com/@verein", True),
        ("https://www.youtube.com/watch?v=abc", False),
        ("https://www.linkedin.com/company/verein/", True),
        ("https://x.com/verein", True),
        ("https://x.com/verein/status/1", False),
        ("https://social.example/@verein", True),
        ("https://social.example/@verein/1234", False),
        ("https://twitter.com/intent/tweet?url=x", True),
        ("mailto:info@verein.example", True),
    ],
)
def test_never_main(url, never):
    assert never_main(url) is never


def test_another_sites_home_page_is_no_home_page_of_the_organisation():
    assert never_main("https://partner.example/", own=frozenset({"verein.example"})) is False
    assert never_main("https://www.verein.example/", own=frozenset({"verein.example"})) is True
    assert site("https://news.uni.ac.uk/a") == "uni.ac.uk"
    assert site("https://www.verein.example/a") == "verein.example"


def test_a_tracked_link_gives_way_to_the_address_the_email_shows_or_writes():
    """A post sends readers to the article, not through the mailing tool's click tracker."""
    tracker = "https://r.sendibt3.com/tr/cl/Vb7GmS0aJxKZ1qE2"
    shown = Document(
        blocks=(
            Block(Kind.HEADING, "Neue Beratungsstelle in Kassel", level=2),
            Block(
                Kind.PARAGRAPH,
                "Ab März berät das Team donnerstags. Mehr unter www.familienzentrum-kassel.de/beratung",
                links=(
                    Link(
                        tracker,
                        "www.familienzentrum-kassel.de/beratung",
                        "https://www.familienzentrum-kassel.de/beratung",
                    ),
                ),
            ),
        )
    )
    written = Document(
        blocks=(
            Block(Kind.HEADING, "Neue Beratungsstelle in Kassel", level=2),
            Block(
                Kind.PARAGRAPH,
                "Ab März berät das Team donnerstags, Termine unter www.familienzentrum-kassel.de/beratung. Weiterlesen",
                links=(Link(tracker, "Weiterlesen"),),
            ),
        )
    )
    untracked = Document(
        blocks=(
            Block(Kind.HEADING, "Neue Beratungsstelle in Kassel", level=2),
            Block(
                Kind.PARAGRAPH,
                "Ab März berät das Team donnerstags. Weiterlesen",
                links=(Link("https://www.familienzentrum-kassel.de/beratung?ref=nl", "Weiterlesen"),),
            ),
        )
    )
    for document in (shown, written):
        (item,) = itemize(document, source="test").items
        assert item.link == "https://www.familienzentrum-kassel.de/beratung"
        assert tracker in item.links  # kept as it is among the item's links
    (item,) = itemize(untracked, source="test").items
    assert item.link == "https://www.familienzentrum-kassel.de/beratung?ref=nl"  # no tracker: the link as written


def test_an_image_at_an_http_address_is_left_out_with_a_warning(caplog: pytest.LogCaptureFixture):
    """A page's old http:// image must not stop the whole issue's preview: it is left out, saying so."""
    document = Document(
        blocks=(
            Block(Kind.HEADING, "Sommerfest im Familienzentrum", level=2),
            Block(
                Kind.PARAGRAPH,
                "Am 21. Juni feiern wir mit Musik und Kuchen.",
                images=(
                    Image("http://verein.example/alt/fest.jpg", "Kinder beim Sommerfest"),
                    Image("https://verein.example/neu/buffet.jpg", "Das Kuchenbuffet"),
                ),
            ),
        )
    )
    with caplog.at_level(logging.WARNING):
        (item,) = itemize(document, source="test").items
    assert [image.path for image in item.images] == ["https://verein.example/neu/buffet.jpg"]
    assert "http://verein.example/alt/fest.jpg is left out" in caplog.text


def test_a_read_more_buttons_words_leave_the_body_but_a_sentences_do_not():
    def body(text: str, link_text: str) -> str:
        document = Document(
            blocks=(
                Block(Kind.HEADING, "Schnittkurse im Frühjahr", level=2),
                Block(Kind.PARAGRAPH, text, links=(Link("https://verein.example/kurse/schnitt", link_text),)),
            )
        )
        (item,) = itemize(document, source="test").items
        assert item.link == "https://verein.example/kurse/schnitt"  # the post ends with it
        return item.body

    assert body("Der Kurs kostet 15 €. » Zur Anmeldung", "Zur Anmeldung") == "Der Kurs kostet 15 €."
    assert body("Der Kurs kostet 15 €. Weiterlesen →", "Weiterlesen") == "Der Kurs kostet 15 €."
    assert body("Der Kurs kostet 15 €, anmelden können Sie sich hier.", "hier") == (
        "Der Kurs kostet 15 €, anmelden können Sie sich hier."
    )
