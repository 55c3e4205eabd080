"""The import page: an issue pasted, uploaded or fetched from its address → its items and preview's
warnings → the accounts → queued as drafts as `scheduler queue add` queues them, by whom."""

from __future__ import annotations

import html
import io
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from scheduler.models import State
from scheduler.storage import Store
from tests.fakes.pages import PageServer, Resource
from tests.web.conftest import english, sign_in

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "posts" / "2024-12-13-vernetzungsstelle.txt"
MARKDOWN = ROOT / "tests" / "fixtures" / "newsletters" / "markdown" / "bold-leadins-en.md"
PAGE = ROOT / "tests" / "fixtures" / "newsletters" / "html" / "coastal-digest-2025-05.html"
PLATFORMS = 6  # SCHEDULER_PLATFORMS' default, each in a dry run: no account is configured in these tests


def carried(page: str) -> str:
    """The issue the preview page carries to the queue step."""
    found = re.search(r'name="issue" value="([^"]+)"', page)
    assert found, "the preview has no form to queue the posts"
    return found.group(1)


def offered(page: str) -> list[str]:
    """The accounts the preview offers, as platform:name."""
    return re.findall(r'name="account" value="([^"]+)"', page)


def paste(client: FlaskClient, csrf: str, text: str) -> tuple[int, str]:
    answer = client.post("/import/preview", data={"kind": "text", "text": text, "csrf_token": csrf})
    return answer.status_code, answer.get_data(as_text=True)


def queue(client: FlaskClient, csrf: str, page: str, accounts: list[str] | None = None) -> tuple[int, str, str]:
    chosen = offered(page) if accounts is None else accounts
    answer = client.post("/import/queue", data={"issue": carried(page), "account": chosen, "csrf_token": csrf})
    return answer.status_code, answer.headers.get("Location", ""), answer.get_data(as_text=True)


def drafts(store: Store) -> list:
    return store.list_posts(states=[State.DRAFT])


def test_the_example_issue_pasted_shows_its_six_items_and_is_queued_as_drafts_by_the_editor(app: Flask, store: Store):
    client = english(app.test_client())
    csrf = sign_in(client, "erika")
    form = client.get("/import").get_data(as_text=True)
    assert 'name="text"' in form and 'name="file"' in form and 'name="url"' in form
    assert 'aria-current="page">Import<' in form
    status, page = paste(client, csrf, EXAMPLE.read_text(encoding="utf-8"))
    assert status == 200
    assert "Die Vernetzungsstelle informiert" in page and "13 December 2024 · 6 items" in page
    rows = re.findall(r"<tr>\s*<td>(\d+)</td>\s*<td>(.*?)</td>\s*<td>(.*?)</td>", page, re.S)
    assert [int(number) for number, _, _ in rows] == [1, 2, 3, 4, 5, 6]
    assert [section for _, _, section in rows] == [
        "Vorgestellt",
        "Vernetzt",
        "Vernetzt",
        "Vernetzt",
        "Umgeschaut",
        "Umgeschaut",
    ]
    assert "KArAD – Kooperationen zu Armutsbekämpfung" in page
    assert "Hauptnavigation" not in page  # navigation before the heading is no item
    # preview's warnings, per item with the platforms they are on
    assert "Item 5 (Dass Projekte nicht nur" in page and "says &#34;hier&#34; but has no link" in page
    assert "shortened without a link to read on" in page
    assert sorted(offered(page)) == sorted(
        f"{p}:default" for p in ("linkedin", "mastodon", "bluesky", "x", "threads", "facebook")
    )
    assert page.count("dry run") == PLATFORMS
    assert drafts(store) == []  # nothing queued by reading
    status, location, _ = queue(client, csrf, page)
    assert status == 302 and location.endswith("/queue?state=draft")
    queued = drafts(store)
    assert len(queued) == 6 * PLATFORMS
    assert {post.platform for post in queued} == {"linkedin", "mastodon", "bluesky", "x", "threads", "facebook"}
    assert all(store.history(post.id)[-1].actor == "erika" for post in queued)
    shown = client.get(location).get_data(as_text=True)
    assert f"{6 * PLATFORMS} posts queued as drafts." in shown


def test_an_issue_imported_twice_is_not_queued_twice(app: Flask, store: Store):
    client = english(app.test_client())
    csrf = sign_in(client, "erika")
    _, page = paste(client, csrf, EXAMPLE.read_text(encoding="utf-8"))
    queue(client, csrf, page, ["mastodon:default"])
    assert len(drafts(store)) == 6
    _, page = paste(client, csrf, EXAMPLE.read_text(encoding="utf-8"))
    status, location, _ = queue(client, csrf, page, ["mastodon:default"])
    assert status == 302
    assert len(drafts(store)) == 6
    shown = client.get(location).get_data(as_text=True)
    assert "This issue is queued already (6 posts); nothing was added." in shown
    assert "0 posts queued" not in shown


