"""Per-issue options from an optional TOML file beside the issue (`<issue>.toml`).

hashtags = ["AktifPlus", "ESFPlus"]     # on every item of the issue
link = "https://example.org/newsletter/2024-12"   # for items without a link of their own
url = "https://example.org/newsletter/2024-12"    # the issue's web address: a saved page's relative links
utm = true                              # tag links for analytics (default: the setting)
content_warning = ""                    # Mastodon spoiler_text
language = "de"                         # the issue's language (default: declared or detected)
boilerplate = ["^Spendenkonto"]         # phrases (regular expressions) of blocks that are not items
footer = ["^Herausgegeben von"]         # phrases of the block that starts the footer (ends the issue)

[sections.Vernetzt]
hashtags = ["Netzwerk"]                 # added for the items of this section

[[images]]                              # one table per image; an item may have several
item = 2                                # the item's number in the issue, or the start of its title
path = "img/sommerfest.jpg"             # relative to this file, or an https:// address
alt = "Kinder beim Sommerfest im Hof"   # required: what the image shows
"""

from __future__ import annotations

import json
import logging
import re
import tomllib
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Any

from scheduler import media
from scheduler.errors import ConfigError, InputError
from scheduler.models import Image, IssueOptions, ItemImage
from scheduler.newsletter.html_input import absolute
from scheduler.newsletter.rules import check_patterns

_KEYS = {"hashtags", "link", "url", "utm", "content_warning", "sections", "images", "language", "boilerplate", "footer"}
_SECTION_KEYS = {"hashtags"}
_IMAGE_KEYS = {"item", "path", "alt"}

log = logging.getLogger(__name__)


def _closest(word: str, known: Iterable[str]) -> str | None:
    import difflib

    found = difflib.get_close_matches(word, sorted(known), n=1, cutoff=0.6)
    return found[0] if found else None


def _section_table(name: str) -> str:
    """`[sections.Vernetzt]`, or `[sections."Aus der Praxis"]` for a name TOML must quote."""
    return f"[sections.{name if re.fullmatch(r'[A-Za-z0-9_-]+', name) else json.dumps(name, ensure_ascii=False)}]"


def options_path(issue_path: Path) -> Path:
    return issue_path.with_suffix(".toml")


def _tags(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(tag, str) and tag.strip("#") for tag in value):
        raise ConfigError(f'{where}: expected a list of hashtags such as ["Familie", "ESFPlus"]')
    tags = tuple(tag.lstrip("#") for tag in value)
    bad = [tag for tag in tags if not all(ch.isalnum() or ch == "_" for ch in tag)]
    if bad:
        raise ConfigError(f"{where}: {bad[0]!r} is not a hashtag (letters, digits and _ only)")
    return tags


def _phrases(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(phrase, str) and phrase.strip() for phrase in value):
        raise ConfigError(f'{where}: expected a list of phrases such as ["^Spendenkonto", "Folgen Sie uns"]')
    return check_patterns((phrase.strip() for phrase in value), where)


def _language(value: Any, where: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z]{2,3}", value.strip()):
        raise ConfigError(f'{where}: expected a language code such as "de" or "en"')
    return value.strip().casefold()


def _images(value: Any, path: Path) -> tuple[ItemImage, ...]:
    example = 'e.g. [[images]] item = 2, path = "img/photo.jpg", alt = "What the photo shows"'
    if not isinstance(value, list) or not all(isinstance(entry, dict) for entry in value):
        raise ConfigError(f"{path}: images: expected [[images]] tables, {example}")
    result = []
    for number, entry in enumerate(value, start=1):
        where = f"{path}: image {number}"
        unknown = set(entry) - _IMAGE_KEYS
        if unknown:
            raise ConfigError(f"{where}: unknown key {sorted(unknown)[0]!r}; an image has item, path and alt")
        item = entry.get("item")
        number, title = isinstance(item, int) and item >= 1, isinstance(item, str) and item.strip()
        if isinstance(item, bool) or not (number or title):
            raise ConfigError(f"{where}: item: expected the item's number (1, 2, …) or the start of its title")
        file = entry.get("path")
        if not isinstance(file, str) or not file.strip():
            raise ConfigError(f"{where}: path: expected the image file, relative to this file, or an https:// address")
        alt = entry.get("alt")
        if not isinstance(alt, str) or not alt.strip():
            raise ConfigError(
                f"{where} ({file}): alt: describe the image for people who cannot see it, "
                f'e.g. alt = "Kinder beim Sommerfest im Hof"'
            )
        try:
            image = Image(path=media.resolve(file.strip(), path.parent, where=where), alt=alt.strip())
            media.inspect(image, where=str(path))
        except InputError as error:
            raise ConfigError(str(error)) from None
        result.append(ItemImage(item=item.strip() if isinstance(item, str) else item, image=image))
    return tuple(result)


