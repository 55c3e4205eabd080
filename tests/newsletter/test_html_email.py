"""Reading a newsletter sent as an HTML e-mail: the issue without the mailing tool's chrome."""

from __future__ import annotations

import re

import pytest

from scheduler.errors import InputError
from scheduler.models import Image
from scheduler.newsletter import html_email
from scheduler.newsletter.document import Document, Kind, Link
from scheduler.newsletter.html_blocks import shown_address
from scheduler.newsletter.itemize import itemize
from scheduler.newsletter.mergetags import strip_merge_tags
from tests.newsletter.html_expected import EMAIL_BLOCKS, EMAILS, PAGE_BLOCKS, PAGES, line

MERGE_TAG_RESIDUE = re.compile(r"\*\||\|\*|\{\{|\}\}|\[\[|\]\]|%%|##|\$\$|\{[A-Z_]{2,}\}|\{\$|\{%")


def read(name: str) -> Document:
    return html_email.read((EMAILS / name).read_bytes())


def everything(document: Document) -> str:
    return "\n".join(
        [document.title]
        + [block.text for block in document.blocks]
        + [block.lead for block in document.blocks]
        + [link.text for block in document.blocks for link in block.links]
        + [image.alt for block in document.blocks for image in block.images]
    )


@pytest.mark.parametrize("name", sorted(EMAIL_BLOCKS))
def test_each_email_gives_its_headings_paragraphs_list_entries_and_images_in_order(name):
    lines = [line(block) for block in read(name).blocks]
    expected = EMAIL_BLOCKS[name]
    assert len(lines) == len(expected), lines
    for got, want in zip(lines, expected, strict=True):
        assert got.startswith(want)


@pytest.mark.parametrize(
    ("name", "chrome"),
    [
        (
            "mailchimp-foodbank-2025-04.html",
            [
                "Spring drive results",  # the preheader
                "View this email in your browser",
                "Facebook",
                "Instagram",
                "Website",
                "Copyright",
                "All rights reserved",
                "mailing address",
                "update your preferences",
                "unsubscribe",
                "Riverside Community Food Bank",  # the header's logo
            ],
        ),
        (
            "mjml-jugendring-2025-06.html",
            [
                "Ferienfreizeiten mit freien Plätzen",  # the preheader
                "nicht richtig angezeigt",
                "Im Browser ansehen",
                "facebook",
                "instagram",
                "Sie erhalten diese E-Mail",
                "abmelden",
                "Prof.-Bier-Straße",
                "Kreisjugendring Waldeck",
            ],
        ),
        (
            "cleverreach-lebenshilfe-2025-05.html",
            [
                "Inklusive Ferienbetreuung, neue Wohngruppe",  # the preheader
                "Webversion",
                "Weiterempfehlen",
                "Facebook",
                "Am Hafen 7",
                "Amtsgericht",
                "Impressum",
                "abbestellen",
                "Lebenshilfe Nordheide e.V.",  # the logo
            ],
        ),
        (
            "brevo-openmaps-2025-07.html",
            [
                "Mapathon results, our new tile server",  # the preheader
                "View in browser",
                "Mastodon",
                "LinkedIn",
                "Kastanienallee",
                "You received this email",
                "Unsubscribe",
                "preferences",
            ],
        ),
        (
            "rapidmail-buergerstiftung-2025-09.html",
            [
                "Stiftungsbrief September: Ehrenamtspreis",  # the preheader
                "Probleme mit der Darstellung",
                "Online-Version",
                "Logo der Bürgerstiftung",
                "Stiftungsbrief\n",
                "September 2025\n",
                "Dohnaische Straße",
                "Sie erhalten diesen Stiftungsbrief",
                "abbestellen",
                "Impressum",
            ],
        ),
    ],
)
def test_preheader_view_in_browser_unsubscribe_footer_social_icons_and_logos_are_dropped(name, chrome):
    text = "\n".join(line(block)[line(block).index(" ") + 1 :] for block in read(name).blocks) + "\n"
    text += everything(read(name))[len(read(name).title) :]
    for words in chrome:
        assert words not in text


