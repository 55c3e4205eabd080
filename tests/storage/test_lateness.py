"""What lateness is told from, on every backend (`store`: a real SQLite file and a real PostgreSQL
database, which skips saying why when none is reachable): posts overdue, posts published with the
due time of the claim that published them, and the once-per-post record of lateness notices."""

from __future__ import annotations

import datetime as dt

from scheduler.models import Content, State
from scheduler.storage import NewPost, Store

NOW = dt.datetime(2030, 1, 7, 8, 30, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)


def _add(store: Store, item: str, due: dt.datetime, *, account: str = "main", state: str = State.SCHEDULED) -> int:
    post = NewPost(item, "mastodon", account, due, Content((f"Post {item}",), "de"))
    (post_id,) = store.add([post], state=state, now=due - 60 * MINUTE, reason="imported")
    return post_id


def _move(store: Store, post_id: int, *states: str, at: dt.datetime) -> None:
    for state in states:
        store.transition(post_id, state, reason=f"to {state}", now=at)


def test_overdue_posts_are_the_scheduled_and_publishing_ones_due_before_the_instant_longest_waiting_first(
    store: Store,
):
    in_flight = _add(store, "a", NOW - 20 * MINUTE)
    _move(store, in_flight, State.PUBLISHING, at=NOW - 19 * MINUTE)
    waiting = _add(store, "b", NOW - 30 * MINUTE, account="team")
    _add(store, "c", NOW + MINUTE)  # not due yet
    _add(store, "d", NOW - 40 * MINUTE, state=State.DRAFT)  # a draft goes out only once approved
    out = _add(store, "e", NOW - 50 * MINUTE)
    _move(store, out, State.PUBLISHING, State.PUBLISHED, at=NOW - 49 * MINUTE)

    overdue = store.overdue(due_before=NOW)
    assert [(p.post_id, p.account, p.state, p.due_at) for p in overdue] == [
        (waiting, "team", State.SCHEDULED, NOW - 30 * MINUTE),
        (in_flight, "main", State.PUBLISHING, NOW - 20 * MINUTE),
    ]
    assert store.count_overdue(due_before=NOW) == 2
    assert store.count_overdue(due_before=NOW - 25 * MINUTE) == 1
    assert [p.post_id for p in store.overdue(due_before=NOW, accounts={("mastodon", "main")})] == [in_flight]
    assert [p.post_id for p in store.overdue(due_before=NOW, limit=1)] == [waiting]


def test_posts_published_since_an_instant_carry_the_due_time_of_their_claim(store: Store):
    late = _add(store, "a", NOW - 10 * MINUTE)
    _move(store, late, State.PUBLISHING, State.PUBLISHED, at=NOW - 6 * MINUTE)
    early = _add(store, "b", NOW - 90 * MINUTE)
    _move(store, early, State.PUBLISHING, State.PUBLISHED, at=NOW - 80 * MINUTE)  # before the window
    by_hand = _add(store, "c", NOW - 50 * MINUTE)  # marked published by a person: no claim published it
    _move(store, by_hand, State.PUBLISHING, State.NEEDS_ATTENTION, at=NOW - 49 * MINUTE)
    _move(store, by_hand, State.PUBLISHED, at=NOW - 5 * MINUTE)

    went = store.published_since(NOW - 60 * MINUTE)
    assert [(w.post_id, w.platform, w.account) for w in went] == [(late, "mastodon", "main")]
    assert went[0].published_at - went[0].due_at == 4 * MINUTE


def test_a_lateness_notice_is_recorded_once_per_post(store: Store):
    first, second = _add(store, "a", NOW - 20 * MINUTE), _add(store, "b", NOW - 15 * MINUTE)
    assert store.first_late_notices([first], now=NOW) == [first]
    assert store.first_late_notices([first, second], now=NOW + MINUTE) == [second]
    assert store.first_late_notices([second, first], now=NOW + 2 * MINUTE) == []
    assert store.overdue(due_before=NOW, untold=True) == []
    assert [p.post_id for p in store.overdue(due_before=NOW)] == [first, second]
    # the record of a failure notice is another one: a late post that fails is still told about
    assert store.first_notice(first, State.FAILED, now=NOW)
