"""The whole review in a real browser (issue 14, point 7): an editor imports the example issue,
edits a post and watches its counter, submits it; an approver approves it and drags it to another
day in the calendar; a dry run publishes it; History shows it. axe-core checks every page on the
way (no serious or critical violation) and each gets a screenshot in .ci/screenshots/flow-*.png."""

from __future__ import annotations

import datetime as dt

from scheduler import running
from scheduler.models import State
from scheduler.storage import Store
from scheduler.wiring import Wiring
from tests.conftest import EXAMPLE
from tests.web.conftest import PASSWORD
from tests.web.test_browser import _check, browser, served

__all__ = ["browser", "served"]  # the fixtures, used by name


def _sign_in(browser: object, served: str, name: str) -> object:
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 1400})  # type: ignore[attr-defined]  # reason: a Playwright browser
    page = context.new_page()
    page.goto(f"{served}/login")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{served}/queue")
    return page


def test_import_edit_submit_approve_move_dry_run_and_find_it_in_history(
    served: str, browser: object, store: Store, wiring: Wiring
):
    page = _sign_in(browser, served, "erika")
    page.get_by_role("link", name="Import").click()
    _check(page, "flow-01-import")
    page.get_by_label("The issue's text, as copied from its web page or e-mail").fill(
        EXAMPLE.read_text(encoding="utf-8")
    )
    page.get_by_role("button", name="Read the text").click()
    page.get_by_role("heading", name="Import: check the items").wait_for()
    _check(page, "flow-02-items")
    page.get_by_role("button", name="Plan and queue as drafts").click()
    page.wait_for_url(f"{served}/queue?state=draft")
    _check(page, "flow-03-queued")
    drafts = store.list_posts(states=[State.DRAFT], platforms=["mastodon"])
    assert len(drafts) == 6
    post = drafts[0]
    assert store.history(post.id)[-1].actor == "erika"

    page.get_by_role("link", name=f"Open post {post.id}", exact=True).click()
    counter = page.locator("#count-1")
    text = page.get_by_role("textbox", name="Text", exact=True)
    text.fill("Fachtag „Familien stärken“ am 12. März: https://example.org/" + "fachtag/" * 20)
    counter.filter(has_text="63 of 500 characters").wait_for()  # 40 characters and the URL as 23, as Mastodon counts
    _check(page, "flow-04-editor")
    page.get_by_role("button", name="Save text").click()
    page.locator(".messages", has_text="Saved.").wait_for()
    page.get_by_role("button", name="Submit for review").click()
    page.locator(".messages", has_text="Submitted for review.").wait_for()
    page.context.close()

    page = _sign_in(browser, served, "anton")
    page.goto(f"{served}/posts/{post.id}")
    page.get_by_role("button", name="Approve").click()
    page.locator(".messages", has_text="Approved").wait_for()
    assert store.get(post.id).state == State.SCHEDULED
    berlin = dt.timezone(dt.timedelta(hours=1))  # January
    day = post.publish_at.astimezone(berlin).date()
    taken = {other.publish_at.astimezone(berlin).date() for other in store.list_posts(platforms=["mastodon"])}
    target = next(  # a later weekday of that week with a free slot for the account (the import filled some)
        day + dt.timedelta(days=n) for n in range(1, 7) if (day + dt.timedelta(days=n)) not in taken
    )
    assert target.weekday() < 5, "the example's posts fill the week"
    page.goto(f"{served}/calendar?day={day.isoformat()}")
    _check(page, "flow-05-calendar")
    page.drag_and_drop(f'li.card[data-post="{post.id}"] .meta', f"#day-{target.isoformat()}")  # onto the day's heading
    page.locator("#calendar-status", has_text=f"Post {post.id} moved to").wait_for()
    moved = store.get(post.id)
    assert moved.publish_at.astimezone(dt.timezone(dt.timedelta(hours=1))).date() == target
    assert store.history(post.id)[-1].actor == "anton"

    summary = running.rehearsing_daemon(wiring).run_once(upcoming=40, install_signals=False)  # the dry run
    assert post.id in {shown.id for shown in summary.rehearsed.posts}
    page.goto(f"{served}/history")
    rehearsed = page.locator("section", has=page.get_by_role("heading", name="Dry runs"))
    row = rehearsed.locator("tr", has=page.locator("td.text", has_text="Fachtag „Familien stärken“ am 12. März"))
    row.first.wait_for()
    assert row.first.locator("td").first.inner_text() == str(post.id)
    _check(page, "flow-06-history")
    page.context.close()
