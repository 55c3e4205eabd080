"""The publishing daemon of bench_burst.py, and one worker process of its part (c).

`publishing_daemon` builds what `scheduler run` builds (scheduler/running.py): the publisher of
every account from the settings through `Wiring.publishers` (here: `accounts` Mastodon accounts on
the burst API, benchmarks/burst_api.py, each with its own token), a `Router`, a `Dispatcher` and a
`Daemon(store, dispatcher, concurrency=…, batch=…, accounts=…)`; what `scheduler run` adds around it
(the dry-run outbox for accounts without credentials, watched sources, notices) is left out.

As a process:

    python benchmarks/burst_worker.py DB_URL API_URL --accounts N [--concurrency 1] [--batch 10]
                                      [--retry-base 0.5] [--retry-cap 5]

starts `Daemon.run_forever` on a thread of its own, prints `ready`, and publishes what falls due
until a line `stop` (or the end of stdin); then it stops the daemon as SIGTERM would and prints one
JSON line: {"published", "other", "cpu" (user + system seconds since `ready`), "worker", "stopped",
"skipped" (APScheduler's dispatch runs skipped at max_instances)}.
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import sys
import tempfile
import threading
from pathlib import Path

from bench_queue import CountSkips
from burst_api import account_name, token_of
from pydantic import SecretStr

from scheduler.config import Account, Settings
from scheduler.daemon import Daemon
from scheduler.platforms.routing import Router
from scheduler.publishing import Dispatcher, RetryPolicy
from scheduler.storage import Store
from scheduler.wiring import Wiring


def settings_for(api: str, accounts: int, folder: Path) -> Settings:
    """Settings naming `accounts` Mastodon accounts on `api`; nothing read from .env, no token store."""
    named = {
        account_name(i): Account(base_url=api, token=SecretStr(token_of(i)))  # the burst API's made-up tokens
        for i in range(accounts)
    }
    return Settings(
        _env_file=None,  # no .env from the working folder
        database_url=f"sqlite:///{folder / 'unused.sqlite3'}",
        token_store=folder / "tokens.json",
        accounts={"mastodon": named},
    )


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def publishing_daemon(
    store: Store,
    api: str,
    *,
    accounts: int,
    concurrency: int,
    batch: int,
    policy: RetryPolicy,
    worker: str,
    folder: Path,
) -> Daemon:
    """The daemon `scheduler run` would run for these accounts (see the module docstring)."""
    wiring = Wiring(settings_for(api, accounts, folder))
    router = Router(wiring.publishers(journal=store))
    dispatcher = Dispatcher(store, router, worker=worker, policy=policy)
    return Daemon(store, dispatcher, batch=batch, concurrency=concurrency, accounts=set(router.publishers))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url")
    parser.add_argument("api_url")
    parser.add_argument("--accounts", type=int, required=True)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--retry-base", type=float, default=0.5)
    parser.add_argument("--retry-cap", type=float, default=5.0)
    args = parser.parse_args()
    from scheduler.daemon import worker_name

    with tempfile.TemporaryDirectory(prefix="scheduler_burst_worker_") as folder:
        store = Store.open(args.database_url)
        store.counts()  # the pool holds an open connection before the clock starts
        daemon = publishing_daemon(
            store,
            args.api_url,
            accounts=args.accounts,
            concurrency=args.concurrency,
            batch=args.batch,
            policy=RetryPolicy(base=args.retry_base, cap=args.retry_cap),
            worker=worker_name(),
            folder=Path(folder),
        )
        skips = CountSkips()
        logging.getLogger("apscheduler").addHandler(skips)
        logging.getLogger("apscheduler").propagate = False  # counted, not written to stderr
        result: dict[str, object] = {}
        thread = threading.Thread(
            target=lambda: result.update(summary=daemon.run_forever(install_signals=False)), name="daemon"
        )
        thread.start()
        cpu = cpu_seconds()
        print("ready", flush=True)
        for line in sys.stdin:
            if line.strip() == "stop":
                break
        daemon.stop()
        thread.join(timeout=120)
        cpu = cpu_seconds() - cpu
        summary = result.get("summary")
        store.close()
    print(
        json.dumps(
            {
                "published": getattr(summary, "published", 0),
                "other": getattr(summary, "other", {}),
                "cpu": cpu,
                "worker": worker_name(),
                "stopped": not thread.is_alive(),
                "skipped": skips.skipped["dispatch"],
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
