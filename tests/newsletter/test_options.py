from __future__ import annotations

import re
from pathlib import Path

import pytest

from scheduler.errors import ConfigError
from scheduler.newsletter.options import load_options


def _issue(tmp_path: Path, toml: str) -> Path:
    (tmp_path / "issue.toml").write_text(toml, encoding="utf-8")
    return tmp_path / "issue.txt"


def test_options_file_gives_issue_and_section_hashtags(tmp_path):
    options = load_options(
        _issue(tmp_path, 'hashtags = ["#Familie", "ESF"]\nutm = false\n[sections.Vernetzt]\nhashtags = ["Netz"]\n')
    )
    assert options.hashtags == ("Familie", "ESF")
    assert options.section_hashtags == {"Vernetzt": ("Netz",)}
    assert options.utm is False


def test_options_file_gives_language_and_the_teams_boilerplate_and_footer_phrases(tmp_path):
    options = load_options(
        _issue(
            tmp_path,
            'language = "EN"\nboilerplate = ["^Spendenkonto", " Folgen Sie uns "]\nfooter = ["^Herausgegeben"]\n',
        )
    )
    assert options.language == "en"
    assert options.boilerplate == ("^Spendenkonto", "Folgen Sie uns")
    assert options.footer == ("^Herausgegeben",)


def test_no_options_file_means_defaults(tmp_path):
    options = load_options(tmp_path / "issue.txt")
    assert options.hashtags == () and options.utm is None and options.url == ""


def test_options_file_gives_the_issues_web_address(tmp_path):
    options = load_options(_issue(tmp_path, 'url = " https://www.verein.example/rundbrief/2025-03.html "\n'))
    assert options.url == "https://www.verein.example/rundbrief/2025-03.html"


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("hashtags = 'Familie'", "expected a list of hashtags"),
        ('hashtags = ["two words"]', "is not a hashtag"),
        ("utm = 'yes'", "utm: expected true or false"),
        ("colour = 1", "unknown option 'colour'"),
        ("link = 'example.org'", "link: expected a web address"),
        ("url = 'www.verein.example/rundbrief'", "url: expected the issue's web address starting with https://"),
        ("url = 'https://'", "url: expected the issue's web address"),
        ("url = 3", "url: expected the issue's web address"),
        ("hashtags = [", "not valid TOML"),
        ("language = 'Deutsch'", "language: expected a language code"),
        ("boilerplate = 'Spendenkonto'", "boilerplate: expected a list of phrases"),
        ("footer = ['(Impressum']", r"footer: '\(Impressum' is not a regular expression"),
    ],
)
def test_bad_options_name_the_file_and_the_problem(tmp_path, toml, message):
    with pytest.raises(ConfigError, match=message) as info:
        load_options(_issue(tmp_path, toml))
    assert "issue.toml" in str(info.value)
    assert "\n" not in str(info.value)


SECTIONS = ("Umgeschaut", "Vernetzt", "Vorgestellt")  # of the example issue


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('hashtag = ["Familie"]', "unknown option 'hashtag'; did you mean 'hashtags'?"),
        ('[section.Vernetzt]\nhashtags = ["Netz"]', "unknown option 'section'; did you mean 'sections'?"),
        ("content_warnings = 'Politik'", "unknown option 'content_warnings'; did you mean 'content_warning'?"),
    ],
)
def test_an_unknown_option_names_the_closest_one(tmp_path, toml, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_options(_issue(tmp_path, toml))


def test_an_unknown_key_in_a_section_table_is_a_warning_naming_the_closest(tmp_path, caplog):
    with caplog.at_level("WARNING"):
        options = load_options(_issue(tmp_path, '[sections.Vernetzt]\nhashtag = ["Netz"]\n'))
    assert options.section_hashtags == {"Vernetzt": ()}
    assert [record.getMessage() for record in caplog.records] == [
        f"{tmp_path / 'issue.toml'}: [sections.Vernetzt] has no option 'hashtag' (ignored); did you mean 'hashtags'?"
    ]


def test_a_section_the_issue_does_not_have_is_a_warning_naming_the_closest_section(tmp_path, run):
    from tests.conftest import EXAMPLE

    issue = tmp_path / EXAMPLE.name
    issue.write_bytes(EXAMPLE.read_bytes())
    issue.with_suffix(".toml").write_text(
        '[sections.Vernezt]\nhashtags = ["Netz"]\n[sections."Aus der Praxis"]\nhashtags = ["Praxis"]\n',
        encoding="utf-8",
    )
    result = run("preview", str(issue), "-p", "mastodon")
    assert result.code == 0, result
    # the options file's warnings (the posts' own warnings, about links to read on, follow them)
    warnings = [line for line in result.err.splitlines() if line.startswith(f"warning: {issue.with_suffix('.toml')}")]
    assert warnings == [
        f"warning: {issue.with_suffix('.toml')}: [sections.Vernezt] matches no section of the issue (ignored); "
        "did you mean [sections.Vernetzt]?",
        f'warning: {issue.with_suffix(".toml")}: [sections."Aus der Praxis"] matches no section of the issue '
        "(ignored); its sections are " + ", ".join(sorted(SECTIONS)),
    ]