def load_options(issue_path: Path) -> IssueOptions:
    """The options for the issue at `issue_path`; defaults when there is no options file."""
    path = options_path(issue_path)
    if not path.is_file():
        return IssueOptions()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror}); check its permissions") from None
    except RecursionError:  # tomllib recurses once per level of nested arrays and tables
        raise ConfigError(f"{path}: not valid TOML (nested too deeply); see the format in the README") from None
    except ValueError as exc:  # TOMLDecodeError, UnicodeDecodeError, a number of more than 4,300 digits
        reason = "a number with too many digits" if "integer string conversion" in str(exc) else str(exc)
        raise ConfigError(f"{path}: not valid TOML ({reason}); see the format in the README") from None
    unknown = set(data) - _KEYS
    if unknown:
        name = sorted(unknown)[0]
        guess = _closest(name, _KEYS)
        hint = f"did you mean {guess!r}? known" if guess else "known"
        raise ConfigError(f"{path}: unknown option {name!r}; {hint}: {', '.join(sorted(_KEYS))}")
    sections = data.get("sections", {})
    if not isinstance(sections, dict) or not all(isinstance(v, dict) for v in sections.values()):
        raise ConfigError(f"{path}: [sections.<name>] tables expected")
    for name, table in sections.items():
        for key in sorted(set(table) - _SECTION_KEYS):
            guess = _closest(key, _SECTION_KEYS)
            log.warning(
                "%s: %s has no option %r (ignored); %s",
                path,
                _section_table(name),
                key,
                f"did you mean {guess!r}?" if guess else f"a section has {', '.join(sorted(_SECTION_KEYS))}",
            )
    utm = data.get("utm")
    if utm is not None and not isinstance(utm, bool):
        raise ConfigError(f"{path}: utm: expected true or false")
    link = data.get("link")
    if link is not None and not (isinstance(link, str) and link.startswith(("http://", "https://"))):
        raise ConfigError(f"{path}: link: expected a web address starting with https://")
    url = data.get("url", "")
    if not (isinstance(url, str) and (not url or absolute(url.strip()))):
        raise ConfigError(
            f"{path}: url: expected the issue's web address starting with https://, "
            'e.g. url = "https://example.org/newsletter/2025-02"'
        )
    warning = data.get("content_warning", "")
    if not isinstance(warning, str):
        raise ConfigError(f"{path}: content_warning: expected a text")
    return IssueOptions(
        hashtags=_tags(data.get("hashtags", []), f"{path}: hashtags"),
        section_hashtags={
            name: _tags(table.get("hashtags", []), f"{path}: sections.{name}.hashtags")
            for name, table in sections.items()
        },
        utm=utm,
        link=link,
        url=url.strip(),
        content_warning=warning,
        images=_images(data.get("images", []), path),
        language=_language(data.get("language"), f"{path}: language"),
        boilerplate=_phrases(data.get("boilerplate", []), f"{path}: boilerplate"),
        footer=_phrases(data.get("footer", []), f"{path}: footer"),
    )


def check_sections(options: IssueOptions, sections: Collection[str], where: Path) -> None:
    """Warn about each `[sections.<name>]` of the options file at `where` that names no section of
    the issue (its hashtags would silently never be used), naming the closest section."""
    for name in options.section_hashtags:
        if name in sections:
            continue
        guess = _closest(name, sections)
        hint = (
            f"did you mean {_section_table(guess)}?"
            if guess
            else f"its sections are {', '.join(sorted(sections))}"
            if sections
            else "it has no sections"
        )
        log.warning("%s: %s matches no section of the issue (ignored); %s", where, _section_table(name), hint)