def test_the_message_is_german_for_a_german_reader(app: Flask, store: Store):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "de-DE,de;q=0.9"
    csrf = sign_in(client, "erika")
    _, page = paste(client, csrf, EXAMPLE.read_text(encoding="utf-8"))
    assert "6 Meldungen" in page and "Zeiten planen und als Entwürfe einreihen" in page
    _, location, _ = queue(client, csrf, page, ["mastodon:default", "bluesky:default"])
    assert "12 Beiträge als Entwürfe eingeplant." in client.get(location).get_data(as_text=True)


def test_a_markdown_file_uploaded_shows_its_items_with_their_links(app: Flask, store: Store):
    client = english(app.test_client())
    csrf = sign_in(client, "erika")
    with MARKDOWN.open("rb") as handle:
        answer = client.post(
            "/import/preview",
            data={"kind": "file", "file": (handle, MARKDOWN.name), "csrf_token": csrf},
            content_type="multipart/form-data",
        )
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200, page
    assert "From the file bold-leadins-en.md" in page
    assert "Open Streets Digest — April 2025" in page and "5 items" in page
    assert "Volunteer mapping weekend" in page
    assert '<a href="https://openstreets.example/blog/leeds-mapathon"' in page
    status, _, _ = queue(client, csrf, page, ["mastodon:default"])
    assert status == 302
    queued = drafts(store)
    assert len(queued) == 5 and {post.platform for post in queued} == {"mastodon"}
    assert any("openstreets.example/blog/leeds-mapathon" in post.text for post in queued)


def test_an_uploaded_text_without_a_date_takes_the_date_of_its_file_name(app: Flask):
    client = english(app.test_client())
    csrf = sign_in(client, "erika")
    text = EXAMPLE.read_text(encoding="utf-8").replace("13.12.2024: ", "")
    answer = client.post(
        "/import/preview",
        data={
            "kind": "file",
            "file": (io.BytesIO(text.encode()), "2025-02-07-rundbrief.txt"),
            "csrf_token": csrf,
        },
        content_type="multipart/form-data",
    )
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200, page
    assert "2025-02-07" in page


def test_an_address_is_fetched_read_and_queued(local_fetches: None, site: PageServer, app: Flask, store: Store):
    address = site.add("/digest/2025-05", Resource(body=PAGE.read_bytes()))
    client = english(app.test_client())
    csrf = sign_in(client, "anton")  # an approver imports too
    answer = client.post("/import/preview", data={"kind": "url", "url": address, "csrf_token": csrf})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200, page
    assert f"From {address}" in page and "News digest: May 2025" in page and "7 items" in page
    assert "£1.4m to monitor saltmarsh" in page
    status, location, _ = queue(client, csrf, page, ["bluesky:default"])
    assert status == 302 and location.endswith("/queue?state=draft")
    queued = drafts(store)
    assert len(queued) == 7 and all(store.history(post.id)[-1].actor == "anton" for post in queued)


def test_an_admin_imports_too(app: Flask, store: Store):
    client = english(app.test_client())
    csrf = sign_in(client, "ada")
    _, page = paste(client, csrf, EXAMPLE.read_text(encoding="utf-8"))
    status, _, _ = queue(client, csrf, page, ["x:default"])
    assert status == 302
    assert {store.history(post.id)[-1].actor for post in drafts(store)} == {"ada"}


def test_a_stranger_is_sent_to_the_sign_in_and_queues_nothing(app: Flask, store: Store):
    client = app.test_client()
    answer = client.get("/import")
    assert answer.status_code == 302 and "/login?next=/import" in answer.headers["Location"]
    signed_in = app.test_client()
    csrf = sign_in(signed_in, "erika")
    _, page = paste(signed_in, csrf, EXAMPLE.read_text(encoding="utf-8"))
    # a stranger's browser with the page's fields but no session of its own
    answer = client.post("/import/queue", data={"issue": carried(page), "account": ["x:default"], "csrf_token": csrf})
    assert answer.status_code in (302, 400)
    assert drafts(store) == []


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"kind": "text", "text": "  \r\n "}, "Nothing to import: paste the text of an issue first."),
        ({"kind": "url", "url": ""}, "Give the address of the issue first (https://…)."),
        (
            {"kind": "url", "url": "javascript:alert(1)"},
            "An address starts with https:// or http://: javascript:alert(1)",
        ),
        ({"kind": "text", "text": "Hallo"}, "pasted text: no newsletter items found"),
        ({}, "Paste a text, upload a file or give an address."),
    ],
)
def test_bad_input_shows_the_form_again_with_one_message(app: Flask, store: Store, fields: dict[str, str], words: str):
    client = english(app.test_client())
    csrf = sign_in(client, "erika")
    answer = client.post("/import/preview", data={**fields, "csrf_token": csrf})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert page.count('role="alert"') == 1 and html.escape(words, quote=True) in page
    assert 'name="text"' in page  # the form again
    assert "Traceback" not in page and drafts(store) == []


