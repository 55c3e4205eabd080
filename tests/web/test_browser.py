"""The dashboard in a real browser: Debian's chromium driven by Playwright, with axe-core checking
every page it visits for accessibility (no serious or critical violation). A screenshot of every
page goes to .ci/screenshots/ (git-ignored) — look at them.

Skips, saying why, when chromium or Playwright is missing (.ci/run installs both)."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator

import pytest
from flask import Flask

from scheduler.storage import Store
from tests.conftest import ROOT
from tests.web.conftest import PASSWORD, queue_posts

SCREENSHOTS = ROOT / ".ci" / "screenshots"
CHROMIUM = shutil.which("chromium")


@pytest.fixture
def served(app: Flask) -> Iterator[str]:
    """The app on 127.0.0.1 (werkzeug's threaded server, which stops cleanly from another thread)."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def browser() -> Iterator[object]:
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (apt-get install chromium; .ci/run does)")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')"
    )
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()


def _check(page: object, name: str) -> None:
    """Save a screenshot of `page` and assert axe-core finds no serious or critical violation."""
    from axe_playwright_python.sync_playwright import Axe

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]  # reason: a Playwright page
    results = Axe().run(page)
    serious = [
        f"{violation['id']}: {violation['help']} ({len(violation['nodes'])} elements)"
        for violation in results.response["violations"]
        if violation.get("impact") in ("serious", "critical")
    ]
    assert serious == [], name


def test_signing_in_and_the_queue_in_a_real_browser_with_no_serious_accessibility_violation(
    served: str, browser: object, store: Store
):
    queue_posts(store, 3, text='Meldung {n}: <script>alert("x")</script> https://example.org/lange/adresse')
    # tall enough that dragging a card onto another day needs no scrolling mid-drag
    context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 1400})  # type: ignore[attr-defined]  # reason: a Playwright browser
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{served}/queue")
    assert page.url.startswith(f"{served}/login")
    _check(page, "01-login")
    page.get_by_label("Name").fill("anton")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.keyboard.press("Enter")  # by keyboard
    page.wait_for_url(f"{served}/queue")
    page.get_by_role("heading", name="Warteschlange").wait_for()
    assert page.locator("td.text").first.inner_text().startswith("Meldung 0: <script>")  # shown as text
    _check(page, "02-queue")
    page.get_by_label("Beitrag 1 auswählen").check()
    page.get_by_role("button", name="Freigeben").click()
    page.wait_for_load_state()
    assert "1 Beitrag freigegeben." in page.locator(".messages").inner_text()
    _check(page, "03-queue-approved")
    page.get_by_role("link", name="Kalender").click()
    page.wait_for_url(f"{served}/calendar")
    _check(page, "04-calendar-week")
    card = page.locator('li.card[data-post="1"]')
    assert card.get_attribute("draggable") == "true"
    page.drag_and_drop('li.card[data-post="1"]', 'section.day[data-day="2030-01-10"]')  # Tuesday → Thursday
    page.locator("#calendar-status", has_text="verschoben").wait_for()  # the page reloaded and says so
    assert "Beitrag 1 verschoben auf Do. 10. Jan. 2030, 09:00 +01:00." in page.locator("#calendar-status").inner_text()
    assert page.locator('section.day[data-day="2030-01-10"] li.card[data-post="1"]').count() == 1
    _check(page, "05-calendar-after-drag")
    page.get_by_label("Beitrag 2 verschieben auf").fill("2030-01-11")  # the keyboard way: the card's form
    page.get_by_label("Beitrag 2 verschieben auf").press("Enter")
    page.wait_for_load_state()
    assert page.locator('section.day[data-day="2030-01-11"] li.card[data-post="2"]').count() == 1
    page.route("**/api/posts/*/move", lambda route: route.abort())  # the network fails mid-drag
    page.drag_and_drop('li.card[data-post="3"]', 'section.day[data-day="2030-01-10"]')
    page.locator("#calendar-status", has_text="Der Beitrag konnte nicht verschoben werden.").wait_for()  # in German
    page.unroute("**/api/posts/*/move")
    page.goto(f"{served}/calendar?view=month")
    _check(page, "06-calendar-month")
    assert dialogs == []  # no script of the content ran
    context.close()
