"""Speed of the queue and the daemon, with baselines measured in the same run.

    python benchmarks/bench_queue.py [--part a] [--part b] … [--quick] [--profile]

A full run takes about 10 minutes (the first one also fills /tmp/scheduler_bench_1000000.sqlite3,
about 1 GB in under a minute, which later runs reuse); --quick about one. --profile adds a
cProfile of the dispatcher to part (a).

The fake API (benchmarks/fake_api.py) runs as a process of its own on 127.0.0.1; posts reach it
through benchmarks/http_publisher.py. Targets (queue issue):

(a) dispatch: 10,000 due posts from a SQLite file (every state change recorded) to the fake API
    at >= 0.5 x the rate of a bare requests.Session loop posting the same bodies.
(b) lateness: 1,000 posts due evenly over 60 s, the real daemon loop (run_forever):
    p99 of (arrival at the server - publish_at) <= 250 ms, and no post early.
(c) PostgreSQL: 4 worker processes (Daemon.run_once) >= 3 x the throughput of 1, against an API
    with 50 ms latency; 0 duplicates (idempotency keys counted at the server).
(d) scale: 1,000,000 queued posts in SQLite: `scheduler queue list --state scheduled --limit 50`
    < 200 ms (CLI wall time and in-process); `scheduler run --dry-run` resident memory < 200 MB.

Without a target, for information:

(e) faults: posts through the package's MastodonPublisher to the tests' fake Mastodon (in this
    process, tests/fakes) with latency, jitter and a share of failing creates (5xx before or after
    the status is stored, 429 with Mastodon's headers, connections dropped before or after storing):
    every post published, none twice, and what the faults cost against the same run without them.

--dispatch-latency-ms gives part (a)'s fake API a latency (default none, as the target is stated).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import json
import logging
import os
import pstats
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import requests
from http_publisher import HttpPublisher

from scheduler.daemon import Daemon
from scheduler.models import Content, QueuedPost, State
from scheduler.newsletter import load_issue
from scheduler.platforms.base import Outcome, PublishResult, Reconciliation
from scheduler.platforms.mastodon import build_payloads
from scheduler.publishing import Dispatcher
from scheduler.storage import NewPost, Store

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
EXAMPLE = ROOT / "posts" / "2024-12-13-vernetzungsstelle.txt"
PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=test connect_timeout=3"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def die_with_parent() -> None:
    """In a child before exec: get SIGTERM when this benchmark dies, so nothing outlives it (Linux)."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def verdict(ok: bool, target: str) -> str:
    return f"{'ok' if ok else 'UNDER TARGET'} (target {target})"


# -- shared helpers ------------------------------------------------------------------------------


@contextlib.contextmanager
def fake_api(latency_ms: float = 0.0, max_seconds: float = 900.0) -> Iterator[str]:
    """Start benchmarks/fake_api.py in a process of its own; yield its base URL."""
    process = subprocess.Popen(
        [
            sys.executable,
            str(HERE / "fake_api.py"),
            "--port",
            "0",
            "--latency-ms",
            str(latency_ms),
            "--max-seconds",
            str(max_seconds),
        ],
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=die_with_parent,
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        if not line.startswith("port "):
            raise RuntimeError(f"fake API did not start (said {line!r})")
        yield f"http://127.0.0.1:{int(line.split()[1])}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def arrivals(base: str) -> list[tuple[float, str | None]]:
    """(arrival time, idempotency key) of every status request the fake API received."""
    return [tuple(r) for r in requests.get(f"{base}/stats", timeout=30).json()["requests"]]  # type: ignore[misc]  # reason: benchmark code, checked by running it


def reset(base: str) -> None:
    requests.post(f"{base}/reset", timeout=10).raise_for_status()


def duplicates(received: list[tuple[float, str | None]]) -> int:
    return sum(n - 1 for n in Counter(key for _, key in received).values() if n > 1)


def sample_texts() -> list[str]:
    """Realistic Mastodon-sized texts (up to 480 characters) from the example issue."""
    issue = load_issue(EXAMPLE)
    return [f"{item.title}\n\n{item.body}"[:470] for item in issue.items]


def new_posts(count: int, times: Callable[[int], dt.datetime], *, tag: str, accounts: int = 1) -> list[NewPost]:
    """`count` posts; with several `accounts`, spread over them in turn (one worker serves an account
    at a time, so posts of one account cannot be shared out between workers)."""
    texts = sample_texts()
    return [
        NewPost(
            item_id=f"{tag}-{n}",
            platform="mastodon",
            account="default" if accounts == 1 else f"team{n % accounts}",
            publish_at=times(n),
            content=Content((f"{texts[n % len(texts)]} ({n})",), "de", title=f"Meldung {n}"),
            section="Vorgestellt",
            source="bench",
        )
        for n in range(count)
    ]


def fill(store: Store, posts: list[NewPost], *, now: dt.datetime, chunk: int = 2000) -> float:
    start = time.perf_counter()
    for begin in range(0, len(posts), chunk):
        store.add(posts[begin : begin + chunk], state=State.SCHEDULED, now=now, reason="bench")
    return time.perf_counter() - start


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def transitions_count(store: Store) -> int:
    from sqlalchemy import func, select

    from scheduler.storage.schema import transitions

    with store.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(transitions)).scalar_one()


