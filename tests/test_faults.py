"""The queue under injected faults: the real Dispatcher and each real platform client publish through
the platform's fake on 127.0.0.1 while a fifth of the creates fail (5xx before or after storing the
post, the platform's own throttle answer, a connection dropped before or after storing it). No post
goes out twice; every post ends published with each part once on the platform, or — when the
outcome cannot be known (a reconcile that itself meets a fault; X without an older post to compare
with) — needs a person, never silently lost. Time is an injected clock: retries and rate-limit waits
move it, nothing sleeps. The faults are seeded, so a run repeats exactly."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from scheduler.models import Content, State
from scheduler.platforms.http import HttpClient
from scheduler.platforms.pacing import Pacer
from scheduler.platforms.routing import Router
from scheduler.publishing import Dispatcher
from scheduler.storage import NewPost, Store
from tests.fakes.base import Faults

TOKEN = "fault-token-0042"
POSTS = 40


class Clock:
    def __init__(self) -> None:
        self.at = dt.datetime.now(dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.at

    def time(self) -> float:
        return self.at.timestamp()

    def sleep(self, seconds: float) -> None:
        self.at += dt.timedelta(seconds=seconds)


@dataclass
class Platform:
    name: str
    fake: Any
    client: Any
    copies: Callable[[], list[str]]  # every part on the platform, as text
    threads: bool  # posts of two parts


def _http(clock: Clock) -> HttpClient:
    return HttpClient(timeout=10, clock=clock, pacer=Pacer(clock=clock, sleep=clock.sleep))


def _mastodon(clock: Clock) -> Platform:
    from scheduler.platforms.mastodon import MastodonPublisher, _plain
    from tests.fakes.mastodon_server import MastodonFake

    fake = MastodonFake(token=TOKEN)
    return Platform(
        "mastodon",
        fake,
        MastodonPublisher(fake.url, SecretStr(TOKEN), http=_http(clock), clock=clock),
        lambda: [_plain(s["content"]) for s in fake.statuses],
        threads=True,
    )


def _bluesky(clock: Clock) -> Platform:
    from scheduler.platforms.bluesky import BlueskyPublisher
    from tests.fakes.bluesky_server import BlueskyFake

    fake = BlueskyFake(password=TOKEN)
    return Platform(
        "bluesky",
        fake,
        BlueskyPublisher(fake.url, "comms.test", SecretStr(TOKEN), http=_http(clock), clock=clock),
        lambda: [r["value"]["text"] for r in fake.records.values()],
        threads=True,
    )


def _x(clock: Clock) -> Platform:
    pytest.importorskip("twitter_text")
    from scheduler.platforms.x import XPublisher
    from tests.fakes.x_server import XFake

    fake = XFake(token=TOKEN)
    return Platform(
        "x",
        fake,
        XPublisher(fake.url, SecretStr(TOKEN), http=_http(clock), clock=clock),
        lambda: [t["text"] for t in fake.tweets],
        threads=False,
    )


def _linkedin(clock: Clock) -> Platform:
    from scheduler.platforms.linkedin import LinkedInPublisher
    from tests.fakes.linkedin_server import LinkedInFake

    fake = LinkedInFake(token=TOKEN)
    return Platform(
        "linkedin",
        fake,
        LinkedInPublisher(
            fake.url, SecretStr(TOKEN), author="urn:li:organization:1", version="202601", http=_http(clock), clock=clock
        ),
        lambda: [p["text"] for p in fake.posts],
        threads=False,
    )


def _threads(clock: Clock) -> Platform:
    from scheduler.platforms.threads import ThreadsPublisher
    from tests.fakes.meta_server import MetaFake

    fake = MetaFake(token=TOKEN)
    return Platform(
        "threads",
        fake,
        ThreadsPublisher(fake.url, SecretStr(TOKEN), http=_http(clock), clock=clock),
        lambda: [t["text"] for t in fake.threads],
        threads=True,
    )


def _facebook(clock: Clock) -> Platform:
    from scheduler.platforms.facebook import FacebookPublisher
    from tests.fakes.meta_server import MetaFake

    fake = MetaFake(token=TOKEN, page_id="1234")
    return Platform(
        "facebook",
        fake,
        FacebookPublisher(fake.url, SecretStr(TOKEN), page_id="1234", http=_http(clock), clock=clock),
        lambda: [p["message"] for p in fake.feed],
        threads=False,
    )


@pytest.fixture(params=[_mastodon, _bluesky, _x, _linkedin, _threads, _facebook], ids=lambda f: f.__name__.strip("_"))
def platform(request: pytest.FixtureRequest) -> Iterator[tuple[Clock, Platform]]:
    clock = Clock()
    built = request.param(clock)
    built.fake.time = clock.time
    built.fake.faults = Faults(latency=0.001, jitter=0.002, error_rate=0.2, seed=20241213)
    with built.fake:
        yield clock, built


def _parts(platform: Platform, n: int) -> tuple[str, ...]:
    if platform.threads and n % 3 == 0:
        return (f"Beitrag {n}, erster Teil 1/2", f"Beitrag {n}, zweiter Teil 2/2")
    return (f"Beitrag {n} über Familienbildung in Köln",)


def test_every_post_is_published_exactly_once_through_a_fifth_of_failing_creates(
    platform: tuple[Clock, Platform], tmp_path: Path
):
    clock, target = platform
    store = Store.open(f"sqlite:///{tmp_path / 'queue.sqlite3'}")
    store.add(
        [NewPost(f"item{n}", target.name, "default", clock(), Content(_parts(target, n), "de")) for n in range(POSTS)],
        state=State.SCHEDULED,
        now=clock(),
        reason="fault test",
    )
    if hasattr(target.client, "journal"):
        target.client.journal = store  # as `scheduler run` wires it: container ids noted in the queue
    dispatcher = Dispatcher(
        store, Router({(target.name, "default"): target.client}), worker="faults", rng=random.Random(3)
    )
    for _ in range(500):
        dispatcher.dispatch_due(now=clock, limit=10)
        due = store.next_due()
        if due is None:
            break
        clock.at = max(clock.at, due)  # the retry's time has come
    assert store.next_due() is None, store.counts()

    injected = target.fake.injected
    assert sum(injected.values()) >= POSTS // 10, injected  # the faults really happened
    assert (
        len(set(injected) & {"server_error", "server_error_created", "rate_limited", "dropped", "dropped_created"}) >= 3
    ), injected

    copies = Counter(target.copies())
    assert max(copies.values()) == 1, [text for text, n in copies.items() if n > 1]  # nothing twice
    posts = store.list_posts()
    published = [p for p in posts if p.state == State.PUBLISHED]
    for post in published:
        assert all(copies[part] == 1 for part in post.parts), post  # each part of it, once
        assert post.remote_id
    unsettled = [p for p in posts if p.state != State.PUBLISHED]
    for post in unsettled:  # left to a person, saying why
        assert post.state == State.NEEDS_ATTENTION, post
        assert "reconcile failed" in (post.error or "") or target.name == "x", post.error
    assert len(published) >= POSTS * 0.9, [(p.id, p.error) for p in unsettled]
    known = {part for post in published + unsettled for part in post.parts}
    assert set(copies) <= known  # nothing on the platform the queue does not know of
    store.close()


@pytest.mark.parametrize("failing_part", [0, 1])
def test_mastodon_thread_whose_part_was_stored_by_a_failed_request_is_finished_not_repeated(failing_part: int):
    """Mastodon keeps an Idempotency-Key only for answered requests: a part stored by a request that
    then failed has none, so replaying the thread's keys alone would post that part twice."""
    from scheduler.errors import AmbiguousError
    from scheduler.models import QueuedPost
    from scheduler.platforms.base import Outcome
    from scheduler.platforms.mastodon import MastodonPublisher, _plain
    from tests.fakes.mastodon_server import MastodonFake

    clock = Clock()
    parts = ("Faden 1/3", "Faden 2/3", "Faden 3/3")
    post = QueuedPost(
        id=1,
        item_id="i",
        platform="mastodon",
        account="default",
        state="publishing",
        publish_at=clock(),
        content=Content(parts, "de"),
        idempotency_key="thread-1",
        claimed_at=clock(),
    )
    with MastodonFake(token=TOKEN) as fake:
        client = MastodonPublisher(fake.url, SecretStr(TOKEN), http=_http(clock), clock=clock)
        fake.fail_next(500, {"error": "Internal server error"}, created=True, after=failing_part)
        with pytest.raises(AmbiguousError):
            client.publish(post)
        found = client.reconcile(post)
        texts = [_plain(s["content"]) for s in fake.statuses]
        assert found.outcome == Outcome.PUBLISHED and texts == list(parts)
        replies = [s["in_reply_to_id"] for s in fake.statuses]
        assert replies == [None, fake.statuses[0]["id"], fake.statuses[1]["id"]]  # still one thread