def test_an_unreadable_file_and_an_empty_one_are_said(app: Flask, store: Store):
    client = english(app.test_client())
    csrf = sign_in(client, "erika")
    for content, words in [
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "foto.png: not a newsletter (binary content)"),
        (b"", "The file leer.txt is empty."),
    ]:
        name = "foto.png" if content else "leer.txt"
        answer = client.post(
            "/import/preview",
            data={"kind": "file", "file": (io.BytesIO(content), name), "csrf_token": csrf},
            content_type="multipart/form-data",
        )
        assert answer.status_code == 400 and words in answer.get_data(as_text=True)
    answer = client.post(
        "/import/preview", data={"kind": "file", "csrf_token": csrf}, content_type="multipart/form-data"
    )
    assert "Choose a file to upload first." in answer.get_data(as_text=True)
    assert drafts(store) == []


def test_an_address_that_fails_is_said(local_fetches: None, site: PageServer, app: Flask, store: Store):
    client = english(app.test_client())
    csrf = sign_in(client, "erika")
    address = site.url + "/gone"
    answer = client.post("/import/preview", data={"kind": "url", "url": address, "csrf_token": csrf})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400 and page.count('role="alert"') == 1
    assert address in page and "404" in page
    assert f'value="{address}"' in page  # kept in the form to correct it
    assert drafts(store) == []


def test_a_private_address_is_not_fetched(app: Flask, store: Store):
    client = english(app.test_client())
    csrf = sign_in(client, "erika")
    answer = client.post("/import/preview", data={"kind": "url", "url": "http://127.0.0.1:9/x", "csrf_token": csrf})
    assert answer.status_code == 400
    assert "127.0.0.1 is not a public address; not fetched" in answer.get_data(as_text=True)


def test_the_queue_step_takes_only_the_choice_from_the_browser(app: Flask, store: Store):
    client = english(app.test_client())
    csrf = sign_in(client, "erika")
    _, page = paste(client, csrf, EXAMPLE.read_text(encoding="utf-8"))
    sealed = carried(page)
    changed = sealed[:10] + ("A" if sealed[10] != "A" else "B") + sealed[11:]
    for issue, accounts, words in [
        (changed, ["x:default"], "The import expired or was changed on the way."),
        ("", ["x:default"], "The import expired or was changed on the way."),
        (sealed, [], "Choose at least one account."),
        (sealed, ["x:someone"], "x:someone is not an account of this team."),
    ]:
        answer = client.post("/import/queue", data={"issue": issue, "account": accounts, "csrf_token": csrf})
        assert answer.status_code in (400, 422) and words in answer.get_data(as_text=True)
    other = english(app.test_client())
    other_csrf = sign_in(other, "anton")  # someone else's page is not theirs to queue
    answer = other.post("/import/queue", data={"issue": sealed, "account": ["x:default"], "csrf_token": other_csrf})
    assert "The import expired or was changed on the way." in answer.get_data(as_text=True)
    assert drafts(store) == []


def test_pasted_script_is_shown_as_text(app: Flask, store: Store):
    client = english(app.test_client())
    csrf = sign_in(client, "erika")
    text = (
        "Rundbrief Mai\n\nTermine\n\n<script>alert('x')</script> Das Sommerfest beginnt am 21. Juni um 15 Uhr "
        "im Hof der Begegnungsstätte, mit Musik und Kuchen.\n\n"
        "<img src=x onerror=alert(2)> Die Ausstellung im Rathaus zeigt Fotos aus hundert Jahren Vereinsleben.\n"
    )
    status, page = paste(client, csrf, text)
    assert status == 200, page
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page


def test_a_repeated_paragraph_is_said_as_preview_says_it(app: Flask):
    client = english(app.test_client())
    csrf = sign_in(client, "erika")
    paragraph = "Das Sommerfest beginnt am 21. Juni um 15 Uhr im Hof der Begegnungsstätte, mit Musik und Kuchen."
    text = f"Rundbrief Mai\n\nTermine\n\n{paragraph}\n\nRückblick\n\n{paragraph}\n"
    status, page = paste(client, csrf, text)
    assert status == 200, page
    assert "Said while reading" in page and "repeats item 1" in page


