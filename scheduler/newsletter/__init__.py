"""Importing newsletter issues: files, folders and fetched pages → `Issue`s (pure functions, no settings).

Every form is told from its content (`formats.detect`): copied text, Markdown, an HTML page, an
HTML e-mail, an RSS or Atom feed, an e-mail message. Its reader turns it into a `Document`, and
`itemize` splits every document into items by the same rules.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from scheduler import media
from scheduler.errors import ConfigError, InputError
from scheduler.models import Image, Issue, IssueOptions, Item
from scheduler.newsletter import plaintext, single
from scheduler.newsletter.document import Document
from scheduler.newsletter.formats import SUFFIXES, Format, detect, sample
from scheduler.newsletter.identity import unique_items
from scheduler.newsletter.incoming import Deadline, as_text
from scheduler.newsletter.options import check_sections, load_options, options_path
from scheduler.newsletter.reading import Limits, read_text
from scheduler.newsletter.rules import DEFAULT, Rules
from scheduler.wording import plural

__all__ = [
    "Format",
    "Limits",
    "PerEntry",
    "Rules",
    "attach_images",
    "issue_files",
    "load_issue",
    "load_issues",
    "read_issues",
]

#: A feed's entries: each one an issue (split into its items), or each one an item of one issue.
PerEntry = Literal["issue", "item"]


def issue_files(paths: Sequence[Path]) -> list[Path]:
    """Expand folders into the newsletter files in them (sorted; every form, told apart by content
    when read); check that each path exists. A file named on its own is read whatever its name."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(
                p for p in path.iterdir() if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in SUFFIXES
            )
            if not found:
                raise InputError(
                    f"{path}: no newsletter files in this folder (looked for {', '.join(sorted(SUFFIXES))})"
                )
            files.extend(found)
        elif not path.exists():
            raise InputError(f"{path}: no such file or folder; check the path")
        else:
            files.append(path)
    return files


def load_issues(
    path: Path,
    *,
    languages: Sequence[str] = ("de", "en"),
    limits: Limits = Limits(),
    per_entry: PerEntry = "issue",
    rules: Rules = DEFAULT,
) -> list[Issue]:
    """Read and split one newsletter file (any form), with its options file if there is one: one
    issue, or a feed's issues. A file or an issue beyond `limits` is an `InputError` before the work
    that grows with it; so is a read (reader and split together) that takes longer than
    `incoming.TIME_LIMIT`."""
    deadline = Deadline.start()
    try:
        size = path.stat().st_size
    except OSError:
        size = 0
    if size > limits.max_bytes:
        read_text(path, max_bytes=limits.max_bytes)  # says so, naming the setting
    try:
        data = path.read_bytes()
    except OSError:
        read_text(path, max_bytes=limits.max_bytes)  # says what is wrong with the file
        raise
    refuse_no_text(data, str(path))
    found = detect(sample(data))
    if found is Format.MARKDOWN and single.is_single_post(as_text(data, what=str(path))):
        return [single.read_post(data, path=path, source=str(path), languages=languages, max_bytes=limits.max_bytes)]
    options = load_options(path)
    if found is Format.TEXT:
        text = read_text(path, max_bytes=limits.max_bytes)  # encodings, binary files: said as for any text
        issue = plaintext.parse(
            text,
            source=str(path),
            languages=languages,
            options=options,
            file_name=path.name,
            max_items=limits.max_items,
            rules=rules,
            deadline=deadline,
        )
        issues = [issue]
    else:
        issues = read_issues(
            data,
            source=str(path),
            file_name=path.name,
            languages=languages,
            limits=limits,
            options=options,
            per_entry=per_entry,
            rules=rules,
            form=found,
            deadline=deadline,
        )
    where = str(options_path(path))
    for issue in issues:
        check_sections(issue.options, {item.section for item in issue.items}, options_path(path))
    return [attach_images(unique_items(issue), where=where) for issue in issues]


def load_issue(path: Path, *, languages: Sequence[str] = ("de", "en"), limits: Limits = Limits()) -> Issue:
    """The one issue in the file at `path` (see `load_issues`); a feed of several issues is an
    `InputError` saying to read it with `load_issues`."""
    issues = load_issues(path, languages=languages, limits=limits)
    if len(issues) != 1:
        raise InputError(f"{path}: {plural(len(issues), 'issue')} in one file; expected one")
    return issues[0]


def refuse_no_text(data: bytes, source: str) -> None:
    """An `InputError` for a file whose first bytes say it is a document that is no text: a PDF, an
    office document (read as text, a PDF's objects would become "items")."""
    found = media.not_text(data[:16])
    if found is not None and not found[1].startswith("image/"):  # an image: said as binary content
        raise InputError(
            f"{source}: is {found[0]}, not a newsletter; open it, copy its text and paste that, "
            "or give the address of the issue's web page"
        )


