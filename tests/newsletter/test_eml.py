"""The e-mail message reader: MIME structure, transfer encodings, charsets, headers; the HTML part
preferred, the text part otherwise, a forwarded newsletter found."""

from __future__ import annotations

import datetime as dt
import time
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.errors import InputError
from scheduler.models import Image
from scheduler.newsletter import eml
from scheduler.newsletter.document import Block, Document, Kind
from scheduler.newsletter.itemize import itemize
from tests.conftest import EXAMPLE
from tests.scale import examples

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "newsletters" / "eml"
TRACK = "https://riversidefoodbank.us12.list-manage.example/track/click?u=8f3a91&id={}&e=9d8f7e"


def fixture(name: str) -> Document:
    return eml.read((FIXTURES / name).read_bytes())


def texts(document: Document) -> list[str]:
    return [block.text for block in document.blocks if block.text]


def message(
    body: str | bytes, *, subtype: str = "plain", charset: str = "utf-8", cte: str = "8bit", **headers: str
) -> bytes:
    """A small message built with the standard library, as a mail program would send it."""
    mail = EmailMessage()
    mail["From"] = "Verein <info@verein.example>"
    mail["Subject"] = headers.pop("subject", "Rundbrief")
    mail["Date"] = headers.pop("date", "Mon, 02 Jun 2025 09:00:00 +0200")
    if isinstance(body, bytes):
        mail.set_content(body, maintype="text", subtype=subtype, cte=cte)
        mail.replace_header("Content-Type", f"text/{subtype}; charset={charset}")
    else:
        mail.set_content(body, subtype=subtype, charset=charset, cte=cte)
    return mail.as_bytes(policy=SMTP)


# -- the fixtures -----------------------------------------------------------------------------------


def test_multipart_alternative_reads_the_quoted_printable_html_part():
    document = fixture("multipart-alternative-qp-en.eml")
    assert document.title == "Riverside Food Bank – May update: summer lunches need you"  # RFC 2047 subject
    assert document.date == dt.date(2025, 5, 13)
    assert document.language == "en"  # <html lang="en">
    body = texts(document)
    assert not any(text.startswith("** ") for text in body)  # the text part's "** May update" is not read
    assert not any("=\n" in text or "=3D" in text for text in body)  # quoted-printable undone
    assert (
        "From 22 July we serve free lunches for children at three community centres. We need 40 volunteers for two-hour shifts – no experience needed."
        in body
    )
    assert [block.text for block in document.blocks if block.kind is Kind.HEADING] == [
        "Volunteers needed for summer holiday lunches",
        "New opening hours from 3 June",
        "Thank you, Hillside Primary!",
    ]
    links = [link for block in document.blocks for link in block.links]
    assert [link.url for link in links] == [TRACK.format("a1b2c3"), TRACK.format("d4e5f6"), TRACK.format("g7h8i9")]
    assert links[1].shown == "https://www.riversidefoodbank.example/hours"  # the target the e-mail shows
    assert [image for block in document.blocks for image in block.images] == [
        Image(
            "https://mcusercontent.example/8f3a91/images/hillside-harvest.jpg",
            "Pupils of Hillside Primary with crates of donated tins",
        )
    ]
    assert not any("FNAME" in text or "unsubscribe" in text.lower() or "View this email" in text for text in body)


def test_multipart_alternative_items():
    issue = itemize(fixture("multipart-alternative-qp-en.eml"), source="eml")
    assert [(item.title, item.link) for item in issue.items] == [
        ("Volunteers needed for summer holiday lunches", TRACK.format("a1b2c3")),
        ("New opening hours from 3 June", TRACK.format("d4e5f6")),
        ("Thank you, Hillside Primary!", TRACK.format("g7h8i9")),
    ]
    assert issue.language == "en"
    assert {item.date for item in issue.items} == {dt.date(2025, 5, 13)}


def test_text_only_message_in_base64_and_iso_8859_1():
    document = fixture("text-only-base64-latin1-de.eml")
    assert document.title == "Rundbrief Juni 2025 – Sommerfest, Ausstellung, Backhaus"
    assert document.date == dt.date(2025, 6, 1)
    assert document.language == "de"  # Content-Language: de-DE
    body = texts(document)
    assert body[0] == "Liebe Mitglieder und Freunde des Heimatvereins Oberlinden,"
    assert "Sommerfest am 21. Juni" in body
    assert any(
        text.startswith("Im Rathausfoyer zeigen wir bis Ende Juli") and "Öffnungszeiten" in text for text in body
    )
    assert any(text.startswith("Mit herzlichen Grüßen") for text in body)
    links = [link.url for block in document.blocks for link in block.links]
    assert "https://heimatverein-oberlinden.example/ausstellung" in links


