"""The post editor through the test client: the page (text per part, platform, account, state,
time, images with alt text, preview, history with who, the diff an updated issue made, comments),
the live counter's JSON endpoint (the platforms' own rules, CSRF and a sign-in required), editing
through `queue edit`'s use case (over the limit refused, nothing saved), and the review — submit,
approve, reject with a comment — with every authorisation rule and four-eyes mode."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from scheduler import approval
from scheduler.models import Content, Image, State
from scheduler.storage import NewPost, Store
from scheduler.storage.items import Rewrite, rewrite
from tests.fakes.mastodon_server import MastodonFake
from tests.web.conftest import NOW, english, queue_posts, sign_in

LONG_URL = "https://example.org/" + "very-long-path/" * 20


def _add(
    store: Store, *parts: str, images: tuple[Image, ...] = (), account: str = "default", actor: str | None = None
) -> int:
    [post_id] = store.add(
        [
            NewPost(
                f"item-{len(parts)}-{parts[0][:10]}-{account}",
                "mastodon",
                account,
                NOW + dt.timedelta(days=1),
                Content(tuple(parts), "de", links=("https://example.org/anmeldung",), images=images),
            )
        ],
        state=State.DRAFT,
        now=NOW,
        reason="imported",
        actor=actor,
    )
    return post_id


def _client(app: Flask, name: str) -> tuple[FlaskClient, str]:
    client = app.test_client()
    return client, sign_in(client, name)


def _text(client: FlaskClient, path: str) -> str:
    answer = client.get(path)
    assert answer.status_code == 200, answer.status_code
    return answer.get_data(as_text=True)


def _count(client: FlaskClient, csrf: str | None, **body: object):
    headers = {"X-CSRF-Token": csrf} if csrf else {}
    return client.post("/api/count", json=body, headers=headers)


# -- the page -------------------------------------------------------------------------------------


def test_the_page_shows_the_post_its_images_preview_and_history(app: Flask, store: Store):
    post_id = _add(
        store, "Anmeldung bis Freitag: " + LONG_URL, images=(Image("/srv/bilder/fest.jpg", "Kinder beim Fest"),)
    )
    client, _ = _client(app, "erika")
    page = _text(english(client), f"/posts/{post_id}")
    assert f"Post {post_id}" in page and "Mastodon" in page and "default" in page
    assert "draft" in page and "Tue 8 Jan 2030, 09:00 +01:00" in page  # publish time in the team's zone
    assert f"Anmeldung bis Freitag: {LONG_URL}</textarea>" in page
    assert "46 of 500 characters" in page  # a link counts 23 on Mastodon, whatever its length
    assert "/srv/bilder/fest.jpg" in page and "Kinder beim Fest" in page and "Image: Kinder beim Fest" in page
    assert 'class="preview preview-mastodon"' in page and "no credentials: a dry run" in page
    assert 'href="https://example.org/anmeldung"' in page
    assert "History" in page and "imported" in page
    assert "<script>" not in page.replace('<script src="/static/editor.js" defer></script>', "")
    assert 'src="/static/editor.js"' in page and "style=" not in page


def test_the_page_is_german_by_default(app: Flask, store: Store):
    post_id = _add(store, "Hallo")
    client, _ = _client(app, "erika")
    page = _text(client, f"/posts/{post_id}")
    for words in ("Beitrag", "Vorschau", "Verlauf", "Kommentare", "Zur Freigabe einreichen", "5 von 500 Zeichen"):
        assert words in page


def test_content_with_markup_is_shown_as_text(app: Flask, store: Store):
    post_id = _add(store, '<script>alert(1)</script> <a href="javascript:alert(2)">hier</a>')
    client, _ = _client(app, "anton")
    page = _text(client, f"/posts/{post_id}")
    assert "<script>alert(1)" not in page and '<a href="javascript' not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_thread_has_a_textarea_and_a_counter_per_part(app: Flask, store: Store):
    post_id = _add(store, "Erster Teil", "Zweiter Teil")
    client, _ = _client(app, "erika")
    page = _text(english(client), f"/posts/{post_id}")
    assert page.count('<textarea id="part-') == 2 and "Part 2 of 2" in page
    assert 'id="count-1" class="counter" aria-live="polite"' in page and "11 of 500 characters" in page
    assert 'aria-describedby="count-2"' in page


def test_an_unknown_post_is_not_found_and_a_stranger_signs_in_first(app: Flask, store: Store):
    post_id = _add(store, "Hallo")
    assert app.test_client().get(f"/posts/{post_id}").status_code == 302  # to the sign-in
    client, _ = _client(app, "erika")
    assert client.get("/posts/999").status_code == 404


def test_the_queue_links_each_post_to_its_editor(app: Flask, store: Store):
    [post_id] = queue_posts(store, 1)
    client, _ = _client(app, "erika")
    assert f'href="/posts/{post_id}"' in _text(client, "/queue")


def test_the_diff_of_an_issue_update_is_shown(app: Flask, store: Store):
    post_id = _add(store, "Das Sommerfest ist am 12. Juli. Alle sind eingeladen.")
    post = store.get(post_id)
    content = dataclasses.replace(post.content, parts=("Das Sommerfest ist am 19. Juli. Alle sind eingeladen.",))
    reason = "updated from ausgabe.md: the item's text changed"
    changed = rewrite(
        store,
        [Rewrite(post_id, State.DRAFT, content, "", "new", reason)],
        known=[],
        now=NOW + dt.timedelta(minutes=5),
        actor="ada",
    )
    assert changed == [post_id]
    assert [r.previous for r in store.rewrites(post_id)] == [("Das Sommerfest ist am 12. Juli. Alle sind eingeladen.",)]
    client, _ = _client(app, "erika")
    page = _text(english(client), f"/posts/{post_id}")
    assert "What the updated issue changed" in page
    assert '<span class="del">-Das Sommerfest ist am 12. Juli.</span>' in page
    assert '<span class="add">+Das Sommerfest ist am 19. Juli.</span>' in page
    assert "updated from ausgabe.md" in page and "<td>ada</td>" in page


# -- the counter ----------------------------------------------------------------------------------


def test_the_counter_counts_by_the_platforms_rule(app: Flask, store: Store):
    client, csrf = _client(app, "erika")
    answer = _count(client, csrf, platform="mastodon", account="default", text="Hallo " + LONG_URL)
    assert answer.status_code == 200 and answer.get_json() == {"length": 29, "limit": 500, "over": False}
    answer = _count(client, csrf, platform="mastodon", account="default", text="x" * 501)
    assert answer.get_json() == {"length": 501, "limit": 500, "over": True}
    answer = _count(client, csrf, platform="x", account="default", text="Hallo " + LONG_URL)
    assert answer.get_json() == {"length": 29, "limit": 280, "over": False}  # X counts a link 23 too
    warned = _count(client, csrf, platform="mastodon", account="default", text="Hallo", spoiler_text="Spoiler")
    assert warned.get_json()["length"] == 12  # the content warning counts on Mastodon


def test_the_counter_uses_the_limit_queue_edit_uses(app: Flask, store: Store, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SCHEDULER_MASTODON_MAX_CHARACTERS", "100")
    from scheduler.config import load_settings
    from scheduler.web import WIRING

    app.extensions[WIRING].settings = load_settings()
    client, csrf = _client(app, "erika")
    assert _count(client, csrf, platform="mastodon", account="default", text="x" * 101).get_json() == {
        "length": 101,
        "limit": 100,
        "over": True,
    }


def test_the_counter_asks_a_mastodon_instance_for_its_limit(web_env, monkeypatch: pytest.MonkeyPatch):
    from scheduler import team
    from scheduler.config import load_settings
    from scheduler.models import Role
    from scheduler.web import create_app
    from scheduler.wiring import Wiring
    from tests.web.conftest import PASSWORD

    with MastodonFake(token="m", max_characters=1500) as mastodon:
        monkeypatch.setenv("SCHEDULER_ACCOUNTS__MASTODON__MAIN__BASE_URL", mastodon.url)
        monkeypatch.setenv("SCHEDULER_ACCOUNTS__MASTODON__MAIN__TOKEN", "m")
        wiring = Wiring(load_settings(), clock=lambda: NOW)
        team.add_user(wiring.store, "erika", PASSWORD, Role.EDITOR, now=NOW)
        app = create_app(wiring)
        client, csrf = _client(app, "erika")
        answer = _count(client, csrf, platform="mastodon", account="main", text="x" * 600)
        assert answer.get_json() == {"length": 600, "limit": 1500, "over": False}
        post_id = _add(wiring.store, "Hallo", account="main")
        page = _text(english(client), f"/posts/{post_id}")
        assert "5 of 1500 characters" in page and mastodon.url in page  # the preview names the server
    # the limit is kept: the counter answers without the instance
    assert _count(client, csrf, platform="mastodon", account="main", text="x").get_json()["limit"] == 1500


def test_the_counter_needs_a_csrf_token_and_a_sign_in(app: Flask):
    stranger = app.test_client()
    stranger_csrf = re.search(r'name="csrf_token" value="([^"]+)"', _text(stranger, "/login"))
    assert stranger_csrf
    answer = _count(stranger, stranger_csrf.group(1), platform="mastodon", account="default", text="Hallo")
    assert answer.status_code == 401 and "error" in answer.get_json()
    client, _ = _client(app, "erika")
    answer = _count(client, None, platform="mastodon", account="default", text="Hallo")
    assert answer.status_code == 400 and answer.get_json() == {"error": "csrf"}
    answer = _count(client, "wrong", platform="mastodon", account="default", text="Hallo")
    assert answer.status_code == 400


def test_the_counter_refuses_bad_input_with_one_error(app: Flask):
    client, csrf = _client(app, "erika")
    unknown = _count(client, csrf, platform="myspace", account="default", text="Hallo")
    assert unknown.status_code == 400 and "mastodon" in unknown.get_json()["error"]
    assert _count(client, csrf, platform="mastodon", account="default", text=3).status_code == 400
    answer = client.post("/api/count", data="kein JSON", headers={"X-CSRF-Token": csrf})
    assert answer.status_code == 400 and "JSON" in answer.get_json()["error"]


# -- editing --------------------------------------------------------------------------------------


def test_an_edit_is_saved_through_queue_edits_use_case_with_its_actor(app: Flask, store: Store):
    post_id = _add(store, "Alter Text")
    client, csrf = _client(app, "erika")
    answer = client.post(f"/posts/{post_id}", data={"part": "  Neuer Text  ", "csrf_token": csrf})
    assert answer.status_code == 303 and answer.location.endswith(f"/posts/{post_id}")
    assert store.get(post_id).parts == ("Neuer Text",)
    last = store.history(post_id)[-1]
    assert (last.reason, last.actor) == ("text edited", "erika")
    assert "Gespeichert." in _text(client, f"/posts/{post_id}")


def test_each_part_of_a_thread_is_saved_and_measured(app: Flask, store: Store):
    post_id = _add(store, "Eins", "Zwei")
    client, csrf = _client(app, "erika")
    client.post(f"/posts/{post_id}", data={"part": ["Eins!", "Zwei!"], "csrf_token": csrf})
    assert store.get(post_id).parts == ("Eins!", "Zwei!")
    answer = client.post(f"/posts/{post_id}", data={"part": ["Eins!", "x" * 501], "csrf_token": csrf})
    assert answer.status_code == 422
    assert store.get(post_id).parts == ("Eins!", "Zwei!")


def test_an_edit_over_the_limit_is_refused_and_nothing_is_saved(app: Flask, store: Store):
    post_id = _add(store, "Kurz")
    client, csrf = _client(app, "erika")
    too_long = "Anmeldung: " + LONG_URL + " " + "x" * 480
    answer = english(client).post(f"/posts/{post_id}", data={"part": too_long, "csrf_token": csrf})
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert "Not saved: part 1 has 515 characters, 15 more than Mastodon takes (500). Shorten it." in page
    assert f"{too_long}</textarea>" in page  # what was typed is kept for shortening
    assert store.get(post_id).parts == ("Kurz",)
    assert [change.reason for change in store.history(post_id)] == ["imported"]
    german = client.post(
        f"/posts/{post_id}", data={"part": too_long, "csrf_token": csrf}, headers={"Accept-Language": "de"}
    )
    assert "Nicht gespeichert: Teil 1 hat 515 Zeichen" in german.get_data(as_text=True)


def test_a_cancelled_post_is_not_edited(app: Flask, store: Store):
    [post_id] = queue_posts(store, 1, text="Abgesagt {n}")
    approval.cancel(store, [post_id], now=NOW)
    client, csrf = _client(app, "erika")
    page = _text(english(client), f"/posts/{post_id}")
    assert "This post can no longer be edited: it is cancelled." in page and '<textarea id="part-' not in page
    assert "Only drafts are reviewed" in page
    answer = client.post(f"/posts/{post_id}", data={"part": "Anders", "csrf_token": csrf})
    assert answer.status_code == 409
    assert store.get(post_id).parts == ("Abgesagt 0",)
    page = answer.get_data(as_text=True)
    assert "Not saved: post" in page and '<textarea id="part-' not in page
    assert "readonly>Anders</textarea>" in page  # what was typed, to copy elsewhere


def test_a_refused_save_stays_at_the_pages_address_with_the_typed_text(app: Flask, store: Store):
    post_id = _add(store, "Kurz")
    client, csrf = _client(app, "erika")
    page = _text(client, f"/posts/{post_id}")
    assert f'<form method="post" action="/posts/{post_id}" id="edit-form"' in page  # saved to the page's address
    too_long = "Zu lang " + "x" * 500
    answer = client.post(f"/posts/{post_id}", data={"part": too_long, "csrf_token": csrf})
    assert answer.status_code == 422 and "Location" not in answer.headers  # no redirect: the address stays
    refused = answer.get_data(as_text=True)
    assert f">{too_long}</textarea>" in refused and "Nicht gespeichert: Teil 1 hat 508 Zeichen" in refused
    assert store.get(post_id).parts == ("Kurz",)


def test_a_form_sent_to_the_old_save_address_is_sent_on_to_the_page(app: Flask, store: Store):
    post_id = _add(store, "Alt")
    client, csrf = _client(app, "erika")
    answer = client.post(f"/posts/{post_id}/edit", data={"part": "Neu", "csrf_token": csrf})
    assert answer.status_code == 308  # a browser sends the same form again, text and all
    assert answer.location.endswith(f"/posts/{post_id}")
    assert client.post(f"/posts/{post_id}/edit", data={"part": "Neu"}).status_code == 400  # still needs the token


def test_an_edit_needs_the_forms_csrf_token(app: Flask, store: Store):
    post_id = _add(store, "Alter Text")
    client, _ = _client(app, "erika")
    assert client.post(f"/posts/{post_id}", data={"part": "Neu"}).status_code == 400
    assert store.get(post_id).parts == ("Alter Text",)


# -- review ---------------------------------------------------------------------------------------


def test_an_editor_submits_a_draft_for_review(app: Flask, store: Store):
    post_id = _add(store, "Hallo")
    client, csrf = _client(app, "erika")
    english(client)
    assert client.post(f"/posts/{post_id}/submit", data={"csrf_token": csrf}).status_code == 303
    last = store.history(post_id)[-1]
    assert (last.from_state, last.to_state, last.reason, last.actor) == (
        "draft",
        "draft",
        "submitted for review",
        "erika",
    )
    page = _text(english(client), f"/posts/{post_id}")
    assert "Submitted for review." in page and "<td>erika</td>" in page


def test_an_editors_forged_approve_or_reject_is_refused_and_nothing_changes(app: Flask, store: Store):
    post_id = _add(store, "Hallo")
    client, csrf = _client(app, "erika")
    page = _text(client, f"/posts/{post_id}")
    assert f"/posts/{post_id}/approve" not in page and f"/posts/{post_id}/reject" not in page
    assert client.post(f"/posts/{post_id}/approve", data={"csrf_token": csrf}).status_code == 403
    assert client.post(f"/posts/{post_id}/reject", data={"csrf_token": csrf, "comment": "nein"}).status_code == 403
    assert store.get(post_id).state == State.DRAFT
    assert len(store.history(post_id)) == 1 and store.comments(post_id) == []


def test_an_approver_approves_a_draft_someone_else_prepared(app: Flask, store: Store):
    post_id = _add(store, "Hallo", actor="erika")
    editor, csrf = _client(app, "erika")
    editor.post(f"/posts/{post_id}/submit", data={"csrf_token": csrf})
    approver, csrf = _client(app, "anton")
    assert f"/posts/{post_id}/approve" in _text(approver, f"/posts/{post_id}")
    assert approver.post(f"/posts/{post_id}/approve", data={"csrf_token": csrf}).status_code == 303
    assert store.get(post_id).state == State.SCHEDULED
    last = store.history(post_id)[-1]
    assert (last.reason, last.actor) == ("approved", "anton")
    # once scheduled, approving again says why it did not
    approver.post(f"/posts/{post_id}/approve", data={"csrf_token": csrf})
    assert "Nicht freigegeben" in _text(approver, f"/posts/{post_id}")


@pytest.mark.parametrize("prepared", ["edit", "submit", "queued"])
def test_four_eyes_the_approver_who_prepared_a_post_cannot_approve_it(app: Flask, store: Store, prepared: str):
    post_id = _add(store, "Hallo", actor="anton" if prepared == "queued" else None)
    approver, csrf = _client(app, "anton")
    if prepared == "edit":
        approver.post(f"/posts/{post_id}", data={"part": "Hallo!", "csrf_token": csrf})
    elif prepared == "submit":
        approver.post(f"/posts/{post_id}/submit", data={"csrf_token": csrf})
    before = store.history(post_id)
    page = _text(english(approver), f"/posts/{post_id}")
    assert f"/posts/{post_id}/approve" not in page and "another approver approves it (four-eyes mode)" in page
    answer = approver.post(f"/posts/{post_id}/approve", data={"csrf_token": csrf})
    assert answer.status_code == 403
    assert "Four-eyes mode: you queued, edited or submitted this post" in answer.get_data(as_text=True)
    assert store.get(post_id).state == State.DRAFT and store.history(post_id) == before
    # another approver may
    other, other_csrf = _client(app, "ada")
    assert other.post(f"/posts/{post_id}/approve", data={"csrf_token": other_csrf}).status_code == 303
    assert store.get(post_id).state == State.SCHEDULED


def test_four_eyes_holds_for_the_queues_bulk_approve_too(app: Flask, store: Store):
    own, other = _add(store, "Meins"), _add(store, "Fremd")
    approver, csrf = _client(app, "anton")
    english(approver)
    approver.post(f"/posts/{own}", data={"part": "Meins!", "csrf_token": csrf})
    approver.post("/queue/bulk", data={"action": "approve", "post": [own, other], "csrf_token": csrf})
    assert store.get(own).state == State.DRAFT and store.get(other).state == State.SCHEDULED
    page = _text(english(approver), "/queue")
    assert f"#{own}: you queued, edited or submitted it; another approver approves it." in page


def test_without_four_eyes_the_approver_approves_their_own_edit(
    app: Flask, store: Store, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("SCHEDULER_FOUR_EYES", "false")
    from scheduler.config import load_settings
    from scheduler.web import WIRING

    app.extensions[WIRING].settings = load_settings()
    post_id = _add(store, "Hallo")
    approver, csrf = _client(app, "anton")
    approver.post(f"/posts/{post_id}", data={"part": "Hallo!", "csrf_token": csrf})
    assert approver.post(f"/posts/{post_id}/approve", data={"csrf_token": csrf}).status_code == 303
    assert store.get(post_id).state == State.SCHEDULED


def test_a_rejection_needs_a_comment_keeps_the_draft_and_the_comment(app: Flask, store: Store):
    post_id = _add(store, "Hallo")
    approver, csrf = _client(app, "anton")
    approver.post(f"/posts/{post_id}/reject", data={"csrf_token": csrf, "comment": "   "})
    assert len(store.history(post_id)) == 1 and store.comments(post_id) == []
    assert "Nicht abgelehnt: Schreiben Sie in einem Kommentar" in _text(approver, f"/posts/{post_id}")
    answer = approver.post(
        f"/posts/{post_id}/reject", data={"csrf_token": csrf, "comment": "Bitte das Datum prüfen.\nDanke"}
    )
    assert answer.status_code == 303
    assert store.get(post_id).state == State.DRAFT
    last = store.history(post_id)[-1]
    assert (last.to_state, last.reason, last.actor) == ("draft", "rejected: Bitte das Datum prüfen. Danke", "anton")
    [kept] = store.comments(post_id)
    assert (kept.author, kept.text) == ("anton", "Bitte das Datum prüfen.\nDanke")
    page = _text(english(approver), f"/posts/{post_id}")
    assert "rejected: Bitte das Datum prüfen. Danke" in page and "Bitte das Datum prüfen.\nDanke" in page


# -- comments -------------------------------------------------------------------------------------


def test_comments_are_kept_with_author_and_time_and_shown_as_text(app: Flask, store: Store):
    post_id = _add(store, "Hallo")
    client, csrf = _client(app, "erika")
    english(client)
    answer = client.post(
        f"/posts/{post_id}/comments", data={"csrf_token": csrf, "comment": "<script>alert(1)</script> passt"}
    )
    assert answer.status_code == 303
    [kept] = store.comments(post_id)
    assert (kept.author, kept.text, kept.at) == ("erika", "<script>alert(1)</script> passt", NOW)
    page = _text(english(client), f"/posts/{post_id}")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; passt" in page and "<script>alert(1)" not in page
    assert "erika · Mon 7 Jan 2030, 09:00 +01:00" in page and "Comment added." in page


def test_an_empty_or_endless_comment_is_refused(app: Flask, store: Store):
    post_id = _add(store, "Hallo")
    client, csrf = _client(app, "erika")
    english(client)
    client.post(f"/posts/{post_id}/comments", data={"csrf_token": csrf, "comment": "  "})
    client.post(f"/posts/{post_id}/comments", data={"csrf_token": csrf, "comment": "x" * 5001})
    assert store.comments(post_id) == []
    page = _text(english(client), f"/posts/{post_id}")
    assert "No comment added: a comment needs some text" in page
    assert "No comment added: a comment has at most 5000 characters" in page


def test_a_comment_on_an_unknown_post_is_not_found(app: Flask):
    client, csrf = _client(app, "erika")
    assert client.post("/posts/999/comments", data={"csrf_token": csrf, "comment": "Hallo"}).status_code == 404


def test_alt_texts_are_edited_each_needed_and_within_the_platforms_limit(app: Flask, store: Store):
    images = (Image("/srv/bilder/fest.jpg", "Kinder beim Fest"), Image("/srv/bilder/buffet.jpg", "Das Buffet"))
    post_id = _add(store, "Unser Sommerfest", images=images)
    client, csrf = _client(app, "erika")
    english(client)
    page = _text(client, f"/posts/{post_id}")
    assert "Alt text of image 1 (/srv/bilder/fest.jpg)" in page
    answer = client.post(
        f"/posts/{post_id}/images",
        data={"alt": ["Kinder tanzen auf der Streuobstwiese", "  Das  Buffet am Abend "], "csrf_token": csrf},
    )
    assert answer.status_code == 303  # back to the editor, as every form of it answers
    saved = store.get(post_id).images
    assert [image.alt for image in saved] == ["Kinder tanzen auf der Streuobstwiese", "Das Buffet am Abend"]
    assert [image.path for image in saved] == ["/srv/bilder/fest.jpg", "/srv/bilder/buffet.jpg"]
    assert store.history(post_id)[-1].actor == "erika"
    for alts, words in (
        (["", "Das Buffet"], "image 1 needs an alt text"),
        (["nur eins"], "give one alt text for each"),
        (["x" * 1501, "Das Buffet"], "Mastodon takes at most 1500"),
    ):
        client.post(f"/posts/{post_id}/images", data={"alt": alts, "csrf_token": csrf})
        assert words in _text(client, f"/posts/{post_id}")
        assert [image.alt for image in store.get(post_id).images][1] == "Das Buffet am Abend"  # nothing changed
    assert client.post(f"/posts/{post_id}/images", data={"alt": ["a", "b"]}).status_code == 400  # no CSRF token


def test_alt_texts_of_a_published_post_cannot_be_changed(app: Flask, store: Store):
    post_id = _add(store, "Schon draußen", images=(Image("/srv/bilder/fest.jpg", "Kinder beim Fest"),))
    store.transition(post_id, State.SCHEDULED, reason="approved", now=NOW)
    (claimed,) = store.claim_due(now=NOW + dt.timedelta(days=2), worker="w")
    store.transition(post_id, State.PUBLISHED, reason="sent", now=NOW + dt.timedelta(days=2), fence=claimed)
    client, csrf = _client(app, "anton")
    client.post(f"/posts/{post_id}/images", data={"alt": ["Neu"], "csrf_token": csrf})
    assert store.get(post_id).images[0].alt == "Kinder beim Fest"


def test_editing_an_approved_post_takes_it_back_to_draft_to_be_approved_again(app: Flask, store: Store):
    post_id = _add(store, "Unser Sommerfest am Samstag", images=(Image("/srv/bilder/fest.jpg", "Kinder beim Fest"),))
    approver, approver_csrf = _client(app, "anton")
    approver.post(f"/posts/{post_id}/approve", data={"csrf_token": approver_csrf})
    assert store.get(post_id).state == State.SCHEDULED
    editor, csrf = _client(app, "erika")
    editor.post(
        f"/posts/{post_id}", data={"part": ["Unser Sommerfest: https://example.com/anders"], "csrf_token": csrf}
    )
    edited = store.get(post_id)
    assert (edited.state, edited.parts) == (State.DRAFT, ("Unser Sommerfest: https://example.com/anders",))
    assert store.history(post_id)[-1].reason == "text edited: approve it again"
    assert "Text bearbeitet: neu freizugeben" in _text(editor, f"/posts/{post_id}")
    approver.post(f"/posts/{post_id}/approve", data={"csrf_token": approver_csrf})  # anton did not edit it: allowed
    assert store.get(post_id).state == State.SCHEDULED
    approver.post(f"/posts/{post_id}/images", data={"alt": ["Kinder tanzen"], "csrf_token": approver_csrf})
    assert store.get(post_id).state == State.DRAFT  # the alt text too
    approver.post(f"/posts/{post_id}/approve", data={"csrf_token": approver_csrf})
    assert store.get(post_id).state == State.DRAFT  # four eyes: anton edited it now, another approves it


def test_a_submitted_draft_says_it_waits_for_approval_and_a_rejected_one_says_so(app: Flask, store: Store):
    post_id = _add(store, "Einladung zum Fachtag")
    other = _add(store, "Noch in Arbeit", account="regional")
    editor, csrf = _client(app, "erika")
    english(editor)
    editor.post(f"/posts/{post_id}/submit", data={"csrf_token": csrf})
    queue_page = _text(editor, "/queue")
    assert queue_page.count("waiting for approval") == 1  # the submitted one, not the other draft
    assert "waiting for approval" in _text(editor, f"/posts/{post_id}")
    assert "waiting for approval" not in _text(editor, f"/posts/{other}")
    approver, approver_csrf = _client(app, "anton")
    approver.post(f"/posts/{post_id}/reject", data={"comment": "Bitte den Ort nennen.", "csrf_token": approver_csrf})
    assert "rejected: see the comments" in _text(editor, f"/posts/{post_id}")
    editor.post(f"/posts/{post_id}", data={"part": ["Einladung zum Fachtag in Köln"], "csrf_token": csrf})
    page = _text(editor, f"/posts/{post_id}")
    assert "rejected: see the comments" not in page and "waiting for approval" not in page  # edited since


# -- after submitting, and after an approved post is edited ----------------------------------------


def test_a_submitted_draft_offers_no_second_submit_until_it_is_edited(app: Flask, store: Store):
    post_id = _add(store, "Einladung zum Fachtag")
    editor, csrf = _client(app, "erika")
    page = _text(editor, f"/posts/{post_id}")
    assert f"/posts/{post_id}/submit" in page and "Zur Freigabe einreichen" in page
    editor.post(f"/posts/{post_id}/submit", data={"csrf_token": csrf})
    page = _text(editor, f"/posts/{post_id}")
    assert "Zur Freigabe eingereicht." in page and "wartet auf Freigabe" in page
    assert f"/posts/{post_id}/submit" not in page and "Zur Freigabe einreichen" not in page
    assert "Der Beitrag wartet auf eine Freigabe" in page  # the review section says what happens next
    editor.post(f"/posts/{post_id}", data={"part": ["Einladung zum Fachtag in Köln"], "csrf_token": csrf})
    page = _text(editor, f"/posts/{post_id}")
    assert f"/posts/{post_id}/submit" in page and "wartet auf Freigabe" not in page  # edited: submit it again


def test_a_second_submit_records_nothing_and_says_the_post_already_waits(app: Flask, store: Store):
    post_id = _add(store, "Einladung zum Fachtag")
    editor, csrf = _client(app, "erika")
    editor.post(f"/posts/{post_id}/submit", data={"csrf_token": csrf})
    before = store.history(post_id)
    answer = english(editor).post(f"/posts/{post_id}/submit", data={"csrf_token": csrf})  # forged, or a second tab
    assert answer.status_code == 303
    assert store.history(post_id) == before
    assert [change.reason for change in before].count("submitted for review") == 1
    page = _text(editor, f"/posts/{post_id}")
    assert "Not submitted again: the post is already waiting for approval." in page
    assert "Submitted for review." not in page


def test_a_rejected_draft_may_be_submitted_again(app: Flask, store: Store):
    post_id = _add(store, "Einladung zum Fachtag", actor="erika")
    editor, csrf = _client(app, "erika")
    editor.post(f"/posts/{post_id}/submit", data={"csrf_token": csrf})
    approver, approver_csrf = _client(app, "anton")
    approver.post(f"/posts/{post_id}/reject", data={"comment": "Bitte den Ort nennen.", "csrf_token": approver_csrf})
    assert f"/posts/{post_id}/submit" in _text(editor, f"/posts/{post_id}")
    editor.post(f"/posts/{post_id}/submit", data={"csrf_token": csrf})
    assert [change.reason for change in store.history(post_id)].count("submitted for review") == 2


def test_an_approver_is_offered_submit_only_for_a_post_they_prepared(app: Flask, store: Store):
    others = _add(store, "Von Erika", actor="erika")
    own = _add(store, "Von Anton", account="regional", actor="anton")
    approver, _ = _client(app, "anton")
    page = _text(approver, f"/posts/{others}")
    assert f"/posts/{others}/submit" not in page  # they approve or reject it themselves
    assert f"/posts/{others}/approve" in page and f"/posts/{others}/reject" in page
    page = _text(approver, f"/posts/{own}")
    assert f"/posts/{own}/submit" in page  # four-eyes: another approver decides, so they ask for it
    assert f"/posts/{own}/approve" not in page


def test_saving_an_approved_posts_text_says_it_must_be_approved_again(app: Flask, store: Store):
    post_id = _add(store, "Unser Sommerfest am Samstag")
    draft = _add(store, "Noch ein Entwurf", account="regional")
    store.transition(post_id, State.SCHEDULED, reason="approved", now=NOW, actor="anton")
    editor, csrf = _client(app, "erika")
    editor.post(f"/posts/{post_id}", data={"part": ["Unser Sommerfest am Sonntag"], "csrf_token": csrf})
    assert store.get(post_id).state == State.DRAFT
    page = _text(editor, f"/posts/{post_id}")
    assert "Gespeichert. Der Beitrag war freigegeben und muss neu freigegeben werden." in page
    english(editor).post(f"/posts/{post_id}", data={"part": ["Unser Sommerfest am Sonntag!"], "csrf_token": csrf})
    page = _text(editor, f"/posts/{post_id}")  # a draft now: saved, nothing more to say
    assert "Saved." in page and "must be approved again" not in page
    editor.post(f"/posts/{draft}", data={"part": ["Noch ein Entwurf!"], "csrf_token": csrf})
    assert "must be approved again" not in _text(editor, f"/posts/{draft}")


def test_saving_an_approved_posts_alt_texts_says_it_must_be_approved_again(app: Flask, store: Store):
    post_id = _add(store, "Unser Sommerfest", images=(Image("/srv/bilder/fest.jpg", "Kinder beim Fest"),))
    store.transition(post_id, State.SCHEDULED, reason="approved", now=NOW, actor="anton")
    editor, csrf = _client(app, "erika")
    editor.post(f"/posts/{post_id}/images", data={"alt": ["Kinder tanzen beim Fest"], "csrf_token": csrf})
    assert store.get(post_id).state == State.DRAFT
    page = _text(editor, f"/posts/{post_id}")
    assert "Alternativtexte gespeichert. Der Beitrag war freigegeben und muss neu freigegeben werden." in page
    english(editor).post(f"/posts/{post_id}/images", data={"alt": ["Kinder tanzen"], "csrf_token": csrf})
    page = _text(editor, f"/posts/{post_id}")
    assert "Alt texts saved." in page and "must be approved again" not in page


def test_a_one_part_posts_text_box_is_named_once_on_screen(app: Flask, store: Store):
    post_id = _add(store, "Hallo")
    editor, _ = _client(app, "erika")
    page = _text(editor, f"/posts/{post_id}")
    assert '<h2 id="text-heading">Text</h2>' in page  # the section's heading shows the word
    assert '<label for="part-1" class="visually-hidden">Text</label>' in page  # the box keeps its name
    threaded = _add(store, "Teil eins", "Teil zwei")
    page = _text(editor, f"/posts/{threaded}")
    assert '<label for="part-1">Teil 1 von 2</label>' in page
