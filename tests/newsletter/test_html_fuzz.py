"""Both HTML readers on broken input: a Document or an InputError of one line, never another
exception, never a hang."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.errors import InputError
from scheduler.newsletter import html_email, html_page
from scheduler.newsletter.document import Document
from tests.newsletter.html_expected import EMAILS, PAGES
from tests.scale import examples

READERS = [html_page.read, html_email.read]
FIXTURES = sorted([*PAGES.glob("*.html"), *EMAILS.glob("*.html")])
SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large]


def outcome(read, data) -> Document | InputError:
    started = time.thread_time()
    try:
        result: Document | InputError = read(data, url="https://example.org/issue")
    except InputError as error:
        assert "\n" not in str(error)
        result = error
    assert time.thread_time() - started < 5.0
    return result


@pytest.mark.parametrize("read", READERS)
@settings(max_examples=examples(40), deadline=None, suppress_health_check=SLOW)
@given(data=st.binary(max_size=3000))
def test_random_bytes(read, data):
    outcome(read, data)


@pytest.mark.parametrize("read", READERS)
@settings(max_examples=examples(30), deadline=None, suppress_health_check=SLOW)
@given(path=st.sampled_from(FIXTURES), cut=st.floats(min_value=0, max_value=1))
def test_truncated_fixtures(read, path, cut):
    data = path.read_bytes()
    outcome(read, data[: int(len(data) * cut)])


@pytest.mark.parametrize("read", READERS)
@settings(max_examples=examples(30), deadline=None, suppress_health_check=SLOW)
@given(
    tags=st.lists(
        st.sampled_from(["div", "table", "tr", "td", "p", "a href='/x'", "b", "ul", "li", "span"]), min_size=1
    ),
    depth=st.integers(min_value=1, max_value=4000),
)
def test_deep_nesting(read, tags, depth):
    opening = "".join(f"<{tags[i % len(tags)]}>" for i in range(depth))
    closing = "".join(f"</{tags[i % len(tags)].split()[0]}>" for i in reversed(range(depth)))
    outcome(read, f"<html><body>{opening}Text<img src='/i.png' alt='Bild'>{closing}<p>Ende</p></body></html>")


@pytest.mark.parametrize("read", READERS)
@settings(max_examples=examples(30), deadline=None, suppress_health_check=SLOW)
@given(
    path=st.sampled_from(FIXTURES),
    actual=st.sampled_from(["utf-8", "cp1252", "latin-1", "utf-16-le", "shift_jis", "koi8-r"]),
    declared=st.sampled_from(["utf-8", "iso-8859-1", "utf-16", "shift_jis", "x-unknown", "koi8-r", ""]),
)
def test_wrong_declared_charsets(read, path, actual, declared):
    text = (
        path.read_bytes().decode("utf-8", "replace") if "servicestelle" not in path.name else path.read_text("cp1252")
    )
    text = text.replace("charset=", "charset-was=")
    head = f'<meta charset="{declared}">' if declared else ""
    data = (head + text).encode(actual, "replace")
    outcome(read, data)


TOKENS = [*"<>/=\"' abpditrlhg1&;#x!-[]{}|*%$\n", "<p>", "<td>", "<br>", "<!--", "-->", "<![endif]", "&nbsp;"]
TOKENS += [
    "<img src=x>",
    "<a href=",
    "<a href='http://[::1'>",
    "<base href='http://['>",
    "mailto:",
    'style="font-size:0"',
    "<h2>",
    "<li>",
    "*|FNAME|*",
    "{{",
    "<table>",
    "<strong>",
]


@pytest.mark.parametrize("read", READERS)
@settings(max_examples=examples(40), deadline=None, suppress_health_check=SLOW)
@given(text=st.lists(st.sampled_from(TOKENS), max_size=200).map("".join))
def test_markup_soup(read, text):
    outcome(read, text)