def test_text_only_message_items():
    issue = itemize(fixture("text-only-base64-latin1-de.eml"), source="eml")
    assert [(item.title, item.link) for item in issue.items] == [
        ("Sommerfest am 21. Juni", None),
        ('Ausstellung "Oberlinden früher und heute"', "https://heimatverein-oberlinden.example/ausstellung"),
        ("Arbeitseinsatz am Backhaus", None),
    ]


# -- charsets, encodings, headers -------------------------------------------------------------------


def test_a_part_whose_bytes_do_not_fit_its_declared_charset_is_read_without_replacement_characters():
    data = message("Grüße aus Köln\n\nÜbermorgen Sommerfest.\n".encode("cp1252"), charset="utf-8", cte="base64")
    assert texts(eml.read(data)) == ["Grüße aus Köln", "Übermorgen Sommerfest."]


def test_an_unknown_charset_is_read_as_undeclared_bytes():
    data = message("Grüße\n".encode(), charset="x-no-such-charset", cte="quoted-printable")
    assert texts(eml.read(data)) == ["Grüße"]


def test_the_date_is_the_day_the_sender_wrote():
    data = message("Text\n", date="Mon, 02 Jun 2025 00:30:00 +0200")  # 1 June in UTC
    assert eml.read(data).date == dt.date(2025, 6, 2)
    assert eml.read(message("Text\n", date="not a date")).date is None


def test_an_encoded_subject_in_iso_8859_1():
    data = message("Text\n", subject="=?iso-8859-1?q?Gr=FC=DFe_aus_dem_Verein?=")
    assert eml.read(data).title == "Grüße aus dem Verein"


def test_a_forwarded_newsletter_is_read_for_the_forwarded_message():
    newsletter = EmailMessage()
    newsletter["From"] = "Stiftung <news@stiftung.example>"
    newsletter["Subject"] = "Stiftungsbrief Juli"
    newsletter["Date"] = "Tue, 01 Jul 2025 07:00:00 +0200"
    newsletter.set_content(
        "<html><body><h2>Förderpreis 2025</h2><p>Bewerbungen bis 30. September.</p></body></html>", subtype="html"
    )
    forward = EmailMessage()
    forward["From"] = "Kollegin <k@verein.example>"
    forward["Subject"] = "Fwd: Stiftungsbrief Juli"
    forward["Date"] = "Thu, 03 Jul 2025 12:00:00 +0200"
    forward.set_content("FYI, siehe unten.")
    forward.add_attachment(newsletter)
    document = eml.read(forward.as_bytes(policy=SMTP))
    assert (document.title, document.date) == ("Stiftungsbrief Juli", dt.date(2025, 7, 1))
    assert texts(document) == ["Förderpreis 2025", "Bewerbungen bis 30. September."]


def test_an_html_part_with_nothing_to_read_gives_way_to_the_text_part():
    mail = EmailMessage()
    mail["From"] = "Verein <info@verein.example>"
    mail["Subject"] = "Rundbrief"
    mail.set_content("Sommerfest am 21. Juni\n\nAb 14 Uhr auf der Wiese.\n")
    mail.add_alternative('<html><body><!-- Vorlage ohne Inhalt --><img src="x.gif"></body></html>', subtype="html")
    assert texts(eml.read(mail.as_bytes(policy=SMTP))) == ["Sommerfest am 21. Juni", "Ab 14 Uhr auf der Wiese."]


def test_text_input_is_read_too():
    text = (FIXTURES / "multipart-alternative-qp-en.eml").read_bytes().decode("ascii")
    assert eml.read(text).title == "Riverside Food Bank – May update: summer lunches need you"


# -- what is no newsletter message ------------------------------------------------------------------


def test_a_message_without_a_text_body_is_one_error_line():
    mail = EmailMessage()
    mail["From"] = "a@b.example"
    mail["Subject"] = "Anhang"
    mail.add_attachment(b"%PDF-1.7 ...", maintype="application", subtype="pdf", filename="newsletter.pdf")
    with pytest.raises(InputError, match=r"^e-mail message: the message has no HTML or text part to read; forward"):
        eml.read(mail.as_bytes(policy=SMTP))


@pytest.mark.parametrize("data", [b"", b"just some text\nwith lines\n", b"\x00\x01\x02", "<html><body>x</body></html>"])
def test_what_is_no_message_is_one_error_line(data: bytes | str):
    with pytest.raises(InputError, match=r"^e-mail message: not an e-mail message \(no From, Subject or Date header\)"):
        eml.read(data)


