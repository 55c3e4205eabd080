"""Per-issue options from an optional TOML file beside the issue (`<issue>.toml`).

    hashtags = ["AktifPlus", "ESFPlus"]     # on every item of the issue
    link = "https://example.org/newsletter/2024-12"   # for items without a link of their own
    utm = true                              # tag links for analytics (default: the setting)
    content_warning = ""                    # Mastodon spoiler_text

    [sections.Vernetzt]
    hashtags = ["Netzwerk"]                 # added for the items of this section
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from scheduler.errors import ConfigError
from scheduler.models import IssueOptions

_KEYS = {"hashtags", "link", "utm", "content_warning", "sections"}


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
    )
