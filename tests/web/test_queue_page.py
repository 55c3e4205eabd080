"""The queue page: the posts not yet out, filters, and bulk approve and cancel by role."""

from __future__ import annotations

import datetime as dt

from flask import Flask

from scheduler.models import State
from scheduler.storage import Store
from tests.web.conftest import NOW, english, queue_posts, sign_in


def test_the_queue_lists_the_open_posts_with_local_times_and_the_filters_narrow_it(app: Flask, store: Store):
    drafts = queue_posts(store, 2)
    client = app.test_client()
    sign_in(client, "erika")
    page = client.get("/queue", headers={"Accept-Language": "de-DE,de;q=0.9"}).get_data(as_text=True)
    assert "Meldung 0" in page and "Meldung 1" in page
    assert "Di. 8. Jan. 2030, 09:00 +01:00" in page  # 08:00 UTC + 1 day, in Berlin, German
    assert "Entwurf" in page and "2 Beiträge" in page
    store.transition(drafts[0], State.CANCELLED, reason="test", now=NOW)
    page = client.get("/queue?state=cancelled").get_data(as_text=True)
    assert "Meldung 0" in page and "Meldung 1" not in page
    assert "Meldung 1" not in client.get("/queue?platform=linkedin").get_data(as_text=True)


def test_an_approver_approves_and_cancels_in_bulk(app: Flask, store: Store):
    ids = queue_posts(store, 3)
    client = english(app.test_client())
    csrf = sign_in(client, "anton")
    answer = client.post(
        "/queue/bulk", data={"action": "approve", "post": [str(ids[0]), str(ids[1])], "csrf_token": csrf}
    )
    assert answer.status_code == 302
    assert [store.get(i).state for i in ids] == [State.SCHEDULED, State.SCHEDULED, State.DRAFT]
    assert store.history(ids[0])[-1].actor == "anton"  # who approved it
    page = client.get("/queue").get_data(as_text=True)
    assert "2 posts approved." in page
    client.post("/queue/bulk", data={"action": "cancel", "post": [str(ids[2])], "csrf_token": csrf})
    assert store.get(ids[2]).state == State.CANCELLED


def test_an_editors_forged_approve_gets_403_and_changes_nothing(app: Flask, store: Store):
    ids = queue_posts(store, 2)
    client = app.test_client()
    csrf = sign_in(client, "erika")
    page = client.get("/queue").get_data(as_text=True)
    assert 'value="approve"' not in page  # no button for it
    answer = client.post("/queue/bulk", data={"action": "approve", "post": [str(i) for i in ids], "csrf_token": csrf})
    assert answer.status_code == 403
    assert {store.get(i).state for i in ids} == {State.DRAFT}


def test_a_post_that_cannot_change_is_named_and_the_others_change(app: Flask, store: Store):
    (draft,) = queue_posts(store, 1)
    (scheduled,) = queue_posts(store, 1, state=State.SCHEDULED, text="Schon geplant {n}")
    client = english(app.test_client())
    csrf = sign_in(client, "anton")
    client.post("/queue/bulk", data={"action": "approve", "post": [str(draft), str(scheduled)], "csrf_token": csrf})
    page = client.get("/queue").get_data(as_text=True)
    assert "1 post approved." in page and f"#{scheduled}:" in page
    assert store.get(draft).state == State.SCHEDULED


def test_a_long_queue_shows_its_first_page_and_says_how_many_more(app: Flask, store: Store):
    from scheduler.web.queue import PAGE

    queue_posts(store, PAGE + 5)
    client = english(app.test_client())
    sign_in(client, "erika")
    page = client.get("/queue").get_data(as_text=True)
    assert f"{PAGE} posts" in page and "5 more not shown" in page
    assert f"Meldung {PAGE - 1}" in page and f"Meldung {PAGE}<" not in page
    page = client.get("/queue?account=nobody").get_data(as_text=True)
    assert "No posts." in page


