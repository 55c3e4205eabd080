"""What watching costs: checking an unchanged 200-entry feed, and how soon a new issue's posts are
queued by `scheduler run` with the watch interval at 1 s — with baselines measured in the same run.

    python benchmarks/bench_watch.py [--rounds 30]

Targets (issue 12): an unchanged feed costs one conditional request answered 304 and no parsing
(the time is reported beside the baseline: the same check when the server ignores the condition
and the feed is read in full); from a new issue appearing in the feed to its posts queued, under
2 s with SCHEDULER_WATCH_INTERVAL=1s (baseline: the interval itself, and one `watch --once`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scheduler.config import load_settings  # noqa: E402  # reason: after the path to the project is set
from scheduler.storage import Store  # noqa: E402  # reason: as above
from scheduler.wiring import Wiring  # noqa: E402  # reason: as above
from tests.fakes.feeds import Entry, FeedSite, rss  # noqa: E402  # reason: as above


def entry(number: int) -> Entry:
    """An issue of three items, the `number`th of a weekly newsletter."""
    day = dt.date(2022, 1, 7) + dt.timedelta(weeks=number)
    return Entry(
        f"Wochenbrief {number}",
        day,
        tuple(
            (
                f"Meldung {number}.{part}: Neues aus dem Familienzentrum",
                f"In der Woche vom {day:%d.%m.%Y} bietet das Familienzentrum Sprechstunden, ein Elterncafé und "
                f"eine Beratung zum Kinderzuschlag an (Ausgabe {number}, Meldung {part}).",
            )
            for part in range(1, 4)
        ),
    )


def _environment(folder: Path, site: FeedSite) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("SCHEDULER_")}
    env.update(
        SCHEDULER_DATABASE_URL=f"sqlite:///{folder / 'queue.sqlite3'}",
        SCHEDULER_OUTBOX=str(folder / "outbox.jsonl"),
        SCHEDULER_FETCH_ALLOW="127.0.0.1",
        SCHEDULER_PLATFORMS="mastodon",
        SCHEDULER_TEMPLATES_DIR=str(ROOT / "templates"),
        SCHEDULER_WATCH_INTERVAL="1s",
    )
    return env


def unchanged_feed(rounds: int) -> None:
    with tempfile.TemporaryDirectory() as temporary, FeedSite() as site:
        folder = Path(temporary)
        feed = site.put("/feed.xml", rss([entry(n) for n in range(200, 0, -1)]))
        os.environ.update(_environment(folder, site))
        wiring = Wiring(load_settings())
        watcher = wiring.watcher("bench")
        from scheduler.models import WatchedSource

        watcher.add(WatchedSource(name="wochenbrief", kind="feed", location=feed), now=dt.datetime.now(dt.UTC))
        size = len(site.pages["/feed.xml"].body)

        def timed(conditional: bool) -> list[float]:
            site.conditional = conditional
            times = []
            for _ in range(rounds):
                start = time.perf_counter()
                report = watcher.check(now=dt.datetime.now(dt.UTC), force=True)
                times.append(time.perf_counter() - start)
                assert not report.results[0].error, report.results[0].error
            return times

        before = len(site.log)
        with_304 = timed(True)
        statuses = {status for _, status in site.log[before:]}
        full = timed(False)
        print(f"unchanged 200-entry feed ({size / 1e6:.2f} MB), {rounds} checks each:")
        print(
            f"  conditional GET answered {sorted(statuses)}: median {statistics.median(with_304) * 1000:.1f} ms, one request each"
        )
        print(
            f"  baseline, the server ignores the condition (full read and parse): median {statistics.median(full) * 1000:.0f} ms"
        )
        wiring.store.close()


def new_issue_latency(rounds: int) -> None:
    with tempfile.TemporaryDirectory() as temporary, FeedSite() as site:
        folder = Path(temporary)
        entries = [entry(n) for n in range(3, 0, -1)]
        feed = site.put("/feed.xml", rss(entries))
        env = _environment(folder, site)
        command = [sys.executable, "-m", "scheduler"]
        subprocess.run(
            [*command, "sources", "add", feed, "--name", "wochenbrief"], env=env, check=True, capture_output=True
        )
        start = time.perf_counter()
        subprocess.run([*command, "watch", "--once"], env=env, check=True, capture_output=True)
        once = time.perf_counter() - start
        daemon = subprocess.Popen([*command, "run"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        store = Store.open(env["SCHEDULER_DATABASE_URL"])
        latencies = []
        try:
            time.sleep(3)  # the daemon is up and has done its first check
            for number in range(4, 4 + rounds):
                before = len(store.list_posts())
                entries.insert(0, entry(number))
                site.put("/feed.xml", rss(entries))
                appeared = time.perf_counter()
                while len(store.list_posts()) == before:
                    if time.perf_counter() - appeared > 30:
                        raise SystemExit("no posts queued within 30 s")
                    time.sleep(0.01)
                latencies.append(time.perf_counter() - appeared)
                time.sleep(0.3)
        finally:
            daemon.terminate()
            daemon.wait(30)
            store.close()
        print(
            f"new issue in the feed → its posts queued, by 'scheduler run' with SCHEDULER_WATCH_INTERVAL=1s, {rounds} issues:"
        )
        print(f"  median {statistics.median(latencies):.2f} s, worst {max(latencies):.2f} s (target: under 2 s)")
        print(f"  baseline: the interval 1.00 s; one 'scheduler watch --once' process {once:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    arguments = parser.parse_args()
    unchanged_feed(arguments.rounds)
    new_issue_latency(max(5, arguments.rounds // 3))


if __name__ == "__main__":
    main()
