"""The History page: published posts with their links, failures with the platform's reason and a
retry button (approvers and admins only, through the same use case as `queue retry`), dry runs."""

from __future__ import annotations

import datetime as dt

from flask import Flask

from scheduler.models import State
from scheduler.storage import Store
from tests.web.conftest import NOW, english, queue_posts, sign_in


def _published(store: Store, post_id: int, *, at: dt.datetime, url: str) -> None:
    store.transition(post_id, State.PUBLISHING, reason="claimed", now=at)
    store.transition(post_id, State.PUBLISHED, reason="published", now=at, values={"remote_url": url, "remote_id": "1"})


def _failed(store: Store, post_id: int, *, at: dt.datetime, error: str, state: str = State.FAILED) -> None:
    store.transition(post_id, State.PUBLISHING, reason="claimed", now=at)
    store.transition(post_id, state, reason="the platform refused it", now=at, values={"error": error})


def test_published_posts_are_listed_newest_first_with_their_links_and_local_times(app: Flask, store: Store):
    older, newer = queue_posts(store, 2, state=State.SCHEDULED, text="Meldung {n}")
    _published(store, older, at=NOW, url="https://social.example/@verein/1")
    _published(store, newer, at=NOW + dt.timedelta(hours=3), url="https://social.example/@verein/2")
    client = app.test_client()
    sign_in(client, "erika")
    page = client.get("/history", headers={"Accept-Language": "de-DE"}).get_data(as_text=True)
    assert page.index("https://social.example/@verein/2") < page.index("https://social.example/@verein/1")
    assert '<a href="https://social.example/@verein/1">' in page
    assert "Mo. 7. Jan. 2030, 12:00 +01:00" in page  # 11:00 UTC, in Berlin, German
    assert "Veröffentlicht" in page


def test_failures_show_the_platforms_reason_as_text_and_a_link_that_is_no_web_address_is_no_link(
    app: Flask, store: Store
):
    failed, unclear, odd = queue_posts(store, 3, state=State.SCHEDULED)
    _failed(store, failed, at=NOW, error="422: <script>alert('x')</script> text too long")
    _failed(store, unclear, at=NOW, error="timed out after sending", state=State.NEEDS_ATTENTION)
    _published(store, odd, at=NOW, url="javascript:alert(1)")
    client = english(app.test_client())
    sign_in(client, "anton")
    page = client.get("/history").get_data(as_text=True)
    assert "<script>alert" not in page
    assert "422: &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; text too long" in page
    assert "timed out after sending" in page and "It may be out already" in page
    assert 'href="javascript:' not in page and "javascript:alert(1)" in page
    assert f'name="post" value="{failed}"' in page and f'name="post" value="{unclear}"' in page


def test_an_approver_retries_a_failed_post_it_is_scheduled_again_due_now_with_the_approver_in_its_history(
    app: Flask, store: Store
):
    (post,) = queue_posts(store, 1, state=State.SCHEDULED)
    _failed(store, post, at=NOW - dt.timedelta(hours=1), error="503 try again later")
    client = english(app.test_client())
    csrf = sign_in(client, "anton")
    answer = client.post("/history/retry", data={"post": str(post), "csrf_token": csrf})
    assert answer.status_code == 302
    retried = store.get(post)
    assert retried.state == State.SCHEDULED and retried.due_at == NOW and retried.error is None
    last = store.history(post)[-1]
    assert (last.to_state, last.reason, last.actor) == (State.SCHEDULED, "retry by hand", "anton")
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert f"Post {post} is scheduled again, due now." in page
    assert "Nothing failed." in page


def test_an_editors_forged_retry_gets_403_and_changes_nothing(app: Flask, store: Store):
    (post,) = queue_posts(store, 1, state=State.SCHEDULED)
    _failed(store, post, at=NOW, error="refused")
    client = app.test_client()
    csrf = sign_in(client, "erika")
    page = client.get("/history").get_data(as_text=True)
    assert "refused" in page and 'name="post"' not in page  # the reason, no retry button
    before = store.history(post)
    assert client.post("/history/retry", data={"post": str(post), "csrf_token": csrf}).status_code == 403
    assert store.get(post).state == State.FAILED and store.history(post) == before


def test_a_post_that_is_no_longer_failed_is_not_retried_and_the_page_says_why(app: Flask, store: Store):
    (post,) = queue_posts(store, 1, state=State.SCHEDULED)
    client = english(app.test_client())
    csrf = sign_in(client, "ada")
    answer = client.post("/history/retry", data={"post": str(post), "csrf_token": csrf}, follow_redirects=True)
    assert f"post {post} is scheduled; only failed, needs_attention posts can be retried" in answer.get_data(
        as_text=True
    )
    assert store.get(post).state == State.SCHEDULED and len(store.history(post)) == 1


def test_the_platform_filter_and_the_limit_narrow_each_part(app: Flask, store: Store):
    ids = queue_posts(store, 25, state=State.SCHEDULED, text="Beitrag {n}")
    for n, post in enumerate(ids):
        _published(store, post, at=NOW + dt.timedelta(minutes=n), url=f"https://social.example/@verein/{n}")
    client = english(app.test_client())
    sign_in(client, "erika")
    page = client.get("/history?limit=20").get_data(as_text=True)
    shown = [n for n in range(25) if f'https://social.example/@verein/{n}"' in page]
    assert shown == list(range(5, 25))  # the newest 20
    assert "verein/" not in client.get("/history?platform=linkedin").get_data(as_text=True)
    assert "verein/24" in client.get("/history?platform=mastodon&limit=9999").get_data(as_text=True)  # the default


def test_what_a_dry_run_rehearsed_is_in_the_history_and_the_post_stays_queued(app: Flask, store: Store):
    (post,) = queue_posts(store, 1, state=State.SCHEDULED, text="Probelauf {n}")
    store.note(post, "dry run: the requests went to outbox.jsonl; nothing was sent", now=NOW)
    client = english(app.test_client())
    sign_in(client, "erika")
    page = client.get("/history").get_data(as_text=True)
    assert "Dry runs" in page and "the requests went to outbox.jsonl; nothing was sent" in page
    assert "Probelauf 0" in page and "No dry run yet." not in page
