"""What one database allows: claims per second on PostgreSQL with 1, 2, 4 and 8 claiming processes
(issue 13, point 3), with baselines in the same run.

    python benchmarks/bench_claims.py [--posts 20000] [--accounts 500] [--claimers 1 2 4 8]
                                      [--per-claim 10] [--seconds 120]

Needs PostgreSQL at 127.0.0.1:5432 (user postgres, trust); every run gets a database of its own,
dropped afterwards. Each run queues --posts posts due now over --accounts Mastodon accounts, starts
the claimers (processes: each its own interpreter and connections, as workers on several machines
are), lets them go at one instant, and stops when every post is published. A claimer does exactly
the database work of `scheduler run` for a post, without the platform's request:

    claim --per-claim posts → for each: touch (the check just before sending) → transition to published

There is no request in between, so this is the database's limit, not a forecast for a real
platform: a worker waiting 200 ms per request asks for a claim far less often.

Rows of the table:

  new      `Store.claim_due` as the daemon's lanes call it when one lane is free: one account's next
           --per-claim posts (per_account, max_accounts=1); the claim takes a transaction-level
           advisory lock, so claims of all workers follow one another, and skips accounts that have
           a post in publishing (one worker per account).
  old      baseline: the claim before issue 13 (written out below as OLD_CLAIM): the next
           --per-claim due posts whatever their account, `UPDATE … FROM (SELECT … FOR UPDATE SKIP
           LOCKED)`, no advisory lock — claims of several workers run side by side, and one account's
           posts may be in flight at several workers at once (what the new claim forbids).
  sqlite   baseline: `new` on a SQLite file, 1 claimer (one `scheduler run` per file).

Columns: claims/s and posts/s from the go signal until the last post was settled; the median and
99th percentile of one claim_due call; empty claims (nothing claimable just then: every due account
was held by another claimer — the tail of the run); the longest run of one account's posts in flight
at once (from the claims' history: 1 means one worker per account held).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from multiprocessing.synchronize import Barrier
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select, update

from scheduler.models import Content, QueuedPost, State
from scheduler.storage import NewPost, Store
from scheduler.storage.base import post_of
from scheduler.storage.schema import posts, transitions

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=test connect_timeout=3"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# -- the claims ------------------------------------------------------------------------------------


def new_claim(store: Store, *, now: dt.datetime, worker: str, per_claim: int) -> list[QueuedPost]:
    """The claim of a daemon lane that has become free (scheduler/lanes.py `Lanes._claim`)."""
    return store.claim_due(now=now, worker=worker, limit=per_claim, per_account=per_claim, max_accounts=1)


def old_claim(store: Store, *, now: dt.datetime, worker: str, per_claim: int) -> list[QueuedPost]:
    """OLD_CLAIM: `Claims.claim_due` on PostgreSQL before issue 13 (commit 0c8f2f5^), as it was."""
    due = (
        select(posts.c.id)
        .where(posts.c.state == State.SCHEDULED, posts.c.due_at <= now)
        .order_by(posts.c.due_at, posts.c.id)
        .limit(per_claim)
    )
    chosen = due.with_for_update(skip_locked=True).cte("due").prefix_with("MATERIALIZED")
    key = func.coalesce(posts.c.idempotency_key, "post-" + func.cast(posts.c.id, posts.c.idempotency_key.type))
    with store.engine.begin() as connection:
        rows = connection.execute(
            update(posts)
            .where(posts.c.id == chosen.c.id, posts.c.state == State.SCHEDULED)
            .values(
                state=State.PUBLISHING,
                claimed_by=worker,
                claimed_at=now,
                attempts=posts.c.attempts + 1,
                idempotency_key=key,
                updated_at=now,
            )
            .returning(*posts.c)
        ).all()
        claimed = sorted((post_of(row) for row in rows), key=lambda p: (p.due_at or p.publish_at, p.id))
        if claimed:
            connection.execute(
                insert(transitions),
                [
                    {
                        "post_id": p.id,
                        "from_state": State.SCHEDULED,
                        "to_state": State.PUBLISHING,
                        "at": now,
                        "reason": f"attempt {p.attempts} by {worker}",
                    }
                    for p in claimed
                ],
            )
    return claimed


CLAIMS: dict[str, Callable[..., list[QueuedPost]]] = {"new": new_claim, "old": old_claim, "sqlite": new_claim}


# -- one claimer (a process of its own) ------------------------------------------------------------


def claimer(url: str, kind: str, per_claim: int, go: Barrier, results: multiprocessing.Queue) -> None:  # type: ignore[type-arg]  # reason: multiprocessing.Queue is not generic at run time
    """Claim, touch and settle until nothing is left; put (claims, posts, empty, claim times, end)."""
    store = Store.open(url)
    worker = f"claimer-{os.getpid()}"
    claim = CLAIMS[kind]
    claims = done = empty = 0
    times: list[float] = []
    store.counts()  # a connection in the pool before the clock starts
    go.wait()
    while True:
        now = utcnow()
        started = time.perf_counter()
        claimed = claim(store, now=now, worker=worker, per_claim=per_claim)
        times.append(time.perf_counter() - started)
        if not claimed:
            if store.counts()[State.SCHEDULED] == 0:
                break
            empty += 1
            time.sleep(0.001)  # every due account is held by another claimer just now
            continue
        claims += 1
        for post in claimed:
            at = utcnow()
            if not store.touch(post, now=at):
                raise RuntimeError(f"post {post.id}: claim lost without any take-over")
            store.transition(
                post.id,
                State.PUBLISHED,
                reason="published",
                now=at,
                allowed_from={State.PUBLISHING},
                fence=post,
                values={"remote_id": f"bench-{post.id}", "error": None},
            )
            done += 1
    results.put((claims, done, empty, times, time.time()))
    store.close()


# -- one run -------------------------------------------------------------------------------------


@contextlib.contextmanager
def database(kind: str) -> Iterator[str]:
    """A fresh database for one run: PostgreSQL (created, and dropped afterwards) or a SQLite file."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="bench_claims_") as folder:
            yield f"sqlite:///{folder}/queue.sqlite3"
        return
    import psycopg

    name = f"scheduler_claims_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_URL.format(name=name)
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def fill(url: str, count: int, accounts: int) -> None:
    """`count` posts due a minute ago, spread over `accounts` accounts in turn."""
    store = Store.open(url)
    now = utcnow()
    due = now - dt.timedelta(minutes=1)
    for begin in range(0, count, 2000):
        store.add(
            [
                NewPost(f"c-{n}", "mastodon", f"team{n % accounts}", due, Content((f"Beitrag {n}",), "de"))
                for n in range(begin, min(count, begin + 2000))
            ],
            state=State.SCHEDULED,
            now=now,
            reason="bench",
        )
    store.close()


