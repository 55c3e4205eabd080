"""`queue retry`: one post by id, or many at once with --all or filters, said as a count in words;
a filter nothing matches is one error line (a real SQLite file, the CLI in-process)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from scheduler.models import Content, State
from scheduler.storage import NewPost, Store

NOW = dt.datetime(2030, 1, 7, 9, tzinfo=dt.UTC)


@pytest.fixture
def queue(sqlite_queue: Path) -> Store:
    """Six posts: failed and needing attention on mastodon:main and x:default, one scheduled, one published."""
    store = Store.open(f"sqlite:///{sqlite_queue}")
    plan = [
        ("mastodon", "main", State.FAILED),
        ("mastodon", "main", State.NEEDS_ATTENTION),
        ("x", "default", State.FAILED),
        ("x", "default", State.NEEDS_ATTENTION),
        ("mastodon", "main", State.SCHEDULED),
        ("x", "default", State.PUBLISHED),
    ]
    later = NOW + dt.timedelta(days=1)  # the scheduled one is not due: never claimed below
    ids = store.add(
        [
            NewPost(
                f"item{n}", platform, account, later if state == State.SCHEDULED else NOW, Content((f"Post {n}",), "de")
            )
            for n, (platform, account, state) in enumerate(plan)
        ],
        state=State.SCHEDULED,
        now=NOW,
        reason="test",
    )
    for post_id, (_, _, state) in zip(ids, plan, strict=True):
        if state == State.SCHEDULED:
            continue
        store.claim_due(now=NOW, worker="w", limit=1)  # oldest first: this post
        store.transition(
            post_id, state, reason="test", now=NOW, allowed_from={State.PUBLISHING}, values={"error": "boom"}
        )
    yield store
    store.close()


def _states(store: Store) -> list[str]:
    return [post.state for post in sorted(store.list_posts(), key=lambda post: post.id)]


def test_retry_all_schedules_every_failed_and_unclear_post(run, queue: Store):
    result = run("queue", "retry", "--all")
    assert result.code == 0, result
    assert result.out.strip() == "retried 4 posts"
    assert _states(queue) == [State.SCHEDULED] * 5 + [State.PUBLISHED]
    assert all(post.error is None for post in queue.list_posts(states=[State.SCHEDULED]))


def test_retry_by_state(run, queue: Store):
    result = run("queue", "retry", "--state", "needs_attention")
    assert result.code == 0 and result.out.strip() == "retried 2 posts", result
    assert _states(queue) == [
        State.FAILED,
        State.SCHEDULED,
        State.FAILED,
        State.SCHEDULED,
        State.SCHEDULED,
        State.PUBLISHED,
    ]


def test_retry_by_platform_and_account(run, queue: Store):
    assert run("queue", "retry", "--platform", "x").out.strip() == "retried 2 posts"
    assert _states(queue)[:4] == [State.FAILED, State.NEEDS_ATTENTION, State.SCHEDULED, State.SCHEDULED]
    result = run("queue", "retry", "--account", "mastodon:main", "--state", "failed")
    assert result.code == 0 and result.out.strip() == "retried 1 post", result
    assert _states(queue)[:2] == [State.SCHEDULED, State.NEEDS_ATTENTION]


def test_retry_nothing_matching_is_one_error_line(run, queue: Store):
    run("queue", "retry", "--all")
    result = run("queue", "retry", "--all")
    assert result.code == 2
    assert result.err.strip() == (
        "error: no failed or needs_attention post to retry; "
        "see 'scheduler queue list --state failed --state needs_attention'"
    )
    result = run("queue", "retry", "--platform", "bluesky")
    assert result.code == 2 and result.err.count("\n") == 1
    assert "no failed or needs_attention post on bluesky to retry" in result.err


def test_retry_one_post_by_id_still_works(run, queue: Store):
    result = run("queue", "retry", "1")
    assert result.code == 0 and result.out.strip() == "post 1 scheduled again"
    assert queue.get(1).state == State.SCHEDULED


@pytest.mark.parametrize("args", [(), ("1", "--all"), ("1", "--state", "failed"), ("--account", "mastodon")])
def test_retry_needs_an_id_or_filters_not_both(run, queue: Store, args):
    result = run("queue", "retry", *args)
    assert result.code == 2 and result.err.startswith("error: ") and result.err.count("\n") == 1, result
    assert _states(queue)[:4] == [State.FAILED, State.NEEDS_ATTENTION, State.FAILED, State.NEEDS_ATTENTION]