def profile_report(profiler: cProfile.Profile, total: float, wanted: list[tuple[str, str]]) -> None:
    """Cumulative time of chosen functions (file part, function name) as a share of the wall time."""
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]  # reason: patching or reading a library's internals in a test
    for path_part, name in wanted:
        cumulative = sum(
            value[3]
            for (filename, _line, function), value in stats.items()
            if function == name and path_part in filename
        )
        if cumulative:
            label = name if path_part == "~" else f"{path_part} {name}"
            print(f"    {label:<62} {cumulative:7.2f} s  {100 * cumulative / total:5.1f} %")


# -- (a) dispatch throughput ---------------------------------------------------------------------


def bare_loop(base: str, bodies: list[tuple[dict, str]]) -> float:
    """Posts per second of a plain requests.Session loop over the same bodies and keys."""
    session = requests.Session()
    start = time.perf_counter()
    for body, key in bodies:
        response = session.post(f"{base}/api/v1/statuses", json=body, headers={"Idempotency-Key": key}, timeout=10)
        response.raise_for_status()
        response.json()["id"]
    elapsed = time.perf_counter() - start
    session.close()
    return len(bodies) / elapsed


class NullPublisher:
    """Sends nothing: what the dispatcher costs without the network."""

    def __repr__(self) -> str:
        return "NullPublisher()"

    def publish(self, post: QueuedPost) -> PublishResult:
        return PublishResult(remote_id=str(post.id), remote_url=None)

    def reconcile(self, post: QueuedPost) -> Reconciliation:
        return Reconciliation(Outcome.NOT_PUBLISHED)


def mastodon_client(base: str) -> object | None:
    """scheduler.platforms.mastodon.MastodonPublisher on the fake API, if this version has it."""
    try:
        from pydantic import SecretStr

        from scheduler.platforms.mastodon import MastodonPublisher
    except ImportError:
        return None
    return MastodonPublisher(base, SecretStr("bench-token"))


def drain(dispatcher: Dispatcher) -> int:
    done = 0
    while batch := dispatcher.dispatch_due(now=utcnow, limit=50):
        done += len(batch)
    return done


def part_a(count: int, profile: bool, latency_ms: float = 0.0) -> None:
    print(
        f"(a) dispatch throughput: {count} due posts, SQLite file -> fake API (separate process, "
        + (f"latency {latency_ms:.0f} ms)" if latency_ms else "no latency)")
    )
    with tempfile.TemporaryDirectory(prefix="scheduler_bench_a_") as folder, fake_api(latency_ms) as base:
        store = Store.open(f"sqlite:///{folder}/queue.sqlite3")
        now = utcnow()
        filled = fill(store, new_posts(count, lambda n: now - dt.timedelta(minutes=5), tag="a"), now=now)
        print(f"  filled {count} posts with Store.add in {filled:.1f} s (not part of the target)")
        queued = store.list_posts(states=[State.SCHEDULED])
        bodies = [(build_payloads(p.content, now=now)[0], p.idempotency_key or f"post-{p.id}") for p in queued]

        bare_loop(base, bodies[:300])  # warm-up: connections, server threads, code paths
        reset(base)
        bare_before = bare_loop(base, bodies)
        reset(base)

        dispatcher = Dispatcher(store, HttpPublisher(base), worker="bench-a")
        start = time.perf_counter()
        published = drain(dispatcher)
        elapsed = time.perf_counter() - start
        received = arrivals(base)
        reset(base)
        bare_after = bare_loop(base, bodies)

        counts = store.counts()
        recorded = transitions_count(store)
        rate = published / elapsed
        bare = (bare_before + bare_after) / 2
        print(
            f"  baseline: bare requests.Session loop, same bodies   {bare_before:8.0f} posts/s before, "
            f"{bare_after:.0f} after (mean {bare:.0f})"
        )
        print(
            f"  Dispatcher.dispatch_due loop (SQLite, HttpPublisher) {rate:8.0f} posts/s  "
            f"({published} published in {elapsed:.2f} s)"
        )
        ratio = rate / bare
        print(f"  ratio {ratio:.2f}  {verdict(ratio >= 0.5, '>= 0.5')}")
        print(
            f"  checks: published {counts[State.PUBLISHED]}/{count}, requests {len(received)}, "
            f"duplicates {duplicates(received)}, transitions recorded {recorded} (3 per post expected)"
        )
        store.close()

        client = mastodon_client(base)
        if client is not None:
            store = Store.open(f"sqlite:///{folder}/queue-client.sqlite3")
            fill(store, new_posts(count, lambda n: now - dt.timedelta(minutes=5), tag="ac"), now=now)
            reset(base)
            start = time.perf_counter()
            sent = drain(Dispatcher(store, client, worker="bench-ac"))
            client_rate = sent / (time.perf_counter() - start)
            store.close()
            print(
                f"  the same with scheduler.platforms.mastodon.MastodonPublisher {client_rate:6.0f} posts/s  "
                f"ratio {client_rate / bare:.2f} (for information: the package's client; {len(arrivals(base))} requests)"
            )

        store = Store.open(f"sqlite:///{folder}/queue-null.sqlite3")
        fill(store, new_posts(count, lambda n: now - dt.timedelta(minutes=5), tag="a0"), now=now)
        start = time.perf_counter()
        drain(Dispatcher(store, NullPublisher(), worker="bench-a0"))
        queue_only = (time.perf_counter() - start) / count
        store.close()
        print(
            f"  per post: dispatcher {1000 / rate:.2f} ms = bare HTTP {1000 / bare:.2f} ms + "
            f"{1000 / rate - 1000 / bare:.2f} ms; the same dispatch with a publisher that sends nothing "
            f"(claim, build nothing, record published) takes {queue_only * 1000:.2f} ms per post"
        )
        if ratio < 0.5:
            print(
                f"  to reach 0.5 the queue's share must fit in the bare request's time: "
                f"{queue_only * 1000:.2f} ms now, {1000 / bare:.2f} ms allowed"
            )

        if profile:
            profile_a(base, min(count, 3000))


