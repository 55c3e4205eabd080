"""Helpers the templates call."""

from __future__ import annotations

from scheduler.render.helpers import add_utm, paragraphs


def test_a_link_through_a_mailing_tools_click_tracker_gets_no_utm():
    """UTM parameters on a tracker's address would not reach the article, only lengthen the post."""
    tracked = "https://riversidefoodbank.us21.list-manage.com/track/click?u=5a1f&id=3f9a&e=7d3c"
    assert add_utm(tracked, source="mastodon", campaign="april") == tracked
    assert add_utm("https://www.riversidefoodbank.example/eastfield", source="mastodon", campaign="april") == (
        "https://www.riversidefoodbank.example/eastfield?utm_source=mastodon&utm_medium=social&utm_campaign=april"
    )


def test_short_paragraphs_keep_a_lists_entries_on_lines_of_their_own():
    """LinkedIn's and Facebook's paragraphs ran a list's entries into one line ("• Chat: … • Telefon: …")."""
    text = (
        "Die Beratung erweitert ihre Zeiten. Sie ist kostenlos.\n\n• Chat: Samstag\n  • auch anonym\n• Telefon: Sonntag"
    )
    assert paragraphs(text, "de") == (
        "Die Beratung erweitert ihre Zeiten.\n\nSie ist kostenlos.\n\n• Chat: Samstag\n  • auch anonym\n• Telefon: Sonntag"
    )
