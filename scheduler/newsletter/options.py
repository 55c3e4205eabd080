"""Per-issue options from an optional TOML file beside the issue (`<issue>.toml`).

    hashtags = ["AktifPlus", "ESFPlus"]     # on every item of the issue
    link = "https://example.org/newsletter/2024-12"   # for items without a link of their own
    utm = true                              # tag links for analytics (default: the setting)
    content_warning = ""                    # Mastodon spoiler_text

    [sections.Vernetzt]
    hashtags = ["Netzwerk"]                 # added for the items of this section

    [[images]]                              # one table per image; an item may have several
    item = 2                                # the item's number in the issue, or the start of its title
    path = "img/sommerfest.jpg"             # relative to this file, or an https:// address
    alt = "Kinder beim Sommerfest im Hof"   # required: what the image shows
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from scheduler import media
from scheduler.errors import ConfigError, InputError
from scheduler.models import Image, IssueOptions, ItemImage

_KEYS = {"hashtags", "link", "utm", "content_warning", "sections", "images"}
_IMAGE_KEYS = {"item", "path", "alt"}


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
        if isinstance(item, bool) or not (isinstance(item, int) and item >= 1 or isinstance(item, str) and item.strip()):
            raise ConfigError(f"{where}: item: expected the item's number (1, 2, …) or the start of its title")
        file = entry.get("path")
        if not isinstance(file, str) or not file.strip():
            raise ConfigError(f"{where}: path: expected the image file, relative to this file, or an https:// address")
        alt = entry.get("alt")
        if not isinstance(alt, str) or not alt.strip():
            raise ConfigError(f"{where} ({file}): alt: describe the image for people who cannot see it, "
                              f'e.g. alt = "Kinder beim Sommerfest im Hof"')
        image = Image(path=media.resolve(file.strip(), path.parent), alt=alt.strip())
        try:
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
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); see the format in the README") from None
    unknown = set(data) - _KEYS
    if unknown:
        raise ConfigError(f"{path}: unknown option {sorted(unknown)[0]!r}; known: {', '.join(sorted(_KEYS))}")
    sections = data.get("sections", {})
    if not isinstance(sections, dict) or not all(isinstance(v, dict) for v in sections.values()):
        raise ConfigError(f"{path}: [sections.<name>] tables expected")
    utm = data.get("utm")
    if utm is not None and not isinstance(utm, bool):
        raise ConfigError(f"{path}: utm: expected true or false")
    link = data.get("link")
    if link is not None and not (isinstance(link, str) and link.startswith(("http://", "https://"))):
        raise ConfigError(f"{path}: link: expected a web address starting with https://")
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
        content_warning=warning,
        images=_images(data.get("images", []), path),
    )