@pytest.mark.parametrize("name", sorted(EMAIL_BLOCKS))
def test_no_merge_tag_reaches_a_block(name):
    document = read(name)
    assert not MERGE_TAG_RESIDUE.search(everything(document))
    for block in document.blocks:
        assert "[UNIQID]" not in block.text
        for link in block.links:
            assert not MERGE_TAG_RESIDUE.search(link.url)


def test_a_greeting_keeps_its_word_and_a_line_of_only_merge_tags_goes():
    email = """<html xmlns:o="urn:schemas-microsoft-com:office:office"><body><table><tr><td>
    <p>*|FNAME|*,</p><p>Hallo {{ contact.VORNAME }}!</p><p>[[data:firstname:""]]</p>
    <p>Wir laden ein: Sommerfest am 5. Juli ab 15 Uhr im Hof der Geschäftsstelle.</p>
    </td></tr></table></body></html>"""
    document = html_email.read(email)
    assert [block.text for block in document.blocks] == [
        "Hallo!",
        "Wir laden ein: Sommerfest am 5. Juli ab 15 Uhr im Hof der Geschäftsstelle.",
    ]


@pytest.mark.parametrize(
    ("tag", "family"),
    [
        ("*|FNAME|*", "Mailchimp"),
        ("*|IF:FNAME|*", "Mailchimp condition"),
        ("{{ first_name }}", "Handlebars/Liquid"),
        ("{{ contact.FIRSTNAME }}", "Brevo"),
        ('{{var:firstname:""}}', "Mailjet"),
        ("{% if customer %}", "Liquid tag"),
        ('[[data:firstname:""]]', "Mailjet"),
        ("[[PERMALINK]]", "Mailjet"),
        ("%%name%%", "Salesforce"),
        ("%%=v(@firstname)=%%", "Salesforce AMPscript"),
        ("%FIRSTNAME%", "ActiveCampaign"),
        ("[FIRSTNAME]", "Sendinblue classic"),
        ("[DEFAULT_UNSUB]", "Sendinblue classic"),
        ("[firstname,fallback=Freund]", "Sendy / Campaign Monitor"),
        ("{$name}", "Smarty"),
        ("##FIRSTNAME##", "hash fields"),
        ("$$VORNAME$$", "BACKCLICK"),
        ("{FIRSTNAME}", "CleverReach"),
    ],
)
def test_merge_tags_of_the_common_families_are_removed(tag, family):
    assert strip_merge_tags(f"Liebe Leserin {tag}, hallo") == ("Liebe Leserin, hallo", True), family


@pytest.mark.parametrize("text", ["Jahresbericht [PDF] und [EN]", "50 % Rabatt, 20 % mehr", "Preise (3 €) [1]"])
def test_brackets_and_percent_signs_in_ordinary_text_stay(text):
    assert strip_merge_tags(text) == (text, False)


def test_tracking_redirects_stay_and_the_shown_address_is_recorded():
    blocks = read("mailchimp-foodbank-2025-04.html").blocks
    pantry = next(block for block in blocks if block.text.startswith("From 6 May"))
    assert pantry.links == (
        Link(
            url="https://riversidefoodbank.us21.list-manage.com/track/click?u=5a1f0c2e9d7b3a8e4c6f1d0b2&id=3f9a0d7c55&e=7d3c2b1a90",
            text="www.riversidefoodbank.example/eastfield",
            shown="https://www.riversidefoodbank.example/eastfield",
        ),
    )
    drive = next(block for block in blocks if block.text.startswith("Forty-two"))
    assert drive.links[0].shown == ""  # "See the full results" shows no address
    juleica = next(block for block in read("mjml-jugendring-2025-06.html").blocks if block.text.startswith("Wer"))
    assert juleica.links[0].shown == "https://jugendring-kreis.example/juleica"
    assert juleica.links[0].url.startswith("https://x8k2p.mjt.lu/lnk/")


