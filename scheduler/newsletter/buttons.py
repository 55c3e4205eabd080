"""The words of a link that a post cannot carry, taken from the end of an item's text.

On a web page or in an e-mail, a button or a link's words send the reader on: "» Zur Anmeldung",
"Zum Kataster", "Förderrichtlinie als PDF", "Join a mapathon", "Mehr dazu hier.". In a post they
are words whose link is gone; the post ends with the item's link instead (the template's "Mehr dazu:
…" line). So they leave the item's text, but only where they stand on their own:

- a "read more" link's words after a sentence or a colon ("… 15 €. » Zur Anmeldung");
- a call to action: a short link text (a few words, no address, no sentence) after a sentence
  ("… jede Kartierung hilft. Zum Kataster"), or as the item's last paragraph (a button);
- a short sentence that only points to the item's link ("Mehr dazu hier.", "Die Folge hören Sie
  hier.").

A sentence that says more stays ("Der Kurs kostet 15 €, anmelden können Sie sich hier.", "Anmeldung
bis 25. April: hier" keeps its date), and so does an address written out. The link itself stays
among the item's links (and is its main link when it has none better: see `mainlink`).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

from scheduler.newsletter import noise
from scheduler.newsletter.document import Block, Kind, Link
from scheduler.newsletter.rules import Rules
from scheduler.text.sentences import sentence_ends

_ARROWS = " \t»›→>…|·-–—"
#: Before a "read more" link's words: the end of a sentence, a colon or an arrow.
_READ_MORE_AFTER = ".!?:»›→|"
#: Before a call to action: the end of a sentence (after a colon, its words may be what the
#: sentence names: "Referentin: Dr. Miriam Aslan").
_CALL_AFTER = ".!?…»›→|"
_CALL_WORDS = 8  # a call to action has at most this many words …
_CALL_LENGTH = 60  # … and characters
_POINTER_WORDS = 7  # a sentence that only points to a link ("Das ganze Interview lesen Sie hier.")
#: A word that is a web or e-mail address, with or without scheme ("verein.example/termine").
_ADDRESS = re.compile(r"@|://|^www\.|^[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}(?:[/?#]\S*)?$", re.IGNORECASE)


def _web(link: Link) -> bool:
    return link.url.startswith(("http://", "https://"))


def is_call_to_action(text: str, rules: Rules) -> bool:
    """Whether a link's text reads as a button's: a few words ("Zum Programm des Elterncafés",
    "Ergebnisse als PDF", "Join a mapathon"), not an address and not a sentence of its own."""
    words = " ".join(text.strip(_ARROWS).split())
    if not words or len(words) > _CALL_LENGTH or len(words.split()) > _CALL_WORDS:
        return False
    if not any(character.isalpha() for character in words) or words[-1] in ".?;,":
        return False
    return not any(_ADDRESS.search(word) for word in words.split())


def _trailing(text: str, words: str) -> str | None:
    """`text` before `words` when it ends in them (arrows and a full stop after them aside)."""
    trimmed = text.rstrip(_ARROWS + ".!")
    return trimmed[: -len(words)] if words and trimmed.endswith(words) else None


def without_link_words(block: Block, rules: Rules) -> Block:
    """`block` without the words of links at its end that stand on their own: a "read more"
    link's after a sentence or a colon, a call to action's after a sentence."""
    text = block.text
    for link in reversed(block.links):
        words = link.text.strip(_ARROWS)
        before = _trailing(text, words)
        if before is None:
            continue
        last = before.rstrip()[-1:]
        if (rules.is_read_more(words) and (not last or last in _READ_MORE_AFTER)) or (
            last and last in _CALL_AFTER and _web(link) and is_call_to_action(words, rules)
        ):
            text = before.rstrip(_ARROWS)
    return block if text == block.text else dataclasses.replace(block, text=text)


def _button(block: Block, rules: Rules) -> bool:
    """A paragraph that is one web link's words and nothing else, and reads as a call to action."""
    return (
        block.kind is Kind.PARAGRAPH
        and len(block.links) == 1
        and _web(block.links[0])
        and noise.key(block.links[0].text) == noise.key(block.text)
        and is_call_to_action(block.text, rules)
    )


def without_buttons(blocks: Sequence[Block], rules: Rules) -> list[Block]:
    """`blocks` (an item's text) without the buttons that end it ("Join a mapathon"); one block of
    text always stays."""
    kept = list(blocks)
    while len(kept) > 1 and _button(kept[-1], rules):
        kept.pop()
    return kept


def without_pointer(block: Block, rules: Rules, language: str, main: str | None) -> Block:
    """`block` without a last sentence that only points to the item's main link `main` ("Mehr dazu
    hier.", "Die Folge hören Sie hier."): short, ending in a "read more" link's words, with no
    number, address or other link in it ("Write to volunteer@library.example or read more." stays).
    The post's link line says the same, with the link."""
    if main is None or not block.links:
        return block
    link = block.links[-1]
    words = link.text.strip(_ARROWS)
    if main not in (link.url, link.shown) or not rules.is_read_more(words) or _trailing(block.text, words) is None:
        return block
    ends = sentence_ends(block.text, language)
    start = ends[-2] if len(ends) > 1 else 0
    sentence = block.text[start:].strip()
    others = [other.text for other in block.links[:-1] if other.text]
    if (
        len(sentence.split()) > _POINTER_WORDS
        or any(character.isdigit() for character in sentence)
        or any(_ADDRESS.search(word) for word in sentence.split())
        or any(other in sentence for other in others)
    ):
        return block  # it says more: a number, an address, another link
    return dataclasses.replace(block, text=block.text[:start].rstrip())