def read_issues(
    data: bytes,
    *,
    source: str,
    url: str = "",
    file_name: str = "",
    languages: Sequence[str] = ("de", "en"),
    limits: Limits = Limits(),
    options: IssueOptions | None = None,
    per_entry: PerEntry = "issue",
    rules: Rules = DEFAULT,
    form: Format | None = None,
    deadline: Deadline | None = None,
) -> list[Issue]:
    """The issues in `data` (a file's or a fetched page's bytes, any form; `form` when already
    known), each split into items. `url`: where it came from (relative links resolve against it).
    One `deadline` (else `incoming.TIME_LIMIT` from now) for reading and splitting it all; without a
    `url`, the options' `url` (the issue's web address, for a saved page) stands for it."""
    from scheduler.newsletter import eml, feed, html_email, html_page, markdown
    from scheduler.newsletter.itemize import itemize

    deadline = deadline or Deadline.start()
    url = url or (options.url if options is not None else "")
    refuse_no_text(data, source)
    form = form or detect(sample(data))
    cap = limits.max_bytes
    if form is Format.MARKDOWN and single.is_single_post(as_text(data, what=source)):
        return [single.read_post(data, path=None, source=source, languages=languages, max_bytes=cap)]
    try:
        if form is Format.EML:
            documents = [eml.read(data, url=url, max_bytes=cap, deadline=deadline)]
        elif form is Format.FEED:
            documents = feed.read(data, source=source, url=url, per_entry=per_entry, max_bytes=cap, deadline=deadline)
        elif form is Format.HTML_EMAIL:
            documents = [html_email.read(data, url=url, max_bytes=cap, remove=rules.selectors, deadline=deadline)]
        elif form is Format.HTML_PAGE:
            documents = [html_page.read(data, url=url, max_bytes=cap, remove=rules.selectors, deadline=deadline)]
        elif form is Format.MARKDOWN:
            documents = [markdown.read(data, url=url, max_bytes=cap, deadline=deadline)]
        else:
            documents = [plaintext.read(data, url=url, file_name=file_name, max_bytes=cap)]
    except InputError as error:  # every error names the file or address it is about
        said = str(error)
        if not source or said.startswith(source) or (url and said.startswith(url)):
            raise
        raise InputError(f"{source}: {said}") from None
    if not documents:
        raise InputError(f"{source}: the {form} holds no entries; nothing to import")
    if form is Format.FEED and per_entry == "item":
        return [_entries_as_items(documents[0], source, languages, options, limits, rules, deadline)]
    return [
        itemize(
            document,
            source=source,
            languages=languages,
            options=options,
            max_items=limits.max_items,
            rules=rules,
            deadline=deadline,
        )
        for document in documents
    ]


def _entries_as_items(
    document: Document,
    source: str,
    languages: Sequence[str],
    options: IssueOptions | None,
    limits: Limits,
    rules: Rules,
    deadline: Deadline,
) -> Issue:
    """A feed read one entry per item: each entry (from its title heading on) split on its own, so
    that what one entry holds — a sign-off, an imprint line — never ends the feed for the entries
    after it; then one issue of all their items."""
    from scheduler.newsletter.itemize import itemize
    from scheduler.newsletter.noise import ItemTitle

    starts = [index for index, block in enumerate(document.blocks) if isinstance(block, ItemTitle)] or [0]
    if starts[0] != 0:
        starts.insert(0, 0)
    parts = [document.blocks[start:end] for start, end in zip(starts, [*starts[1:], len(document.blocks)], strict=True)]
    issues = [
        itemize(
            dataclasses.replace(document, blocks=tuple(part)),
            source=source,
            languages=languages,
            options=options,
            max_items=limits.max_items,
            rules=rules,
            deadline=deadline,
        )
        for part in parts
    ]
    items = tuple(item for issue in issues for item in issue.items)
    if limits.max_items is not None and len(items) > limits.max_items:
        raise InputError(
            f"{source}: {len(items):,} entries, more than the {limits.max_items:,} items an issue may have "
            "(SCHEDULER_MAX_ITEMS); raise the setting or read the feed one entry per issue"
        )
    return dataclasses.replace(issues[0], items=items)


def _target(issue: Issue, item: int | str, where: str) -> int:
    """The index of the item an `[[images]]` entry names: its number, or the start of its title."""
    if isinstance(item, int):
        if item > len(issue.items):
            raise ConfigError(
                f"{where}: image for item {item}, but the issue has {plural(len(issue.items), 'item')}; "
                f"use a number from 1 to {len(issue.items)} (scheduler preview numbers them)"
            )
        return item - 1
    wanted = item.casefold()
    found = [index for index, entry in enumerate(issue.items) if entry.title.casefold().startswith(wanted)]
    if len(found) != 1:
        problem = "no item's title starts" if not found else f"{len(found)} items' titles start"
        raise ConfigError(f"{where}: {problem} with {item!r}; use the item's number or more of its title")
    return found[0]


def attach_images(issue: Issue, *, where: str) -> Issue:
    """The issue with each `[[images]]` entry of its options attached to the item it names."""
    if not issue.options.images:
        return issue
    chosen: dict[int, list[Image]] = {}
    for entry in issue.options.images:
        chosen.setdefault(_target(issue, entry.item, where), []).append(entry.image)
    items: list[Item] = [
        dataclasses.replace(item, images=item.images + tuple(chosen[index])) if index in chosen else item
        for index, item in enumerate(issue.items)
    ]
    return dataclasses.replace(issue, items=tuple(items))
