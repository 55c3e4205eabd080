"""Mastodon posts are rendered with the instance's real limit (`/api/v2/instance`), not a hard-coded
500: `scheduler queue add` asks each Mastodon account's instance (a fake on 127.0.0.1)."""

from __future__ import annotations

import json
import socket

from scheduler.text.length import measure_mastodon
from tests.conftest import EXAMPLE
from tests.fakes.mastodon_server import MastodonFake


def _queued(run) -> list[dict]:
    listed = run("queue", "list", "--platform", "mastodon", "--format", "json")
    assert listed.code == 0, listed
    return json.loads(listed.out)


def _longest(posts: list[dict]) -> int:
    return max(measure_mastodon(post["text"], limit=100_000).length for post in posts)


def _setup(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("SCHEDULER_DATABASE_URL", f"sqlite:///{tmp_path / 'queue.sqlite3'}")
    monkeypatch.setenv("SCHEDULER_TOKEN_STORE", str(tmp_path / "tokens.json"))
    monkeypatch.setenv("SCHEDULER_THREADS", "")


def test_posts_use_the_room_a_larger_instance_allows(run, monkeypatch, tmp_path):
    _setup(monkeypatch, tmp_path)
    with MastodonFake(token="m", max_characters=1500) as mastodon:
        monkeypatch.setenv("SCHEDULER_MASTODON_BASE_URL", mastodon.url)
        monkeypatch.setenv("SCHEDULER_MASTODON_TOKEN", "m")
        added = run("queue", "add", str(EXAMPLE), "--platform", "mastodon")
    assert added.code == 0, added
    posts = _queued(run)
    assert len(posts) == 6
    # with the 500 of the setting the example's longer items are cut; the instance takes them whole
    assert 500 < _longest(posts) <= 1500
    assert not any(post["text"].rstrip().endswith("…") for post in posts)


def test_several_instances_render_for_the_smallest(run, monkeypatch, tmp_path):
    _setup(monkeypatch, tmp_path)
    with MastodonFake(token="a", max_characters=1500) as big, MastodonFake(token="b", max_characters=600) as small:
        for name, fake, token in (("BIG", big, "a"), ("SMALL", small, "b")):
            monkeypatch.setenv(f"SCHEDULER_ACCOUNTS__MASTODON__{name}__BASE_URL", fake.url)
            monkeypatch.setenv(f"SCHEDULER_ACCOUNTS__MASTODON__{name}__TOKEN", token)
        added = run("queue", "add", str(EXAMPLE), "--platform", "mastodon")
    assert added.code == 0, added
    posts = _queued(run)
    assert len(posts) == 12 and 500 < _longest(posts) <= 600


def test_an_unreachable_instance_falls_back_to_the_setting_and_says_so(run, monkeypatch, tmp_path):
    _setup(monkeypatch, tmp_path)
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("SCHEDULER_MASTODON_BASE_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("SCHEDULER_MASTODON_TOKEN", "m")
    added = run("queue", "add", str(EXAMPLE), "--platform", "mastodon")
    assert added.code == 0, added
    assert "warning: could not read mastodon:default's character limit" in added.err
    assert "SCHEDULER_MASTODON_MAX_CHARACTERS=500" in added.err
    assert _longest(_queued(run)) <= 500
