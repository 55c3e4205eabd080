"""The plain-text reader and `itemize` on any input: an Issue or an InputError of one line, never
another exception, never a hang."""

from __future__ import annotations

import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.errors import InputError
from scheduler.models import Image, Issue
from scheduler.newsletter import plaintext
from scheduler.newsletter.document import Block, Document, Kind, Link
from scheduler.newsletter.itemize import itemize
from tests.scale import examples

TEXT = Path(__file__).resolve().parent.parent / "fixtures" / "newsletters" / "text"
FIXTURES = sorted(TEXT.glob("*.txt"))
SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large]
#: Lines that look like what the rules look for: headings, greetings, sign-offs, dates, footers.
LINES = [
    "Termine",
    "In dieser Ausgabe",
    "Liebe Leserinnen und Leser,",
    "Herzliche Grüße",
    "Ihr Team",
    "12.03.2025 | Fachtag",
    "Impressum",
    "Weiterlesen",
    "• Eintrag mit Punkt",
    "1. Erster Punkt",
    "Neu im Netzwerk: Der Verein ist jetzt Mitglied und freut sich auf die Arbeit.",
    "Ein ganz normaler Satz mit einem Ende.",
    "www.verein.example/seite",
    "name(at)verein.example",
    "",
    " ",
    "\t",
]


def outcome(call, *args, **kwargs) -> Issue | InputError:  # type: ignore[no-untyped-def]  # reason: any callable
    started = time.thread_time()
    try:
        result: Issue | InputError = call(*args, **kwargs)
    except InputError as error:
        assert "\n" not in str(error)
        result = error
    assert time.thread_time() - started < 5.0
    return result


@settings(max_examples=examples(60), deadline=None, suppress_health_check=SLOW)
@given(text=st.text(max_size=3000))
def test_random_text(text):
    outcome(plaintext.parse, text, source="fuzz.txt")


@settings(max_examples=examples(60), deadline=None, suppress_health_check=SLOW)
@given(lines=st.lists(st.one_of(st.sampled_from(LINES), st.text(max_size=120)), max_size=80))
def test_random_lines_of_newsletter_shapes(lines):
    result = outcome(plaintext.parse, "\n".join(lines), source="fuzz.txt")
    if isinstance(result, Issue):
        assert result.items and all(item.title and item.body for item in result.items)


@settings(max_examples=examples(30), deadline=None, suppress_health_check=SLOW)
@given(data=st.binary(max_size=3000))
def test_random_bytes_read(data):
    try:
        plaintext.read(data)
    except InputError as error:
        assert "\n" not in str(error)


@settings(max_examples=examples(30), deadline=None, suppress_health_check=SLOW)
@given(path=st.sampled_from(FIXTURES), cut=st.floats(min_value=0, max_value=1))
def test_truncated_fixtures(path, cut):
    text = path.read_text(encoding="utf-8")
    outcome(plaintext.parse, text[: int(len(text) * cut)], source=path.name)


urls = st.sampled_from(
    [
        "https://verein.example/",
        "https://verein.example/a",
        "#top",
        "mailto:a@b.example",
        "https://x.com/verein",
        "",
        "ftp://x",
    ]
)
blocks = st.builds(
    Block,
    kind=st.sampled_from(list(Kind)),
    text=st.one_of(st.sampled_from(LINES), st.text(max_size=200)),
    level=st.integers(min_value=0, max_value=9),
    links=st.lists(
        st.builds(Link, url=urls, text=st.sampled_from(["hier", "Read more", "", "Titel des Beitrags"])), max_size=3
    ).map(tuple),
    images=st.lists(
        st.builds(Image, path=st.just("https://verein.example/i.png"), alt=st.just("Bild")), max_size=1
    ).map(tuple),
    lead=st.sampled_from(["", "Neu:", "Wann:", "Termine", "Ein sehr langer Vorspann: "]),
)


@settings(max_examples=examples(60), deadline=None, suppress_health_check=SLOW)
@given(
    items=st.lists(blocks, max_size=60),
    title=st.text(max_size=40),
    url=st.sampled_from(["", "https://verein.example/nl"]),
)
def test_random_documents(items, title, url):
    result = outcome(itemize, Document(blocks=tuple(items), title=title, url=url), source="fuzz", max_items=100)
    if isinstance(result, Issue):
        assert all(item.title and item.body for item in result.items)
        assert all(item.link is None or item.link.startswith(("http://", "https://")) for item in result.items)


def test_a_thousand_short_items_are_a_thousand_items():
    # how long it takes is measured by benchmarks/bench_import.py, not asserted here
    text = "01.02.2025: Viele Meldungen\n\n" + "\n\n".join(
        f"Meldung {n}: Der Verein berichtet über sein Projekt Nummer {n} in der Stadt." for n in range(1000)
    )
    issue = plaintext.parse(text, source="many.txt", languages=("de",))
    assert len(issue.items) == 1000
    assert [item.title for item in issue.items[:2]] == ["Meldung 0", "Meldung 1"]
