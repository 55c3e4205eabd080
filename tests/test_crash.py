"""Exactly once through crashes: a real daemon process is SIGKILLed at several points while it
publishes; after restarts no post went out twice and none was lost.

The process that is killed is always a real one (no cleanup, no flush, no `finally` runs), forked
from a server that imported the package once (tests/fakes/crashing_daemon.py: a fork costs
milliseconds, a new interpreter 0.5 s of CPU; nothing of a SIGKILLed process's exit runs, so how it
was started makes no difference). The last restart, which only has to finish the queue, runs the
same daemon code in the test's own process on the same SQLite file: what it recovers from is on disk
(the queue and the outbox or the platform), and a process's memory dies with it whichever process
runs the restart.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import random
import signal
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from scheduler.cli import Clock
from scheduler.models import Content, State
from scheduler.storage import NewPost, Store
from tests.conftest import ROOT, Result
from tests.fakes.crashing_daemon import Forked, crashing_daemon, fork_crashing_daemon, fork_scheduler
from tests.waiting import wait_for

POSTS = 40
ACCOUNTS = 8  # the crashing daemon publishes for four of them at once: several posts are in flight


def _queue(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'q.sqlite3'}"
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    Store.open(url).add(
        [
            NewPost(f"item{n}", "mastodon", f"team{n % ACCOUNTS}", now, Content((f"Post {n}",), "de"))
            for n in range(POSTS)
        ],
        state=State.SCHEDULED,
        now=now,
        reason="crash test",
    )
    return url


def _env(**settings: str) -> dict[str, str]:
    """This process's environment without its SCHEDULER_ settings, plus `settings`."""
    return {k: v for k, v in os.environ.items() if not k.startswith("SCHEDULER_")} | settings


def _daemon(url: str, outbox: Path, *kill: str, log: Path) -> Forked:
    return fork_crashing_daemon(url, outbox, *kill, env=_env(), cwd=ROOT, log=log)


def _complete_lines(outbox: Path) -> Counter[int]:
    counts: Counter[int] = Counter()
    if outbox.exists():
        for line in outbox.read_text(encoding="utf-8").splitlines():
            with contextlib.suppress(ValueError):
                counts[json.loads(line)["post_id"]] += 1
    return counts


@pytest.fixture
def cli_clock() -> Clock | None:
    """`scheduler run --once` in the test's process reads the machine's clock, as the killed ones did."""
    return None


def _finish_and_check(url: str, outbox: Path) -> None:
    """The restart after the crashes, in this process: the crashing daemon's code without a kill
    point, on the same file and outbox; then none lost, none sent twice."""
    crashing_daemon(url, outbox).run_once(install_signals=False)
    store = Store.open(url)
    counts = store.counts()
    assert counts[State.PUBLISHED] == POSTS, counts  # none lost
    assert counts[State.PUBLISHING] == 0
    sent = _complete_lines(outbox)
    assert set(sent) == {post.id for post in store.list_posts()}
    duplicates = {post_id: n for post_id, n in sent.items() if n > 1}
    assert not duplicates, f"sent twice: {duplicates}"  # none went out twice


@pytest.mark.parametrize(
    "kill",
    [
        ("claimed", 1),
        ("claimed", 3),
        ("sending", 1),
        ("sending", 12),
        ("sent", 1),
        ("sent", 9),
        ("sent", 25),
        ("recorded", 5),
        ("recorded", 30),
    ],
    ids=lambda k: f"{k[0]}-{k[1]}" if isinstance(k, tuple) else str(k),
)
def test_sigkill_at_a_precise_point_then_restart(tmp_path: Path, kill: tuple[str, int]):
    url, outbox = _queue(tmp_path), tmp_path / "outbox.jsonl"
    crashed = _daemon(url, outbox, kill[0], str(kill[1]), log=tmp_path / "crashed.log")
    assert crashed.wait(120) == -signal.SIGKILL, crashed.output()
    left = Store.open(url).counts()
    assert left[State.PUBLISHED] < POSTS  # it really died mid-way
    assert left[State.PUBLISHING] >= 2  # with several posts of several accounts in flight
    _finish_and_check(url, outbox)