def test_chosen_posts_are_moved_to_a_day_in_bulk_each_to_a_free_slot_or_refused_with_the_reason(
    app: Flask, store: Store
):
    ids = queue_posts(store, 2, state=State.SCHEDULED)
    client = english(app.test_client())
    csrf = sign_in(client, "erika")  # an editor may reschedule
    answer = client.post(
        "/queue/bulk",
        data={"action": "reschedule", "day": "2030-01-10", "post": [str(i) for i in ids], "csrf_token": csrf},
    )
    assert answer.status_code == 302
    times = sorted(store.get(i).publish_at for i in ids)
    assert [t.isoformat() for t in times] == ["2030-01-10T08:00:00+00:00", "2030-01-10T11:30:00+00:00"]  # 09:00, 12:30
    assert {store.history(i)[-1].actor for i in ids} == {"erika"}
    assert "2 posts moved." in client.get("/queue").get_data(as_text=True)
    client.post(
        "/queue/bulk", data={"action": "reschedule", "day": "2030-01-12", "post": [str(ids[0])], "csrf_token": csrf}
    )
    page = client.get("/queue").get_data(as_text=True)
    assert "0 posts moved." in page and "which has no posting slots" in page  # a Saturday
    assert store.get(ids[0]).publish_at == times[0] or store.get(ids[0]).publish_at == times[1]


def test_state_names_read_as_words_in_english(app: Flask, store: Store):
    (post_id,) = queue_posts(store, 1, state=State.SCHEDULED)
    (claimed,) = store.claim_due(now=NOW + dt.timedelta(days=2), worker="w")
    store.transition(post_id, State.NEEDS_ATTENTION, reason="outcome unknown", now=NOW, fence=claimed)
    client = english(app.test_client())
    sign_in(client, "erika")
    page = client.get("/queue").get_data(as_text=True)
    assert "needs attention" in page and ">needs_attention<" not in page


def test_an_editor_submits_chosen_drafts_for_review_in_bulk_and_refusals_are_named(app: Flask, store: Store):
    drafts = queue_posts(store, 3)
    (scheduled,) = queue_posts(store, 1, state=State.SCHEDULED, text="Schon geplant {n}")
    client = app.test_client()
    csrf = sign_in(client, "erika")
    page = client.get("/queue").get_data(as_text=True)
    assert '<button type="submit" name="action" value="submit">Zur Freigabe einreichen</button>' in page
    client.post("/queue/bulk", data={"action": "submit", "post": [str(drafts[0])], "csrf_token": csrf})
    answer = client.post(
        "/queue/bulk", data={"action": "submit", "post": [*map(str, drafts), str(scheduled)], "csrf_token": csrf}
    )
    assert answer.status_code == 302
    for post_id in drafts:
        reasons = [change.reason for change in store.history(post_id)]
        assert reasons.count("submitted for review") == 1  # the one submitted before: not twice
        assert store.history(post_id)[-1].actor == "erika" and store.get(post_id).state == State.DRAFT
    assert store.history(scheduled)[-1].reason == "imported"  # not a draft: nothing recorded
    page = client.get("/queue").get_data(as_text=True)
    assert "2 Beiträge zur Freigabe eingereicht." in page
    assert f"#{drafts[0]}: wartet bereits auf Freigabe; nicht erneut eingereicht." in page
    assert f"#{scheduled}: Beitrag {scheduled} ist" in page  # why: it is no draft
    assert page.count('<span class="review submitted">wartet auf Freigabe</span>') == 3


def test_bulk_submit_needs_the_forms_csrf_token(app: Flask, store: Store):
    drafts = queue_posts(store, 1)
    client = app.test_client()
    sign_in(client, "erika")
    assert client.post("/queue/bulk", data={"action": "submit", "post": [str(drafts[0])]}).status_code == 400
    assert len(store.history(drafts[0])) == 1


def test_the_account_filter_offers_the_accounts_by_name_and_shows_only_that_accounts_posts(app: Flask, store: Store):
    from scheduler.models import Content
    from scheduler.storage import NewPost
    from tests.web.conftest import NOW

    queue_posts(store, 2, text="Mastodon-Meldung {n}")
    store.add(
        [NewPost("presse-1", "linkedin", "presse", NOW + dt.timedelta(days=2), Content(("Presse-Meldung",), "de"))],
        state=State.DRAFT,
        now=NOW,
        reason="imported",
    )
    client = app.test_client()
    sign_in(client, "erika")
    page = client.get("/queue", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert '<option value="linkedin:presse">LinkedIn · presse</option>' in page
    assert '<option value="mastodon:default">Mastodon</option>' in page
    page = client.get("/queue?account=linkedin:presse").get_data(as_text=True)
    assert "Presse-Meldung" in page and "Mastodon-Meldung" not in page
    assert '<option value="linkedin:presse" selected>' in page
