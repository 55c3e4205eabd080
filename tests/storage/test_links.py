"""A post's links from render to publish: the queue stores every link in order (both backends, and
the fast read path), a queued post says exactly the `Content` it was rendered as, so its requests
(Facebook's link card among them) are the ones preview showed, and revision 0006 carries the one
link of revision 0005 over without making any post look edited by hand."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import text

from scheduler.models import Content, Image, Post, State
from scheduler.newsletter import load_issue
from scheduler.newsletter.identity import issue_key
from scheduler.planner import Holidays, parse_slots
from scheduler.platforms import build_payloads
from scheduler.queueing import AddReport, Planning, add_issues
from scheduler.render.renderer import Renderer
from scheduler.storage import NewPost, Store
from scheduler.storage import engine as engines
from scheduler.storage.sqlite_read import list_posts
from tests.conftest import TEMPLATES

NOW = dt.datetime(2029, 12, 1, 8, tzinfo=dt.UTC)
START = dt.datetime(2030, 1, 7, tzinfo=dt.UTC)  # a Monday
ISSUE = """10.01.2030: Viele Links

Vernetzt

Die Tagung in Köln hat ihr Programm unter https://example.org/programm veröffentlicht, die Anmeldung \
läuft über https://example.org/anmeldung und die Anreise beschreibt https://example.org/anreise.
"""
ADDRESSES = ["https://example.org/programm", "https://example.org/anmeldung", "https://example.org/anreise"]


def _issue(tmp_path: Path) -> Path:
    path = tmp_path / "posts" / "2030-01-10-links.txt"
    path.parent.mkdir(exist_ok=True)
    path.write_text(ISSUE, encoding="utf-8")
    return path


def _add(issue: Path, store: Store, platforms: list[str]) -> AddReport:
    return add_issues(
        [issue],
        store=store,
        renderer=Renderer(TEMPLATES),
        platforms=platforms,
        languages=["de"],
        planning=Planning(rule=parse_slots("mon-fri 09:00"), holidays=Holidays("DE")),
        start=START,
        approve=True,
        now=NOW,
    )


def test_every_link_is_stored_in_order_with_the_rest_of_the_content(store: Store):
    said = Content(
        ("Programm: https://example.org/b", "Anreise: www.example.org/c"),
        "de",
        links=("https://example.org/b", "www.example.org/c", "https://example.org/a"),
        images=(Image("https://example.org/bild.png", "Der Saal"),),
        spoiler_text="Lange Anreise",
        title="Tagung",
    )
    (with_links, without) = store.add(
        [
            NewPost("i1", "facebook", "default", NOW, said, section="Vernetzt"),
            NewPost("i2", "facebook", "default", NOW, Content(("Ohne Link",), "de")),
        ],
        state=State.SCHEDULED,
        now=NOW,
        reason="test",
    )
    assert store.get(with_links).content == said
    assert store.get(without).content.links == ()
    claimed = {post.id: post for post in store.claim_due(now=NOW, worker="w")}
    assert claimed[with_links].content == said  # what the publisher is given


def test_a_rendered_post_is_queued_read_back_and_published_as_the_same_content(tmp_path: Path):
    path = tmp_path / "queue.sqlite3"
    store = Store.open(f"sqlite:///{path}")
    report = _add(_issue(tmp_path), store, ["facebook", "mastodon"])
    store.close()
    assert len(report.added) == 2
    previewed = {shown.post.platform: shown for preview in report.previews for shown in preview.posts}
    reopened = Store.open(f"sqlite:///{path}")
    try:
        read_back = [reopened.list_posts(), list_posts(path) or []]  # the full path and `queue list`'s fast one
    finally:
        reopened.close()
    for posts in read_back:
        assert sorted(post.platform for post in posts) == ["facebook", "mastodon"]
        for post in posts:
            rendered = previewed[post.platform]
            assert post.content == rendered.post.content
            assert [link.split("?")[0] for link in post.links] == ADDRESSES  # every link, in order, tagged
            assert build_payloads(post.platform, post.content, now=NOW) == list(rendered.payloads)
        (facebook,) = (post for post in posts if post.platform == "facebook")
        (body,) = build_payloads("facebook", facebook.content, now=NOW)
        assert body["link"] == facebook.links[0] and body["link"].startswith(ADDRESSES[0] + "?utm_source=facebook")


# -- revision 0006 --------------------------------------------------------------------------------


def _config(connection) -> Config:  # type: ignore[no-untyped-def]  # reason: a test double; the interface's signature is not repeated
    config = Config()
    config.set_main_option("script_location", str(engines._MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _hash_of_0005(post: Post) -> str:
    """`content_hash` as revision 0005's code computed it, written out: the first link only."""
    value = json.dumps(
        [
            list(post.parts),
            post.spoiler_text,
            post.links[0] if post.links else None,
            [image.as_dict() for image in post.images],
            post.title,
            post.language,
        ],
        ensure_ascii=False,
    )
    return hashlib.sha256(value.encode()).hexdigest()


