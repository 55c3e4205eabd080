"""Every read has a time cap: one deadline for the reader and `itemize` together (incoming.TIME_LIMIT)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scheduler.errors import InputError
from scheduler.newsletter import incoming, load_issues, read_issues
from scheduler.newsletter.document import Block, Document, Kind
from scheduler.newsletter.incoming import Deadline
from scheduler.newsletter.itemize import itemize

FIXTURES = Path(__file__).parent.parent / "fixtures" / "newsletters"
ONE_OF_EACH = [
    "html/coastal-digest-2025-05.html",
    "email/mailchimp-foodbank-2025-04.html",
    "feed/atom-issues-en.xml",
    "markdown/bold-leadins-en.md",
    "eml/multipart-alternative-qp-en.eml",
    "text/en-charity.txt",
]


@pytest.mark.parametrize("name", ONE_OF_EACH)
def test_a_read_that_takes_longer_than_the_time_limit_stops_with_one_error_line(name, monkeypatch):
    monkeypatch.setattr(incoming, "TIME_LIMIT", 0.0)
    with pytest.raises(InputError) as error:
        load_issues(FIXTURES / name)
    message = str(error.value)
    assert "\n" not in message
    assert ": reading took longer than 0 s (markup this dense is no newsletter); check the file" in message


@pytest.mark.parametrize("name", ONE_OF_EACH)
def test_within_the_time_limit_a_read_is_as_before(name):
    assert all(issue.items for issue in load_issues(FIXTURES / name))


def test_one_deadline_for_the_whole_read_reader_and_split_together():
    data = (FIXTURES / "feed/atom-issues-en.xml").read_bytes()
    assert len(read_issues(data, source="feed", deadline=Deadline.start(60))) == 2
    with pytest.raises(InputError, match=r"^feed: reading took longer than 0.5 s"):
        read_issues(data, source="feed", deadline=Deadline(at=0.0, seconds=0.5))  # spent before it began


def test_itemize_looks_at_the_clock_and_names_the_source():
    document = Document(blocks=(Block(Kind.HEADING, "A heading", 2), Block(Kind.PARAGRAPH, "Some news to read.")))
    with pytest.raises(InputError, match=r"^issue\.md: reading took longer than 10 s"):
        itemize(document, source="issue.md", deadline=Deadline(at=0.0, seconds=10.0))
    assert itemize(document, source="issue.md", deadline=Deadline.start()).items[0].title == "A heading"


def test_the_html_walk_looks_at_the_clock_and_names_what_it_reads():
    from lxml import html

    from scheduler.newsletter.html_blocks import Walker

    root = html.fromstring("<div><h2>A heading</h2><p>Some news to read.</p></div>")
    with pytest.raises(InputError, match=r"^https://example\.org/issue: reading took longer than 10 s"):
        Walker("", deadline=Deadline(at=0.0, seconds=10.0), what="https://example.org/issue").walk(root)
    assert [raw.block.text for raw in Walker("", deadline=Deadline.start()).walk(root)] == [
        "A heading",
        "Some news to read.",
    ]