def profile_a(base: str, count: int) -> None:
    """Where the dispatcher's time goes (cProfile adds overhead; shares, not rates, matter)."""
    with tempfile.TemporaryDirectory(prefix="scheduler_bench_ap_") as folder:
        store = Store.open(f"sqlite:///{folder}/queue.sqlite3")
        now = utcnow()
        fill(store, new_posts(count, lambda n: now - dt.timedelta(minutes=5), tag="ap"), now=now)
        dispatcher = Dispatcher(store, HttpPublisher(base), worker="bench-ap")
        profiler = cProfile.Profile()
        start = time.perf_counter()
        profiler.enable()
        drain(dispatcher)
        profiler.disable()
        total = time.perf_counter() - start
        store.close()
    print(f"  profile of dispatching {count} posts under cProfile ({total:.2f} s): cumulative share of wall time")
    profile_report(
        profiler,
        total,
        [
            ("publishing.py", "dispatch_due"),
            ("publishing.py", "publish"),
            ("http_publisher.py", "publish"),
            ("requests/sessions.py", "request"),
            ("mastodon.py", "build_payloads"),
            ("publishing.py", "_finish"),
            ("storage/transitions.py", "transition"),
            ("storage/transitions.py", "_change"),
            ("storage/claims.py", "claim_due"),
            ("storage/base.py", "post_of"),
            ("sqlalchemy/sql/base.py", "_generative"),
            ("sqlalchemy/sql/_selectable_constructors.py", "select"),
            ("sqlalchemy/sql/operators.py", "__eq__"),
            ("sqlalchemy/engine/base.py", "execute"),
            ("sqlalchemy/sql/cache_key.py", "_generate_cache_key"),
            ("sqlalchemy/sql/elements.py", "_compile_w_cache"),
            ("sqlalchemy/engine/base.py", "_exec_single_context"),
            ("sqlalchemy/engine/default.py", "_setup_result_proxy"),
            ("sqlalchemy/engine/base.py", "begin"),
            ("sqlalchemy/engine/base.py", "commit"),
            ("~", "<method 'execute' of 'sqlite3.Cursor' objects>"),
            ("~", "<method 'commit' of 'sqlite3.Connection' objects>"),
        ],
    )
    stats = pstats.Stats(profiler)
    print("  top 15 functions by own time:")
    for (filename, line, name), (_cc, calls, own, _cumulative, _callers) in sorted(
        stats.stats.items(),
        key=lambda item: item[1][2],
        reverse=True,  # type: ignore[attr-defined]  # reason: patching or reading a library's internals in a test
    )[:15]:
        where = "/".join(Path(filename).parts[-2:]) if filename != "~" else ""
        print(f"    {own:6.2f} s  {100 * own / total:5.1f} %  {calls:>8}  {where}:{line} {name}")


# -- (b) lateness --------------------------------------------------------------------------------


