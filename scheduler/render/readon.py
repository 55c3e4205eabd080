"""No dead ends: what a rendered post lacks for a reader to read on.

A post that was shortened needs a link to the rest; so does a text that points to one ("Den ganzen
Beitrag hören Sie hier.", "Mehr dazu hier", "click here") — words that were a link on the web page
the issue was copied from. A link the issue gives relative to its web address, where the file does
not say that address, cannot be followed: it is named, not lost without a word. And a link through
a mailing tool's click tracker sends the post's readers through the newsletter's statistics (where
it leads only the tool knows, unless the tracker's address says it: `text.trackers`). `dead_ends`
names each such problem as a warning for `scheduler preview`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from scheduler.text.entities import url_spans
from scheduler.text.trackers import target, tool

# Words that only make sense as (or next to) a link: "hier"/"here" ending a clause, "hier geht's",
# "mehr dazu", "weiterlesen", "unter folgendem Link", "click here", "read more". A plain "mehr"
# ("mehr als 2.000 Mitglieder") or "hier" inside a sentence ("fühlen sich hier wohl") is not one.
_POINTERS = re.compile(
    r"\b(?:hier|here)\b(?=\s*[.!:…)]|\s*$)"
    r"|\bhier\s+(?:geht'?s|entlang|klicken|anmelden|herunterladen|nachlesen|abrufen|lesen|ansehen|anhören)\b"
    r"|\bmehr\s+dazu\b|\bweiterlesen\b|\bmehr\s+erfahren\b"
    r"|\b(?:unter|über|im|in\s+dem)\s+(?:diesem|folgendem|dem\s+folgenden|den\s+folgenden|nachfolgendem)\s+Link\b"
    r"|\bclick\s+here\b|\bread\s+more\b|\blearn\s+more\b|\bfind\s+out\s+more\b|\bmore\s+here\b",
    re.IGNORECASE,
)


#: A word each of the patterns above contains: a text with none of them needs no closer look.
_WORDS = ("hier", "here", "mehr", "link", "weiterlesen", "more")


def pointers(text: str) -> list[str]:
    """The words in `text` that point to a link ("hier", "Mehr dazu", "here" …), each once, in order."""
    folded = text.lower()
    if not any(word in folded for word in _WORDS):
        return []
    return list(dict.fromkeys(match.group(0) for match in _POINTERS.finditer(text)))


def dead_ends(
    text: str,
    *,
    has_link: bool,
    shortened: bool,
    link_available: bool,
    options_file: str,
    relative: Sequence[str] = (),
    borrowed: Sequence[str] = (),
) -> list[str]:
    """Warnings for a post whose text is `text`: shortened without a link to read on, pointing to a
    link it does not have, linking through a mailing tool's click tracker, or with links lost
    because they are `relative` to a web address the issue's file does not say. `link_available`:
    the item or the issue has a link (the template left it out). `borrowed`: the words of the
    item's own text in the post that point to a link ("hier") when the item has no link of its
    own and the post's is the issue's page — they may have meant another."""
    said = [] if has_link else pointers(text)
    warnings: list[str] = []
    if has_link and borrowed:  # its link is the page: a "hier" may have meant another
        warnings.append(
            f"says {_quoted(borrowed)} but links only to the issue's web page; "
            "if it points somewhere else, give the item that link"
        )
    if relative:  # the link the post lacks, if it lacks one, is the one lost: one fix for both
        warnings.append(_relative(relative, said, options_file))
    elif not has_link:
        if link_available:
            fix = "the template does not show {{ link }}; add it to the template"
        else:
            fix = f'add link = "https://…" (the issue\'s web page) to {options_file}, or a link to the item'
        if shortened:
            warnings.append(f"shortened without a link to read on: {fix}")
        if said:
            warnings.append(f"says {_quoted(said)} but has no link: {fix}")
    return warnings + trackers(text)


def _relative(links: Sequence[str], said: Sequence[str], options_file: str) -> str:
    """The warning for links lost because they are relative: which, and the fix (the options
    file's `url`). `said`: the words of the post that point to them ("hier")."""
    unique = list(dict.fromkeys(links))
    one = len(unique) == 1
    if said:
        lost = f"says {_quoted(said)}, but " + ("its link is lost" if one else f"its {len(unique)} links are lost")
    else:
        lost = "link lost" if one else f"{len(unique)} links lost"
    names = _quoted(unique)
    verb = "is" if one else "are"
    return (
        f"{lost}: {names} {verb} relative to the issue's web address, which its file does not give; "
        f'add url = "https://…" (the issue\'s web address) to {options_file}'
    )


def _quoted(words: Sequence[str]) -> str:
    return ", ".join(f'"{word}"' for word in words)


def trackers(text: str) -> list[str]:
    """A warning for each link in `text` through a mailing tool's click tracker: where it leads, when
    its address says so; else which tool it is and what to do (following it to find out would count
    as a reader's click, so it is never followed)."""
    warnings = []
    for url in dict.fromkeys(span.text for span in url_spans(text)):
        name = tool(url)
        if not name:
            continue
        if found := target(url):
            warnings.append(
                f"links through {name}'s click tracker ({url}) to {found}: "
                "put that address in its place in the issue's file"
            )
        else:
            warnings.append(
                f"links through {name}'s click tracker ({url}), not to the article: only {name} knows where it "
                "leads, and each click would count as one by the subscriber the e-mail was sent to; "
                "replace it with the article's address in the issue's file"
            )
    return warnings
