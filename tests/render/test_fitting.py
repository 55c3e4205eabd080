"""Shortening at sentence boundaries and splitting into threads."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from scheduler.models import IssueOptions
from scheduler.platforms.registry import measure
from scheduler.render.renderer import Renderer
from scheduler.text.entities import url_spans
from scheduler.text.sentences import sentences

URL = "https://example.org/familie/fachtag-2024?utm=keep_this_(intact)"


def _template(templates: Path, platform: str, text: str) -> Renderer:
    (templates / f"{platform}.j2").write_text(text)
    return Renderer(templates, utm=False)


def _item(example_issue, index: int, **changes):
    item = dataclasses.replace(example_issue.items[index], **changes)
    return dataclasses.replace(example_issue, items=(item,)), item


@pytest.mark.parametrize("platform", ["x", "bluesky", "mastodon", "threads"])
def test_every_example_item_fits_every_platform_by_default(example_issue, platform):
    from tests.conftest import TEMPLATES

    renderer = Renderer(TEMPLATES)
    for item in example_issue.items:
        post = renderer.render(example_issue, item, platform)
        assert post.fits, post.reason
        assert measure(platform, post.text).fits


def test_shortened_post_ends_with_ellipsis_at_a_sentence_boundary_keeping_link_and_hashtags(templates, example_issue):
    renderer = _template(templates, "x", "{{ item.body | fit }}\n{{ link }}\n{{ hashtags() }}")
    issue, item = _item(example_issue, 2, links=(URL,))
    issue = dataclasses.replace(issue, options=IssueOptions(hashtags=("AktifPlus", "Bremen")))
    post = renderer.render(issue, item, "x")
    assert post.fits and post.length <= 280
    body, link, tags = post.text.split("\n")
    assert link == URL and tags == "#AktifPlus #Bremen"
    assert body.endswith(" …")
    kept = body.removesuffix(" …")
    assert kept in [" ".join(sentences(item.body, "de")[:k]) for k in range(1, 10)]


@pytest.mark.parametrize(
    "abbreviation",
    [
        "Dr. Schilling",
        "z. B. Eltern",
        "e. V. Köln",
        "Nr. 5",
        "bzw. Kinder",
        "am 02. Dezember",
        "3.5 Prozent",
        "e.V. Bonn",
    ],
)
def test_no_cut_after_an_abbreviation_ordinal_or_decimal(templates, example_issue, abbreviation):
    first = "Erster Satz hier."
    second = f"Zweiter Satz mit {abbreviation} und danach noch viele weitere Wörter."
    (templates / "mastodon.j2").write_text("{{ item.body | fit }}")
    # A limit that a naive cut after the '.' inside the second sentence would satisfy.
    naive = f"{first} {second[: second.index('.') + 1]} …"
    renderer = Renderer(templates, limits={"mastodon": len(naive) + 3})
    issue, item = _item(example_issue, 0, body=f"{first} {second} Dritter Satz.")
    assert renderer.render(issue, item, "mastodon").text == f"{first} …"


def test_cut_falls_between_words_when_the_first_sentence_is_too_long(templates, example_issue):
    renderer = _template(templates, "bluesky", "{{ item.body | fit }}")
    long_sentence = "Familien " * 60 + "kommen zusammen. Zweiter Satz."
    issue, item = _item(example_issue, 0, body=long_sentence)
    post = renderer.render(issue, item, "bluesky")
    assert post.fits and post.text.endswith("Familien …")


def test_never_cuts_inside_a_link_hashtag_or_emoji(templates, example_issue):
    renderer = _template(templates, "x", "{{ item.body | fit }}")
    body = ("Wort " * 40) + URL + " " + ("👨\u200d👩\u200d👧 #Familie @team@social.example " * 20) + "Ende."
    issue, item = _item(example_issue, 0, body=body)
    post = renderer.render(issue, item, "x")
    assert post.fits
    text = post.text.removesuffix(" …")
    assert text == body[: len(text)]
    assert text.endswith(("Wort", URL, "#Familie", "@team@social.example", "👨\u200d👩\u200d👧"))


def test_thread_parts_are_numbered_and_each_fits(templates, example_issue):
    renderer = _template(templates, "x", "{{ item.body | fit(thread=true) }}\n\n{{ hashtags() }}")
    issue, item = _item(example_issue, 4)
    issue = dataclasses.replace(issue, options=IssueOptions(hashtags=("Hameln",)))
    post = renderer.render(issue, item, "x")
    total = len(post.parts)
    assert total >= 3 and post.fits
    for number, part in enumerate(post.parts, 1):
        assert part.endswith(f"\n\n{number}/{total}")
        assert measure("x", part).fits
    assert "#Hameln" in post.parts[-1]
    joined = " ".join(part.rsplit("\n\n", 1)[0].replace("\n\n#Hameln", "") for part in post.parts)
    assert joined == item.body  # nothing lost, nothing cut inside a sentence


def test_thread_setting_splits_on_that_platform_only(example_issue):
    from tests.conftest import TEMPLATES

    renderer = Renderer(TEMPLATES, threads=["x"])
    item = example_issue.items[5]
    assert len(renderer.render(example_issue, item, "x").parts) > 1
    assert len(renderer.render(example_issue, item, "bluesky").parts) == 1


def test_linkedin_and_facebook_never_become_threads(templates, example_issue):
    renderer = _template(templates, "linkedin", "{{ item.body | fit(thread=true) }}")
    issue, item = _item(example_issue, 0, body="Satz. " * 700)
    post = renderer.render(issue, item, "linkedin")
    assert len(post.parts) == 1 and post.fits and post.text.endswith("…")


def test_post_that_cannot_fit_carries_the_reason(templates, example_issue):
    renderer = _template(templates, "x", "{{ item.body | fit }}\n{{ hashtags() }}")
    tags = tuple(f"Schlagwort{n}" for n in range(30))
    issue = dataclasses.replace(example_issue, options=IssueOptions(hashtags=tags))
    post = renderer.render(issue, issue.items[0], "x")
    assert not post.fits
    assert "cannot fit" in post.reason and "hashtags" in post.reason


def test_post_without_fit_region_that_is_too_long_is_reported(templates, example_issue):
    renderer = _template(templates, "x", "{{ item.body }}")
    post = renderer.render(example_issue, example_issue.items[1], "x")
    assert not post.fits
    assert "exceeds the limit of 280" in post.reason and "fit" in post.reason


def test_links_of_the_post_are_listed(templates, example_issue):
    renderer = _template(templates, "mastodon", "{{ item.body | fit }} {{ link }}")
    issue, item = _item(example_issue, 0, links=(URL,))
    post = renderer.render(issue, item, "mastodon")
    assert post.links == (URL,)
    assert [span.text for span in url_spans(post.text)] == [URL]


def test_empty_template_output_is_reported(templates, example_issue):
    renderer = _template(templates, "mastodon", "{% if false %}{{ item.body }}{% endif %}")
    post = renderer.render(example_issue, example_issue.items[0], "mastodon")
    assert not post.fits and "empty post" in post.reason


TOKENS = [
    "Wort",
    "Grüße",
    "z. B.",
    "Dr.",
    "e. V.",
    URL,
    "bund.de/familie",
    "#Familie",
    "@team@social.example",
    "👨\u200d👩\u200d👧",
    "🇩🇪",
    "Mu\u0308nchen",
    "Satzende.",
    "Frage?",
    "3.5",
]


@pytest.mark.parametrize("platform", ["x", "mastodon", "bluesky", "threads"])
def test_random_bodies_are_cut_only_between_whole_tokens(templates, example_issue, platform):
    from hypothesis import given, settings
    from hypothesis import strategies as st

    renderer = _template(templates, platform, "{{ item.body | fit }}")

    @settings(max_examples=150, deadline=None)
    @given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=160))
    def check(tokens):
        body = " ".join(tokens)
        issue, item = _item(example_issue, 0, body=body)
        post = renderer.render(issue, item, platform)
        if not post.fits:  # only possible when not even the first token fits
            assert measure(platform, tokens[0] + " …").length > post.limit
            return
        assert measure(platform, post.text).fits
        if post.text == body:
            return
        kept = post.text.removesuffix(" …")
        assert post.text.endswith(" …") and body.startswith(kept)
        assert body[len(kept)] == " "  # the cut falls on a space between tokens

    check()


def _corpus() -> list[str]:
    from tests.text.test_german_abbreviations import SENTENCES

    return SENTENCES


def _sentence_ends(chosen: list[str]) -> set[int]:
    ends, position = set(), 0
    for sentence in chosen:
        position += len(sentence)
        ends.add(position)
        position += 1
    return ends


# Limits from 140 to 700 characters put the cut at every sentence of the corpus in turn.
LIMITS = range(140, 700, 9)


def test_thread_parts_end_at_sentence_ends_even_with_german_abbreviations(templates, example_issue):
    (templates / "mastodon.j2").write_text("{{ item.body | fit(thread=true) }}")
    corpus = _corpus()
    for start in range(0, len(corpus), 10):
        chosen = corpus[start : start + 10]
        issue, item = _item(example_issue, 0, body=" ".join(chosen))
        for limit in LIMITS:
            post = Renderer(templates, utm=False, limits={"mastodon": limit}).render(issue, item, "mastodon")
            texts = [part.rsplit("\n\n", 1)[0] for part in post.parts]
            assert post.fits and " ".join(texts) == item.body
            position = 0
            for text in texts[:-1]:
                position += len(text)
                assert position in _sentence_ends(chosen), f"part ends inside a sentence: …{text[-50:]!r}"
                position += 1


def test_shortened_post_never_ends_on_an_abbreviation(templates, example_issue):
    (templates / "mastodon.j2").write_text("{{ item.body | fit }}")
    corpus = _corpus()
    for start in range(0, len(corpus), 10):
        chosen = corpus[start : start + 10]
        issue, item = _item(example_issue, 0, body=" ".join(chosen))
        for limit in LIMITS:
            post = Renderer(templates, utm=False, limits={"mastodon": limit}).render(issue, item, "mastodon")
            kept = post.text.removesuffix(" …")
            assert len(kept) in _sentence_ends(chosen) and item.body.startswith(kept), f"…{kept[-50:]!r}"


LONG_SENTENCE = (
    "Das Interesse des Fachpublikums an dem besonderen Konzept der Stadtteileltern war groß: zu den zahlreichen "
    "Teilnehmenden zählten Vertreter*innen verschiedener Verwaltungsebenen, lokale Akteur*innen sowie "
    "Organisationen und Initiativen aus der Kinder- und Jugendhilfe, Träger der Beschäftigungsförderung und "
    "Kooperationspartner*innen."
)


def test_a_sentence_too_long_for_one_part_is_split_after_a_clause(templates, example_issue):
    renderer = _template(templates, "x", "{{ item.body | fit(thread=true) }}")
    issue, item = _item(example_issue, 0, body=f"Kurzer Satz vorweg. {LONG_SENTENCE} Ein Satz danach.")
    post = renderer.render(issue, item, "x")
    texts = [part.rsplit("\n\n", 1)[0] for part in post.parts]
    assert post.fits and " ".join(texts) == item.body
    assert [text[-12:] for text in texts] == ["Satz vorweg.", "Jugendhilfe,", "Satz danach."]


def test_a_first_sentence_too_long_for_the_post_is_shortened_after_a_clause(templates, example_issue):
    renderer = _template(templates, "x", "{{ item.body | fit }}")
    issue, item = _item(example_issue, 0, body=f"{LONG_SENTENCE} Ein Satz danach.")
    post = renderer.render(issue, item, "x")
    assert post.fits
    assert post.text == LONG_SENTENCE[: LONG_SENTENCE.index(", Träger der")] + " …"
