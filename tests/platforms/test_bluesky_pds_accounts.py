"""Credentials belong to one identity, on the real reference PDS (../shared/peers/bluesky-pds).

The real `scheduler run --once` publishes with one token store while the settings change from one
account to another and back, and then against a fresh server started on the same address: every post
lands in the repository of the account the settings name, and a session the fresh server does not
know leads to one new login instead of failed posts."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import requests

from scheduler.models import Content, State
from scheduler.storage import NewPost, Store
from tests.fakes import pds as peer


def _texts(url: str, did: str) -> list[str]:
    response = requests.get(
        f"{url}/xrpc/com.atproto.repo.listRecords",
        params={"repo": did, "collection": "app.bsky.feed.post", "limit": 100},
        timeout=10,
    )
    response.raise_for_status()
    return sorted(record["value"]["text"] for record in response.json()["records"])


def _publish(tmp_path: Path, db: str, server: str, handle: str, password: str, text: str) -> tuple[int, str]:
    """Queue one post due now, then run the real `scheduler run --once` as that account."""
    now = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    (post_id,) = Store.open(db).add(
        [NewPost(f"item-{text}", "bluesky", "default", now, Content((text,), "de"))],
        state=State.SCHEDULED,
        now=now,
        reason="identity test",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEDULER_")}
    env.update(
        SCHEDULER_DATABASE_URL=db,
        SCHEDULER_TOKEN_STORE=str(tmp_path / "tokens.json"),
        SCHEDULER_OUTBOX=str(tmp_path / "out.jsonl"),
        SCHEDULER_BLUESKY_BASE_URL=server,
        SCHEDULER_BLUESKY_HANDLE=handle,
        SCHEDULER_BLUESKY_APP_PASSWORD=password,
    )
    ran = subprocess.run(
        [sys.executable, "-m", "scheduler", "run", "--once"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ran.returncode == 0, ran.stderr
    return post_id, ran.stderr


def test_posts_follow_the_account_the_settings_name_and_survive_a_fresh_server(tmp_path: Path):
    db = f"sqlite:///{tmp_path / 'q.sqlite3'}"
    first = peer.start()
    try:
        url = first["url"]
        created = requests.post(
            f"{url}/xrpc/com.atproto.server.createAccount",
            timeout=30,
            json={"handle": "kreisdueren.test", "email": "kreisdueren@example.org", "password": "kreisdueren-password"},
        )
        assert created.status_code == 200, created.text
        press = created.json()["did"]

        one, _ = _publish(tmp_path, db, url, first["handle"], first["password"], "Erster Beitrag der Vernetzungsstelle")
        two, switched = _publish(
            tmp_path, db, url, "kreisdueren.test", "kreisdueren-password", "Pressemitteilung aus Düren"
        )
        three, back = _publish(tmp_path, db, url, first["handle"], first["password"], "Wieder die Vernetzungsstelle")

        assert _texts(url, first["did"]) == ["Erster Beitrag der Vernetzungsstelle", "Wieder die Vernetzungsstelle"]
        assert _texts(url, press) == ["Pressemitteilung aus Düren"]  # not in the previous account's repository
        assert "are set aside" in switched and "are set aside" in back
        store = Store.open(db)
        assert [store.get(post).state for post in (one, two, three)] == [State.PUBLISHED] * 3
    finally:
        peer.stop(first)  # and wait until it has exited: its port is free for the fresh server

    port = urlsplit(first["url"]).port
    fresh = peer.start(port)  # a new, empty server at the same address: the kept session means nothing to it
    try:
        assert fresh["url"] == first["url"] and fresh["did"] != first["did"]
        four, renewed = _publish(tmp_path, db, fresh["url"], fresh["handle"], fresh["password"], "Nach dem Neustart")
        assert Store.open(db).get(four).state == State.PUBLISHED, (
            renewed,
            Store.open(db).history(four),
        )  # not failed, not needing attention
        assert "logging in again" in renewed
        assert _texts(fresh["url"], fresh["did"]) == ["Nach dem Neustart"]
    finally:
        peer.stop(fresh)
