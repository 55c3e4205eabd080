"""`[[images]]` in an issue's options file: which item gets which image, with alt text."""

from __future__ import annotations

from pathlib import Path

import pytest

from scheduler.errors import ConfigError
from scheduler.models import Image
from scheduler.newsletter import load_issue
from tests import imagefiles
from tests.conftest import EXAMPLE


def _issue(tmp_path: Path, toml: str) -> Path:
    issue = tmp_path / "issue.txt"
    issue.write_bytes(EXAMPLE.read_bytes())
    (tmp_path / "issue.toml").write_text(toml, encoding="utf-8")
    imagefiles.write(tmp_path / "img" / "fest.png")
    imagefiles.write(tmp_path / "img" / "plan.jpg", imagefiles.JPEG)
    return issue


def test_images_attach_to_items_by_number_or_title_start(tmp_path):
    plain = load_issue(_issue(tmp_path, ""))
    title = plain.items[3].title
    issue = load_issue(
        _issue(
            tmp_path,
            f'''
[[images]]
item = 2
path = "img/fest.png"
alt = "Kinder beim Sommerfest"

[[images]]
item = 2
path = "https://example.org/karte.png"
alt = "Karte der Region"

[[images]]
item = "{title[:12].lower()}"
path = "img/plan.jpg"
alt = "Plan"
''',
        )
    )
    assert issue.items[1].images == (
        Image(str(tmp_path / "img" / "fest.png"), "Kinder beim Sommerfest"),
        Image("https://example.org/karte.png", "Karte der Region"),
    )
    assert issue.items[3].images == (Image(str(tmp_path / "img" / "plan.jpg"), "Plan"),)
    assert [bool(item.images) for item in issue.items].count(True) == 2


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[[images]]\nitem = 2\npath = "img/fest.png"\n', r"image 1 \(img/fest.png\): alt: describe the image"),
        (
            '[[images]]\nitem = 2\npath = "img/fest.png"\nalt = ""\n',
            "alt: describe the image for people who cannot see it",
        ),
        ('[[images]]\nitem = 2\npath = "img/gone.png"\nalt = "A"\n', "gone.png not found; check the path"),
        ('[[images]]\nitem = 99\npath = "img/fest.png"\nalt = "A"\n', "image for item 99, but the issue has 6 items"),
        ('[[images]]\nitem = "Nichts dergleichen"\npath = "img/fest.png"\nalt = "A"\n', "no item's title starts with"),
        ('[[images]]\nitem = 0\npath = "img/fest.png"\nalt = "A"\n', "item: expected the item's number"),
        ('[[images]]\nitem = 1\nfile = "img/fest.png"\nalt = "A"\n', "unknown key 'file'"),
        ('images = "img/fest.png"\n', "expected \\[\\[images\\]\\] tables"),
    ],
)
def test_a_bad_image_entry_names_the_options_file_and_the_fix(tmp_path, toml, message):
    with pytest.raises(ConfigError, match=message) as info:
        load_issue(_issue(tmp_path, toml))
    assert "issue.toml" in str(info.value) and "\n" not in str(info.value)
