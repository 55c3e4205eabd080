"""`--format html`: one self-contained page (no external files) with each post as a card that
resembles its platform."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import jinja2
from markupsafe import Markup, escape

from scheduler.service import IssuePreview
from scheduler.text.entities import protected_spans

_TEMPLATE = Path(__file__).with_name("preview.html.j2")
NAMES = {
    "linkedin": "LinkedIn",
    "mastodon": "Mastodon",
    "bluesky": "Bluesky",
    "x": "X",
    "threads": "Threads",
    "facebook": "Facebook",
}


def rich(text: str) -> Markup:
    """Escaped text with links, hashtags and mentions highlighted as the platforms show them."""
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
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    environment.filters["rich"] = rich
    template = environment.from_string(_TEMPLATE.read_text(encoding="utf-8"))
    return template.render(previews=previews, names=NAMES)
