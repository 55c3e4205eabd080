"""Pacing: each platform's rate-limit headers are read in their own format, and a post that does not
fit in what the account may still send is refused (or briefly waited for) before its first request.
Unit tests of the pacer with an injected clock, then the real clients against the fakes on 127.0.0.1
(the fakes send each platform's headers). No test sleeps: waiting moves an injected clock."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import SecretStr
from requests.structures import CaseInsensitiveDict

from scheduler.errors import RateLimitedError
from scheduler.models import Content, QueuedPost
from scheduler.platforms.bluesky import BlueskyPublisher
from scheduler.platforms.facebook import FacebookPublisher
from scheduler.platforms.http import HttpClient
from scheduler.platforms.mastodon import MastodonPublisher
from scheduler.platforms.pacing import Pacer, windows
from scheduler.platforms.x import XPublisher
from tests.fakes.bluesky_server import BlueskyFake
from tests.fakes.mastodon_server import MastodonFake
from tests.fakes.meta_server import MetaFake
from tests.fakes.x_server import XFake

T0 = dt.datetime(2030, 3, 4, 9, 0, tzinfo=dt.UTC)
TOKEN = "pacing-token-0042"
STATUSES = "POST social.example/api/v1/statuses"


class Clock:
    """`now` for the pacer, the client and the fake's budget; `sleep` moves it instead of waiting."""

    def __init__(self, at: dt.datetime = T0) -> None:
        self.at = at
        self.slept: list[float] = []

    def __call__(self) -> dt.datetime:
        return self.at

    def time(self) -> float:
        return self.at.timestamp()

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.at += dt.timedelta(seconds=seconds)


def headers(**values: str) -> CaseInsensitiveDict[str]:
    return CaseInsensitiveDict({name.replace("_", "-"): value for name, value in values.items()})


# -- each platform's headers, in its own format ----------------------------------------------------


def test_mastodon_reset_is_an_iso_8601_time():
    ((scope, window),) = windows(
        headers(X_RateLimit_Limit="300", X_RateLimit_Remaining="2", X_RateLimit_Reset="2030-03-04T09:05:00.000000Z"),
        now=T0,
    )
    assert (scope, window.remaining, window.limit) == ("", 2, 300)
    assert window.reset_at == T0 + dt.timedelta(minutes=5)


def test_x_reset_is_epoch_seconds_and_the_24_hour_caps_count_too():
    found = {
        w.name: w
        for _s, w in windows(
            headers(
                x_rate_limit_limit="200",
                x_rate_limit_remaining="150",
                x_rate_limit_reset=str(int(T0.timestamp()) + 900),
                x_user_limit_24hour_limit="100",
                x_user_limit_24hour_remaining="1",
                x_user_limit_24hour_reset=str(int(T0.timestamp()) + 86_000),
            ),
            now=T0,
        )
    }
    assert found["x"].remaining == 150 and found["x"].reset_at == T0 + dt.timedelta(seconds=900)
    assert found["x-user-limit-24hour"].remaining == 1
    assert found["x-user-limit-24hour"].reset_at == T0 + dt.timedelta(seconds=86_000)


def test_bluesky_reset_is_epoch_seconds():
    ((_scope, window),) = windows(
        headers(
            RateLimit_Limit="5000",
            RateLimit_Remaining="4997",
            RateLimit_Reset=str(int(T0.timestamp()) + 3600),
            RateLimit_Policy="5000;w=3600",
        ),
        now=T0,
    )
    assert (window.remaining, window.limit, window.reset_at) == (4997, 5000, T0 + dt.timedelta(hours=1))


def test_meta_usage_counts_only_when_it_says_how_long_access_is_refused():
    def usage(minutes: int) -> CaseInsensitiveDict[str]:
        return headers(
            X_Business_Use_Case_Usage=json.dumps(
                {
                    "1234": [
                        {
                            "type": "pages",
                            "call_count": 100,
                            "total_cputime": 3,
                            "total_time": 4,
                            "estimated_time_to_regain_access": minutes,
                        }
                    ]
                }
            )
        )

    assert windows(usage(0), now=T0) == []
    ((scope, window),) = windows(usage(7), now=T0)
    assert scope == "*" and window.remaining == 0 and window.reset_at == T0 + dt.timedelta(minutes=7)


def test_linkedin_sends_no_rate_limit_headers_and_nothing_is_assumed():
    assert windows(headers(x_restli_id="urn:li:share:1", Content_Type="application/json"), now=T0) == []


# -- the pacer ---------------------------------------------------------------------------------------


def pacer(clock: Clock, **options: Any) -> Pacer:
    return Pacer(clock=clock, sleep=clock.sleep, **options)