def _queued_at_0005(url: str, issue: Path) -> Post:
    """A queue at revision 0005 holding the issue's Mastodon post as that revision's code queued it
    (its first link in `link`, `rendered` its hash then), its item row, and a hand-written post
    without a link. Returns the rendered post."""
    loaded = load_issue(issue, languages=["de"])
    (item,) = loaded.items
    post = Renderer(TEMPLATES).render(loaded, item, "mastodon")
    assert len(post.links) == 3
    engine = engines.create(url)
    with engine.begin() as connection:
        command.upgrade(_config(connection), "0005")
        naive = START.replace(tzinfo=None, hour=8)
        values = {
            "item_id": item.id,
            "platform": "mastodon",
            "account": "default",
            "state": "scheduled",
            "publish_at": naive,
            "due_at": naive,
            "parts": json.dumps(list(post.parts)),
            "language": "de",
            "section": post.section,
            "title": post.title,
            "source": str(issue),
            "spoiler_text": "",
            "link": post.links[0],
            "images": "[]",
            "attempts": 0,
            "idempotency_key": "sched-0005",
            "created_at": naive,
            "updated_at": naive,
            "rendered": _hash_of_0005(post),
        }
        insert = "INSERT INTO {} ({}) VALUES ({})"
        connection.execute(text(insert.format("posts", ", ".join(values), ", ".join(":" + k for k in values))), values)
        by_hand = {
            **values,
            "item_id": "csv",
            "parts": '["Von Hand"]',
            "link": None,
            "rendered": None,
            "idempotency_key": "sched-csv",
        }
        connection.execute(text(insert.format("posts", ", ".join(values), ", ".join(":" + k for k in values))), by_hand)
        row = {
            "id": item.id,
            "issue": issue_key(loaded),
            "number": 1,
            "section": item.section,
            "body": item.body,
            "fingerprint": item.id,
            "updated_at": naive,
        }
        connection.execute(text(insert.format("items", ", ".join(row), ", ".join(":" + k for k in row))), row)
    engine.dispose()
    return post


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with nothing in it yet: a SQLite file, or a PostgreSQL database of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.sqlite3'}"
        return
    from tests.storage.conftest import PG_HOST, PG_PORT, PG_USER, _admin

    name = f"scheduler_test_m6_{uuid.uuid4().hex[:8]}"
    with _admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        with _admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_migration_0006_keeps_the_link_and_no_post_looks_edited_by_hand(empty_url: str, tmp_path: Path):
    issue = _issue(tmp_path)
    rendered = _queued_at_0005(empty_url, issue)
    store = Store.open(empty_url)  # migrates 0005 → head
    try:
        posts = {post.item_id: post for post in store.list_posts()}
        queued = posts[rendered.item_id]
        assert queued.links == rendered.links[:1]  # revision 0005 kept no other
        assert queued.digest == queued.rendered  # says what it was rendered as: not edited by hand
        assert posts["csv"].links == ()
        report = _add(issue, store, ["mastodon"])  # the same issue again, as after an upgrade
        assert (report.added, report.skipped) == ([], 1)
        assert (report.stale, report.by_hand) == ([], [])
    finally:
        store.close()


def test_downgrade_to_0005_keeps_the_first_link(store: Store):
    links = ("https://example.org/a", "https://example.org/b")
    store.add(
        [NewPost("i1", "facebook", "default", NOW, Content(("a b",), "de", links=links))],
        state=State.DRAFT,
        now=NOW,
        reason="test",
    )
    try:
        with store.engine.begin() as connection:
            command.downgrade(_config(connection), "0005")
            rows = connection.execute(text("SELECT item_id, link FROM posts")).all()
        assert [tuple(row) for row in rows] == [("i1", "https://example.org/a")]
    finally:
        with store.engine.begin() as connection:
            command.upgrade(_config(connection), "head")  # the module's PostgreSQL database is shared
