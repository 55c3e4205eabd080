"""Which queued item an item of an issue read again is: its identity survives corrections.

An item's *fingerprint* is a hash of its text (`models.item_id`): the same text gives the same
fingerprint on every run. An item's *identity* (the `item_id` its posts are queued under) is the
fingerprint it had when it was first queued, and it stays when the text is corrected later:

1. Every issue has a key, its date and title (`2024-12-13-die-vernetzungsstelle-informiert`), so a
   corrected copy of an issue in another file is still the same issue. Without a date the file name
   is part of the key (two undated issues called "Newsletter" are not one issue). When nothing is
   queued under the key but at least half of the paragraphs are found unchanged under another one,
   the date or title was corrected: that is the issue (`renamed_from`).
2. An item whose text is queued already (same fingerprint, in this issue or any other) is that item.
3. The items left over are paired with the items of the same issue that were queued but not found
   again, by how similar their words are (`similarity`, at least `THRESHOLD`): a corrected typo or
   a reworded sentence keeps the item. First in place, like a diff: the paragraphs between two
   unchanged ones are paired with the stored ones between the same two; then the rest among
   themselves (a paragraph corrected and moved). The most similar pair wins; ties go to the same
   section, then the nearest position. Comparisons are bounded (`_BUDGET`), so a pathological issue
   (thousands of paragraphs, all changed and shuffled) costs seconds, not minutes.
4. What is still left is new (it gets its fingerprint as identity, or a variant of it when that id
   is taken by another item) or no longer in the issue.

Two paragraphs with the same text in one issue are one item (`unique_items`): posting the same
text twice on one account is what a reader would call spam, and X refuses it as a duplicate.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from scheduler.models import Issue, Item, KnownItem, slugify

#: How similar (0…1, by words) a paragraph must be to a queued one to count as its corrected text.
#: Unrelated paragraphs of the example issue score 0.04–0.19; a corrected typo 0.98 or more.
THRESHOLD = 0.6
#: Above this many leftover pairs, only pairs at most `_WINDOW` positions apart are compared.
_ALL_PAIRS = 10_000
_WINDOW = 20
_NEAR = (0, -1, 1, -2, 2, -3, 3)  # places off, in a long stretch
_PLAIN = 0.9  # similarity at which a paragraph in a long stretch is taken without comparing more
_BUDGET = 30_000  # comparisons per issue (1–2 s): beyond them, paragraphs not found yet are new
_WORDS = re.compile(r"\w+|[^\w\s]")
log = logging.getLogger(__name__)


def issue_key(issue: Issue) -> str:
    """What makes two files the same issue: its date and title; without a date also the file name."""
    if issue.date is not None:
        return issue.slug[:200]
    name = issue.source.replace("\\", "/").rsplit("/", 1)[-1]
    return f"{slugify(issue.title) or 'newsletter'}@{name}"[:200]


def renamed_from(stored: Iterable[KnownItem], fingerprints: Sequence[str], *, key: str) -> str | None:
    """The key this issue was queued under before its date or title was corrected: when nothing is
    stored under `key`, the issue at least half of whose paragraphs are found unchanged in it."""
    stored = list(stored)
    if any(entry.issue == key for entry in stored):
        return None
    wanted = set(fingerprints)
    counts = Counter(entry.issue for entry in stored if entry.fingerprint in wanted)
    if not counts:
        return None
    previous, count = counts.most_common(1)[0]
    return previous if 2 * count >= len(wanted) else None


def _words(text: str) -> list[str]:
    return _WORDS.findall(text.casefold())


def similarity(a: str, b: str) -> float:
    """How alike two texts are, by their words (0: nothing shared, 1: the same words)."""
    return SequenceMatcher(None, _words(a), _words(b), autojunk=False).ratio()


def unique_items(issue: Issue) -> Issue:
    """The issue with each paragraph that repeats an earlier one (same text) left out, with a
    warning saying so."""
    seen: dict[str, int] = {}
    items: list[Item] = []
    for item in issue.items:
        if item.id in seen:
            first = items[seen[item.id]]
            where = f" under {item.section!r}" if item.section else ""
            log.warning(
                "%s: a paragraph%s repeats item %d (%s); it is queued once",
                issue.source,
                where,
                seen[item.id] + 1,
                first.title[:40],
            )
            continue
        seen[item.id] = len(items)
        items.append(item)
    return issue if len(items) == len(issue.items) else dataclasses.replace(issue, items=tuple(items))


@dataclass(frozen=True, slots=True)
class Matching:
    """The outcome of `match_items`."""

    ids: dict[str, str]  # fingerprint of an item read now → its identity
    known: dict[str, KnownItem]  # identity → what was stored for it (items matched to a stored one)
    removed: tuple[KnownItem, ...]  # stored items of this issue not found again

    def edited(self, item: Item) -> bool:
        """Whether `item`'s text differs from the text its identity was stored with."""
        stored = self.known.get(self.ids[item.id])
        return stored is not None and stored.fingerprint != item.id


