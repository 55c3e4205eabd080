"""Files in the encodings people actually have, and files that are not newsletters."""

from __future__ import annotations

from pathlib import Path

import pytest

from scheduler.errors import InputError
from scheduler.newsletter import issue_files, load_issue
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
    with pytest.raises(InputError, match="not a text file"):
        load_issue(path)


def test_binary_without_nul_bytes_is_rejected(tmp_path: Path):
    path = tmp_path / "noise.txt"
    path.write_bytes(bytes(b for b in range(1, 32) if b not in (9, 10, 13)) * 40)
    with pytest.raises(InputError, match="not a text file"):
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


def test_unsupported_suffix_is_rejected(tmp_path: Path):
    path = tmp_path / "issue.pdf"
    path.write_bytes(b"%PDF-1.4")
    with pytest.raises(InputError, match="unsupported file type"):
        issue_files([path])
