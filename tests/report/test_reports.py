"""The preview reports show the posts as readers will see them (Bluesky's links in their short form),
each post's warnings, and the HTML page's labels in one language: the issue's."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from html.parser import HTMLParser

import pytest

from scheduler.models import IssueOptions
from scheduler.platforms import build_payloads
from scheduler.render.renderer import Renderer
from scheduler.report import formatter
from scheduler.service import IssuePreview, PreviewedPost
from tests.conftest import TEMPLATES

NOW = dt.datetime(2024, 12, 16, 7, 30, tzinfo=dt.UTC)
LINK = "https://example.org/newsletter/2024-12-13/vernetzungsstelle-informiert"


def _preview(issue, platforms=("linkedin", "bluesky", "x")) -> list[IssuePreview]:
    posts = Renderer(TEMPLATES).render_issue(issue, platforms)
    return [
        IssuePreview(
            issue,
            tuple(PreviewedPost(post, tuple(build_payloads(post.platform, post.content, now=NOW))) for post in posts),
        )
    ]


@pytest.fixture
def linked(example_issue):
    return dataclasses.replace(example_issue, options=IssueOptions(link=LINK))


class _Visible(HTMLParser):
    """The page's visible text outside the posts themselves (labels, headings, counts)."""

    def __init__(self) -> None:
        super().__init__()
        self.words: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        classes = set(dict(attrs).get("class", "").split())
        if tag in ("style", "title", "h1", "code") or classes & {"text", "title", "section"} or self._skip:
            self._skip += 1

    def handle_endtag(self, tag):
        if self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.words += re.findall(r"[^\W\d_]+", data)


def _labels(html: str) -> set[str]:
    parser = _Visible()
    parser.feed(html)
    return set(parser.words)


ENGLISH = {
    "items",
    "posts",
    "every",
    "post",
    "fits",
    "do",
    "not",
    "fit",
    "thread",
    "of",
    "Your",
    "account",
    "undated",
    "warning",
    "warnings",
}
GERMAN = {
    "Meldungen",
    "Beiträge",
    "alle",
    "passen",
    "passt",
    "nicht",
    "Thread",
    "aus",
    "Ihr",
    "Konto",
    "undatiert",
    "Hinweis",
    "Hinweise",
}


def test_the_html_labels_of_a_german_issue_are_german(example_issue):
    labels = _labels(formatter("html")(_preview(example_issue)))
    assert labels & GERMAN and not (labels & ENGLISH - {"X"})
    assert "Bluesky" in labels and "LinkedIn" in labels


def test_the_html_labels_of_an_english_issue_are_english(example_issue):
    english = dataclasses.replace(example_issue, language="en", title="The network informs")
    labels = _labels(formatter("html")(_preview(english)))
    assert labels & ENGLISH and not (labels & GERMAN)


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_bluesky_posts_show_the_link_as_bluesky_will(linked, fmt):
    page = formatter(fmt)(_preview(linked, ("bluesky",)))
    assert "example.org/newsletter/202…" in page
    if fmt == "html":  # the short form links to the full, UTM-tagged address
        assert re.search(
            r'<a href="https://example.org/newsletter/2024-12-13/vernetzungsstelle-informiert\?utm_source='
            r'bluesky&amp;[^"]*"[^>]*>example.org/newsletter/202…</a>',
            page,
        )
    else:
        assert "utm_source=bluesky" not in page


@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "json"])
def test_each_post_shows_its_warnings(example_issue, fmt):
    page = formatter(fmt)(_preview(example_issue, ("x",)))
    if fmt == "json":
        posts = json.loads(page)["issues"][0]["posts"]
        assert all(post["warnings"] and "shortened without a link" in post["warnings"][0] for post in posts)
    else:
        assert page.count("shortened without a link to read on") == 6