def test_repeated_sigkill_at_random_moments(tmp_path: Path):
    url, outbox = _queue(tmp_path), tmp_path / "outbox.jsonl"
    rng = random.Random(20241213)
    for n in range(6):
        process = _daemon(url, outbox, log=tmp_path / f"daemon{n}.log")
        # timed from the moment it starts publishing (its `running` line), so that every kill can
        # land mid-work however long start-up takes: publishing 40 posts takes ~0.6 s
        wait_for(lambda process=process: "running" in process.output() or not process.running())
        time.sleep(rng.uniform(0.0, 0.6))
        process.kill()
        process.wait(60)
    _finish_and_check(url, outbox)


def test_sigkill_real_scheduler_run_while_it_publishes_to_a_slow_mastodon(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run: Callable[..., Result]
):
    """The real `scheduler run` process, publishing to a slow fake Mastodon: killed again and again
    mid-request, then finished; each post exists exactly once on the server."""
    from tests.fakes.mastodon_server import MastodonFake

    created = tmp_path / "created.jsonl"
    with MastodonFake(token="crash-token", latency=0.04, latency_after_create=0.04, state_file=created) as mastodon:
        url = f"sqlite:///{tmp_path / 'q.sqlite3'}"
        now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
        store = Store.open(url)
        store.add(
            [
                NewPost(f"item{n}", "mastodon", "default", now, Content((f"Beitrag Nummer {n}",), "de"))
                for n in range(POSTS)
            ],
            state=State.SCHEDULED,
            now=now,
            reason="crash test",
        )
        settings = {
            "SCHEDULER_DATABASE_URL": url,
            "SCHEDULER_MASTODON_BASE_URL": mastodon.url,
            "SCHEDULER_MASTODON_TOKEN": "crash-token",
            "SCHEDULER_OUTBOX": str(tmp_path / "outbox.jsonl"),
        }
        rng = random.Random(7)
        kills, progress = 0, []
        for n in range(6):
            published = store.counts()[State.PUBLISHED]
            daemon = fork_scheduler("run", env=_env(**settings), cwd=tmp_path, log=tmp_path / f"run{n}.log")
            # start-up takes a while on a busy machine: kill at a random moment once it publishes
            deadline = time.monotonic() + 60
            while daemon.running() and time.monotonic() < deadline and store.counts()[State.PUBLISHED] == published:
                time.sleep(0.02)
            time.sleep(rng.uniform(0.0, 0.5))  # publishing 40 posts takes ~3.5 s
            if daemon.running():
                daemon.kill()
                kills += 1
            daemon.wait(60)
            progress.append(store.counts()[State.PUBLISHED])
        assert kills >= 3
        assert 0 < progress[0] < POSTS, progress  # the first kill landed mid-way through the queue
        for name, value in settings.items():  # the restart that finishes: the same command in this process
            monkeypatch.setenv(name, value)
        monkeypatch.chdir(tmp_path)
        final = run("run", "--once")
        assert final.code == 0, final
        assert store.counts()[State.PUBLISHED] == POSTS  # none lost
        texts = Counter(json.loads(line)["status"] for line in created.read_text().splitlines())
        assert set(texts) == {f"Beitrag Nummer {n}" for n in range(POSTS)}
        assert max(texts.values()) == 1, [t for t, n in texts.items() if n > 1]  # none twice
        assert not (tmp_path / "outbox.jsonl").exists()  # nothing went to the dry-run outbox
    store.close()


# -- each real platform client, killed mid-publish -----------------------------------------------------

CRASH_TOKEN = "crash-token-0042"


