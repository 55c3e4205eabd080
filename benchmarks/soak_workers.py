"""The multi-worker kill test at length (issue 9, point 1), with a baseline in the same run.

    python benchmarks/soak_workers.py [--posts 20000] [--workers 3] [--seeds 1]

Needs PostgreSQL at 127.0.0.1:5432 (user postgres, trust). Each run gets a database of its own. First the
baseline: the same posts and workers without kills (time only); then, per seed, workers SIGKILLed every
0.1-0.5 s and started again while live workers take over the dead ones' posts (tests/killtest.py).
Prints workers, kills, take-overs, posts published, duplicates and missing posts, and the time.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import uuid
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.killtest import kill_run

ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=test connect_timeout=3"


def database() -> str:
    name = f"scheduler_soak_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return name


def drop(name: str) -> None:
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--seeds", type=int, default=1, help="kill runs, each with its own seed")
    parser.add_argument("--budget", type=float, default=1800.0, help="seconds a run may take")
    args = parser.parse_args()
    runs = [("baseline, no kills", None)] + [(f"seed {seed}", seed) for seed in range(args.seeds)]
    for label, seed in runs:
        name = database()
        try:
            with tempfile.TemporaryDirectory() as folder:
                every = (3600.0, 3600.0) if seed is None else (0.1, 0.5)
                result = kill_run(
                    f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}",
                    Path(folder),
                    posts=args.posts,
                    workers=args.workers,
                    kill_every=every,
                    budget=args.budget,
                    seed=seed or 0,
                )
            print(f"{label:<20} {result}", flush=True)
        finally:
            drop(name)


if __name__ == "__main__":
    main()
