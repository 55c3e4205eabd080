"""A single post kept as a file beside the issues (`posts/*.md`): Markdown with a front matter that
says where and when it goes. An event, a job advert, a call for proposals — "posts as code",
reviewed in pull requests like the issues.

    ---
    platforms: [mastodon, bluesky]        ← a file whose front matter has `publish_at` or
    accounts: [mastodon:team]               `platforms` is a single post (any other Markdown
    publish_at: 2025-06-02 09:00            file is an issue); publish_at is the team's local
    title: Sommerfest im Familienzentrum    time (or carries its offset); without it, the post
    link: https://example.org/sommerfest    takes the next free slot
    images:
      - path: images/sommerfest.jpg       ← relative to the file; alt text is required
        alt: Kinder beim Dosenwerfen
    thread: true                          ← too long for a platform: a thread instead of a cut
    ---
    Am 14. Juni feiern wir … (the post's text, as it should read)

The text is the post as written: paragraphs and line breaks stay, `**bold**` and `_emphasis_`
marks go (no platform shows them), `[text](https://…)` becomes "text (https://…)". It becomes an
issue of one item, rendered by the templates like any item (hashtags, UTM, the account's footer).
Every mistake is one `InputError` naming the file, the key and the fix.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from scheduler.errors import InputError
from scheduler.models import Image, Issue, IssueOptions, Item, Placement, item_id
from scheduler.newsletter.incoming import as_text, check_size
from scheduler.newsletter.language import detect_language
from scheduler.newsletter.links import extract_links
from scheduler.newsletter.markdown import split_front_matter

#: The keys a single post's front matter may have; `MARKS` make a Markdown file a single post.
KEYS = ("accounts", "images", "language", "link", "platforms", "publish_at", "thread", "title")
MARKS = ("publish_at", "platforms")
_LINK = re.compile(r"(?<!!)\[([^\]\n]+)\]\((https?://[^)\s]+)\)")
_IMAGE = re.compile(r"!\[[^\]\n]*\]\([^)\n]*\)")
_EMPHASIS = re.compile(r"(\*\*|__)(\S(?:.*?\S)?)\1|(?<![\w*])([*_])(\S(?:.*?\S)?)\3(?![\w*])")
_EXAMPLE_TIME = "publish_at: 2030-06-03 09:00"
T = TypeVar("T")


def is_single_post(text: str) -> bool:
    """Whether Markdown `text` is a single post: its front matter has `publish_at` or `platforms`."""
    try:
        meta, _ = split_front_matter(text)
    except InputError:
        return False
    return any(key in meta for key in MARKS)


def read_post(
    data: bytes | str,
    *,
    path: Path | None,
    source: str,
    languages: Sequence[str] = ("de", "en"),
    max_bytes: int | None = None,
) -> Issue:
    """The single post in `data` (read from `path`, whose folder its images are relative to) as an
    issue of one item with its `placement`."""
    what = source
    check_size(data, max_bytes, what=what)
    meta, body = split_front_matter(as_text(data, what=what).removeprefix("\ufeff"), what=what)
    problems: list[str] = []  # every problem of the file, said at once

    def checked(read: Callable[[], T], default: T) -> T:
        try:
            return read()
        except InputError as error:
            problems.append(str(error).removeprefix(f"{what}: "))
            return default

    unknown = sorted(set(meta) - set(KEYS))
    if unknown:
        problems.append(f"unknown front matter key {unknown[0]!r}; a single post's keys are {', '.join(KEYS)}")
    text = _plain(body)
    if not text:
        problems.append("the post has no text; write it below the front matter")
    link = checked(lambda: _link(meta.get("link"), what), None)
    title = checked(lambda: _string(meta, "title", what), "")
    language = checked(lambda: _string(meta, "language", what), "")
    placement = Placement(
        platforms=checked(lambda: _platforms(meta.get("platforms"), what), ()),
        accounts=checked(lambda: _accounts(meta.get("accounts"), what), ()),
        publish_at=checked(lambda: _time(meta.get("publish_at"), what), None),
        thread=checked(lambda: _flag(meta.get("thread"), "thread", what), None),
    )
    no_images: tuple[Image, ...] = ()
    images = checked(lambda: _images(meta.get("images"), base=path.parent if path else None, what=what), no_images)
    if problems:
        raise InputError(f"{what}: " + "; ".join(problems))
    language = language or detect_language(text, languages)
    links = tuple(dict.fromkeys([*extract_links(text), *([link] if link else [])]))
    item = Item(id=item_id(text), section="", title=title, body=text, links=links, images=images, link=link)
    name = Path(source).stem if source else "post"
    return Issue(
        title=title or name,
        date=placement.publish_at.date() if placement.publish_at else None,
        source=source,
        language=language,
        items=(item,),
        options=IssueOptions(language=language),
        placement=placement,
    )


def _plain(markdown: str) -> str:
    """The post's text as written, without Markdown's marks (see the module's words)."""
    text = _IMAGE.sub("", markdown)
    text = _LINK.sub(lambda m: m[2] if m[1].strip() == m[2] else f"{m[1]} ({m[2]})", text)
    text = _EMPHASIS.sub(lambda m: m[2] if m[2] is not None else m[4], text)
    paragraphs = [p.strip("\n") for p in re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n"))]
    return "\n\n".join("\n".join(line.rstrip() for line in p.split("\n")) for p in paragraphs if p.strip()).strip()


def _string(meta: Mapping[str, Any], key: str, what: str) -> str:
    value = meta.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, (str, int, float)):
        raise InputError(f"{what}: {key} must be text, e.g. {key}: …")
    return " ".join(str(value).split())


def _link(value: object, what: str) -> str | None:
    if value in (None, ""):
        return None
    found = extract_links(str(value))
    if not isinstance(value, str) or len(found) != 1 or not value.strip().startswith(("https://", "http://")):
        raise InputError(f"{what}: link {value!r} is no web address; write link: https://…")
    return found[0]


def _names(value: object, key: str, what: str) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list) and all(isinstance(entry, str) for entry in value):
        return [entry.strip() for entry in value]
    raise InputError(f"{what}: {key} must be a list, e.g. {key}: [mastodon, bluesky]")