def most_workers_per_account(url: str) -> int:
    """From the history, in the order it was written: the most workers that held posts of one
    account at the same time (1: one worker per account)."""
    store = Store.open(url)
    query = (
        select(transitions.c.post_id, transitions.c.to_state, transitions.c.reason, posts.c.account)
        .join(posts, posts.c.id == transitions.c.post_id)
        .where(transitions.c.from_state.is_not(None))
        .order_by(transitions.c.id)
    )
    holder: dict[int, str] = {}  # post id: the worker holding it
    held: dict[str, dict[str, int]] = {}  # account: worker: posts held
    most = 0
    with store.engine.connect() as connection:
        for post_id, to_state, reason, account in connection.execute(query):
            workers = held.setdefault(account, {})
            if to_state == State.PUBLISHING:
                holder[post_id] = worker = reason.rsplit(" by ", 1)[1]
                workers[worker] = workers.get(worker, 0) + 1
            else:
                worker = holder.pop(post_id)
                workers[worker] -= 1
                if not workers[worker]:
                    del workers[worker]
            most = max(most, len(workers))
    store.close()
    return most


def run(
    kind: str, claimers: int, *, posts_count: int, accounts: int, per_claim: int, seconds: float
) -> dict[str, float]:
    context = multiprocessing.get_context("spawn")
    with database(kind) as url:
        fill(url, posts_count, accounts)
        go = context.Barrier(claimers + 1)
        results = context.Queue()
        processes = [
            context.Process(target=claimer, args=(url, kind, per_claim, go, results), daemon=True)
            for _ in range(claimers)
        ]
        for process in processes:
            process.start()
        try:
            go.wait(timeout=120)  # every claimer has opened its database
            began = time.time()
            finished = [results.get(timeout=seconds) for _ in processes]
        finally:
            for process in processes:
                process.join(timeout=10)
                if process.is_alive():
                    process.kill()
        most = most_workers_per_account(url)
        store = Store.open(url)
        published = store.counts()[State.PUBLISHED]
        store.close()
    span = max(end for *_, end in finished) - began
    claims = sum(r[0] for r in finished)
    done = sum(r[1] for r in finished)
    times = sorted(t for r in finished for t in r[3])
    return {
        "claims": claims,
        "posts": done,
        "published": published,
        "empty": sum(r[2] for r in finished),
        "claims_s": claims / span,
        "posts_s": done / span,
        "p50_ms": 1000 * statistics.median(times),
        "p99_ms": 1000 * times[min(len(times) - 1, round(0.99 * (len(times) - 1)))],
        "seconds": span,
        "most": most,
    }


