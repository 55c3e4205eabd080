"""An item keeps its identity when its issue is corrected: matching the items read now with the
items the queue remembers (pure functions, on the example issue)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from scheduler.models import Issue, Item, KnownItem, item_id
from scheduler.newsletter.identity import THRESHOLD, issue_key, match_items, renamed_from, similarity, unique_items

KEY = "2024-12-13-die-vernetzungsstelle-informiert"


def _known(issue: Issue, key: str = KEY) -> list[KnownItem]:
    return [
        KnownItem(id=item.id, issue=key, number=n, section=item.section, body=item.body, fingerprint=item.id)
        for n, item in enumerate(issue.items, start=1)
    ]


def _item(body: str, section: str = "Vernetzt") -> Item:
    return Item(id=item_id(body), section=section, title=body[:20], body=body)


def _corrected(item: Item, old: str, new: str) -> Item:
    assert old in item.body
    return _item(item.body.replace(old, new), item.section)


def test_the_issue_key_is_its_date_and_title_so_a_copy_in_another_file_is_the_same_issue(example_issue):
    copy = dataclasses.replace(example_issue, source="/elsewhere/korrigiert.txt")
    assert issue_key(example_issue) == issue_key(copy) == KEY


def test_undated_issues_are_told_apart_by_their_file():
    a = Issue(title="Newsletter", date=None, source="posts/januar.txt", language="de", items=())
    b = dataclasses.replace(a, source="posts/februar.txt")
    assert issue_key(a) != issue_key(b) and issue_key(a) == "newsletter@januar.txt"


def test_an_issue_whose_title_was_corrected_is_found_under_its_old_key(example_issue):
    prints = [item.id for item in example_issue.items]
    old = _known(example_issue, key="2024-12-13-die-vernetzungstelle-informiert")
    assert renamed_from(old, [*prints[:3], "a", "b", "c"], key=KEY) == old[0].issue  # half found unchanged
    assert renamed_from(old, [*prints[:2], "a", "b", "c", "d"], key=KEY) is None  # a third: another issue
    assert renamed_from(old + _known(example_issue)[:1], prints, key=KEY) is None  # something under the key


def test_unchanged_items_keep_their_ids(example_issue):
    matching = match_items(example_issue.items, _known(example_issue), key=KEY)
    assert matching.ids == {item.id: item.id for item in example_issue.items}
    assert matching.removed == () and not any(matching.edited(item) for item in example_issue.items)


def test_a_corrected_typo_keeps_the_item(example_issue):
    items = list(example_issue.items)
    items[2] = _corrected(items[2], "Interesse der Fachpublikums", "Interesse des Fachpublikums")
    matching = match_items(items, _known(example_issue), key=KEY)
    assert matching.ids[items[2].id] == example_issue.items[2].id
    assert matching.edited(items[2]) and not matching.edited(items[0])


def test_an_inserted_paragraph_is_new_and_the_following_items_keep_their_ids(example_issue):
    new = _item("Neu im Netzwerk: Das Projekt WegWeiser in Kassel lädt am 14. Januar zum Austausch ein.")
    items = [*example_issue.items[:2], new, *example_issue.items[2:]]
    matching = match_items(items, _known(example_issue), key=KEY)
    assert matching.ids[new.id] == new.id and new.id not in matching.known
    assert all(matching.ids[item.id] == item.id for item in example_issue.items)


def test_a_removed_paragraph_is_reported(example_issue):
    items = [item for n, item in enumerate(example_issue.items) if n != 3]
    matching = match_items(items, _known(example_issue), key=KEY)
    assert [item.id for item in matching.removed] == [example_issue.items[3].id]


def test_a_paragraph_moved_and_corrected_keeps_its_id(example_issue):
    items = list(example_issue.items)
    moved = _corrected(items.pop(1), "Am 12. November", "Am 13. November")
    items.append(moved)
    matching = match_items(items, _known(example_issue), key=KEY)
    assert matching.ids[moved.id] == example_issue.items[1].id and matching.removed == ()


def test_a_rewritten_paragraph_in_place_of_another_is_a_new_item(example_issue):
    items = list(example_issue.items)
    items[3] = _item(
        "Die Vernetzungsstelle wünscht allen Projekten erholsame Feiertage und einen guten Start in das neue Jahr 2025."
    )
    matching = match_items(items, _known(example_issue), key=KEY)
    assert matching.ids[items[3].id] == items[3].id
    assert [item.id for item in matching.removed] == [example_issue.items[3].id]


def test_items_of_another_issue_are_not_matched_by_similarity(example_issue):
    items = [_corrected(example_issue.items[1], "Am 12. November", "Am 13. November")]
    matching = match_items(items, _known(example_issue, key="2025-01-10-andere-ausgabe"), key=KEY)
    assert matching.ids[items[0].id] == items[0].id and matching.removed == ()


def test_the_same_text_queued_from_another_issue_is_the_same_item(example_issue):
    item = example_issue.items[0]
    matching = match_items([item], _known(example_issue, key="2025-01-10-andere-ausgabe"), key=KEY)
    assert matching.ids[item.id] == item.id and item.id in matching.known


def test_a_new_item_whose_fingerprint_names_another_item_gets_an_id_of_its_own():
    first = _item("Der erste Text, so wie er einmal war.")
    stored = KnownItem(
        id=first.id,
        issue=KEY,
        number=1,
        section="Vernetzt",
        body="Ganz anders jetzt, neu geschrieben.",
        fingerprint=item_id("Ganz anders jetzt, neu geschrieben."),
    )
    other = KnownItem(
        id="x", issue="2025-01-10-x", number=1, section="", body=stored.body, fingerprint=stored.fingerprint
    )
    matching = match_items([first], [stored, other], key="2025-02-01-y")
    assert matching.ids[first.id] not in {first.id, "x"} and len(matching.ids[first.id]) == 12


def test_similarity_separates_corrections_from_other_paragraphs(example_issue):
    items = example_issue.items
    unrelated = max(similarity(a.body, b.body) for a in items for b in items if a is not b)
    corrected = similarity(items[2].body, items[2].body.replace("der Fachpublikums", "des Fachpublikums"))
    assert unrelated < 0.25 < THRESHOLD < 0.95 < corrected


def test_a_repeated_paragraph_is_one_item_with_a_warning(example_issue, caplog):
    repeated = dataclasses.replace(example_issue.items[5], section="Vernetzt")
    issue = dataclasses.replace(example_issue, items=(*example_issue.items[:2], repeated, *example_issue.items[2:]))
    unique = unique_items(issue)
    kept = (*example_issue.items[:2], repeated, *example_issue.items[2:5])  # the first of the two stays
    assert [(item.id, item.section) for item in unique.items] == [(item.id, item.section) for item in kept]
    (note,) = [record.getMessage() for record in caplog.records]
    assert "under 'Umgeschaut' repeats item 3" in note and "queued once" in note


def _large(count: int) -> tuple[list[str], list[KnownItem]]:
    bodies = [
        f"Meldung {n}: Das Projekt {n} in Stadt {n % 97} berichtet über Termin {n % 31} und Ort {n % 13}."
        for n in range(count)
    ]
    return bodies, [
        KnownItem(id=item_id(b), issue=KEY, number=n, section="", body=b, fingerprint=item_id(b))
        for n, b in enumerate(bodies, start=1)
    ]


def _comparisons(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the paragraph comparisons `match_items` makes (the work that grows with an issue):
    `done[0]` the comparisons made, `done[1]` the pairs looked at (most refused at once)."""
    from scheduler.newsletter import identity

    done = [0, 0]
    compare = identity._Pairing._ratio

    def counted(self: identity._Pairing, *args: Any) -> float:
        done[0] += self.budget > 0  # a comparison is made while the budget lasts
        done[1] += 1
        return compare(self, *args)

    monkeypatch.setattr(identity._Pairing, "_ratio", counted)
    return done