def _new_id(fingerprint: str, key: str, taken: set[str]) -> str:
    identity, number = fingerprint, 1
    while identity in taken:
        number += 1
        identity = hashlib.sha256(f"{fingerprint}|{key}|{number}".encode()).hexdigest()[:12]
    return identity


def match_items(items: Sequence[Item], stored: Iterable[KnownItem], *, key: str) -> Matching:
    """Pair the items of issue `key` read now (each `id` its fingerprint, unique) with the stored
    items: those of the issue, and any whose id or fingerprint is one of the items' fingerprints."""
    stored = list(stored)
    ids: dict[str, str] = {}
    known: dict[str, KnownItem] = {}
    by_print: dict[str, list[KnownItem]] = {}
    for known_item in sorted(stored, key=lambda s: s.issue != key):  # this issue's first
        by_print.setdefault(known_item.fingerprint, []).append(known_item)
    used: set[str] = set()
    left: list[tuple[int, Item]] = []
    for position, item in enumerate(items):
        entry = next((s for s in by_print.get(item.id, ()) if s.id not in used), None)
        if entry is None:
            left.append((position, item))
            continue
        used.add(entry.id)
        ids[item.id], known[entry.id] = entry.id, entry
    mine = sorted((s for s in stored if s.issue == key), key=lambda s: s.number)
    pairing = _Pairing()
    for step in (pairing.in_place, pairing.anywhere):  # corrected where they stood, then corrected and moved
        if not left or all(s.id in used for s in mine):
            break
        for _, item, entry in step(items, mine, used, ids):
            used.add(entry.id)
            ids[item.id], known[entry.id] = entry.id, entry
        left = [(position, item) for position, item in left if item.id not in ids]
    taken = {s.id for s in stored} | set(ids.values())
    for _, item in left:
        ids[item.id] = _new_id(item.id, key, taken)
        taken.add(ids[item.id])
    return Matching(ids=ids, known=known, removed=tuple(s for s in mine if s.id not in used))


Pair = tuple[int, Item, KnownItem]  # position of the item read now, the item, the stored item