class CountSkips(logging.Handler):
    """Counts APScheduler's 'skipped: maximum number of running instances' warnings per job. A
    skipped run of a `date` job is not retried: APScheduler removes the job all the same."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.skipped: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if "maximum number of running instances" in message:
            job = next(
                (name for name in ("dispatch", "watch", "heartbeat", "orphans") if f"_{name}_job" in message), "other"
            )
            self.skipped[job] += 1


def part_b(count: int, span: float, latency_ms: float) -> None:
    print(
        f"(b) lateness: {count} posts due evenly over {span:.0f} s, Daemon.run_forever in a thread, "
        f"fake API latency {latency_ms:.0f} ms"
    )
    skips = CountSkips()
    logging.getLogger("apscheduler").addHandler(skips)
    with tempfile.TemporaryDirectory(prefix="scheduler_bench_b_") as folder, fake_api(latency_ms) as base:
        store = Store.open(f"sqlite:///{folder}/queue.sqlite3")
        lead = 4.0  # seconds before the first post: filling and starting the daemon happen in it
        first = utcnow() + dt.timedelta(seconds=lead)
        step = span / count
        filled = fill(store, new_posts(count, lambda n: first + dt.timedelta(seconds=n * step), tag="b"), now=utcnow())
        if filled > lead - 1:
            print(f"  warning: filling took {filled:.1f} s of the {lead:.0f} s lead; the first posts start late")
        daemon = Daemon(store, Dispatcher(store, HttpPublisher(base), worker="bench-b"))
        thread = threading.Thread(target=daemon.run_forever, kwargs={"install_signals": False}, name="daemon")
        thread.start()
        deadline = time.time() + lead + span + 30
        received: list[tuple[float, str | None]] = []
        while time.time() < deadline:
            time.sleep(0.5)
            received = arrivals(base)
            if len({key for _, key in received}) >= count:
                break
        daemon.stop()
        thread.join(timeout=30)
        received = arrivals(base)
        due = {p.idempotency_key: p.publish_at.timestamp() for p in store.list_posts()}
        counts = store.counts()
        store.close()
    logging.getLogger("apscheduler").removeHandler(skips)

    seen: dict[str, float] = {}
    for arrival, key in received:
        if key is not None and key not in seen:
            seen[key] = arrival
    lateness = [(seen[key] - at) * 1000 for key, at in due.items() if key in seen]
    early = [value for value in lateness if value < 0]
    missing = len(due) - len(lateness)
    if not lateness:
        print("  nothing arrived at the server: UNDER TARGET")
        return
    p99 = quantile(lateness, 0.99)
    print(
        f"  arrived {len(lateness)}/{count} (missing {missing}), duplicates {duplicates(received)}, "
        f"daemon stopped cleanly: {not thread.is_alive()}, states { {k: v for k, v in counts.items() if v} }"
    )
    print(
        f"  lateness (arrival - publish_at): min {min(lateness):.1f} ms, p50 {statistics.median(lateness):.1f} ms, "
        f"p90 {quantile(lateness, 0.9):.1f} ms, p99 {p99:.1f} ms, max {max(lateness):.1f} ms"
    )
    over = sorted(value for value in lateness if value > 250)
    print(
        f"  posts later than 250 ms: {len(over)}"
        + (f" ({', '.join(f'{v:.0f}' for v in over[:10])}{' …' if len(over) > 10 else ''} ms)" if over else "")
    )
    print(
        f"  APScheduler runs skipped at max_instances: dispatch job {skips.skipped['dispatch']}, "
        f"watch job {skips.skipped['watch']}, others {sum(skips.skipped.values()) - skips.skipped['dispatch'] - skips.skipped['watch']}"
    )
    print(f"  p99 {verdict(p99 <= 250 and not missing, '<= 250 ms, none missing')}")
    print(
        f"  early posts (negative lateness): {len(early)}  "
        f"{verdict(not early, '0')}" + (f" earliest {min(early):.1f} ms" if early else "")
    )


# -- (c) PostgreSQL workers ----------------------------------------------------------------------


def postgres_reachable() -> str | None:
    """None when PostgreSQL answers, else why not."""
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True):
            return None
    except Exception as error:  # noqa: BLE001  # reason: any failure means: skip, saying why
        return (str(error).strip().splitlines() or [type(error).__name__])[0]


@contextlib.contextmanager
def bench_database() -> Iterator[str]:
    import psycopg

    name = f"scheduler_bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_URL.format(name=name)
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_workers(base: str, count: int, workers: int, batch: int) -> dict[str, float]:
    with bench_database() as url:
        store = Store.open(url)
        now = utcnow()
        fill(
            store, new_posts(count, lambda n: now - dt.timedelta(minutes=1), tag="c", accounts=PART_C_ACCOUNTS), now=now
        )
        store.close()
        reset(base)
        env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEDULER_")}
        launched = time.time()
        processes = [
            subprocess.Popen(
                [sys.executable, str(HERE / "queue_worker.py"), url, base, "--batch", str(batch)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
                cwd=ROOT,
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
            go = time.time()
            for process in processes:
                process.stdin.write("go\n")  # type: ignore[union-attr]  # reason: the pipe exists: the process was started with stdin=PIPE
                process.stdin.flush()  # type: ignore[union-attr]  # reason: the pipe exists: the process was started with stdin=PIPE
            results = []
            for process in processes:
                out, err = process.communicate(timeout=600)
                if process.returncode != 0:
                    raise RuntimeError(f"worker failed ({process.returncode}): {err.strip()[-500:]}")
                results.append(json.loads(out.strip().splitlines()[-1]))
        finally:
            for process in processes:
                if process.poll() is None:
                    process.kill()
                    process.wait()
        exited = time.time()
        received = arrivals(base)
        store = Store.open(url)
        counts = store.counts()
        store.close()
    end = max(r["end"] for r in results)
    times = [t for t, _ in received]
    return {
        "published": counts[State.PUBLISHED],
        "requests": len(received),
        "duplicates": duplicates(received),
        "rate": count / (end - go),
        "seconds": end - go,
        "launch_rate": count / (exited - launched),
        "launch_seconds": exited - launched,
        "server_rate": (len(times) - 1) / (max(times) - min(times)),
        "shares": sorted((r["published"] for r in results), reverse=True),
    }


def makespan(count: int, batch: int, workers: int) -> int:
    """Posts sent by the busiest worker when claims of `batch` go to whichever worker is free first."""
    loads = [0] * workers
    for begin in range(0, count, batch):
        loads[loads.index(min(loads))] += min(batch, count - begin)
    return max(loads)


#: Part (c)'s posts are spread over this many accounts.
PART_C_ACCOUNTS = 40


def part_c(count: int, batches: list[int]) -> None:
    print(
        f"(c) PostgreSQL workers: {count} posts of {PART_C_ACCOUNTS} accounts, fake API latency 50 ms, "
        "1 vs 4 worker processes (Daemon.run_once)"
    )
    why = postgres_reachable()
    if why is not None:
        print(f"  skipped: PostgreSQL at 127.0.0.1:5432 unreachable ({why})")
        return
    with fake_api(50.0) as base:
        for batch in batches:
            label = "package default (SCHEDULER_CLAIM_BATCH)" if batch == 10 else "Daemon(batch=...) argument"
            print(f"  batch {batch} ({label}):")
            results = {}
            for workers in (1, 4):
                r = run_workers(base, count, workers, batch)
                results[workers] = r
                print(
                    f"    {workers} worker{'s' if workers > 1 else ' '}: {r['rate']:6.1f} posts/s "
                    f"({r['seconds']:.2f} s from go to last exit; per worker {r['shares']}); "
                    f"incl. process start {r['launch_rate']:.1f} posts/s ({r['launch_seconds']:.2f} s); "
                    f"server-side first->last arrival {r['server_rate']:.1f} posts/s"
                )
                print(
                    f"               published {r['published']}/{count}, requests {r['requests']}, "
                    f"duplicates {r['duplicates']}  {verdict(r['duplicates'] == 0 and r['published'] == count, '0 duplicates, all published')}"
                )
            best = count / makespan(count, batch, 4)
            print(
                f"    best ratio possible with claims of {batch}: {best:.2f}x "
                f"({-(-count // batch)} claims over 4 workers; each worker sends its claim one by one)"
            )
            ratio = results[4]["rate"] / results[1]["rate"]
            launch_ratio = results[4]["launch_rate"] / results[1]["launch_rate"]
            print(
                f"    ratio 4/1: {ratio:.2f}x  {verdict(ratio >= 3, '>= 3x')}; including process start-up {launch_ratio:.2f}x"
            )


# -- (d) scale -----------------------------------------------------------------------------------


def fill_fast(url: str, count: int) -> float:
    """Bulk insert `count` scheduled posts (and their first transition) with SQLAlchemy Core."""
    from sqlalchemy import insert

    from scheduler.storage.schema import posts, transitions

    texts = sample_texts()
    store = Store.open(url)
    base = dt.datetime(2035, 1, 5, 8, 0, tzinfo=dt.UTC)  # far in the future: nothing is due for years
    platforms = ("mastodon", "linkedin", "bluesky", "x", "threads", "facebook")
    created = utcnow()
    chunk = 20_000
    start = time.perf_counter()
    for begin in range(0, count, chunk):
        rows = []
        for n in range(begin, min(count, begin + chunk)):
            at = base + dt.timedelta(minutes=30 * (n // 6))
            rows.append(
                {
                    "id": n + 1,
                    "item_id": f"d-{n // 6}",
                    "platform": platforms[n % 6],
                    "account": "default",
                    "state": State.SCHEDULED,
                    "publish_at": at,
                    "due_at": at,
                    "parts": [f"{texts[n % len(texts)]} ({n})"],
                    "language": "de",
                    "section": "Vorgestellt",
                    "title": f"Meldung {n // 6}",
                    "source": "bench",
                    "spoiler_text": "",
                    "links": ["https://example.org/news"],
                    "images": [],
                    "attempts": 0,
                    "idempotency_key": f"sched-{uuid.uuid4().hex[:20]}",
                    "created_at": created,
                    "updated_at": created,
                }
            )
        with store.engine.begin() as connection:
            connection.execute(insert(posts), rows)
            connection.execute(
                insert(transitions),
                [
                    {
                        "post_id": row["id"],
                        "from_state": None,
                        "to_state": State.SCHEDULED,
                        "at": created,
                        "reason": "bench",
                    }
                    for row in rows
                ],
            )
        if (begin // chunk) % 10 == 9:
            print(f"    … {begin + len(rows)} posts, {time.perf_counter() - start:.0f} s", flush=True)
    store.close()
    # Fold the WAL into the file; no ANALYZE: a queue filled by `scheduler queue add` has no statistics either.
    with contextlib.closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as raw:
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return time.perf_counter() - start


def big_queue(count: int) -> Path:
    path = Path(tempfile.gettempdir()) / f"scheduler_bench_{count}.sqlite3"
    url = f"sqlite:///{path}"
    if path.exists():
        try:
            store = Store.open(url)
            scheduled, due = store.counts()[State.SCHEDULED], store.next_due()
            keyed = all(p.idempotency_key for p in store.list_posts(limit=1))  # rows as Store.add writes them now
            store.close()
            if scheduled == count and keyed and due is not None and due > utcnow() + dt.timedelta(days=1):
                print(
                    f"  reusing {path} ({scheduled} scheduled posts, {path.stat().st_size / 1e6:.0f} MB; "
                    "delete it to rebuild)"
                )
                return path
            print(f"  {path} does not hold {count} scheduled future posts as Store.add writes them; rebuilding")
        except Exception as error:  # noqa: BLE001  # reason: a broken leftover is rebuilt
            print(f"  {path} unusable ({error}); rebuilding")
        for leftover in path.parent.glob(path.name + "*"):
            leftover.unlink()
    print(f"  filling {path} with {count} posts (SQLAlchemy Core executemany, 20,000 per transaction) …", flush=True)
    seconds = fill_fast(url, count)
    print(
        f"  filled in {seconds:.1f} s ({count / seconds:.0f} posts/s, {path.stat().st_size / 1e6:.0f} MB; "
        "not part of the target)"
    )
    return path


def cli_env(path: Path, folder: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEDULER_")}
    env["SCHEDULER_DATABASE_URL"] = f"sqlite:///{path}"
    env["SCHEDULER_OUTBOX"] = str(Path(folder) / "outbox.jsonl")
    return env


def wall(command: list[str], env: dict[str, str], cwd: str, runs: int = 5) -> float:
    """Median wall time of a command in seconds (one warm-up run first)."""
    subprocess.run(command, cwd=cwd, env=env, capture_output=True, check=False)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=cwd, env=env, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def rss_kib(pid: int) -> dict[str, int]:
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
            found[name] = int(value.split()[0])
    return found


def settled_rss(process: subprocess.Popen, seconds: float) -> tuple[dict[str, int], list[int]]:
    """Read /proc/<pid>/status every 0.25 s for `seconds`; return the last reading and VmRSS at
    each whole second (KiB)."""
    series = []
    reading: dict[str, int] = {}
    start = time.monotonic()
    while time.monotonic() - start < seconds and process.poll() is None:
        time.sleep(0.25)
        with contextlib.suppress(FileNotFoundError, KeyError):
            reading = rss_kib(process.pid)
            if time.monotonic() - start >= len(series) + 1:
                series.append(reading["VmRSS"])
    return reading, series


CLI_DEPS = "import click, pydantic_settings, sqlalchemy"
CLI_FAST_DEPS = "import click, sqlite3, zoneinfo, dotenv"

#: `scheduler queue list --state scheduled --limit 50`, step by step, with a stamp after each step.
PHASES = """
import time
stamps = [("start", time.perf_counter())]
def mark(name): stamps.append((name, time.perf_counter()))
import json, click; mark("import click")
import scheduler.cli, scheduler.cli.queue; mark("import scheduler.cli and the queue commands")
from scheduler.quicksettings import listing_settings; quick = listing_settings(); mark("listing_settings() (env, .env)")
from scheduler.storage import sqlite_read; mark("import scheduler.storage.sqlite_read")
posts = sqlite_read.list_posts(sqlite_read.sqlite_file(quick.database_url), states=["scheduled"], platforms=(),
                               limit=50, start=None, end=None); mark("list_posts(limit=50), sqlite3")
