"""Files in the encodings people actually have, and files that are not newsletters."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from scheduler.errors import InputError
from scheduler.newsletter import Limits, issue_files, load_issue, read_issues
from tests.conftest import EXAMPLE

TEXT = EXAMPLE.read_text(encoding="utf-8")
# cp1252 cannot encode the typographic minus (U+2212) in the footer; swap it for a hyphen.
PORTABLE = TEXT.replace("\u2212", "-")


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1", "utf-8-sig", "utf-16"])
def test_legacy_and_bom_encodings_read_correctly(tmp_path: Path, encoding: str):
    text = PORTABLE if encoding in ("cp1252", "latin-1") else TEXT
    if encoding == "latin-1":
        text = text.replace("–", "-").replace("„", '"').replace("“", '"')
    path = tmp_path / "issue.txt"
    path.write_bytes(text.encode(encoding))
    issue = load_issue(path)
    assert len(issue.items) == 6
    assert "Düren" in issue.items[0].body
    assert "Präventionsketten" in issue.items[1].body


def test_binary_file_is_rejected(tmp_path: Path):
    path = tmp_path / "logo.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(InputError, match="not a newsletter \\(binary content\\)"):
        load_issue(path)


def test_binary_without_nul_bytes_is_rejected(tmp_path: Path):
    path = tmp_path / "noise.txt"
    path.write_bytes(bytes(b for b in range(1, 32) if b not in (9, 10, 13)) * 40)
    with pytest.raises(InputError, match="not a newsletter \\(binary content\\)"):
        load_issue(path)


def test_empty_file_is_rejected(tmp_path: Path):
    path = tmp_path / "empty.txt"
    path.write_text("  \n\n")
    with pytest.raises(InputError, match="empty"):
        load_issue(path)


def test_missing_path_is_rejected(tmp_path: Path):
    with pytest.raises(InputError, match="no such file"):
        issue_files([tmp_path / "nope.txt"])


def test_folder_lists_newsletter_files_only(tmp_path: Path):
    (tmp_path / "b.txt").write_text("x")
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "a.toml").write_text("x")
    assert [p.name for p in issue_files([tmp_path])] == ["a.txt", "b.txt"]


def test_empty_folder_is_rejected(tmp_path: Path):
    with pytest.raises(InputError, match="no newsletter files"):
        issue_files([tmp_path])


def test_a_file_that_is_no_newsletter_is_refused_by_its_content(tmp_path: Path):
    """A file named on its own is read whatever its name; a PDF's bytes are not text."""
    path = tmp_path / "issue.pdf"
    path.write_bytes(b"%PDF-1.4\n\x00\x01\x02 binary")
    with pytest.raises(InputError, match=r"issue\.pdf: is a PDF document, not a newsletter"):
        load_issue(path)


# --- UTF-8 with a few bad bytes, and Windows-1252 ------------------------------------------------


def _stray(text: str) -> bytes:
    """The example as UTF-8, but "lädt" in line 10 typed in Windows-1252: one byte 0xE4."""
    data = text.replace("Vernetzt\n", "Vernetzt\n\nDie Vernetzungsstelle LADT zum Fachtag ein.\n", 1).encode("utf-8")
    return data.replace(b"LADT", b"l\xe4dt")


def test_utf8_with_a_stray_byte_is_read_as_utf8_and_the_byte_reported(tmp_path: Path, caplog):
    path = tmp_path / "issue.txt"
    path.write_bytes(_stray(TEXT))
    issue = load_issue(path)
    bodies = " ".join(item.body for item in issue.items)
    assert "Düren" in bodies and "Präventionsketten" in bodies and "Ã" not in bodies  # not Windows-1252
    assert "Die Vernetzungsstelle lädt zum Fachtag ein." in bodies  # the stray byte read as what it meant
    assert [record.getMessage() for record in caplog.records if record.levelname == "WARNING"] == [
        f"{path}: line 14, column 24: byte 0xE4 is not UTF-8, read as 'ä' (Windows-1252); "
        "check it there and save the file as UTF-8"
    ]


def test_several_bad_bytes_are_reported_in_one_warning_with_their_places(tmp_path: Path, caplog):
    path = tmp_path / "issue.txt"
    data = _stray(TEXT).replace(b"Umgeschaut", b"Umgeschaut \x81\x93").replace(b"BMAS", b"BMAS\x9d")
    path.write_bytes(data)
    load_issue(path)
    (warning,) = [record.getMessage() for record in caplog.records if record.levelname == "WARNING"]
    assert warning.startswith(
        f"{path}: 4 bytes are not UTF-8, read as Windows-1252: line 14, column 24 (0xE4 as 'ä'), line 18, column "
    )
    assert "(0x81 as '\ufffd'), " in warning and "(0x93 as '“')" in warning and "(0x9D as '\ufffd')" in warning
    assert warning.endswith("; check them there and save the file as UTF-8")


