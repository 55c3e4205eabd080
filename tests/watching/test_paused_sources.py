"""`scheduler sources pause|resume NAME`: a paused source is not read — also not by `watch --once` —
until it is resumed; `sources list` and `status` say so."""

from __future__ import annotations

import json
from pathlib import Path

from scheduler.storage import Store
from tests.fakes.feeds import FeedSite, rss
from tests.watching.conftest import APRIL, MARCH


def _titles(database: Path) -> list[str]:
    store = Store.open(f"sqlite:///{database}")
    try:
        return sorted(post.title for post in store.list_posts())
    finally:
        store.close()


def test_a_paused_source_is_not_read_until_it_is_resumed(run, site: FeedSite, watched: Path):
    feed = site.put("/feed.xml", rss([MARCH]))
    assert run("sources", "add", feed, "--name", "familiennetz").code == 0
    paused = run("sources", "pause", "familiennetz")
    assert paused.code == 0, paused
    assert paused.out.strip() == "paused source familiennetz (since 2030-01-01T12:00+01:00)"
    site.put("/feed.xml", rss([APRIL, MARCH]))
    requests = len(site.log)

    watched_once = run("watch", "--once")
    assert watched_once.code == 0, watched_once
    assert watched_once.out.strip() == "familiennetz: paused; resume it with 'scheduler sources resume familiennetz'"
    assert len(site.log) == requests and _titles(watched) == []  # not even asked
    listed = run("sources", "list").out
    assert "paused since 2030-01-01T12:00+01:00; resume it with 'scheduler sources resume familiennetz'" in listed
    assert json.loads(run("sources", "list", "--format", "json").out)[0]["paused_at"] == "2030-01-01T11:00:00+00:00"
    assert "sources: 1 watched, 0 failing, 1 paused" in run("status").out.splitlines()
    assert run("sources", "pause", "familiennetz").code == 0  # paused already: stays paused since the first time

    resumed = run("sources", "resume", "familiennetz")
    assert resumed.out.strip() == "resumed source familiennetz; it is checked at the next round"
    assert json.loads(run("sources", "list", "--format", "json").out)[0]["paused_at"] is None
    assert run("watch", "--once").out.splitlines()[0] == "familiennetz: queued 2 posts of “Newsletter April 2025”"
    assert _titles(watched) == ["Neue Spielgruppe für Kinder unter drei", "Repair-Café sucht Verstärkung"]


def test_pausing_or_resuming_an_unknown_source_is_one_error_line(run, site: FeedSite, watched: Path):
    feed = site.put("/feed.xml", rss([MARCH]))
    assert run("sources", "add", feed, "--name", "familiennetz").code == 0
    for command in ("pause", "resume"):
        result = run("sources", command, "famliennetz")
        assert result.code == 2, result
        assert result.err.strip() == "error: no source named 'famliennetz'; the sources are: familiennetz"