@dataclass
class Target:
    platform: str
    account: str  # "default" from SCHEDULER_<PLATFORM>_…, otherwise a named account (SCHEDULER_ACCOUNTS__…)
    fake: Any
    create: str  # the path of the request that creates a post (or a thread part)
    env: Callable[[str], dict[str, str]]  # the daemon's settings, from the fake's base URL
    copies: Callable[[], list[str]]  # every part on the platform, as text
    threads: bool


def _targets() -> dict[str, Callable[[], Target]]:
    from tests.fakes.bluesky_server import BlueskyFake
    from tests.fakes.linkedin_server import LinkedInFake
    from tests.fakes.mastodon_server import MastodonFake
    from tests.fakes.meta_server import MetaFake
    from tests.fakes.x_server import XFake

    def mastodon() -> Target:
        from scheduler.platforms.mastodon import _plain

        fake = MastodonFake(token=CRASH_TOKEN)
        return Target(
            "mastodon",
            "default",
            fake,
            "/api/v1/statuses",
            lambda url: {"SCHEDULER_MASTODON_BASE_URL": url, "SCHEDULER_MASTODON_TOKEN": CRASH_TOKEN},
            lambda: [_plain(s["content"]) for s in fake.statuses],
            threads=True,
        )

    def bluesky() -> Target:
        fake = BlueskyFake(handle="comms.test", password=CRASH_TOKEN)
        return Target(
            "bluesky",
            "default",
            fake,
            "/xrpc/com.atproto.repo.createRecord",
            lambda url: {
                "SCHEDULER_BLUESKY_BASE_URL": url,
                "SCHEDULER_BLUESKY_HANDLE": "comms.test",
                "SCHEDULER_BLUESKY_APP_PASSWORD": CRASH_TOKEN,
            },
            lambda: [r["value"]["text"] for r in fake.records.values()],
            threads=True,
        )

    def x() -> Target:
        pytest.importorskip("twitter_text")
        fake = XFake(token=CRASH_TOKEN)
        # an account with a history: X has no idempotency key, so a claimed post is known to be
        # unsent only when the account's listing reaches back before the claim
        fake.tweets.append(
            {
                "id": "1845000000000000000",
                "text": "Ein älterer Beitrag",
                "created_at": (dt.datetime.now(dt.UTC) - dt.timedelta(days=2)).isoformat(),
            }
        )
        return Target(
            "x",
            "newsroom",
            fake,
            "/2/tweets",
            lambda url: {
                "SCHEDULER_ACCOUNTS__X__NEWSROOM__BASE_URL": url,
                "SCHEDULER_ACCOUNTS__X__NEWSROOM__TOKEN": CRASH_TOKEN,
            },
            lambda: [t["text"] for t in fake.tweets[1:]],
            threads=True,
        )

    def linkedin() -> Target:
        fake = LinkedInFake(token=CRASH_TOKEN)
        return Target(
            "linkedin",
            "default",
            fake,
            "/rest/posts",
            lambda url: {
                "SCHEDULER_LINKEDIN_BASE_URL": url,
                "SCHEDULER_LINKEDIN_TOKEN": CRASH_TOKEN,
                "SCHEDULER_LINKEDIN_AUTHOR": "urn:li:organization:1",
            },
            lambda: [p["text"] for p in fake.posts],
            threads=False,
        )

    def threads() -> Target:
        fake = MetaFake(token=CRASH_TOKEN)
        return Target(
            "threads",
            "default",
            fake,
            "/threads_publish",
            lambda url: {"SCHEDULER_THREADS_BASE_URL": url, "SCHEDULER_THREADS_TOKEN": CRASH_TOKEN},
            lambda: [t["text"] for t in fake.threads],
            threads=True,
        )

    def facebook() -> Target:
        fake = MetaFake(token=CRASH_TOKEN, page_id="1234")
        return Target(
            "facebook",
            "pages",
            fake,
            "/1234/feed",
            lambda url: {
                "SCHEDULER_ACCOUNTS__FACEBOOK__PAGES__BASE_URL": url,
                "SCHEDULER_ACCOUNTS__FACEBOOK__PAGES__TOKEN": CRASH_TOKEN,
                "SCHEDULER_ACCOUNTS__FACEBOOK__PAGES__PAGE_ID": "1234",
            },
            lambda: [p["message"] for p in fake.feed],
            threads=False,
        )

    return {f.__name__: f for f in (mastodon, bluesky, x, linkedin, threads, facebook)}


