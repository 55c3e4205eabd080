"""One worker process for bench_queue.py part (c): the same Daemon, Dispatcher and Store as
`scheduler run --once`, publishing through HttpPublisher to the fake API.

    python benchmarks/queue_worker.py DB_URL API_URL [--batch 50]

Start-up (imports, opening the database, the first connection) happens before the clock starts:
the worker prints `ready`, waits for a line `go` on stdin (at most 120 s), runs `Daemon.run_once()`
and prints one JSON line: {"published", "other", "start", "end"} with time.time() stamps.
"""

from __future__ import annotations

import argparse
import json
import select
import sys
import time

from http_publisher import HttpPublisher

from scheduler.daemon import Daemon, worker_name
from scheduler.publishing import Dispatcher
from scheduler.storage import Store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url")
    parser.add_argument("api_url")
    parser.add_argument("--batch", type=int, default=50, help="Daemon batch (the package default is 50)")
    args = parser.parse_args()
    store = Store.open(args.database_url)
    store.counts()  # the pool holds an open connection before the clock starts
    publisher = HttpPublisher(args.api_url)
    daemon = Daemon(store, Dispatcher(store, publisher, worker=worker_name()), batch=args.batch)
    print("ready", flush=True)
    readable, _, _ = select.select([sys.stdin], [], [], 120)
    if not readable or sys.stdin.readline().strip() != "go":
        print(json.dumps({"error": "no go within 120 s"}), flush=True)
        sys.exit(1)
    start = time.time()
    summary = daemon.run_once()
    end = time.time()
    store.close()
    print(json.dumps({"published": summary.published, "other": summary.other, "start": start, "end": end}), flush=True)


if __name__ == "__main__":
    main()