def mastodon_window(remaining: int, reset_in: float, limit: int = 300) -> CaseInsensitiveDict[str]:
    reset = (T0 + dt.timedelta(seconds=reset_in)).isoformat().replace("+00:00", "Z")
    return headers(X_RateLimit_Limit=str(limit), X_RateLimit_Remaining=str(remaining), X_RateLimit_Reset=reset)


def test_a_thread_that_does_not_fit_is_refused_before_its_first_part_with_the_time_to_wait():
    clock = Clock()
    paced = pacer(clock)
    paced.observe(STATUSES, mastodon_window(2, 600), status=200)
    with pytest.raises(RateLimitedError) as refused:
        paced.reserve(STATUSES, 3, host="social.example")
    assert refused.value.retry_after == pytest.approx(600)
    assert "social.example" in str(refused.value) and "needs 3" in str(refused.value)
    paced.reserve(STATUSES, 2)  # a shorter post still fits
    assert clock.slept == []


def test_a_short_wait_is_waited_out_instead_of_giving_the_post_back():
    clock = Clock()
    paced = pacer(clock, max_wait=5.0)
    paced.observe(STATUSES, mastodon_window(0, 3), status=200)
    paced.reserve(STATUSES, 3)
    assert clock.slept == [pytest.approx(3)]


def test_booked_requests_count_until_the_next_answer_says_better():
    clock = Clock()
    paced = pacer(clock)
    paced.observe(STATUSES, mastodon_window(5, 600), status=200)
    paced.reserve(STATUSES, 3)
    with pytest.raises(RateLimitedError):
        paced.reserve(STATUSES, 3)  # only 2 are left once the first three are counted
    paced.observe(STATUSES, mastodon_window(5, 600), status=200)  # the platform says otherwise
    paced.reserve(STATUSES, 3)


def test_a_window_that_has_reset_no_longer_holds():
    clock = Clock()
    paced = pacer(clock)
    paced.observe(STATUSES, mastodon_window(0, 60), status=200)
    clock.at += dt.timedelta(seconds=61)
    paced.reserve(STATUSES, 3)
    assert clock.slept == []


def test_a_429_blocks_its_endpoint_only_for_as_long_as_it_said():
    clock = Clock()
    paced = pacer(clock)
    paced.observe(STATUSES, headers(), status=429, retry_after=120)
    with pytest.raises(RateLimitedError) as refused:
        paced.reserve(STATUSES)
    assert refused.value.retry_after == pytest.approx(120)
    paced.reserve("GET social.example/api/v1/accounts/verify_credentials")  # another endpoint is free
    clock.at += dt.timedelta(seconds=120)
    paced.reserve(STATUSES)


def test_a_429_without_any_hint_blocks_nothing():
    paced = pacer(Clock())
    paced.observe("POST api.linkedin.com/rest/posts", headers(), status=429)
    paced.reserve("POST api.linkedin.com/rest/posts")


def test_a_post_longer_than_a_whole_window_waits_for_a_fresh_window_not_for_ever():
    clock = Clock()
    paced = pacer(clock)
    paced.observe(STATUSES, mastodon_window(2, 600, limit=2), status=200)
    paced.reserve(STATUSES, 5)  # a full window: start, the platform will say when to stop


def test_meta_refusal_applies_to_every_endpoint_of_the_account():
    clock = Clock()
    paced = pacer(clock)
    paced.observe(
        "POST graph.example/1234/feed",
        headers(
            X_Business_Use_Case_Usage=json.dumps(
                {"1234": [{"type": "pages", "call_count": 100, "estimated_time_to_regain_access": 2}]}
            )
        ),
        status=400,
    )
    with pytest.raises(RateLimitedError) as refused:
        paced.reserve("POST graph.example/1234/photos")
    assert refused.value.retry_after == pytest.approx(120)


def test_minimum_spacing_between_requests_of_one_account():
    clock = Clock()
    paced = pacer(clock, min_interval=1.5)
    paced.space()
    paced.space()
    clock.at += dt.timedelta(seconds=5)
    paced.space()
    assert clock.slept == [pytest.approx(1.5)]


def test_repr_shows_the_settings():
    assert repr(Pacer(max_wait=3, min_interval=0.5)) == "Pacer(max_wait=3, min_interval=0.5)"


# -- the real clients against the fakes, over HTTP ---------------------------------------------------


def _post(platform: str, *parts: str, key: str) -> QueuedPost:
    return QueuedPost(
        id=1,
        item_id="i",
        platform=platform,
        account="default",
        state="publishing",
        publish_at=T0,
        content=Content(parts, "de"),
        idempotency_key=key,
        claimed_at=T0,
    )


def _http(clock: Clock) -> HttpClient:
    return HttpClient(clock=clock, pacer=Pacer(clock=clock, sleep=clock.sleep))


