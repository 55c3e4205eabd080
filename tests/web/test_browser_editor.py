"""The post editor in a real browser (see test_browser.py): an editor types and the live counter,
asked through editor.js, says the new length by Mastodon's rule; saves; submits for review; an
approver approves it; a submitted draft shows its state and review as labels (no border: they
do not look like buttons) and offers no second submit. Each state of the page is screenshotted and checked by axe-core (no serious
or critical violation); content with markup stays text, no script of it runs."""

from __future__ import annotations

from scheduler.models import State
from scheduler.storage import Store
from tests.web.conftest import PASSWORD, queue_posts
from tests.web.test_browser import _check, browser, served

__all__ = ["browser", "served"]  # the fixtures, used by name

LONG_URL = "https://example.org/" + "lange-adresse/" * 10


def _sign_in(browser: object, served: str, name: str) -> tuple[object, object]:
    context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 1200})  # type: ignore[attr-defined]  # reason: a Playwright browser
    page = context.new_page()
    page.goto(f"{served}/login")
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{served}/queue")
    return context, page


def test_editing_with_the_live_counter_then_submitting_and_approving(served: str, browser: object, store: Store):
    [post_id] = queue_posts(store, 1, text='Meldung {n}: <script>alert("x")</script>')
    context, page = _sign_in(browser, served, "erika")
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))  # type: ignore[attr-defined]  # reason: a Playwright page
    page.get_by_role("link", name=f"Beitrag {post_id} öffnen").click()  # type: ignore[attr-defined]  # reason: a Playwright page
    page.wait_for_url(f"{served}/posts/{post_id}")  # type: ignore[attr-defined]  # reason: a Playwright page
    counter = page.locator("#count-1")  # type: ignore[attr-defined]  # reason: a Playwright page
    assert counter.inner_text() == "38 von 500 Zeichen" and counter.get_attribute("aria-live") == "polite"
    _check(page, "editor-01-draft")

    text = page.get_by_role("textbox", name="Text", exact=True)  # type: ignore[attr-defined]  # reason: a Playwright page
    text.fill("")
    text.press_sequentially("Anmeldung: " + LONG_URL)  # typed: the counter follows, a link counts 23
    page.locator("#count-1", has_text="34 von 500 Zeichen").wait_for()  # type: ignore[attr-defined]  # reason: a Playwright page
    text.fill("x" * 510)
    text.dispatch_event("input")
    page.locator("#count-1", has_text="510 von 500 Zeichen: 10 zu viel").wait_for()  # type: ignore[attr-defined]  # reason: a Playwright page
    assert text.get_attribute("aria-invalid") == "true"
    _check(page, "editor-02-over-the-limit")
    page.get_by_role("button", name="Text speichern").click()  # type: ignore[attr-defined]  # reason: a Playwright page
    page.get_by_role("alert").wait_for()  # type: ignore[attr-defined]  # reason: a Playwright page
    assert "10 mehr, als Mastodon annimmt (500)" in page.get_by_role("alert").inner_text()  # type: ignore[attr-defined]  # reason: a Playwright page
    assert page.url == f"{served}/posts/{post_id}"  # type: ignore[attr-defined]  # reason: a Playwright page
    assert page.get_by_role("textbox", name="Text", exact=True).input_value() == "x" * 510  # type: ignore[attr-defined]  # reason: a Playwright page
    assert store.get(post_id).parts[0].startswith("Meldung 0")

    page.get_by_role("textbox", name="Text", exact=True).fill("Anmeldung: " + LONG_URL)  # type: ignore[attr-defined]  # reason: a Playwright page
    page.get_by_role("button", name="Text speichern").click()  # type: ignore[attr-defined]  # reason: a Playwright page
    page.locator(".messages", has_text="Gespeichert.").wait_for()  # type: ignore[attr-defined]  # reason: a Playwright page
    assert store.get(post_id).parts == ("Anmeldung: " + LONG_URL,)
    page.get_by_role("button", name="Zur Freigabe einreichen").click()  # type: ignore[attr-defined]  # reason: a Playwright page
    page.locator(".messages", has_text="Zur Freigabe eingereicht.").wait_for()  # type: ignore[attr-defined]  # reason: a Playwright page
    assert page.get_by_role("button", name="Zur Freigabe einreichen").count() == 0  # type: ignore[attr-defined]  # reason: a Playwright page
    assert page.locator(".facts .review").inner_text() == "wartet auf Freigabe"  # type: ignore[attr-defined]  # reason: a Playwright page
    for label in (".facts .state", ".facts .review"):  # labels, not buttons: no border line, a tinted pill
        look = page.locator(label).evaluate(  # type: ignore[attr-defined]  # reason: a Playwright page
            "e => { const s = getComputedStyle(e); return [s.borderTopColor, s.backgroundColor, s.cursor]; }"
        )
        assert look[0] == "rgba(0, 0, 0, 0)" and look[1] != "rgba(0, 0, 0, 0)" and look[2] != "pointer", (label, look)
    _check(page, "editor-03-submitted")
    assert dialogs == []
    context.close()  # type: ignore[attr-defined]  # reason: a Playwright context

    context, page = _sign_in(browser, served, "anton")
    page.goto(f"{served}/posts/{post_id}")  # type: ignore[attr-defined]  # reason: a Playwright page
    page.get_by_label("Kommentar", exact=True).fill("Passt, danke!")  # type: ignore[attr-defined]  # reason: a Playwright page
    page.get_by_role("button", name="Kommentar hinzufügen").click()  # type: ignore[attr-defined]  # reason: a Playwright page
    page.locator(".comments", has_text="Passt, danke!").wait_for()  # type: ignore[attr-defined]  # reason: a Playwright page
    _check(page, "editor-04-approver")
    page.get_by_role("button", name="Freigeben").click()  # type: ignore[attr-defined]  # reason: a Playwright page
    page.locator(".messages", has_text="Freigegeben").wait_for()  # type: ignore[attr-defined]  # reason: a Playwright page
    assert store.get(post_id).state == State.SCHEDULED
    _check(page, "editor-05-approved")
    context.close()  # type: ignore[attr-defined]  # reason: a Playwright context