rows = [scheduler.cli.local(p.publish_at, quick.timezone) for p in posts]; mark("format the rows")
print(json.dumps([(n, (b - a) * 1000) for (_, a), (n, b) in zip(stamps, stamps[1:])]))
"""


def part_d(count: int, settle: float) -> None:
    print(f"(d) scale: {count} queued posts in a SQLite file")
    path = big_queue(count)
    script = shutil.which("scheduler") or str(Path(sys.executable).with_name("scheduler"))
    python = sys.executable
    with tempfile.TemporaryDirectory(prefix="scheduler_bench_d_") as folder:
        env = cli_env(path, folder)
        listing = [script, "queue", "list", "--state", "scheduled", "--limit", "50"]
        shown = subprocess.run(listing, cwd=folder, env=env, capture_output=True, text=True, check=False)
        lines = shown.stdout.strip().splitlines()
        if shown.returncode != 0 or len(lines) != 51:
            print(
                f"  warning: queue list exited {shown.returncode} with {len(lines)} lines: {shown.stderr.strip()[:300]}"
            )
        rows = [
            ("baseline: python -c pass", [python, "-c", "pass"], None),
            ("baseline: python -c 'import sqlalchemy'", [python, "-c", "import sqlalchemy"], None),
            ("baseline: import click, pydantic_settings, sqlalchemy", [python, "-c", CLI_DEPS], None),
            ("baseline: import click, sqlite3, zoneinfo, dotenv", [python, "-c", CLI_FAST_DEPS], None),
            ("scheduler --help", [script, "--help"], None),
            ("scheduler queue list --state scheduled --limit 50", listing, 0.2),
        ]
        print("  CLI, median wall time of 5 runs (after one warm-up):")
        for label, command, target in rows:
            seconds = wall(command, env, folder)
            mark = "" if target is None else "  " + verdict(seconds < target, f"< {target * 1000:.0f} ms")
            print(f"    {label:<56} {seconds * 1000:7.1f} ms{mark}")

        print("  where `queue list` spends its time (fresh process each, median of 5 runs, ms):")
        phases: dict[str, list[float]] = {}
        for _ in range(5):
            done = subprocess.run(
                [python, "-c", PHASES], cwd=folder, env=env, capture_output=True, text=True, check=False
            )
            for name, ms in json.loads(done.stdout.strip().splitlines()[-1]):
                phases.setdefault(name, []).append(ms)
        total = sum(statistics.median(v) for v in phases.values())
        for name, values in phases.items():
            ms = statistics.median(values)
            print(f"    {name:<56} {ms:7.1f} ms  {100 * ms / total:5.1f} %")

        store = Store.open(f"sqlite:///{path}")
        start = time.perf_counter()
        first = store.list_posts(states=[State.SCHEDULED], limit=50)
        cold = time.perf_counter() - start
        times = []
        for _ in range(5):
            start = time.perf_counter()
            store.list_posts(states=[State.SCHEDULED], limit=50)
            times.append(time.perf_counter() - start)
        warm = statistics.median(times)
        with store.engine.connect() as connection:
            plan = connection.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT * FROM posts WHERE state IN (?) ORDER BY publish_at, id LIMIT 50",
                ("scheduled",),
            ).all()
        store.close()
        print(
            f"  in-process Store.list_posts(states=['scheduled'], limit=50): first call {cold * 1000:.1f} ms, "
            f"then median of 5 {warm * 1000:.1f} ms ({len(first)} posts)  {verdict(warm < 0.2, '< 200 ms')}"
        )
        print(f"    query plan: {'; '.join(row[-1] for row in plan)}")

        deps = (
            "import time, sqlalchemy, apscheduler.schedulers.background, pydantic_settings, click, requests; "
            "time.sleep(60)"
        )
        baseline = subprocess.Popen([python, "-c", deps], cwd=folder, env=env, preexec_fn=die_with_parent)
        try:
            base_rss, _ = settled_rss(baseline, 3.0)
        finally:
            baseline.kill()
            baseline.wait()
        log = open(Path(folder) / "daemon.log", "w")  # noqa: SIM115  # reason: the daemon writes it until it is stopped below
        daemon = subprocess.Popen(
            [script, "run", "--dry-run"], cwd=folder, env=env, stdout=log, stderr=log, preexec_fn=die_with_parent
        )
        try:
            reading, series = settled_rss(daemon, settle)
        finally:
            daemon.send_signal(signal.SIGTERM)
            try:
                code = daemon.wait(timeout=20)
            except subprocess.TimeoutExpired:
                daemon.kill()
                code = daemon.wait()
            log.close()
        said = (Path(folder) / "daemon.log").read_text().strip().splitlines()
        if not reading:
            print(f"  the daemon exited at once ({daemon.returncode}): {said[-3:]}")
            return
        print(f"  resident memory, `scheduler run --dry-run` with nothing due ({settle:.0f} s; VmRSS every 0.25 s):")
        print(
            f"    baseline: python importing sqlalchemy, apscheduler, pydantic_settings, click, requests   "
            f"{base_rss['VmRSS'] / 1024:6.1f} MB"
        )
        print(
            f"    daemon VmRSS after {settle:.0f} s {reading['VmRSS'] / 1024:6.1f} MB (peak VmHWM "
            f"{reading['VmHWM'] / 1024:.1f} MB; anon {reading['RssAnon'] / 1024:.1f} MB, file {reading['RssFile'] / 1024:.1f} MB; "
            f"each second: {', '.join(f'{v / 1024:.0f}' for v in series)} MB)  "
            f"{verdict(reading['VmRSS'] < 200 * 1024, '< 200 MB')}"
        )
        print(f"    daemon exit code after SIGTERM: {code}; last log line: {said[-1] if said else ''}")


# -- (e) faults ----------------------------------------------------------------------------------


def publish_all(store: Store, dispatcher: Dispatcher, deadline: float) -> None:
    """Dispatch until nothing is due any more, sleeping until each retry's time (real time)."""
    while time.monotonic() < deadline:
        drain(dispatcher)
        due = store.next_due()
        if due is None:
            return
        time.sleep(min(max((due - utcnow()).total_seconds(), 0.0), 1.0))


