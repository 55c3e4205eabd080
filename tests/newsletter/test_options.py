from __future__ import annotations

from pathlib import Path

import pytest

from scheduler.errors import ConfigError
from scheduler.newsletter.options import load_options


def _issue(tmp_path: Path, toml: str) -> Path:
    (tmp_path / "issue.toml").write_text(toml, encoding="utf-8")
    return tmp_path / "issue.txt"


def test_options_file_gives_issue_and_section_hashtags(tmp_path):
    options = load_options(_issue(tmp_path, 'hashtags = ["#Familie", "ESF"]\nutm = false\n[sections.Vernetzt]\nhashtags = ["Netz"]\n'))
    assert options.hashtags == ("Familie", "ESF")
    assert options.section_hashtags == {"Vernetzt": ("Netz",)}
    assert options.utm is False


def test_no_options_file_means_defaults(tmp_path):
    options = load_options(tmp_path / "issue.txt")
    assert options.hashtags == () and options.utm is None


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("hashtags = 'Familie'", "expected a list of hashtags"),
        ('hashtags = ["two words"]', "is not a hashtag"),
        ("utm = 'yes'", "utm: expected true or false"),
        ("colour = 1", "unknown option 'colour'"),
        ("link = 'example.org'", "link: expected a web address"),
        ("hashtags = [", "not valid TOML"),
    ],
)
def test_bad_options_name_the_file_and_the_problem(tmp_path, toml, message):
    with pytest.raises(ConfigError, match=message) as info:
        load_options(_issue(tmp_path, toml))
    assert "issue.toml" in str(info.value)
    assert "\n" not in str(info.value)