def _mastodon(clock: Clock) -> tuple[Any, Any, Any]:
    fake = MastodonFake(token=TOKEN)
    return (
        fake,
        MastodonPublisher(fake.url, SecretStr(TOKEN), http=_http(clock), clock=clock),
        lambda: len(fake.statuses),
    )


def _x(clock: Clock) -> tuple[Any, Any, Any]:
    pytest.importorskip("twitter_text")
    fake = XFake(token=TOKEN)
    return fake, XPublisher(fake.url, SecretStr(TOKEN), http=_http(clock), clock=clock), lambda: len(fake.tweets)


def _bluesky(clock: Clock) -> tuple[Any, Any, Any]:
    fake = BlueskyFake(password=TOKEN)
    return (
        fake,
        BlueskyPublisher(fake.url, "comms.test", SecretStr(TOKEN), http=_http(clock), clock=clock),
        lambda: len(fake.records),
    )


@pytest.fixture(params=[_mastodon, _x, _bluesky], ids=lambda f: f.__name__.strip("_"))
def threaded(request: pytest.FixtureRequest) -> Iterator[tuple[Clock, Any, Any, Any]]:
    clock = Clock(dt.datetime.now(dt.UTC).replace(microsecond=0))
    fake, client, count = request.param(clock)
    fake.time = clock.time
    with fake:
        yield clock, fake, client, count


def _budget(fake: Any, creates: int, window: float) -> None:
    cost = 3 if isinstance(fake, BlueskyFake) else 1  # the PDS counts a create as 3 points
    fake.limit_creates(creates * cost, window=window, cost=cost)


def test_a_thread_that_would_hit_the_limit_midway_is_not_started(threaded):
    _clock, fake, client, count = threaded
    _budget(fake, 4, window=900)
    client.publish(_post(fake_platform(fake), "Erster Teil 1/3", "Zweiter Teil 2/3", "Dritter Teil 3/3", key="p-1"))
    assert count() == 3  # the platform now says one create is left
    with pytest.raises(RateLimitedError) as refused:
        client.publish(_post(fake_platform(fake), "Neuer Faden 1/2", "Neuer Faden 2/2", key="p-2"))
    assert count() == 3  # nothing of the second thread was sent
    assert fake.injected["over_budget"] == 0  # the platform never had to say 429
    assert 890 <= refused.value.retry_after <= 901  # until the window resets, in that platform's format


def test_a_short_wait_for_the_window_is_waited_out_and_the_thread_goes_out_whole(threaded):
    clock, fake, client, count = threaded
    _budget(fake, 3, window=3)
    client.publish(_post(fake_platform(fake), "Eins 1/2", "Zwei 2/2", key="p-1"))
    client.publish(_post(fake_platform(fake), "Drei 1/2", "Vier 2/2", key="p-2"))
    assert count() == 4
    assert len(clock.slept) == 1 and 0 < clock.slept[0] <= 4  # waited for the window (on the injected clock)
    assert fake.injected["over_budget"] == 0


def fake_platform(fake: Any) -> str:
    return {MastodonFake: "mastodon", XFake: "x", BlueskyFake: "bluesky"}[type(fake)]


def test_a_429_tells_when_and_the_next_post_of_the_account_waits_without_asking(threaded):
    _clock, fake, client, count = threaded
    fake.faults.error_rate, fake.faults.kinds, fake.faults.throttle_seconds = 1.0, ("rate_limited",), 600
    with pytest.raises(RateLimitedError) as limited:
        client.publish(_post(fake_platform(fake), "Zu viel", key="p-1"))
    assert 590 <= limited.value.retry_after <= 601
    sent = len(fake.requests)
    with pytest.raises(RateLimitedError):
        client.publish(_post(fake_platform(fake), "Auch zu viel", key="p-2"))
    assert len(fake.requests) == sent  # refused here, not by the platform again
    assert count() == 0


def test_meta_throttle_says_how_long_in_minutes_and_blocks_the_page():
    clock = Clock(dt.datetime.now(dt.UTC).replace(microsecond=0))
    with MetaFake(token=TOKEN, page_id="1234") as fake:
        fake.time = clock.time
        fake.limit_creates(1, window=300)
        client = FacebookPublisher(fake.url, SecretStr(TOKEN), page_id="1234", http=_http(clock), clock=clock)
        client.publish(_post("facebook", "Erster Beitrag", key="f-1"))
        with pytest.raises(RateLimitedError) as limited:
            client.publish(_post("facebook", "Zweiter Beitrag", key="f-2"))
        assert limited.value.retry_after == pytest.approx(300)  # estimated_time_to_regain_access: 5 minutes
        sent = len(fake.requests)
        with pytest.raises(RateLimitedError):
            client.publish(_post("facebook", "Dritter Beitrag", key="f-3"))
        assert len(fake.requests) == sent and [p["message"] for p in fake.feed] == ["Erster Beitrag"]