def test_a_tracker_that_carries_its_target_stays_the_link_and_its_target_is_recorded():
    blocks = read("mjml-jugendring-2025-06.html").blocks
    camp = next(block for block in blocks if block.text.startswith("Für das Zeltlager"))
    (link,) = camp.links
    assert link.text == "Jetzt anmelden"
    assert link.url.startswith("https://x8k2p.mjt.lu/lnk/")  # the tracker stays the link's address
    assert link.shown == "https://www.jugendring-kreis.example/freizeiten"
    # trackers whose address says nothing of their target keep no target: only the tool knows it
    for name in ("cleverreach-lebenshilfe-2025-05.html", "rapidmail-buergerstiftung-2025-09.html"):
        links = [link for block in read(name).blocks for link in block.links if link.url.startswith("https://")]
        unknown = [link for link in links if not shown_address(link.text)]  # their text is no address
        assert unknown and all(link.shown == "" for link in unknown)


def test_a_tracker_leading_to_a_social_profile_is_no_main_link():
    html = """<html><body><table role="presentation"><tr><td>
    <p style="font-size:22px;font-weight:bold">Sommerfest</p>
    <p>Am 21. Juni feiern wir im Hof. Fotos gibt es danach
    <a href="https://x8k2p.mjt.lu/lnk/AVQAAF/6/ZmI/aHR0cHM6Ly93d3cuZmFjZWJvb2suY29tL2tqcndhbGRlY2s">bei uns</a>.</p>
    </td></tr></table></body></html>"""
    (item,) = itemize(html_email.read(html), source="sommerfest.html").items
    assert item.link is None  # facebook.com/kjrwaldeck: a profile, whatever tracker it goes through


def test_an_address_in_a_mailto_link_is_not_a_shown_target():
    blocks = read("brevo-openmaps-2025-07.html").blocks
    handbook = next(block for block in blocks if block.text.startswith("The mapping handbook"))
    assert handbook.links == (
        Link("mailto:handbook@openmaps-collective.example", "handbook@openmaps-collective.example"),
    )


def test_headings_set_in_large_or_bold_type_are_headings_with_levels_by_size():
    levels = {
        name: [(block.level, block.text) for block in read(name).blocks if block.kind is Kind.HEADING]
        for name in ("cleverreach-lebenshilfe-2025-05.html", "rapidmail-buergerstiftung-2025-09.html")
    }
    assert levels["cleverreach-lebenshilfe-2025-05.html"] == [  # <td style="font-size:20px; font-weight:bold">
        (3, "Ferienbetreuung für alle Kinder"),
        (3, "Neue Wohngruppe in Buchholz"),
        (3, "Sommerfest am 21. Juni"),
    ]
    assert levels["rapidmail-buergerstiftung-2025-09.html"] == [  # <font size="5"><b>
        (2, "Ehrenamtspreis 2025: Jetzt vorschlagen"),
        (2, "Lesepatinnen und Lesepaten gesucht"),
        (2, "Stadtteilfonds: 23 Projekte gefördert"),
    ]


def test_a_bold_line_in_body_size_is_a_paragraph_led_by_all_of_it_and_a_button_is_no_heading():
    blocks = read("mailchimp-foodbank-2025-04.html").blocks
    shifts = next(block for block in blocks if block.text == "Volunteer shifts for May")
    assert (shifts.kind, shifts.lead) == (Kind.PARAGRAPH, "Volunteer shifts for May")
    donate = next(block for block in blocks if block.text == "Donate now")
    assert (donate.kind, donate.lead) == (Kind.PARAGRAPH, "")