def test_windows_1252_with_an_accidental_utf8_sequence_stays_windows_1252(tmp_path: Path, caplog):
    # "ß“" in Windows-1252 is DF 93, which is also a valid two-byte UTF-8 sequence (U+07D3)
    text = PORTABLE.replace("Vernetzt\n", "Vernetzt\n\nEin „Fuß“ in der Tür.\n", 1)
    path = tmp_path / "issue.txt"
    path.write_bytes(text.encode("cp1252"))
    bodies = " ".join(item.body for item in load_issue(path).items)
    assert "Ein „Fuß“ in der Tür." in bodies and "Düren" in bodies
    assert not [record for record in caplog.records if record.levelname == "WARNING"]


def test_clean_utf8_gives_no_warning(tmp_path: Path, caplog):
    path = tmp_path / "issue.txt"
    path.write_bytes(TEXT.encode("utf-8"))
    load_issue(path)
    assert not [record for record in caplog.records if record.levelname == "WARNING"]


# --- too large ----------------------------------------------------------------------------------


def test_a_file_above_the_size_limit_is_refused_before_it_is_read(tmp_path: Path, monkeypatch):
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.truncate(20_300_000)  # 20 MB, sparse: nothing to read if it is refused first
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("the file was read"))
    with pytest.raises(InputError) as caught:
        load_issue(path, limits=Limits(max_bytes=5_000_000))
    assert str(caught.value) == (
        f"{path}: 20.3 MB is more than the 5.0 MB a newsletter issue may have (SCHEDULER_MAX_ISSUE_BYTES); "
        "split it into several issues or raise the setting"
    )


def test_the_size_limit_counts_bytes_exactly(tmp_path: Path):
    path = tmp_path / "issue.txt"
    path.write_bytes(TEXT.encode("utf-8"))
    size = path.stat().st_size
    assert load_issue(path, limits=Limits(max_bytes=size)).items
    with pytest.raises(InputError, match=rf"{size - 1:,} bytes a newsletter issue may have"):
        load_issue(path, limits=Limits(max_bytes=size - 1))


def test_an_issue_above_the_item_limit_is_refused_before_its_items_are_analysed(tmp_path: Path, monkeypatch):
    from scheduler.newsletter import itemize

    path = tmp_path / "issue.txt"
    path.write_bytes(TEXT.encode("utf-8"))
    assert len(load_issue(path, limits=Limits(max_items=6)).items) == 6
    monkeypatch.setattr(itemize, "sentences", lambda *args: pytest.fail("sentences were split"))
    monkeypatch.setattr(itemize, "detect_language", lambda *args: pytest.fail("the language was detected"))
    with pytest.raises(InputError) as caught:
        load_issue(path, limits=Limits(max_items=5))
    assert str(caught.value) == (
        f"{path}: more than 5 items (15 paragraphs), the most one issue may have (SCHEDULER_MAX_ITEMS); "
        "split it into several issues or raise the setting"
    )


@pytest.mark.parametrize("reader", ["html_page", "html_email", "markdown", "feed", "eml", "plaintext"])
def test_every_reader_refuses_input_above_the_byte_cap_with_the_same_words(reader):
    module = importlib.import_module(f"scheduler.newsletter.{reader}")
    with pytest.raises(InputError) as error:
        module.read(b"a" * 2_001, url="https://example.org/issue", max_bytes=2_000)
    assert "https://example.org/issue" in str(error.value)  # each reader names the input its own way
    assert str(error.value).endswith(
        ": 2,001 bytes is more than the 2,000 bytes a newsletter issue may have "
        "(SCHEDULER_MAX_ISSUE_BYTES); split it into several issues or raise the setting"
    )


#: A small PDF whose objects are plain text (uncompressed): read as text, each would be an "item".
PDF = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [3 0 R] "
    b"/Count 1 >>\nendobj\n3 0 obj\n<< /Type /Page /Parent 2 0 R >>\nendobj\n4 0 obj\n<< /Length 44 >>\nstream\n"
    b"BT /F1 24 Tf 100 700 Td (Hallo Welt) Tj ET\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
)


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (PDF, "a PDF document"),
        (b"PK\x03\x04\x14\x00\x06\x00word/document.xml", "a ZIP archive or office document"),
        (b"{\\rtf1\\ansi Newsletter Dezember}", "an RTF document"),
    ],
)
def test_a_document_that_is_no_text_is_refused_saying_what_it_is(tmp_path: Path, head: bytes, kind: str):
    path = tmp_path / "newsletter.txt"  # whatever its name says
    path.write_bytes(head)
    with pytest.raises(
        InputError, match=re.escape(f"newsletter.txt: is {kind}, not a newsletter; open it, copy its text")
    ):
        load_issue(path)
    with pytest.raises(InputError, match=re.escape(f"upload.pdf: is {kind}, not a newsletter")):
        read_issues(head, source="upload.pdf")