@pytest.mark.parametrize("every", [1, 3, 10], ids=lambda every: f"every {every}. corrected")
def test_matching_a_large_corrected_issue_takes_linear_work(every: int, monkeypatch: pytest.MonkeyPatch):
    bodies, known = _large(3000)
    items = [_item(b.replace("berichtet", "berichtete") if n % every == 0 else b, "") for n, b in enumerate(bodies)]
    items.insert(1500, _item("Ganz neu eingefügt, mitten in der Ausgabe.", ""))
    done = _comparisons(monkeypatch)
    matching = match_items(items, known, key=KEY)
    assert [matching.ids[item.id] for item in items[:1500] + items[1501:]] == [k.id for k in known]
    assert done[0] <= 2 * len(items), done[0]  # corrected in place: about one comparison per paragraph


def test_a_pathological_issue_is_matched_with_bounded_work(monkeypatch: pytest.MonkeyPatch):
    from scheduler.newsletter.identity import _BUDGET

    bodies, known = _large(10_000)
    items = [_item(b.replace("berichtet", "berichtete"), "") for b in reversed(bodies)]  # all changed, reversed
    done = _comparisons(monkeypatch)
    matching = match_items(items, known, key=KEY)
    assert done[0] <= _BUDGET  # not 10,000 × 10,000: beyond the budget, the rest are new
    assert done[1] <= 100 * len(items)  # and the pairs merely looked at stay far from 10,000 × 10,000
    assert len(set(matching.ids.values())) == len(items)  # every item has an identity of its own