def test_images_keep_alt_text_and_their_link_while_pixels_and_spacers_go():
    blocks = read("brevo-openmaps-2025-07.html").blocks
    banner = next(block for block in blocks if block.images)
    assert banner.images == (
        Image(
            "https://img-cache.net/im/2417788/5c1e0b9f3a2d8e76c4fa19d0e2b7c3a1.png?e=Yh7Kq0Xw",
            "Map of Lisbon rendered with the new vector tiles",
        ),
    )
    assert banner.links == (Link("https://r.sendibt3.com/tr/cl/Ha2LpW9sTqKc4Nd1Zr6yGv0XmBe3Jf7Uo8Ik5"),)
    for name in EMAIL_BLOCKS:
        paths = [image.path for block in read(name).blocks for image in block.images]
        assert not [path for path in paths if re.search(r"open\.php|/tr/op/|/oo/|/tr/o/|/o/112|spacer|blank", path)]


@pytest.mark.parametrize(
    ("name", "title", "language"),
    [
        ("mailchimp-foodbank-2025-04.html", "April update: thank you, Riverside!", ""),  # <title>*|MC:SUBJECT|*
        ("mjml-jugendring-2025-06.html", "Jugendring aktuell – Juni 2025", "de"),
        ("cleverreach-lebenshilfe-2025-05.html", "Newsletter Mai 2025 | Lebenshilfe Nordheide", ""),
        ("brevo-openmaps-2025-07.html", "Open Maps Collective – July newsletter", ""),
        ("rapidmail-buergerstiftung-2025-09.html", "Bürgerstiftung Elbtal – Stiftungsbrief September 2025", "de"),
    ],
)
def test_title_is_the_subject_else_the_first_heading_and_language_the_declared_one(name, title, language):
    document = read(name)
    assert (document.title, document.language) == (title, language)


def test_outlook_conditional_content_and_hidden_text_are_not_read():
    email = """<html><body><!--[if mso]><table><tr><td>Nur für Outlook</td></tr></table><![endif]-->
    <div style="display:none;max-height:0;overflow:hidden">Vorschautext</div>
    <span style="font-size:0px">versteckt</span><div style="mso-hide:all">auch versteckt</div>
    <table role="presentation"><tr><td style="font-size:0"><div style="font-size:16px">Sichtbarer Text des Newsletters.</div></td></tr></table>
    </body></html>"""
    assert [block.text for block in html_email.read(email).blocks] == ["Sichtbarer Text des Newsletters."]


def test_the_footer_goes_up_to_the_part_of_the_layout_with_a_heading():
    news = "Der Verein hat eine neue Geschäftsstelle in der Altstadt bezogen, mit barrierefreiem Zugang. " * 2
    email = f"""<html><body><table role="presentation"><tr><td>
    <h2>Einzige Meldung</h2><p>{news}</p>
    <p>Sie erhalten diese E-Mail als Mitglied. <a href="https://example.org/abmelden">Abmelden</a></p>
    </td></tr></table></body></html>"""
    texts = [block.text for block in html_email.read(email).blocks]
    assert texts == ["Einzige Meldung", news.strip()]


@pytest.mark.parametrize("name", sorted(EMAIL_BLOCKS))
def test_emails_look_like_emails(name):
    assert html_email.looks_like((EMAILS / name).read_text(encoding="utf-8")[:8192])


@pytest.mark.parametrize("name", sorted(PAGE_BLOCKS))
def test_web_pages_do_not_look_like_emails(name):
    assert not html_email.looks_like((PAGES / name).read_bytes()[:8192].decode("utf-8", "replace"))


@pytest.mark.parametrize("sample", ["Liebe Mitglieder,\n\nText", "# Titel\n\n*|FNAME|*", "From: a@b.example\n\nHi"])
def test_text_that_is_not_html_does_not_look_like_an_email(sample):
    assert not html_email.looks_like(sample)


def test_input_above_the_byte_cap_is_refused_naming_the_setting():
    with pytest.raises(InputError, match="SCHEDULER_MAX_ISSUE_BYTES"):
        html_email.read(b"<table>" * 2_000_000, max_bytes=1_000_000)


def test_ten_thousand_nested_tables_neither_hang_nor_raise():
    email = "<html><body>" + "<table><tr><td>" * 10_000 + "tief" + "</td></tr></table>" * 10_000 + "</body></html>"
    assert isinstance(html_email.read(email), Document)