def postgres_reachable() -> str | None:
    """None when PostgreSQL answers, else why not."""
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True):
            return None
    except Exception as error:  # noqa: BLE001  # reason: any failure means: say why and stop
        return (str(error).strip().splitlines() or [type(error).__name__])[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument("--accounts", type=int, default=500)
    parser.add_argument("--claimers", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--per-claim", type=int, default=10, help="posts per claim (SCHEDULER_CLAIM_BATCH: 10)")
    parser.add_argument("--seconds", type=float, default=300.0, help="a run taking longer is a failure")
    args = parser.parse_args()
    why = postgres_reachable()
    if why is not None:
        print(f"PostgreSQL at 127.0.0.1:5432 unreachable ({why}); nothing measured")
        sys.exit(1)
    with contextlib.closing(__import__("psycopg").connect(PG_ADMIN)) as connection:
        version = connection.execute("SHOW server_version").fetchone()[0]
    print(
        f"claims on one database: {args.posts} posts due over {args.accounts} accounts, {args.per_claim} posts per "
        f"claim; each post touched and settled as published; PostgreSQL {version}, {os.cpu_count()} CPUs "
        "(the database, the claimers and this script share them)"
    )
    header = (
        f"{'claim':<7}{'claimers':>9}{'claims/s':>10}{'posts/s':>10}{'posts/claim':>12}{'claim p50':>11}{'p99':>9}"
        f"{'empty':>8}{'workers/acct':>13}{'seconds':>9}  published"
    )
    print(header)
    print("-" * len(header))
    rows = [("new", n) for n in args.claimers] + [("old", n) for n in args.claimers] + [("sqlite", 1)]
    for kind, claimers in rows:
        r = run(
            kind,
            claimers,
            posts_count=args.posts,
            accounts=args.accounts,
            per_claim=args.per_claim,
            seconds=args.seconds,
        )
        print(
            f"{kind:<7}{claimers:>9}{r['claims_s']:>10.0f}{r['posts_s']:>10.0f}{r['posts'] / max(r['claims'], 1):>12.1f}{r['p50_ms']:>9.1f}ms"
            f"{r['p99_ms']:>7.1f}ms{r['empty']:>8}{r['most']:>13}{r['seconds']:>9.1f}  {r['published']}/{args.posts}",
            flush=True,
        )
    print(
        "workers/acct: the most claimers that held posts of one account at the same time (from the history); "
        "the new claim keeps it at 1"
    )


if __name__ == "__main__":
    main()
