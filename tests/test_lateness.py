"""Lateness under a burst: `scheduler status` says which posts are late now and the worst lateness of
the last hour; a post waiting more than SCHEDULER_LATE_NOTICE past its due time is told about once,
in the log and through the notice channels (a real webhook endpoint on 127.0.0.1). The queue is a
real SQLite file; every instant is given (the CLI's clock stands still at `tests.clocks.NOW`).

The same queries on PostgreSQL: tests/storage/test_lateness.py."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from pydantic import SecretStr

from scheduler.cli import Clock
from scheduler.config import load_settings
from scheduler.lateness import LateNotices
from scheduler.models import Content, State
from scheduler.notify import AllNotifiers
from scheduler.notify.webhook import WebhookNotifier
from scheduler.storage import NewPost, Store
from tests.clocks import NOW
from tests.fakes.serving import serving_thread

SECOND = dt.timedelta(seconds=1)
MINUTE = dt.timedelta(minutes=1)
LATE_CHECK = 30 * SECOND  # how often the daemon looks (daemon.LATE_SECONDS)


@pytest.fixture
def cli_clock() -> Clock:
    """The CLI's clock stands still: the lateness `status` says is exact."""
    return lambda: NOW


@pytest.fixture
def queue(sqlite_queue: Path) -> Iterator[Store]:
    """The store on the file the CLI uses (SCHEDULER_DATABASE_URL)."""
    store = Store.open(f"sqlite:///{sqlite_queue}")
    yield store
    store.close()


def _add(store: Store, item: str, due: dt.datetime, *, account: str = "default") -> int:
    post = NewPost(item, "mastodon", account, due, Content((f"Post {item}",), "de"))
    (post_id,) = store.add([post], state=State.SCHEDULED, now=due - 60 * MINUTE, reason="imported")
    return post_id


def _published(store: Store, item: str, due: dt.datetime, *, after: dt.timedelta, account: str = "default") -> int:
    """A post a worker claimed at its due time and published `after` it."""
    post_id = _add(store, item, due, account=account)
    store.transition(post_id, State.PUBLISHING, reason="attempt 1 by test", now=due)
    store.transition(post_id, State.PUBLISHED, reason="published", now=due + after)
    return post_id


class _Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[dict]] = []

    def do_POST(self) -> None:
        type(self).received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def hook() -> Iterator[str]:
    """An incoming-webhook endpoint on 127.0.0.1; what it received is `_Hook.received`."""
    _Hook.received = []
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    thread = serving_thread(server)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hooks/T000/secret-token"
    server.shutdown()
    server.server_close()


def _notices(queue: Store, hook: str, *, after: dt.timedelta = 10 * MINUTE) -> LateNotices:
    return LateNotices(queue, AllNotifiers([WebhookNotifier(SecretStr(hook))]), after=after, timezone="Europe/Berlin")


def _texts() -> list[str]:
    return [body["text"] for body in _Hook.received]


def test_status_says_how_many_posts_are_late_and_the_oldest(run: Callable, queue: Store):
    oldest = _add(queue, "a", NOW - (4 * MINUTE + 10 * SECOND))
    _add(queue, "b", NOW - 2 * MINUTE, account="team")
    _add(queue, "c", NOW - 30 * SECOND)  # within the minute a burst takes: not late
    _add(queue, "d", NOW + MINUTE)

    result = run("status")
    assert (
        "late: 2 posts due more than 1 min ago not yet out; the oldest "
        f"#{oldest} (mastodon:default) due 2030-01-01T11:55+01:00, 4 min 10 s late"
    ) in result.out.splitlines()
    assert "worst lateness in the last hour: none (no post published)" in result.out.splitlines()


def test_status_says_the_worst_lateness_of_the_posts_published_in_the_last_hour(run: Callable, queue: Store):
    _published(queue, "a", NOW - 30 * MINUTE, after=0.4 * SECOND)
    worst = _published(queue, "b", NOW - 20 * MINUTE, after=2.3 * SECOND, account="team")
    _published(queue, "c", NOW - 3 * 60 * MINUTE, after=40 * MINUTE)  # out two hours ago

    lines = run("status").out.splitlines()
    assert f"worst lateness in the last hour: 2.3 s (#{worst} mastodon:team; 2 posts published)" in lines
    assert "late: none (no post due more than 1 min ago is still waiting)" in lines


