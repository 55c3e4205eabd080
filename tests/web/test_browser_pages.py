"""History, Sources, Accounts, Users, Settings and My account in a real browser (see
test_browser.py): each page as an admin sees it, with its forms (on the Users page a new password's
form opened), screenshotted and checked by axe-core (no serious or critical violation); the retry
button and the pause button are used by keyboard."""

from __future__ import annotations

import datetime as dt

from scheduler.models import State, WatchedSource
from scheduler.storage import Store
from tests.web.conftest import NOW, PASSWORD, queue_posts
from tests.web.test_browser import _check, browser, served

__all__ = ["browser", "served"]  # the fixtures, used by name


def test_history_sources_accounts_and_users_in_a_real_browser(served: str, browser: object, store: Store):
    published, failed = queue_posts(store, 2, state=State.SCHEDULED, text="Meldung {n} <script>alert(1)</script>")
    for post in (published, failed):
        store.transition(post, State.PUBLISHING, reason="claimed", now=NOW)
    store.transition(
        published, State.PUBLISHED, reason="published", now=NOW, values={"remote_url": "https://social.example/@v/1"}
    )
    store.transition(failed, State.FAILED, reason="refused", now=NOW, values={"error": "422: <b>text too long</b>"})
    store.add_source(WatchedSource(name="familiennetz", kind="feed", location="https://example.org/feed.xml"), now=NOW)
    store.source_checked(
        "familiennetz", now=NOW, next_check_at=NOW + dt.timedelta(minutes=15), error="503 <script>x</script>"
    )
    context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 1000})  # type: ignore[attr-defined]  # reason: a Playwright browser
    page = context.new_page()
    page.goto(f"{served}/login")
    page.fill("#name", "ada")
    page.fill("#password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{served}/queue")

    # a long post shows its start in the queue (three lines), not a screen of text per row
    (long_post,) = queue_posts(store, 1, text="Lange Meldung {n}: " + "Viel Text zu einem Thema. " * 60)
    page.goto(f"{served}/queue")
    row = page.locator(f"tr:has(#post-{long_post})")
    height = row.bounding_box()["height"]
    assert height < 110, height  # three lines of text and the cell's padding
    assert "Viel Text zu einem Thema." in row.inner_text()

    page.goto(f"{served}/history")
    assert page.get_by_role("link", name="Auf Mastodon ansehen").count() == 1
    _check(page, "history")
    page.get_by_role("button", name=f"Beitrag {failed} erneut versuchen").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert f"Beitrag {failed} ist wieder geplant" in page.content()
    assert store.get(failed).state == State.SCHEDULED

    page.goto(f"{served}/sources")
    _check(page, "sources")
    page.get_by_role("button", name="familiennetz pausieren").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    state = store.source("familiennetz")
    assert state is not None and state.paused_at is not None
    _check(page, "sources-paused")

    page.goto(f"{served}/accounts")
    _check(page, "accounts")

    page.goto(f"{served}/users")
    page.get_by_text("Neues Passwort für erika").click()  # its form opens
    assert page.get_by_label("Rolle von erika", exact=True).input_value() == "editor"
    _check(page, "users")
    page.goto(f"{served}/account")
    _check(page, "account")
    page.goto(f"{served}/settings")
    assert page.get_by_role("heading", name="Zeitplan", exact=True).count() == 1
    _check(page, "settings")
    context.close()