def _kill_when(daemon: Forked, hold: Any, fake: Any) -> None:
    """SIGKILL the daemon while the fake holds its request, then let the fake finish that request
    (as a server does whose client went away) before anything else happens."""
    if not hold.reached.wait(60):
        daemon.kill()
        daemon.wait(10)
        raise AssertionError(f"the daemon never reached the held request: {daemon.output()[-2000:]}")
    daemon.kill()
    assert daemon.wait(30) == -signal.SIGKILL, daemon.output()
    hold.release()
    assert fake.wait_idle()


@pytest.mark.parametrize("name", ["mastodon", "bluesky", "x", "linkedin", "threads", "facebook"])
def test_sigkill_real_scheduler_run_mid_publish_through_each_platform_client(
    tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch, run: Callable[..., Result]
):
    """The real `scheduler run` publishes through the platform's real client to its fake (settings
    from the environment, as in production) and is SIGKILLed twice: while the fake holds the
    request of the first post, and after the fake created a post (a thread's second part where the
    platform has threads) but before it answered. After a restart (`scheduler run --once` in this
    process, with the same settings) every post is published, found again by reconciling, and each
    exists on the platform exactly once."""
    target = _targets()[name]()
    url = f"sqlite:///{tmp_path / 'q.sqlite3'}"
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    posts = [
        ("Erster Beitrag aus Köln",),
        ("Faden über Familienbildung 1/2", "Faden über Familienbildung 2/2")
        if target.threads
        else ("Zweiter Beitrag über Familienbildung",),
        ("Dritter Beitrag: Beratung in Mülheim",),
        ("Vierter Beitrag – Termine im Januar",),
    ]
    ids = Store.open(url).add(
        [
            NewPost(f"item{n}", name, target.account, now + dt.timedelta(seconds=n), Content(parts, "de"))
            for n, parts in enumerate(posts)
        ],
        state=State.SCHEDULED,
        now=now,
        reason="crash test",
    )
    with target.fake as fake:
        settings = {
            "SCHEDULER_DATABASE_URL": url,
            "SCHEDULER_OUTBOX": str(tmp_path / "outbox.jsonl"),
            **target.env(fake.url),
        }
        env = _env(**settings)

        held = fake.hold(target.create, stage="before")  # the first post's request, not yet handled
        _kill_when(fork_scheduler("run", env=env, cwd=tmp_path, log=tmp_path / "run1.log"), held, fake)
        assert Store.open(url).get(ids[0]).state == State.PUBLISHING

        # the restart reconciles the first post, then is killed once the second post (its last part) exists
        held = fake.hold(target.create, stage="after", skip=len(posts[1]) - 1)
        _kill_when(fork_scheduler("run", env=env, cwd=tmp_path, log=tmp_path / "run2.log"), held, fake)
        store = Store.open(url)
        assert store.get(ids[0]).state == State.PUBLISHED
        assert store.get(ids[1]).state == State.PUBLISHING

        for setting, value in settings.items():
            monkeypatch.setenv(setting, value)
        monkeypatch.chdir(tmp_path)
        final = run("run", "--once")
        assert final.code == 0, final

        store = Store.open(url)
        assert store.counts()[State.PUBLISHED] == len(posts), store.counts()  # none lost
        for post_id in ids[:2]:
            assert "reconciled after interrupted" in store.history(post_id)[-1].reason
        copies = Counter(target.copies())
        assert copies == Counter(part for parts in posts for part in parts)  # each part exactly once
    assert not (tmp_path / "outbox.jsonl").exists()  # nothing went to the dry-run outbox
