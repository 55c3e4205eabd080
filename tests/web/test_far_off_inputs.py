"""Days and post numbers at the edge of what a computer holds — 9999-12-31, 0001-01-01, a post
number of 23 digits — typed into the dashboard or its addresses: a page that says what is wrong,
or an unknown post, never a failed request (500)."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from flask import Flask

from scheduler.errors import QueueError
from scheduler.models import State
from scheduler.storage import Store
from tests.web.conftest import english, queue_posts, sign_in

# NOW is Monday 2030-01-07 08:00 UTC; queue_posts puts post n on Tuesday 2030-01-08 at 09:00+n Berlin time.
HUGE = "99999999999999999999999"


def _page(client, address: str) -> str:
    answer = client.get(address)
    assert answer.status_code == 200, address
    return html.unescape(answer.get_data(as_text=True))


def test_a_day_years_ahead_in_the_calendars_move_form_is_refused_saying_up_to_which_day(app: Flask, store: Store):
    (post_id,) = queue_posts(store, 1, state=State.SCHEDULED)
    before = store.get(post_id).publish_at
    client = app.test_client()
    csrf = sign_in(client, "erika")
    answer = client.post("/calendar/move", data={"post": str(post_id), "day": "9999-12-31", "csrf_token": csrf})
    assert answer.status_code == 302
    page = _page(client, "/calendar")
    assert (
        f"Beitrag {post_id}: 31. Dezember 9999 liegt mehr als 2 Jahre in der Zukunft; "
        "wählen Sie einen Tag bis zum 8. Januar 2032"
    ) in page
    assert store.get(post_id).publish_at == before


def test_a_dropped_card_is_moved_up_to_two_years_ahead_and_not_a_day_further(app: Flask, store: Store):
    (post_id,) = queue_posts(store, 1, state=State.SCHEDULED)
    client = english(app.test_client())
    csrf = sign_in(client, "anton")
    headers = {"X-CSRF-Token": csrf}
    for day in ("9999-12-31", "2032-01-09"):
        refused = client.post(f"/api/posts/{post_id}/move", json={"day": day}, headers=headers)
        assert refused.status_code == 400, day
        assert refused.get_json()["error"].endswith("is more than 2 years ahead; give a day up to 8 January 2032")
    moved = client.post(f"/api/posts/{post_id}/move", json={"day": "2032-01-08"}, headers=headers)  # a Thursday
    assert moved.status_code == 200, moved.get_json()
    assert store.get(post_id).publish_at == dt.datetime(2032, 1, 8, 8, 0, tzinfo=dt.UTC)


def test_the_queues_bulk_move_to_a_day_years_ahead_refuses_each_post_and_moves_none(app: Flask, store: Store):
    ids = queue_posts(store, 2, state=State.SCHEDULED)
    before = [store.get(post_id).publish_at for post_id in ids]
    client = english(app.test_client())
    csrf = sign_in(client, "anton")
    answer = client.post(
        "/queue/bulk",
        data={
            "action": "reschedule",
            "post": [str(post_id) for post_id in ids],
            "day": "9999-12-31",
            "csrf_token": csrf,
        },
    )
    assert answer.status_code == 302
    page = _page(client, "/queue")
    assert "0 posts moved." in page
    for post_id in ids:
        assert f"#{post_id}: post {post_id}: 31 December 9999 is more than 2 years ahead" in page
    assert [store.get(post_id).publish_at for post_id in ids] == before


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1969-12-31", "3000-01-01", "2030-13-01"])
def test_the_queue_at_a_day_it_cannot_show_shows_every_day_and_says_why(app: Flask, store: Store, day: str):
    queue_posts(store, 2)
    client = app.test_client()
    sign_in(client, "erika")
    page = _page(client, f"/queue?day={day}")
    assert "Der Tag in der Adresse ist kein Datum von 1970 bis 2999; die Warteschlange zeigt alle Tage." in page
    assert "Meldung 0" in page and "Meldung 1" in page


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_the_calendar_at_a_day_it_cannot_show_shows_this_week_and_says_why(app: Flask, store: Store, day: str):
    queue_posts(store, 1)
    client = english(app.test_client())
    sign_in(client, "erika")
    for view in ("week", "month"):
        page = _page(client, f"/calendar?view={view}&day={day}")
        assert "The day in the address is not a date from 1970 to 2999; the calendar shows today." in page
        assert 'data-day="2030-01-07"' in page and "Meldung 0" in page


def test_the_first_and_last_days_a_post_can_have_are_shown(app: Flask, store: Store):
    client = english(app.test_client())
    sign_in(client, "erika")
    for address in ("/calendar?day=1970-01-01", "/calendar?view=month&day=2999-12-31", "/queue?day=2999-12-31"):
        page = _page(client, address)
        assert "The day in the address" not in page, address
    assert 'data-day="2999-12-31"' in _page(client, "/calendar?view=month&day=2999-12-31")


@pytest.mark.parametrize(
    "method, address",
    [
        ("get", "/posts/{n}"),
        ("post", "/posts/{n}"),
        ("post", "/posts/{n}/images"),
        ("post", "/posts/{n}/submit"),
        ("post", "/posts/{n}/approve"),
        ("post", "/posts/{n}/reject"),
        ("post", "/posts/{n}/comments"),
    ],
)
def test_a_post_number_too_large_for_the_database_is_not_found_like_an_unknown_post(
    app: Flask, store: Store, method: str, address: str
):
    queue_posts(store, 1)
    client = app.test_client()
    csrf = sign_in(client, "ada")
    for number in (HUGE, str(2**63), "0"):
        answer = getattr(client, method)(address.format(n=number), data={"csrf_token": csrf, "comment": "x"})
        assert answer.status_code == 404, (address, number)
        assert "Nicht gefunden" in answer.get_data(as_text=True)


def test_a_dropped_card_of_a_post_number_too_large_is_said_to_be_no_post(app: Flask, store: Store):
    client = app.test_client()
    csrf = sign_in(client, "anton")
    answer = client.post(f"/api/posts/{HUGE}/move", json={"day": "2030-01-09"}, headers={"X-CSRF-Token": csrf})
    assert answer.status_code == 400 and answer.get_json() == {"error": f"kein Beitrag mit der Nummer {HUGE}"}


def test_the_largest_number_a_post_can_have_is_looked_up_as_any_other(app: Flask, store: Store):
    client = english(app.test_client())
    csrf = sign_in(client, "anton")
    largest = 2**63 - 1
    assert client.get(f"/posts/{largest}").status_code == 404  # no such post
    answer = client.post(f"/api/posts/{largest}/move", json={"day": "2030-01-09"}, headers={"X-CSRF-Token": csrf})
    assert answer.status_code == 400 and answer.get_json()["error"].startswith(f"no post with number {largest}")


def test_a_post_number_too_large_in_a_form_is_said_to_be_no_post(app: Flask, store: Store):
    (post_id,) = queue_posts(store, 1)
    client = app.test_client()
    csrf = sign_in(client, "anton")
    answer = client.post("/queue/bulk", data={"action": "approve", "post": [HUGE, str(post_id)], "csrf_token": csrf})
    assert answer.status_code == 302
    page = _page(client, "/queue")
    assert f"#{HUGE}: kein Beitrag mit der Nummer {HUGE}" in page
    assert store.get(post_id).state == State.SCHEDULED  # the real one is approved
    client.post("/calendar/move", data={"post": HUGE, "day": "2030-01-09", "csrf_token": csrf})
    assert f"kein Beitrag mit der Nummer {HUGE}" in _page(client, "/calendar")


def test_the_store_has_no_post_with_a_number_outside_what_it_holds(store: Store):
    (post_id,) = queue_posts(store, 1)
    for number in (int(HUGE), 2**63, 0, -1):
        with pytest.raises(QueueError, match=f"no post with id {number};"):
            store.get(number)
        assert store.history(number) == [] and store.comments(number) == []
    assert [post.id for post in store.get_many([int(HUGE), post_id])] == [post_id]