class _Pairing:
    """Pairs paragraphs by similarity, with at most `_BUDGET` comparisons in all: a pathological
    issue (thousands of paragraphs, all changed and shuffled) leaves the rest new instead of
    taking minutes."""

    def __init__(self) -> None:
        self.budget = _BUDGET
        self._words: dict[str, list[str]] = {}

    def _ratio(self, item: Item, entry: KnownItem, matcher: SequenceMatcher[str]) -> float:
        """`item`'s words are `matcher`'s second sequence."""
        if self.budget <= 0:
            return 0.0
        self.budget -= 1
        theirs = self._words.get(entry.id)
        if theirs is None:
            theirs = self._words[entry.id] = _words(entry.body)
        matcher.set_seq1(theirs)
        if matcher.real_quick_ratio() < THRESHOLD or matcher.quick_ratio() < THRESHOLD:
            return 0.0
        return matcher.ratio()

    @staticmethod
    def _matcher(item: Item) -> SequenceMatcher[str]:
        matcher: SequenceMatcher[str] = SequenceMatcher(None, autojunk=False)
        matcher.set_seq2(_words(item.body))
        return matcher

    def in_place(self, items: Sequence[Item], mine: list[KnownItem], used: set[str], ids: dict[str, str]) -> list[Pair]:
        """Between two paragraphs found unchanged, the new ones are paired with the stored ones
        between the same two (a diff's replaced stretch). Linear in the issue's length."""
        index = {entry.id: number for number, entry in enumerate(mine)}
        pairs: list[Pair] = []
        stretch: list[tuple[int, Item]] = []
        before = -1
        for position, item in enumerate(items):
            if item.id not in ids:
                stretch.append((position, item))
                continue
            number = index.get(ids[item.id])
            if number is None:  # the same text as an item of another issue: no anchor here
                continue
            if stretch and number > before:
                pairs += self._stretch(stretch, [s for s in mine[before + 1 : number] if s.id not in used])
            stretch, before = [], max(before, number)
        if stretch:
            pairs += self._stretch(stretch, [s for s in mine[before + 1 :] if s.id not in used])
        return pairs

    def anywhere(self, items: Sequence[Item], mine: list[KnownItem], used: set[str], ids: dict[str, str]) -> list[Pair]:
        """Among all paragraphs left (a corrected paragraph that also moved)."""
        left = [(position, item) for position, item in enumerate(items) if item.id not in ids]
        return self._pair(left, [s for s in mine if s.id not in used])

    def _stretch(self, left: list[tuple[int, Item]], others: list[KnownItem]) -> list[Pair]:
        if not others or len(left) * len(others) <= _ALL_PAIRS:
            return self._pair(left, others) if others else []
        # A long stretch: a paragraph that is plainly the one in its place (or a few places off,
        # when paragraphs were inserted or removed) is taken at once; the rest are paired below.
        pairs: list[Pair] = []
        taken: set[str] = set()
        for k, (position, item) in enumerate(left):
            matcher = self._matcher(item)
            for offset in _NEAR:
                if (
                    0 <= k + offset < len(others)
                    and (entry := others[k + offset]).id not in taken
                    and self._ratio(item, entry, matcher) >= _PLAIN
                ):
                    pairs.append((position, item, entry))
                    taken.add(entry.id)
                    break
        done = {position for position, _, _ in pairs}
        return pairs + self._pair(
            [(p, item) for p, item in left if p not in done], [s for s in others if s.id not in taken]
        )

    def _pair(self, left: list[tuple[int, Item]], others: list[KnownItem]) -> list[Pair]:
        """The most similar pairs first (then the same section, then the nearest place), each item
        and each stored item at most once; in a long list only places at most `_WINDOW` apart."""
        everything = len(left) * len(others) <= _ALL_PAIRS
        others = sorted(others, key=lambda s: s.number)
        numbers = [s.number for s in others]
        scored = []
        for position, item in left:
            matcher = self._matcher(item)
            nearby = (
                others
                if everything
                else others[
                    bisect_left(numbers, position + 1 - _WINDOW) : bisect_right(numbers, position + 1 + _WINDOW)
                ]
            )
            for entry in nearby:
                ratio = self._ratio(item, entry, matcher)
                if ratio >= THRESHOLD:
                    distance = abs(entry.number - 1 - position)
                    scored.append(
                        (-ratio, entry.section != item.section, distance, position, entry.number, item, entry)
                    )
        scored.sort(key=lambda row: row[:5])
        pairs: list[Pair] = []
        mine_used: set[int] = set()
        theirs_used: set[str] = set()
        for *_, position, _number, item, entry in scored:
            if position not in mine_used and entry.id not in theirs_used:
                mine_used.add(position)
                theirs_used.add(entry.id)
                pairs.append((position, item, entry))
        return pairs
