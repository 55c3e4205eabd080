"""`--format html`: one self-contained page (no external files) with each post as a card that
resembles its platform. The page's labels are in the issue's language (German or English), and each
post shows as its platform will show it (on Bluesky, links in their short form)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import jinja2
from markupsafe import Markup, escape

from scheduler.platforms import registry
from scheduler.service import IssuePreview
from scheduler.text.entities import protected_spans
from scheduler.text.facets import rich_text

_TEMPLATE = Path(__file__).with_name("preview.html.j2")


#: The page's words, per issue language; other languages get the English ones.
LABELS: dict[str, dict[str, str]] = {
    "de": {
        "preview": "Vorschau",
        "undated": "undatiert",
        "items": "Meldungen",
        "posts": "Beiträge",
        "fits": "alle Beiträge passen",
        "misfits": "passen nicht",
        "thread": "Thread aus",
        "parts": "Teilen",
        "account": "Ihr Konto",
        "warning": "Hinweis",
        "cw": "Inhaltswarnung",
    },
    "en": {
        "preview": "Preview",
        "undated": "undated",
        "items": "items",
        "posts": "posts",
        "fits": "every post fits",
        "misfits": "do not fit",
        "thread": "thread of",
        "parts": "parts",
        "account": "Your account",
        "warning": "Warning",
        "cw": "CW",
    },
}


def labels(language: str) -> dict[str, str]:
    return LABELS.get(language, LABELS["en"])


def rich_facets(text: str) -> Markup:
    """A Bluesky post as the app shows it: the record's text, its facets as links and highlights."""
    shown = rich_text(text, did_of=lambda handle: handle)
    raw = shown.text.encode()
    out, position = [], 0
    for facet in shown.facets:
        start, end = facet["index"]["byteStart"], facet["index"]["byteEnd"]
        out.append(escape(raw[position:start].decode()))
        piece, feature = raw[start:end].decode(), facet["features"][0]
        if feature["$type"].endswith("#link"):
            out.append(Markup('<a href="{}" rel="noopener">{}</a>').format(feature["uri"], piece))
        else:
            out.append(Markup('<span class="entity">{}</span>').format(piece))
        position = end
    out.append(escape(raw[position:].decode()))
    return Markup("").join(out)


def rich(text: str, platform: str = "") -> Markup:
    """Escaped text with links, hashtags and mentions highlighted as the platforms show them."""
    if platform and registry.get(platform).shown is not None:  # links in their short form, as facets (Bluesky)
        return rich_facets(text)
    out, position = [], 0
    for span in protected_spans(text):
        out.append(escape(text[position : span.start]))
        if span.kind == "url":
            href = span.text if "://" in span.text else "https://" + span.text
            out.append(Markup('<a href="{}" rel="noopener">{}</a>').format(href, span.text))
        else:
            out.append(Markup('<span class="entity">{}</span>').format(span.text))
        position = span.end
    out.append(escape(text[position:]))
    return Markup("").join(out)


def render(previews: Sequence[IssuePreview]) -> str:
    environment = jinja2.Environment(
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True
    )
    environment.filters["rich"] = rich
    template = environment.from_string(_TEMPLATE.read_text(encoding="utf-8"))
    names = {platform.name: platform.title for platform in registry.every()}
    return template.render(previews=previews, names=names, labels=labels)