@pytest.fixture
def small_issues(web_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCHEDULER_MAX_ISSUE_BYTES", "20000")


def test_a_file_larger_than_an_issue_may_be_is_refused_with_the_limit(small_issues: None, app: Flask, store: Store):
    client = english(app.test_client())
    csrf = sign_in(client, "erika")
    answer = client.post(
        "/import/preview",
        data={"kind": "file", "file": (io.BytesIO(b"Text " * 10_000), "gross.txt"), "csrf_token": csrf},
        content_type="multipart/form-data",
    )
    page = answer.get_data(as_text=True)
    assert answer.status_code == 413
    assert "at most 0.02 MB." in page and 'name="file"' in page
    assert drafts(store) == []


LONG_POST = """---
platforms: [x]
publish_at: 2030-06-02 09:00
---
Am 14. Juni feiern wir von 14 bis 18 Uhr unser Sommerfest im Garten des Familienzentrums an der Lindenstraße
mit Kinderschminken, Dosenwerfen, Kuchen vom Elternbeirat, einer Hüpfburg, Musik von der Schulband und einem
Flohmarkt für Kindersachen und Spielzeug. Der Erlös der Tombola geht an den Förderverein. Alle Familien aus dem
Viertel und darüber hinaus sind herzlich eingeladen!
"""


def test_a_single_post_goes_only_to_its_platforms_and_whole_or_not_at_all(app: Flask, store: Store):
    client = english(app.test_client())
    csrf = sign_in(client, "erika")
    _, page = paste(client, csrf, LONG_POST)
    assert re.findall(r'value="([^"]+)" checked', page) == ["x:default"]  # where its front matter says
    assert "Item 1 (Am 14. Juni feiern wir von…) does not fit on x: the text was cut to fit 280 characters" in page
    status, _, answer = queue(client, csrf, page, ["x:default"])
    assert status == 422 and "Nothing was queued: 1 post does not fit." in answer
    assert 'name="issue"' in answer  # the preview again, to go back and fix it
    _, page = paste(client, csrf, LONG_POST.replace("platforms: [x]", "platforms: [x]\nthread: true"))
    status, _, answer = queue(client, csrf, page, ["mastodon:default"])
    assert status == 422 and "This post goes only to x: choose an account there." in answer
    status, _, _ = queue(client, csrf, page, offered(page))  # everything checked: only x is taken
    assert status == 302
    (post,) = drafts(store)
    assert post.platform == "x" and len(post.parts) == 2  # a thread with every word


def test_the_issues_web_page_given_beside_a_text_is_the_link_of_items_without_one(app: Flask, store: Store):
    client = english(app.test_client())
    csrf = sign_in(client, "erika")
    text = EXAMPLE.read_text(encoding="utf-8")
    _, without = paste(client, csrf, text)
    assert "shortened without a link to read on" in without
    page_address = "https://vernetzungsstelle.example/newsletter/2024-12-13"
    answer = client.post(
        "/import/preview", data={"kind": "text", "text": text, "link": page_address, "csrf_token": csrf}
    )
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "shortened without a link to read on" not in page and "but has no link" not in page
    # the radio item's "hier" now leads to the issue's page: said, so that its own link can be given
    assert "Item 5 (Dass Projekte nicht nur" in page and "but links only to the issue&#39;s web page" in page
    status, _, _ = queue(client, csrf, page, ["mastodon:default"])  # the link travels with the issue
    assert status == 302
    queued = drafts(store)
    assert len(queued) == 6
    leading_on = [post for post in queued if any(page_address in part for part in post.parts)]
    assert len(leading_on) >= 5  # the items without a link of their own lead to the issue's page


def test_a_web_page_that_is_no_address_is_refused_keeping_the_text(app: Flask, store: Store):
    client = english(app.test_client())
    csrf = sign_in(client, "erika")
    text = EXAMPLE.read_text(encoding="utf-8")
    answer = client.post(
        "/import/preview", data={"kind": "text", "text": text, "link": "vernetzung", "csrf_token": csrf}
    )
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400 and page.count('role="alert"') == 1
    assert "The issue&#39;s web page starts with https:// or http://: vernetzung" in page
    assert "Die Vernetzungsstelle informiert" in page and 'value="vernetzung"' in page  # kept to correct
    assert drafts(store) == []


def test_an_old_issue_is_said_to_be_old_before_its_posts_are_queued(app: Flask):
    client = english(app.test_client())
    csrf = sign_in(client, "erika")
    text = EXAMPLE.read_text(encoding="utf-8")
    _, page = paste(client, csrf, text)  # the dashboard's clock says 7 January 2030
    assert "This issue is from 13 December 2024 (5 years ago): its dates and events may be over." in page
    _, recent = paste(client, csrf, text.replace("13.12.2024", "02.01.2030"))
    assert "2 January 2030 · 6 items" in recent and "This issue is from" not in recent
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "de"
    _, german = paste(client, csrf, text)
    assert "Diese Ausgabe ist vom 13. Dezember 2024 (vor 5 Jahren)" in german