def _platforms(value: object, what: str) -> tuple[str, ...]:
    """The names as written, lower case (whether each is a platform is checked where they are used)."""
    return tuple(dict.fromkeys(name.lower() for name in _names(value, "platforms", what)))


def _accounts(value: object, what: str) -> tuple[str, ...]:
    entries = _names(value, "accounts", what)
    for entry in entries:
        platform, colon, name = entry.partition(":")
        if not colon or not platform or not name:
            raise InputError(f"{what}: account {entry!r} is not platform:name, e.g. accounts: [mastodon:team]")
    return tuple(entries)


def _time(value: object, what: str) -> dt.datetime | None:
    """A naive wall time (the team's zone) or an aware instant; a date alone is refused (which hour?)."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value.strip())
        except ValueError:
            pass
    raise InputError(f"{what}: publish_at {value!r} is no date and time; write e.g. {_EXAMPLE_TIME} (local time)")


def _flag(value: object, key: str, what: str) -> bool | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        return value
    raise InputError(f"{what}: {key} must be true or false")


def _images(value: object, *, base: Path | None, what: str) -> tuple[Image, ...]:
    if value in (None, ""):
        return ()
    if not isinstance(value, list):
        raise InputError(f"{what}: images must be a list of entries with path and alt")
    images = []
    for entry in value:
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            raise InputError(f"{what}: each image needs a path, e.g. - path: images/fest.jpg")
        alt = entry.get("alt")
        if not isinstance(alt, str) or not alt.strip():
            raise InputError(
                f"{what}: image {entry['path']} has no alt text; add alt: with what it shows, for people who cannot see it"
            )
        path = Path(entry["path"])
        if not path.is_absolute() and base is not None:
            path = Path(os.path.abspath(base / path))  # found from any folder the daemon runs in
        images.append(Image(path=str(path), alt=" ".join(alt.split())))
    return tuple(images)