def test_injected_faults_repeat_with_their_seed_and_latency_goes_through_the_fakes_sleep():
    import requests

    from tests.fakes.mastodon_server import MastodonFake

    def answers(seed: int) -> tuple[list[int | str], list[float]]:
        delays: list[float] = []
        with MastodonFake(token=TOKEN) as fake:
            fake.sleep = delays.append  # nothing waits: the delays are recorded
            fake.faults = Faults(latency=0.05, jitter=0.02, error_rate=0.3, seed=seed)
            seen: list[int | str] = []
            for n in range(30):
                try:
                    seen.append(
                        requests.post(
                            f"{fake.url}/api/v1/statuses",
                            json={"status": f"Nummer {n}"},
                            headers={"Authorization": f"Bearer {TOKEN}"},
                            timeout=5,
                        ).status_code
                    )
                except requests.ConnectionError:
                    seen.append("dropped")
            assert (
                len(fake.statuses)
                == seen.count(200) + fake.injected["server_error_created"] + fake.injected["dropped_created"]
            )
        return seen, delays

    first, delays = answers(7)
    assert answers(7)[0] == first  # the same seed, the same faults in the same places
    assert answers(8)[0] != first
    assert {429, 500, "dropped"} <= set(first) and first.count(200) >= 15
    assert len(delays) == 30 and all(0.05 <= d <= 0.07 for d in delays)