def test_a_message_of_thousands_of_parts_is_refused_before_parsing():
    data = (
        "From: a@b.example\nSubject: x\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n"
        + "--b\nContent-Type: text/plain\n\nx\n" * 5000
        + "--b--\n"
    )
    started = time.thread_time()
    with pytest.raises(InputError, match=r"has 5,001 MIME parts, more than the 1,000 a message is read with"):
        eml.read(data)
    assert time.thread_time() - started < 0.5


def _nested(depth: int) -> str:
    head = "From: a@b.example\nSubject: x\nMIME-Version: 1.0\n"
    opening = "".join(f'Content-Type: multipart/mixed; boundary="b{i}"\n\n--b{i}\n' for i in range(depth))
    closing = "".join(f"--b{i}--\n" for i in reversed(range(depth)))
    return head + opening + "Content-Type: text/plain\n\nHallo\n" + closing


def test_nested_parts_are_read_and_too_deep_nesting_is_one_error_line():
    assert texts(eml.read(_nested(300))) == ["Hallo"]
    with pytest.raises(InputError, match=r"^e-mail message: the message cannot be read \(RecursionError\); save it"):
        eml.read(_nested(999))  # within the part limit, beyond the email package's recursion


def test_input_above_the_byte_cap_is_refused_before_parsing():
    with pytest.raises(
        InputError, match=r"^e-mail message: 3,001 bytes is more than the 3,000 bytes .*SCHEDULER_MAX_ISSUE_BYTES"
    ):
        eml.read(b"x" * 3001, max_bytes=3000)


# -- detection --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(path.name for path in FIXTURES.glob("*.eml")))
def test_fixtures_look_like_messages(name: str):
    assert eml.looks_like((FIXTURES / name).read_bytes().decode("ascii")[:4096])


@pytest.mark.parametrize(
    "sample",
    [
        "From info@verein.example Mon Jun  2 09:00:00 2025\nFrom: Verein <info@verein.example>\nSubject: Rundbrief\n\nText",
        "Subject: Rundbrief\nMIME-Version: 1.0\nContent-Type: text/plain\n\nText",
        "Received: from x\n by y\nFrom: a@b.example\nTo: c@d.example\n\n",
    ],
)
def test_looks_like_a_message(sample: str):
    assert eml.looks_like(sample)


@pytest.mark.parametrize(
    "sample",
    [
        "---\ntitle: Rundbrief\ndate: 2025-06-02\n---\n# Rundbrief",
        "Title: Rundbrief\nAuthor: Verein\n\nText",  # MultiMarkdown metadata: no mail header among them
        "<!doctype html><html><body>From: x</body></html>",
        '<?xml version="1.0"?><rss version="2.0"></rss>',
        "Vorgestellt\n\nFrom: the editor\nSubject: everything",
    ],
)
def test_does_not_look_like_a_message(sample: str):
    assert not eml.looks_like(sample)


def test_example_issue_does_not_look_like_a_message():
    assert not eml.looks_like(EXAMPLE.read_text(encoding="utf-8"))


# -- robustness -------------------------------------------------------------------------------------


def _never_an_exception(data: bytes | str) -> None:
    try:
        document = eml.read(data)
    except InputError as error:
        assert "\n" not in str(error)
    else:
        assert all(isinstance(block, Block) for block in document.blocks)


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(FIXTURES.glob("*.eml"))), st.data())
def test_truncated_messages_never_raise_anything_else(path: Path, data: st.DataObject):
    raw = path.read_bytes()
    _never_an_exception(raw[: data.draw(st.integers(min_value=0, max_value=len(raw)))])


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=1500))
def test_random_bytes_never_raise_anything_else(data: bytes):
    _never_an_exception(data)


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.sampled_from(
            [
                "From: a@b.example\n",
                "Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\n",
                "Subject: =?x-bad?b?@@@?=\n",
                "Date: Mon, 32 Foo 99999 99:99:99 +9999\n",
                "MIME-Version: 1.0\n",
                'Content-Type: multipart/alternative; boundary="b"\n',
                "Content-Type: text/html; charset=x-nope\n",
                "Content-Type: message/rfc822\n",
                "Content-Transfer-Encoding: base64\n",
                "Content-Transfer-Encoding: quoted-printable\n",
                "\n",
                "--b\n",
                "--b--\n",
                "<p>Hallo</p>\n",
                "SGFsbG8=\n",
                "=C3=BC=\n",
                "Text ä\n",
                " folded\n",
                "To: undisclosed-recipients:;\n",
            ]
        ),
        max_size=40,
    )
)
def test_mangled_messages_never_raise_anything_else(lines: list[str]):
    _never_an_exception("".join(lines))
