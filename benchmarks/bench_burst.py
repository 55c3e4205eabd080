"""Publishing at the slot (issue 13): many posts due at one instant, a slow Mastodon, many accounts.

    python benchmarks/bench_burst.py [--part a] [--part b] [--part c] [--part d] [--quick]
                                     [--concurrency N]… [--baseline-only] [--baseline-seconds S]

Every run publishes through the real daemon loop (`Daemon.run_forever`) and the package's Mastodon
client, built as `scheduler run` builds it (`Wiring.publishers` → `Router` → `Dispatcher` →
`Daemon(store, dispatcher, concurrency=N, batch=SCHEDULER_CLAIM_BATCH's default)`, see
benchmarks/burst_worker.py), to the burst API (benchmarks/burst_api.py: a Mastodon-like server in a
process of its own that serves many requests at once; one bearer token per account, Idempotency-Key
replay per account, a latency per request, rate-limit headers as Mastodon's — 300 statuses per 3
hours per account — so roomy that pacing never holds a post back). Each account's posts are queued
one after another (--interleaved: post n for account n mod accounts), all for tomorrow; the daemon
is started, then every post is moved to one instant two seconds ahead, as a slot's posts fall due
together. Lateness = the arrival at the server of the request that created the post's status − its
publish time. The baseline of every figure is the same run with concurrency 1 (one post after
another, as before issue 13), measured in the same run.

(a) burst: 200 posts for 50 accounts (4 each), 200 ms per request, SQLite, one daemon.
    Targets: p99 lateness < 3 s, 0 duplicates, no account with two requests in flight at once.
(b) faults: 2,000 posts for 500 accounts, 500 ms per request (reads too), 5 % of creates failing
    (one in 20, evenly spread; 503 before storing, the connection dropped before storing, the
    connection dropped after storing, in turn), SQLite, one daemon. Target: p99 lateness < 10 s. Such an unclear answer is
    reconciled at once (the client reads the account's statuses and replays the create with its
    key); the RetryPolicy's backoff applies when that meets a fault again or an error is plainly
    transient: base 0.5 s, cap 5 s here (--retry-base, --retry-cap) instead of the package's 2 s / 900 s.
(c) the workload of (b) on PostgreSQL (a fresh database per run) with 1, 2 and 4 worker processes
    (benchmarks/burst_worker.py): posts/s and p99 lateness (the scaling figure), 0 duplicates.
(d) the existing figures of bench_queue.py (dispatch throughput, lateness, PostgreSQL workers,
    scale) within 10 % of today's: printed as commands to run, this tree's bench_queue.py with the
    package before the change (on PYTHONPATH) and after it.

For each run the table shows: posts out, seconds from the slot until every post was settled,
posts/s, lateness p50/p99/max, duplicates (a post's status created twice on its account), replays
(a create answered from its Idempotency-Key: a duplicate avoided), the most requests one account
had in flight at once (the server tells accounts by their bearer tokens) and the most requests in
flight at all, and CPU time per published post (the daemon processes' user + system time, from
before the slot until the last post was settled; in (a) and (b), where the daemon runs in this
process, less the time of the thread that waits for it). Below it: faults injected, posts reconciled,
retried after backoff and held back by pacing, accounts whose posts went out of queue order, and
APScheduler's skipped dispatch runs (each a WARNING line in the daemon's log).

Runs are stopped after --max-seconds (default 300), baselines after --baseline-seconds (default 90,
quick 20): the posts not yet out then count as at least that late (shown as "> N s"), and the rate
so far says when the last would have gone out. --baseline-only measures concurrency 1 alone.
A full run takes about 10 minutes once publishing is concurrent; --quick (smaller counts) about 3.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from bench_queue import (
    CountSkips,
    bench_database,
    die_with_parent,
    fill,
    postgres_reachable,
    quantile,
    sample_texts,
    verdict,
)
from burst_api import account_name
from burst_worker import cpu_seconds, publishing_daemon
from sqlalchemy import func, select, text, update

from scheduler.config import Settings
from scheduler.models import Content, QueuedPost, State
from scheduler.publishing import RetryPolicy
from scheduler.storage import NewPost, Store
from scheduler.storage.schema import posts, transitions

HERE = Path(__file__).resolve().parent
LEAD = 2.0  # seconds from moving the posts to their slot until the slot
POLL = 0.1  # how often the queue is asked whether every post is settled
#: The package's defaults, as `scheduler run` uses them without settings.
DEFAULT_CONCURRENCY = int(Settings.model_fields["concurrency"].default)
DEFAULT_BATCH = int(Settings.model_fields["claim_batch"].default)
DEFAULT_ATTEMPTS = int(Settings.model_fields["max_attempts"].default)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Workload:
    posts: int
    accounts: int
    latency_ms: float
    error_rate: float = 0.0
    seed: int = 1
    interleaved: bool = False  # post n to account n mod accounts, instead of each account's posts together

    def __str__(self) -> str:
        faults = f", {self.error_rate:.0%} of creates failing" if self.error_rate else ""
        return f"{self.posts} posts over {self.accounts} accounts, {self.latency_ms:.0f} ms per request{faults}"


@dataclass(frozen=True)
class Limits:
    """How long a baseline run and any other run may take before they are stopped (seconds)."""

    baseline: float
    run: float


@dataclass
class Result:
    """What one run measured."""

    posts: int
    published: int = 0
    seconds: float = 0.0  # from the slot until every post was settled (or the run was stopped)
    stopped: bool = False  # stopped at its time limit with posts not yet settled
    lateness: list[float] = field(default_factory=list)  # seconds, of the posts whose status exists
    duplicates: int = 0
    replays: int = 0
    max_account_in_flight: int = 0
    accounts_overlapping: int = 0
    max_in_flight: int = 0
    cpu: float = 0.0
    creates: int = 0
    injected: dict[str, int] = field(default_factory=dict)
    states: dict[str, int] = field(default_factory=dict)
    reconciled: int = 0
    rescheduled: int = 0
    held: int = 0
    out_of_order: int = 0
    shares: list[int] = field(default_factory=list)  # published per worker process
    skipped: int = 0  # APScheduler's dispatch runs skipped at max_instances (a WARNING each in the log)

    @property
    def rate(self) -> float:
        return self.published / self.seconds if self.seconds > 0 else 0.0

    def late(self, q: float) -> float | None:
        """The q-quantile of lateness over all posts; None when it falls among posts not out."""
        values = self.lateness + [float("inf")] * (self.posts - len(self.lateness))
        value = quantile(values, q)
        return None if value == float("inf") else value

    def shown(self, q: float) -> str:
        value = self.late(q)
        return f"> {self.seconds:.0f} s" if value is None else f"{value:.2f} s"


# -- the burst API ------------------------------------------------------------------------------


class Api:
    """benchmarks/burst_api.py in a process of its own."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.session = requests.Session()

    def reset(self, workload: Workload) -> None:
        settings = {
            "accounts": workload.accounts,
            "latency_ms": workload.latency_ms,
            "get_latency_ms": workload.latency_ms,
            "error_rate": workload.error_rate,
            "seed": workload.seed,
        }
        self.session.post(f"{self.base}/reset", json=settings, timeout=30).raise_for_status()

    def stats(self) -> dict[str, Any]:
        """What the server saw (see burst_api.py's docstring)."""
        response = self.session.get(f"{self.base}/stats", timeout=60)
        response.raise_for_status()
        found: dict[str, Any] = response.json()
        return found