# -- items (itemize on what the reader gives) ----------------------------------------------------


def items(name: str) -> list[tuple[str, str | None]]:
    issue = itemize(read(name), source=name)
    return [(item.title, item.link) for item in issue.items]


def test_cleverreach_items():
    track = "https://10234.seu2.cleverreach.com/c/81234567/5f0e2d9c1b-"
    assert items("cleverreach-lebenshilfe-2025-05.html") == [
        ("Ferienbetreuung für alle Kinder", track + "sxk2q1"),
        # the e-mail shows the tracked link's target as its text: the post links there, not to the tracker
        ("Neue Wohngruppe in Buchholz", "https://www.lebenshilfe-nordheide.example/jobs/nachtbereitschaft"),
        ("Sommerfest am 21. Juni", None),
    ]


def test_rapidmail_items():
    track = "https://t8c41f2ad.emailsys1a.net/c/112/4471203/0/0/0/"
    assert items("rapidmail-buergerstiftung-2025-09.html") == [
        ("Ehrenamtspreis 2025: Jetzt vorschlagen", "https://www.buergerstiftung-elbtal.example/ehrenamtspreis"),
        ("Lesepatinnen und Lesepaten gesucht", None),
        ("Stadtteilfonds: 23 Projekte gefördert", track + "190234/2b9d4e1f08.html"),
    ]


@pytest.mark.parametrize(
    ("name", "titles"),
    [
        (
            "mailchimp-foodbank-2025-04.html",
            ["Spring food drive: 18 tonnes collected", "A new pantry in Eastfield", "Volunteer shifts for May"],
        ),
        (
            "mjml-jugendring-2025-06.html",
            [
                "Ferienfreizeiten: noch Plätze frei",
                "Juleica-Schulung im Herbst",
                "Neues Förderprogramm „Mitmachen vor Ort“",
            ],
        ),
        (
            "brevo-openmaps-2025-07.html",
            ["3,400 buildings mapped in Lilongwe", "A faster tile server", "Translators wanted"],
        ),
    ],
)
def test_item_counts(name, titles):
    assert len(items(name)) == len(titles)


def test_brevo_item_titles():
    assert [title for title, _ in items("brevo-openmaps-2025-07.html")] == [
        "3,400 buildings mapped in Lilongwe",
        "A faster tile server",
        "Translators wanted",
    ]


def test_brevo_item_links():
    track = "https://r.sendibt3.com/tr/cl/"
    assert [link for _, link in items("brevo-openmaps-2025-07.html")] == [
        "https://openmaps-collective.example/blog/lilongwe-mapathon",  # written in the text: not the tracker
        track + "Ha2LpW9sTqKc4Nd1Zr6yGv0XmBe3Jf7Uo8Ik5",
        None,
    ]


def test_mailchimp_items():
    track = "https://riversidefoodbank.us21.list-manage.com/track/click?u=5a1f0c2e9d7b3a8e4c6f1d0b2&id={}&e=7d3c2b1a90"
    assert items("mailchimp-foodbank-2025-04.html") == [
        ("Spring food drive: 18 tonnes collected", track.format("8b2c6e1f04")),
        ("A new pantry in Eastfield", "https://www.riversidefoodbank.example/eastfield"),  # the target it shows
        ("Volunteer shifts for May", track.format("c71e4a9b22")),
    ]


def test_mjml_items():
    assert items("mjml-jugendring-2025-06.html") == [
        # Mailjet's tracker carries its target (base64, the last part of its path): the post links there
        ("Ferienfreizeiten: noch Plätze frei", "https://www.jugendring-kreis.example/freizeiten"),
        ("Juleica-Schulung im Herbst", "https://jugendring-kreis.example/juleica"),  # the target the e-mail shows
        ("Neues Förderprogramm „Mitmachen vor Ort“", "https://www.jugendring-kreis.example/foerderung"),
    ]
