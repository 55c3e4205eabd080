"""Accounts as a comms person names them on every page: the platform's title ("Mastodon"), its
account's name only where it tells something ("Mastodon · presse"), whom it posts as as the
tooltip — never the settings' `mastodon:default`. Form values and data attributes keep the
machine names."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from flask import Flask

from scheduler.config import AccountSetup
from scheduler.models import Content, State
from scheduler.storage import NewPost, Store
from scheduler.web import naming
from scheduler.wiring import Wiring
from tests.web.conftest import NOW, english, queue_posts, sign_in

PAGES = ("/queue", "/calendar", "/history")


def _shown(page: str) -> str:
    """What a reader sees of `page`: its text, without the tags and their attributes."""
    return re.sub(r"<[^>]*>", "", page)


def _add(store: Store, platform: str, account: str, text: str, state: str = State.DRAFT) -> int:
    [post_id] = store.add(
        [
            NewPost(
                f"{platform}-{account}-{text}", platform, account, NOW + dt.timedelta(days=1), Content((text,), "de")
            )
        ],
        state=state,
        now=NOW,
        reason="imported",
    )
    return post_id


@pytest.fixture
def two_mastodons(web_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Mastodon's default account and a second one, "presse"; Bluesky's only account, with its handle."""
    monkeypatch.setenv("SCHEDULER_PLATFORMS", "mastodon,bluesky")
    monkeypatch.setenv("SCHEDULER_MASTODON_BASE_URL", "https://social.example")
    monkeypatch.setenv("SCHEDULER_MASTODON_TOKEN", "m-token")
    monkeypatch.setenv("SCHEDULER_ACCOUNTS__MASTODON__PRESSE__BASE_URL", "https://presse.example")
    monkeypatch.setenv("SCHEDULER_ACCOUNTS__MASTODON__PRESSE__TOKEN", "p-token")
    monkeypatch.setenv("SCHEDULER_BLUESKY_HANDLE", "familie.bsky.social")
    monkeypatch.setenv("SCHEDULER_BLUESKY_APP_PASSWORD", "app-password")


def test_the_only_account_of_a_platform_is_the_platforms_title_on_every_page(app: Flask, store: Store):
    [draft] = queue_posts(store, 1)
    published = _add(store, "mastodon", "default", "Erschienen", State.SCHEDULED)
    store.transition(published, State.PUBLISHING, reason="claimed", now=NOW)
    store.transition(
        published, State.PUBLISHED, reason="published", now=NOW, values={"remote_url": "https://social.example/@f/1"}
    )
    client = app.test_client()
    sign_in(client, "erika")
    for path in (*PAGES, f"/posts/{draft}"):
        page = client.get(path).get_data(as_text=True)
        assert "mastodon:default" not in _shown(page) and "Mastodon" in _shown(page), path
    queue = client.get("/queue").get_data(as_text=True)
    assert "<td>Mastodon</td>" in queue
    assert '<option value="mastodon">Mastodon</option>' in queue  # the filter's value stays the machine name
    history = client.get("/history").get_data(as_text=True)
    assert "Auf Mastodon ansehen" in history and "Auf mastodon ansehen" not in history
    editor = client.get(f"/posts/{draft}").get_data(as_text=True)
    assert "<dt>Konto</dt><dd>Mastodon</dd>" in editor
    assert '<span class="preview-name">Mastodon</span>' in editor
    assert 'data-platform="mastodon" data-account="default"' in editor  # the counter still asks for the account


def test_several_accounts_of_a_platform_are_told_apart_and_whom_they_post_as_is_the_tooltip(
    two_mastodons: None, app: Flask, store: Store
):
    _add(store, "mastodon", "default", "Hauptkonto")
    _add(store, "mastodon", "presse", "Pressekonto")
    _add(store, "bluesky", "default", "Himmel")
    client = app.test_client()
    sign_in(client, "anton")
    for path in ("/queue", "/calendar"):
        page = client.get(path).get_data(as_text=True)
        assert '<span class="account-name" title="https://social.example">Mastodon · Standard</span>' in page, path
        assert '<span class="account-name" title="https://presse.example">Mastodon · presse</span>' in page, path
        assert '<span class="account-name" title="@familie.bsky.social">Bluesky</span>' in page, path
        assert "mastodon:" not in _shown(page) and "bluesky:default" not in _shown(page), path
    english_page = english(client).get("/queue").get_data(as_text=True)
    assert ">Mastodon · default</span>" in english_page


def test_the_sources_page_names_platforms_and_accounts_and_keeps_the_forms_values(
    two_mastodons: None, app: Flask, store: Store
):
    from scheduler.models import WatchedSource

    store.add_source(
        WatchedSource(
            name="presse", kind="feed", location="https://example.org/feed.xml", accounts=("mastodon:presse",)
        ),
        now=NOW,
    )
    store.add_source(WatchedSource(name="alle", kind="feed", location="https://example.org/alle.xml"), now=NOW)
    client = app.test_client()
    sign_in(client, "ada")
    page = client.get("/sources").get_data(as_text=True)
    assert "Mastodon · presse</span><br>" in page  # where the source's issues go
    assert "die Plattformen der Einstellungen (Mastodon, Bluesky)" in page
    assert 'value="mastodon:presse">' in page and "Mastodon · presse</span></label>" in page
    assert 'value="bluesky"> Bluesky</label>' in page
    assert "mastodon:" not in _shown(page)


def test_an_account_name_is_escaped_and_an_unknown_platform_keeps_its_stored_name():
    assert naming.account_name("mastodon", "<b>team</b>", identity='"@x"') == (
        '<span class="account-name" title="&#34;@x&#34;">Mastodon · &lt;b&gt;team&lt;/b&gt;</span>'
    )
    assert naming.account_name("myspace", "default") == "myspace"
    assert naming.title("x") == "X"


def test_the_queue_and_the_calendar_open_while_an_account_is_half_configured(app: Flask, wiring: Wiring, store: Store):
    queue_posts(store, 1, state=State.SCHEDULED)
    wiring.__dict__["setup"] = AccountSetup(
        broken={("linkedin", "presse"): "linkedin:presse is half-configured: SCHEDULER_ACCOUNTS__…__TOKEN is missing"}
    )
    client = app.test_client()
    sign_in(client, "erika")
    for page in ("/queue", "/calendar"):
        answer = client.get(page, headers={"Accept-Language": "de"})
        assert answer.status_code == 200, page
        shown = answer.get_data(as_text=True)
        assert "Meldung 0" in shown and '<option value="linkedin"' in shown  # its platform is in the filter