@contextlib.contextmanager
def burst_api() -> Iterator[Api]:
    process = subprocess.Popen(
        [sys.executable, str(HERE / "burst_api.py"), "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=die_with_parent,
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        if not line.startswith("port "):
            raise RuntimeError(f"the burst API did not start (said {line!r})")
        yield Api(f"http://127.0.0.1:{int(line.split()[1])}")
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# -- the queue ----------------------------------------------------------------------------------


def account_of(n: int, workload: Workload) -> str:
    """Post n's account: each account's posts one after another in the queue (the hard case: a claim
    of consecutive posts holds several of one account), or with `interleaved` n mod accounts."""
    if workload.interleaved:
        return account_name(n % workload.accounts)
    return account_name(n * workload.accounts // workload.posts)


def burst_posts(workload: Workload, at: dt.datetime) -> list[NewPost]:
    """Every text (up to 480 characters) is its own."""
    texts = sample_texts()
    return [
        NewPost(
            item_id=f"burst-{n}",
            platform="mastodon",
            account=account_of(n, workload),
            publish_at=at,
            content=Content((f"{texts[n % len(texts)]} ({n})",), "de", title=f"Meldung {n}"),
            section="Vorgestellt",
            source="bench",
        )
        for n in range(workload.posts)
    ]


def queue(store: Store, workload: Workload) -> None:
    """Queue the workload for tomorrow: nothing is due while the daemon starts."""
    now = utcnow()
    fill(store, burst_posts(workload, now + dt.timedelta(days=1)), now=now)


def to_slot(store: Store, at: dt.datetime) -> None:
    """Move every scheduled post to `at`, one instant; the daemons' watch notices (PostgreSQL: NOTIFY)."""
    with store.engine.begin() as connection:
        connection.execute(update(posts).where(posts.c.state == State.SCHEDULED).values(publish_at=at, due_at=at))
        if store.dialect == "postgresql":
            connection.execute(text("NOTIFY scheduler_queue"))


def wait_settled(result: Result, store: Store, slot: dt.datetime, limit: float) -> None:
    """Wait until no post is scheduled or publishing, at most `limit` seconds after the slot; then
    note the seconds since the slot, whether the limit ran out first, and the posts published by then."""
    deadline = slot.timestamp() + limit
    while True:
        now = time.time()
        counts = store.counts()
        if now >= slot.timestamp() and counts[State.SCHEDULED] + counts[State.PUBLISHING] == 0:
            result.stopped = False
            break
        if now >= deadline:
            result.stopped = True
            break
        time.sleep(POLL)
    result.seconds = now - slot.timestamp()
    result.published = counts[State.PUBLISHED]


def retry_counts(store: Store) -> tuple[int, int, int]:
    """How often a post was reconciled with the platform after an unclear answer, given back to
    scheduled to be retried after an error, and held back by the account's pacing (rate limits)."""
    with store.engine.connect() as connection:
        reconciled = connection.execute(
            select(func.count()).select_from(transitions).where(transitions.c.reason.like("reconciled after%"))
        ).scalar_one()
        rescheduled = connection.execute(
            select(func.count()).select_from(transitions).where(transitions.c.reason.like("attempt % failed%"))
        ).scalar_one()
        held = connection.execute(
            select(func.count()).select_from(transitions).where(transitions.c.reason.like("held back%"))
        ).scalar_one()
    return reconciled, rescheduled, held


def analyse(result: Result, store: Store, stats: dict[str, Any], slot: dt.datetime) -> Result:
    """Fill `result` in from the queue and what the server saw; a post whose status was created
    after the run's end (a run stopped at its limit finishes the requests in flight) counts as not out."""
    queued: list[QueuedPost] = store.list_posts()
    counts = store.counts()
    end = slot.timestamp() + result.seconds
    result.states = {str(state): n for state, n in counts.items() if n and state != State.PUBLISHED}
    result.reconciled, result.rescheduled, result.held = retry_counts(store)
    first: dict[str, float] = {}  # a post's first part's key -> arrival of the request that created it
    copies: Counter[tuple[int, str]] = Counter()
    for account, key, arrival, status_text in stats["statuses"]:
        copies[(account, status_text)] += 1
        if key is not None and arrival <= end and (key not in first or arrival < first[key]):
            first[key] = arrival
    result.duplicates = sum(n - 1 for n in copies.values() if n > 1)
    result.lateness = []
    order: dict[str, list[tuple[dt.datetime, int, float]]] = {}
    for post in queued:
        arrival = first.get(f"{post.idempotency_key}:0")
        if arrival is None:
            continue
        result.lateness.append(arrival - post.publish_at.timestamp())
        order.setdefault(post.account, []).append((post.publish_at, post.id, arrival))
    result.out_of_order = sum(
        1 for sent in order.values() if [a for *_, a in sorted(sent)] != sorted(a for *_, a in sent)
    )
    result.creates = len(stats["creates"])
    result.replays = sum(1 for *_, outcome in stats["creates"] if outcome == "replayed")
    in_flight = list(stats["max_in_flight"].values())
    result.max_account_in_flight = max(in_flight, default=0)
    result.accounts_overlapping = sum(1 for n in in_flight if n > 1)
    result.max_in_flight = stats["max_in_flight_total"]
    result.injected = stats["injected"]
    return result


# -- running the daemon -------------------------------------------------------------------------


def run_in_process(
    api: Api, workload: Workload, *, concurrency: int, batch: int, policy: RetryPolicy, limit: float
) -> Result:
    """One daemon in this process on a SQLite file, as `scheduler run` would run."""
    api.reset(workload)
    result = Result(workload.posts)
    with tempfile.TemporaryDirectory(prefix="scheduler_bench_burst_") as folder:
        store = Store.open(f"sqlite:///{folder}/queue.sqlite3")
        queue(store, workload)
        daemon = publishing_daemon(
            store,
            api.base,
            accounts=workload.accounts,
            concurrency=concurrency,
            batch=batch,
            policy=policy,
            worker="bench-burst",
            folder=Path(folder),
        )
        skips = CountSkips()
        logging.getLogger("apscheduler").addHandler(skips)
        thread = threading.Thread(target=daemon.run_forever, kwargs={"install_signals": False}, name="daemon")
        thread.start()
        time.sleep(0.5)  # the daemon is up and armed for tomorrow
        cpu, watching = cpu_seconds(), time.thread_time()
        slot = utcnow() + dt.timedelta(seconds=LEAD)
        to_slot(store, slot)
        wait_settled(result, store, slot, limit)
        result.cpu = cpu_seconds() - cpu - (time.thread_time() - watching)  # the daemon's, not this thread's polling
        daemon.stop()
        thread.join(timeout=120)
        logging.getLogger("apscheduler").removeHandler(skips)
        result.skipped = skips.skipped["dispatch"]
        if thread.is_alive():
            print("  warning: the daemon did not stop within 120 s")
        analyse(result, store, api.stats(), slot)
        store.close()
    return result


def run_workers(
    api: Api,
    workload: Workload,
    *,
    workers: int,
    concurrency: int,
    batch: int,
    policy: RetryPolicy,
    limit: float,
) -> Result:
    """`workers` daemon processes (burst_worker.py) sharing a fresh PostgreSQL database."""
    api.reset(workload)
    result = Result(workload.posts)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEDULER_")}
    with bench_database() as url, tempfile.TemporaryDirectory(prefix="scheduler_bench_burst_c_") as folder:
        store = Store.open(url)
        queue(store, workload)
        command = [
            sys.executable,
            str(HERE / "burst_worker.py"),
            url,
            api.base,
            f"--accounts={workload.accounts}",
            f"--concurrency={concurrency}",
            f"--batch={batch}",
            f"--retry-base={policy.base}",
            f"--retry-cap={policy.cap}",
        ]
        processes = [
            subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
                cwd=folder,
                preexec_fn=die_with_parent,
            )
            for _ in range(workers)
        ]
        try:
            for process in processes:
                line = process.stdout.readline() if process.stdout else ""
                if line.strip() != "ready":
                    raise RuntimeError(
                        f"worker did not start: {line!r} {process.stderr.read() if process.stderr else ''}"
                    )
            time.sleep(0.5)  # every daemon is up and armed for tomorrow
            slot = utcnow() + dt.timedelta(seconds=LEAD)
            to_slot(store, slot)
            wait_settled(result, store, slot, limit)
            for process in processes:  # all at once: a worker still running would publish on
                process.stdin.write("stop\n")  # type: ignore[union-attr]  # reason: started with stdin=PIPE
                process.stdin.flush()  # type: ignore[union-attr]  # reason: started with stdin=PIPE
            said = []
            for process in processes:
                out, err = process.communicate(timeout=180)
                if process.returncode != 0:
                    raise RuntimeError(f"worker failed ({process.returncode}): {err.strip()[-800:]}")
                said.append(json.loads(out.strip().splitlines()[-1]))
        finally:
            for process in processes:
                if process.poll() is None:
                    process.kill()
                    process.wait()
        result.cpu = sum(s["cpu"] for s in said)
        result.shares = sorted((s["published"] for s in said), reverse=True)
        result.skipped = sum(s["skipped"] for s in said)
        analyse(result, store, api.stats(), slot)
        store.close()
    return result


# -- reporting ----------------------------------------------------------------------------------

HEADER = (
    f"  {'run':<32} {'out':>9} {'seconds':>8} {'posts/s':>8} {'p50 late':>9} {'p99 late':>9} {'max late':>9} "
    f"{'dup':>4} {'replays':>7} {'acct max':>8} {'in flight':>9} {'CPU/post':>9}"
)


def row(label: str, r: Result) -> str:
    out = f"{r.published}/{r.posts}"
    return (
        f"  {label:<32} {out:>9} {r.seconds:>7.1f}{'*' if r.stopped else ' '} {r.rate:>8.1f} {r.shown(0.5):>9} "
        f"{r.shown(0.99):>9} {r.shown(1.0):>9} {r.duplicates:>4} {r.replays:>7} {r.max_account_in_flight:>8} "
        f"{r.max_in_flight:>9} {1000 * r.cpu / max(r.published, 1):>7.1f}ms"
    )


def details(label: str, r: Result, workload: Workload) -> str:
    notes = [f"{r.creates} creates"]
    if r.injected:
        notes.append("faults injected " + ", ".join(f"{k} {v}" for k, v in sorted(r.injected.items())))
    notes.append(f"reconciled {r.reconciled}, retried after backoff {r.rescheduled}, held back by pacing {r.held}")
    if r.states:
        notes.append("not published: " + ", ".join(f"{state} {n}" for state, n in sorted(r.states.items())))
    if r.accounts_overlapping:
        notes.append(f"ACCOUNTS WITH TWO REQUESTS IN FLIGHT: {r.accounts_overlapping}")
    if r.out_of_order:
        notes.append(f"accounts whose posts went out of queue order: {r.out_of_order}")
    if r.skipped:
        notes.append(f"APScheduler skipped {r.skipped} dispatch runs (a WARNING line each in the daemon's log)")
    if r.shares:
        notes.append(f"published per worker {r.shares}")
    if r.stopped and r.rate:
        notes.append(
            f"stopped at its limit; at {r.rate:.2f} posts/s the last would go out after ≈ {r.posts / r.rate:.0f} s"
        )
    if r.published:
        per_post = r.seconds / r.published
        notes.append(f"{1000 * per_post:.0f} ms per post (the server takes {workload.latency_ms:.0f} ms a request)")
    return f"    {label}: " + "; ".join(notes)


def report(workload: Workload, runs: list[tuple[str, Result]]) -> None:
    print(HEADER)
    for label, r in runs:
        print(row(label, r))
    print("  (* stopped at its time limit; CPU/post: the daemon processes' user + system time per published post)")
    for label, r in runs:
        print(details(label, r, workload))


def targets(r: Result, p99: float, *, in_flight: bool) -> str:
    late = r.late(0.99)
    checks = [verdict(late is not None and late < p99 and r.published == r.posts, f"p99 < {p99:.0f} s, all out")]
    checks.append(verdict(r.duplicates == 0, "0 duplicates"))
    if in_flight:
        checks.append(verdict(r.max_account_in_flight <= 1, "one request in flight per account"))
    return "; ".join(checks)


# -- the parts ----------------------------------------------------------------------------------


def in_process_runs(
    api: Api, workload: Workload, values: list[int], batch: int, policy: RetryPolicy, limits: Limits
) -> list[tuple[str, Result]]:
    """The baseline (concurrency 1), then each of `values`, one daemon in this process each."""
    return [
        (
            f"baseline: concurrency {n}" if n == 1 else f"concurrency {n}",
            run_in_process(
                api,
                workload,
                concurrency=n,
                batch=batch,
                policy=policy,
                limit=limits.baseline if n == 1 else limits.run,
            ),
        )
        for n in [1, *values]
    ]


def part_a(api: Api, workload: Workload, values: list[int], batch: int, policy: RetryPolicy, limits: Limits) -> None:
    print(f"(a) burst: {workload}, SQLite, one daemon (run_forever), batch {batch}")
    runs = in_process_runs(api, workload, values, batch, policy, limits)
    report(workload, runs)
    for label, r in runs:
        print(f"  {label}: {targets(r, 3.0, in_flight=True)}")


def part_b(api: Api, workload: Workload, values: list[int], batch: int, policy: RetryPolicy, limits: Limits) -> None:
    print(
        f"(b) faults: {workload} (503, dropped, dropped after storing, in turn), SQLite, one daemon, batch {batch}, "
        f"RetryPolicy(max_attempts={policy.max_attempts}, base={policy.base} s, cap={policy.cap} s)"
    )
    runs = in_process_runs(api, workload, values, batch, policy, limits)
    report(workload, runs)
    for label, r in runs:
        print(f"  {label}: {targets(r, 10.0, in_flight=True)}")
    for n in values:
        print(
            f"  concurrency {n}: at best {workload.posts} × {workload.latency_ms / 1000:.1f} s / {n} = "
            f"{workload.posts * workload.latency_ms / 1000 / n:.1f} s until the last post is out (retries add to it)"
        )


def worker_label(workers: int, concurrency: int) -> str:
    baseline = "baseline: " if concurrency == 1 else ""
    return f"{baseline}{workers} worker{'s' if workers > 1 else ''}, conc. {concurrency}"


def part_c(api: Api, workload: Workload, values: list[int], batch: int, policy: RetryPolicy, limits: Limits) -> None:
    print(f"(c) PostgreSQL: {workload}, 1, 2 and 4 worker processes (burst_worker.py, run_forever), batch {batch}")
    why = postgres_reachable()
    if why is not None:
        print(f"  skipped: PostgreSQL at 127.0.0.1:5432 unreachable ({why})")
        return
    results: dict[tuple[int, int], Result] = {}
    for n in [1, *values]:
        for workers in (1, 2, 4):
            limit = limits.baseline if n == 1 else limits.run
            results[(n, workers)] = run_workers(
                api, workload, workers=workers, concurrency=n, batch=batch, policy=policy, limit=limit
            )
    runs = [(worker_label(workers, n), r) for (n, workers), r in results.items()]
    report(workload, runs)
    for label, r in runs:
        out = "all out" if r.published == r.posts else f"{r.posts - r.published} not out"
        print(f"  {label}: {verdict(r.duplicates == 0, '0 duplicates')}; {out}")
    for n in [1, *values]:
        one = results[(n, 1)].rate
        figures = ", ".join(
            f"{workers} workers {results[(n, workers)].rate / one if one else 0:.2f}x" for workers in (2, 4)
        )
        print(f"  scaling at concurrency {n} (posts/s against 1 worker): {figures}")


def part_d() -> None:
    print("(d) the existing figures of bench_queue.py within 10 % of today's: this tree's script, old and new package")
    print(
        "  before: mkdir /tmp/scheduler-before && git archive <commit before the change> | tar -x -C /tmp/scheduler-before\n"
        "          PYTHONPATH=/tmp/scheduler-before .venv/bin/python benchmarks/bench_queue.py "
        "--part a --part b --part c --part d\n"
        "  after:  .venv/bin/python benchmarks/bench_queue.py --part a --part b --part c --part d\n"
        "  (PYTHONPATH puts the old package before the installed one, for the worker processes and the\n"
        "  `scheduler` command of its part (d) too; the same script keeps the workloads the same. --quick on both\n"
        "  for a check in about a minute. Its (a) drives Dispatcher.dispatch_due itself, no daemon; (b) and (c)\n"
        "  build Daemon(...) without concurrency=, so they measure the Daemon's default for it)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", action="append", choices=list("abcd"), help="Run only this part (repeatable).")
    parser.add_argument("--quick", action="store_true", help="Smaller counts (a: 40/10, b and c: 200/50).")
    parser.add_argument(
        "--concurrency",
        type=int,
        action="append",
        help=f"Concurrency measured beside the baseline 1 (repeatable); default {DEFAULT_CONCURRENCY} "
        "(SCHEDULER_CONCURRENCY's default) and, without --quick, 128",
    )
    parser.add_argument("--baseline-only", action="store_true", help="Measure concurrency 1 alone.")
    parser.add_argument("--batch", type=int, default=DEFAULT_BATCH, help=f"Daemon batch; default {DEFAULT_BATCH}")
    parser.add_argument("--baseline-seconds", type=float, help="Stop a baseline run after this; default 90 (quick 20)")
    parser.add_argument("--max-seconds", type=float, default=300.0, help="Stop any other run after this; default 300")
    parser.add_argument("--retry-base", type=float, default=0.5, help="RetryPolicy base in seconds; default 0.5")
    parser.add_argument("--retry-cap", type=float, default=5.0, help="RetryPolicy cap in seconds; default 5")
    parser.add_argument("--burst-posts", type=int, help="(a) posts; default 200 (quick 40)")
    parser.add_argument("--burst-accounts", type=int, help="(a) accounts; default 50 (quick 10)")
    parser.add_argument("--burst-latency-ms", type=float, default=200.0, help="(a) latency; default 200")
    parser.add_argument("--fault-posts", type=int, help="(b, c) posts; default 2000 (quick 200)")
    parser.add_argument("--fault-accounts", type=int, help="(b, c) accounts; default 500 (quick 50)")
    parser.add_argument("--fault-latency-ms", type=float, default=500.0, help="(b, c) latency; default 500")
    parser.add_argument("--fault-rate", type=float, default=0.05, help="(b, c) share of creates failing; default 0.05")
    parser.add_argument("--seed", type=int, default=1, help="(b, c) where the spread faults start; default 1")
    parser.add_argument(
        "--interleaved",
        action="store_true",
        help="Queue post n for account n mod accounts (default: each account's posts one after another)",
    )
    args = parser.parse_args()
    parts = args.part or list("abcd")
    quick = args.quick
    if args.baseline_only:
        values: list[int] = []
    elif args.concurrency:
        values = sorted(set(args.concurrency) - {1})
    else:
        values = [DEFAULT_CONCURRENCY] if quick else sorted({DEFAULT_CONCURRENCY, 128})
    limits = Limits(args.baseline_seconds or (20.0 if quick else 90.0), args.max_seconds)
    policy = RetryPolicy(max_attempts=DEFAULT_ATTEMPTS, base=args.retry_base, cap=args.retry_cap)
    logging.basicConfig(level=logging.WARNING, format="  log: %(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler").propagate = False  # its skipped runs are counted (see Result.skipped)
    print(
        f"bench_burst: parts {', '.join(parts)}{' (quick)' if quick else ''}; concurrency 1 (baseline)"
        f"{''.join(f', {n}' for n in values)}; {os.cpu_count()} CPUs, Python {sys.version.split()[0]}"
    )
    burst = Workload(
        args.burst_posts or (40 if quick else 200),
        args.burst_accounts or (10 if quick else 50),
        args.burst_latency_ms,
        interleaved=args.interleaved,
    )
    faults = Workload(
        args.fault_posts or (200 if quick else 2000),
        args.fault_accounts or (50 if quick else 500),
        args.fault_latency_ms,
        args.fault_rate,
        args.seed,
        interleaved=args.interleaved,
    )
    with burst_api() as api:
        if "a" in parts:
            part_a(api, burst, values, args.batch, policy, limits)
        if "b" in parts:
            part_b(api, faults, values, args.batch, policy, limits)
        if "c" in parts:
            part_c(api, faults, values, args.batch, policy, limits)
    if "d" in parts:
        part_d()


if __name__ == "__main__":
    main()