def test_a_late_post_is_told_once_in_the_log_and_through_the_webhook(
    queue: Store, hook: str, caplog: pytest.LogCaptureFixture
):
    late = _add(queue, "a", NOW - (12 * MINUTE + 5 * SECOND))
    notices = _notices(queue, hook)

    with caplog.at_level(logging.WARNING, logger="scheduler.lateness"):
        assert [post.post_id for post in notices(NOW)] == [late]
        assert notices(NOW + LATE_CHECK) == []  # the daemon's next check: told already

    assert _texts() == [
        f"Post #{late} (mastodon:default) is 12 min 5 s late: due 2030-01-01T11:47+01:00, waiting for a worker. "
        "See 'scheduler status'; if posts keep running late, run more workers (PostgreSQL) or raise "
        "SCHEDULER_CONCURRENCY."
    ]
    assert [record.getMessage() for record in caplog.records] == [
        f"post {late} (mastodon:default) is 12 min 5 s late: due 2030-01-01T11:47+01:00, still waiting for a worker"
    ]


def test_a_post_not_yet_late_enough_is_not_told_until_it_is(queue: Store, hook: str):
    post = _add(queue, "a", NOW - 9 * MINUTE)
    notices = _notices(queue, hook)
    assert notices(NOW) == []
    assert _Hook.received == []
    assert [told.post_id for told in notices(NOW + MINUTE + SECOND)] == [post]
    assert len(_Hook.received) == 1


def test_a_burst_of_late_posts_is_one_notice_naming_the_oldest_five(queue: Store, hook: str):
    ids = [_add(queue, f"p{n}", NOW - (20 - n) * MINUTE, account=f"a{n}") for n in range(7)]
    queue.transition(ids[0], State.PUBLISHING, reason="attempt 1 by test", now=NOW - 20 * MINUTE)
    assert len(_notices(queue, hook)(NOW)) == 7

    (text,) = _texts()
    assert text.startswith(
        f"7 posts are more than 10 min late. #{ids[0]} (mastodon:a0) is 20 min late: due 2030-01-01T11:40+01:00, "
        f"being sent; #{ids[1]} (mastodon:a1) is 19 min late"
    )
    assert f"#{ids[4]} (mastodon:a4)" in text and f"#{ids[5]}" not in text
    assert "; and 2 more. See 'scheduler status'" in text


def test_the_daemon_of_scheduler_run_tells_about_late_posts_of_its_accounts(
    queue: Store, hook: str, monkeypatch: pytest.MonkeyPatch
):
    from scheduler.running import publishing_daemon
    from scheduler.wiring import Wiring

    monkeypatch.setenv("SCHEDULER_NOTIFY_WEBHOOK_URL", hook)
    monkeypatch.setenv("SCHEDULER_LATE_NOTICE", "15m")
    monkeypatch.setenv("SCHEDULER_MASTODON_BASE_URL", "https://social.example")
    monkeypatch.setenv("SCHEDULER_MASTODON_TOKEN", "token-of-the-test")
    ours = _add(queue, "a", NOW - 16 * MINUTE)
    _add(queue, "b", NOW - 11 * MINUTE)  # late, but less than 15 min
    _add(queue, "c", NOW - 60 * MINUTE, account="elsewhere")  # no credentials: stays queued on purpose

    daemon = publishing_daemon(Wiring.from_environment(clock=lambda: NOW))
    assert daemon.late is not None
    daemon.late(NOW)

    (text,) = _texts()
    assert text.startswith(f"Post #{ours} (mastodon:default) is 16 min late")


def test_late_notices_can_be_off(queue: Store, monkeypatch: pytest.MonkeyPatch):
    from scheduler.running import publishing_daemon
    from scheduler.wiring import Wiring

    monkeypatch.setenv("SCHEDULER_LATE_NOTICE", "off")
    assert publishing_daemon(Wiring.from_environment(clock=lambda: NOW)).late is None


@pytest.mark.parametrize(("value", "after"), [("10m", 600), ("90s", 90), ("1h", 3600), ("off", None), ("0", None)])
def test_the_late_notice_setting_is_a_duration_or_off(monkeypatch: pytest.MonkeyPatch, value: str, after: int | None):
    monkeypatch.setenv("SCHEDULER_LATE_NOTICE", value)
    notice = load_settings().late_notice
    assert (notice.total_seconds() if notice is not None else None) == after


@pytest.mark.parametrize(
    ("value", "reason"),
    [("10", "a number without a unit: seconds or minutes?"), ("30s", "out of range"), ("soon", "not a duration")],
)
def test_a_bad_late_notice_setting_is_one_error_line_and_exit_2(
    run: Callable, sqlite_queue: Path, monkeypatch: pytest.MonkeyPatch, value: str, reason: str
):
    monkeypatch.setenv("SCHEDULER_LATE_NOTICE", value)
    result = run("status")
    assert result.code == 2
    assert result.err.splitlines() == [
        f"error: SCHEDULER_LATE_NOTICE={value} is invalid ({reason}): expected a duration from 1m to 24h, "
        "e.g. 10m, 90s or 1h; or off (also 0) for no notice"
    ]
