"""What ends an item: a thematic break (Markdown's `---`), and a call for submissions ("Sie möchten
über Ihr Projekt berichten?", "Want to be featured?"), which is no item and no part of one."""

from __future__ import annotations

import pytest

from scheduler.models import Item
from scheduler.newsletter import markdown
from scheduler.newsletter.document import Block, Document, Kind
from scheduler.newsletter.itemize import itemize

H, P = Kind.HEADING, Kind.PARAGRAPH
HEADING = Block(H, "Obstbaumkataster online", level=2)


def one(*blocks: Block) -> Item:
    document = Document(blocks=(HEADING, *blocks), title="Rundbrief", url="https://verein.example/rundbrief/")
    (item,) = itemize(document, source="test").items
    return item


def test_a_thematic_break_ends_the_item_above_it():
    text = (
        "## Aufruf: Kleinprojekte für Familien\n\nVereine können bis zu 2.500 € beantragen. Frist ist der 30. April.\n\n"
        "---\n\nDas Familienbüro zieht im Mai in die Hauptstraße 12 um und ist dort ab dem 5. Mai erreichbar.\n"
    )
    document = markdown.read(text)
    assert [block.after_break for block in document.blocks] == [False, False, True]
    first, second = itemize(document, source="test").items
    assert first.body == "Vereine können bis zu 2.500 € beantragen. Frist ist der 30. April."
    assert second.body.startswith("Das Familienbüro zieht im Mai")


@pytest.mark.parametrize(
    "call",
    [
        "Sie möchten über Ihr Projekt berichten? Schreiben Sie uns an redaktion@verein.example.",
        "Haben Sie Themen für den nächsten Newsletter? Schreiben Sie uns.",
        "Ihr habt Neuigkeiten aus eurem Verein? Schreibt uns!",
        "Want to be featured? Email news@verein.example.",
        "Got a story for the next issue? Tell us at news@verein.example.",
    ],
)
def test_a_call_for_submissions_is_no_item_and_no_part_of_one(call):
    item = one(Block(P, "Der Obstbaumkataster ist online, und jede Kartierung hilft den Ortsgruppen."), Block(P, call))
    assert item.body == "Der Obstbaumkataster ist online, und jede Kartierung hilft den Ortsgruppen."


@pytest.mark.parametrize(
    "question",
    ["Sie haben Fragen zum Kinderzuschlag? Die Familienkasse hilft.", "Sie möchten mitmachen? Melden Sie sich."],
)
def test_a_question_to_the_reader_that_asks_for_no_submission_stays(question):
    item = one(
        Block(P, "Der Obstbaumkataster ist online, und jede Kartierung hilft den Ortsgruppen."), Block(P, question)
    )
    assert item.body.endswith(question)