def part_e(count: int, latency_ms: float, jitter_ms: float, rate: float, seed: int) -> None:
    print(
        f"(e) faults: {count} posts, MastodonPublisher -> tests' fake Mastodon (in this process), latency "
        f"{latency_ms:.0f} ms + up to {jitter_ms:.0f} ms, {rate:.0%} of creates failing (seed {seed})"
    )
    sys.path.insert(0, str(ROOT))  # the fakes live with the tests
    from pydantic import SecretStr

    from scheduler.platforms.mastodon import MastodonPublisher, _plain
    from scheduler.publishing import RetryPolicy
    from tests.fakes.base import Faults
    from tests.fakes.mastodon_server import MastodonFake

    policy = RetryPolicy(max_attempts=8, base=0.05, cap=1.0)  # backoff in tenths of seconds, not minutes
    results = {}
    for label, share in (("without faults", 0.0), ("with faults", rate)):
        with tempfile.TemporaryDirectory(prefix="scheduler_bench_e_") as folder, MastodonFake(token="bench") as fake:  # noqa: S106  # reason: the fake's made-up token
            fake.faults = Faults(
                latency=latency_ms / 1000, jitter=jitter_ms / 1000, error_rate=share, seed=seed, throttle_seconds=0.2
            )
            store = Store.open(f"sqlite:///{folder}/queue.sqlite3")
            now = utcnow()
            fill(store, new_posts(count, lambda n, now=now: now - dt.timedelta(minutes=5), tag="e"), now=now)
            dispatcher = Dispatcher(
                store, MastodonPublisher(fake.url, SecretStr("bench")), worker="bench-e", policy=policy
            )
            start = time.perf_counter()
            publish_all(store, dispatcher, time.monotonic() + 600)
            elapsed = time.perf_counter() - start
            counts = store.counts()
            copies = Counter(_plain(status["content"]) for status in fake.statuses)
            unsettled = [post.error for post in store.list_posts() if post.state != State.PUBLISHED]
            store.close()
        results[label] = elapsed
        settled = {k: v for k, v in counts.items() if v and k != State.PUBLISHED}
        print(
            f"  {label:<15} {count / elapsed:6.1f} posts/s ({elapsed:.2f} s); published {counts[State.PUBLISHED]}/{count}"
            f"{', others ' + str(settled) if settled else ''}; statuses on the server {sum(copies.values())}, "
            f"twice {sum(1 for n in copies.values() if n > 1)}; requests {len(fake.requests)}"
        )
        for error in unsettled[:3]:
            print(f"    not published: {error}")
        if share:
            twice = sum(1 for n in copies.values() if n > 1)
            print(
                f"  faults injected: {dict(sorted(fake.injected.items()))}; none twice: "
                f"{'yes' if not twice else f'NO ({twice})'}; not published {count - counts[State.PUBLISHED]} "
                "(left to a person only when reconciling meets faults 4 times within 30 s)"
            )
    print(
        f"  the faults cost {results['with faults'] / results['without faults']:.2f}x the time "
        "(retries, reconciling, waiting out 429s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--part", action="append", choices=list("abcde"), help="Run only this part (repeatable); default all."
    )
    parser.add_argument("--quick", action="store_true", help="Small counts for a fast check (about a minute).")
    parser.add_argument("--dispatch-posts", type=int, help="(a) posts; default 10000 (quick 1000)")
    parser.add_argument("--late-posts", type=int, help="(b) posts; default 1000 (quick 200)")
    parser.add_argument("--late-span", type=float, help="(b) seconds they are spread over; default 60 (quick 12)")
    parser.add_argument("--late-latency-ms", type=float, default=0.0, help="(b) fake API latency; default 0")
    parser.add_argument("--pg-posts", type=int, help="(c) posts; default 300, about 18 s for 1 worker (quick 80)")
    parser.add_argument(
        "--pg-batch",
        type=int,
        action="append",
        help="(c) Daemon batch size (repeatable); default 50 (the package's) then 10",
    )
    parser.add_argument("--scale-posts", type=int, help="(d) posts; default 1000000 (quick 50000)")
    parser.add_argument("--settle", type=float, default=5.0, help="(d) seconds the daemon runs before VmRSS is read")
    parser.add_argument("--profile", action="store_true", help="(a) also profile the dispatcher with cProfile")
    parser.add_argument("--dispatch-latency-ms", type=float, default=0.0, help="(a) fake API latency; default 0")
    parser.add_argument("--fault-posts", type=int, help="(e) posts; default 500 (quick 150)")
    parser.add_argument("--fault-latency-ms", type=float, default=20.0, help="(e) fake latency; default 20")
    parser.add_argument("--fault-jitter-ms", type=float, default=10.0, help="(e) up to this much more; default 10")
    parser.add_argument("--fault-rate", type=float, default=0.2, help="(e) share of creates failing; default 0.2")
    parser.add_argument("--seed", type=int, default=1, help="(e) seed of the injected faults; default 1")
    args = parser.parse_args()
    parts = args.part or list("abcde")
    quick = args.quick
    print(
        f"bench_queue: parts {', '.join(parts)}{' (quick)' if quick else ''}; {os.cpu_count()} CPUs, "
        f"Python {sys.version.split()[0]}"
    )
    if "a" in parts:
        part_a(args.dispatch_posts or (1000 if quick else 10_000), args.profile, args.dispatch_latency_ms)
    if "b" in parts:
        part_b(
            args.late_posts or (200 if quick else 1000),
            args.late_span or (12.0 if quick else 60.0),
            args.late_latency_ms,
        )
    if "c" in parts:
        part_c(args.pg_posts or (80 if quick else 300), args.pg_batch or [10, 50])
    if "d" in parts:
        part_d(args.scale_posts or (50_000 if quick else 1_000_000), args.settle)
    if "e" in parts:
        part_e(
            args.fault_posts or (150 if quick else 500),
            args.fault_latency_ms,
            args.fault_jitter_ms,
            args.fault_rate,
            args.seed,
        )


if __name__ == "__main__":
    main()
