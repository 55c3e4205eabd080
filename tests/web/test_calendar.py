"""The calendar: a week or a month of posts in local time, filters, and moving a post to another
day by its form (keyboard, no script) or by the JSON call a dropped card makes — both checked like
`scheduler queue reschedule ID DAY`."""

from __future__ import annotations

import datetime as dt
import html
import re

from flask import Flask

from scheduler.models import Content, State
from scheduler.storage import NewPost, Store
from tests.web.conftest import english, queue_posts, sign_in

# NOW is Monday 2030-01-07 08:00 UTC; queue_posts puts post n on Tuesday 2030-01-08 at 09:00+n Berlin time.


def test_the_week_shows_each_post_on_its_local_day_with_its_time(app: Flask, store: Store):
    queue_posts(store, 2)
    client = english(app.test_client())
    sign_in(client, "erika")
    page = client.get("/calendar").get_data(as_text=True)
    assert 'data-day="2030-01-07"' in page and 'data-day="2030-01-13"' in page  # Monday to Sunday
    tuesday = page.split('data-day="2030-01-08"')[1].split('data-day="2030-01-09"')[0]
    assert "Meldung 0" in tuesday and "Meldung 1" in tuesday and "09:00" in tuesday and "10:00" in tuesday
    assert "Tue 8 Jan" in page
    assert "Meldung" not in client.get("/calendar?day=2030-01-14").get_data(as_text=True)  # the next week
    month = client.get("/calendar?view=month").get_data(as_text=True)
    assert 'data-day="2029-12-31"' in month and 'data-day="2030-02-03"' in month and "Meldung 1" in month
    assert "Meldung" not in client.get("/calendar?platform=linkedin").get_data(as_text=True)


def test_a_post_is_moved_to_another_day_by_its_form_into_that_days_first_free_slot(app: Flask, store: Store):
    (post_id,) = queue_posts(store, 1, state=State.SCHEDULED)
    client = english(app.test_client())
    csrf = sign_in(client, "erika")
    answer = client.post("/calendar/move", data={"post": str(post_id), "day": "2030-01-09", "csrf_token": csrf})
    assert answer.status_code == 302
    moved = store.get(post_id)
    assert moved.publish_at == dt.datetime(2030, 1, 9, 8, 0, tzinfo=dt.UTC)  # Wednesday 09:00 Berlin, the first slot
    assert store.history(post_id)[-1].actor == "erika"
    page = client.get("/calendar").get_data(as_text=True)
    assert f"Post {post_id} moved to Wed 9 Jan 2030, 09:00 +01:00." in page


def test_a_day_without_slots_is_refused_with_the_reason_and_nothing_moves(app: Flask, store: Store):
    (post_id,) = queue_posts(store, 1, state=State.SCHEDULED)
    before = store.get(post_id).publish_at
    client = english(app.test_client())
    csrf = sign_in(client, "erika")
    client.post("/calendar/move", data={"post": str(post_id), "day": "2030-01-12", "csrf_token": csrf})  # a Saturday
    assert store.get(post_id).publish_at == before
    assert "is a Saturday, which has no posting slots" in client.get("/calendar").get_data(as_text=True)


def test_dropping_a_card_moves_it_through_the_json_call_which_needs_the_csrf_header(app: Flask, store: Store):
    (post_id,) = queue_posts(store, 1, state=State.SCHEDULED)
    client = english(app.test_client())
    csrf = sign_in(client, "anton")
    refused = client.post(f"/api/posts/{post_id}/move", json={"day": "2030-01-10"})
    assert refused.status_code == 400  # no CSRF header
    answer = client.post(f"/api/posts/{post_id}/move", json={"day": "2030-01-10"}, headers={"X-CSRF-Token": csrf})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["when"] == "Thu 10 Jan 2030, 09:00 +01:00"
    bad = client.post(f"/api/posts/{post_id}/move", json={"day": "2030-01-12"}, headers={"X-CSRF-Token": csrf})
    assert bad.status_code == 400 and "Saturday" in bad.get_json()["error"]


def test_signed_out_the_json_call_gets_401_and_moves_nothing(app: Flask, store: Store):
    (post_id,) = queue_posts(store, 1, state=State.SCHEDULED)
    before = store.get(post_id).publish_at
    answer = app.test_client().post(f"/api/posts/{post_id}/move", json={"day": "2030-01-10"})
    assert answer.status_code in (400, 401)
    assert store.get(post_id).publish_at == before


def test_published_posts_are_shown_but_cannot_be_moved(app: Flask, store: Store):
    (post_id,) = queue_posts(store, 1, state=State.SCHEDULED)
    (claimed,) = store.claim_due(now=dt.datetime(2030, 1, 9, tzinfo=dt.UTC), worker="w")
    store.transition(
        post_id, State.PUBLISHED, reason="sent", now=claimed.updated_at or claimed.publish_at, fence=claimed
    )
    client = english(app.test_client())
    csrf = sign_in(client, "anton")
    page = client.get("/calendar").get_data(as_text=True)
    assert "Meldung 0" in page and f'id="move-{post_id}"' not in page
    answer = client.post(f"/api/posts/{post_id}/move", json={"day": "2030-01-10"}, headers={"X-CSRF-Token": csrf})
    assert answer.status_code == 400
    assert store.get(post_id).state == State.PUBLISHED


def test_a_busy_day_shows_its_first_posts_and_says_how_many_more(app: Flask, store: Store):
    from scheduler.web.calendar import PER_DAY

    queue_posts(store, 2)  # Tuesday's
    base = dt.datetime(2030, 1, 9, 8, 0, tzinfo=dt.UTC)
    store.add(
        [
            NewPost(f"burst-{n}", "mastodon", f"team{n}", base, Content((f"Burst {n}",), "de"))
            for n in range(PER_DAY + 7)
        ],
        state=State.SCHEDULED,
        now=base - dt.timedelta(days=3),
        reason="burst",
    )
    client = english(app.test_client())
    sign_in(client, "erika")
    wednesday = client.get("/calendar").get_data(as_text=True).split('data-day="2030-01-09"')[1].split("</section>")[0]
    assert wednesday.count('class="card') == PER_DAY
    assert "7 more posts" in wednesday
    link = re.search(r'<a href="([^"]+)">7 more posts', wednesday)
    assert link is not None
    listed = client.get(html.unescape(link.group(1))).get_data(as_text=True)  # that day's posts, in the queue
    assert f"{PER_DAY + 7} posts" in listed and "Meldung" not in listed  # not Tuesday's


def test_the_page_gives_the_drag_script_its_failure_words_in_the_readers_language(app: Flask, store: Store):
    queue_posts(store, 1, state=State.SCHEDULED)
    client = app.test_client()
    sign_in(client, "erika")
    page = client.get("/calendar").get_data(as_text=True)
    status = re.search(r'<p id="calendar-status"[^>]*>', page)
    assert status is not None
    assert 'data-failed="Der Beitrag konnte nicht verschoben werden.' in status.group(0)
    english_page = english(client).get("/calendar").get_data(as_text=True)
    assert 'data-failed="The post could not be moved.' in english_page


def test_a_long_text_on_a_card_is_cut_with_an_ellipsis(app: Flask, store: Store):
    queue_posts(store, 1, state=State.SCHEDULED, text="Wort {n} " + "Sommerfest im Familienzentrum " * 10)
    client = app.test_client()
    sign_in(client, "erika")
    card = client.get("/calendar").get_data(as_text=True).split('<p class="text">')[1].split("</p>")[0]
    assert card.endswith("…") and "..." not in card
    assert len(card) <= 140
