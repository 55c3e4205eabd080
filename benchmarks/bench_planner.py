"""Planning speed, with baselines measured in the same run.

    python benchmarks/bench_planner.py [--items 10000] [--before REV] [--before-items 1000,4000]

Target (issue 8, point 14): 10,000 items plan in under 2 s. Three workloads, each over 3 posts per item:

  dense    10,000 items on the same 3 accounts, daily slots every 30 minutes (UTC), a gap of 60 minutes
  taken    the same with 300 queued posts per account and a stagger of 5 minutes
  mixed    10,000 items on 3 of 30 accounts each, Mon–Fri slots every 20 minutes from 08:00 to 19:40
           (Europe/Berlin, NW holidays and a Christmas blackout), a gap of 40 minutes

and, to compare with the planner before, "default": the default settings (Mon–Fri 09:00, 12:30,
16:00 Europe/Berlin, DE holidays, a gap of 120 minutes), where at most about 1,560 items fit in the
731 days the planner looks ahead.

Baselines in the same run:
  - the floor: generating the slots the plan uses (`slots_after` up to the last planned time), which
    any planner has to do;
  - the planner as it was at git revision REV (default: the last commit before the planner stopped
    being quadratic), loaded with `git show REV:scheduler/planner.py`, on fewer items (it is
    quadratic: 4,000 items take about a minute).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scheduler import planner  # noqa: E402  # reason: imported after the baseline's path is set

UTC = dt.UTC
QUADRATIC = "e2e4ed5"  # the planner before this benchmark: a search from `start` for every item


def load(revision: str) -> ModuleType:
    """scheduler/planner.py as it was at `revision`, as a module of its own."""
    source = subprocess.run(
        ["git", "show", f"{revision}:scheduler/planner.py"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    path = Path(tempfile.mkdtemp()) / "planner_before.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("planner_before", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def workload(module: ModuleType, name: str, items: int) -> dict[str, Any]:
    """The arguments of `plan` for one workload, built with `module`'s classes."""
    rng = random.Random(8)
    start = dt.datetime(2025, 1, 6, tzinfo=UTC)
    if name == "default":
        rule = module.parse_slots("mon-fri 09:00,12:30,16:00")
        accounts = [["mastodon:main", "bluesky:main", "x:main"]] * items
        holidays = module.Holidays("DE")
        gap = dt.timedelta(minutes=120)
    elif name in ("dense", "taken"):
        rule = module.SlotRule(frozenset(range(7)), tuple(dt.time(h, m) for h in range(24) for m in (0, 30)), "UTC")
        accounts = [["mastodon:main", "bluesky:main", "x:main"]] * items
        holidays = module.Holidays("IS")
        gap = dt.timedelta(minutes=60)
    else:
        rule = module.SlotRule(
            frozenset(range(5)), tuple(dt.time(h, m) for h in range(8, 20) for m in (0, 20, 40)), "Europe/Berlin"
        )
        pool = [f"{platform}:{n}" for platform in ("mastodon", "bluesky", "x") for n in range(10)]
        accounts = [rng.sample(pool, 3) for _ in range(items)]
        blackout = {"blackout": planner.parse_blackout("12-24..12-31")} if hasattr(module, "parse_blackout") else {}
        holidays = module.Holidays("DE", "NW", **blackout)
        gap = dt.timedelta(minutes=40)
    taken: dict[str, list[dt.datetime]] = {}
    if name == "taken":
        taken = {
            account: [start + dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 120)) for _ in range(300)]
            for account in accounts[0]
        }
    requests = [
        module.Request(f"{item}/{account}", str(item), account) for item in range(items) for account in accounts[item]
    ]
    return {
        "requests": requests,
        "rules": rule,
        "holidays": holidays,
        "start": start,
        "min_gap": gap,
        "stagger": dt.timedelta(minutes=5) if name == "taken" else dt.timedelta(0),
        "taken": taken,
    }


def timed(module: ModuleType, name: str, items: int) -> tuple[float, dict[str, dt.datetime], dict[str, Any]]:
    arguments = workload(module, name, items)
    module.Holidays("DE", "NW").__contains__(dt.date(2025, 1, 1))  # the holidays package imported beforehand
    begin = time.perf_counter()
    times = module.plan(**arguments)
    return time.perf_counter() - begin, times, arguments


def floor(arguments: dict[str, Any], times: dict[str, dt.datetime]) -> float:
    """Seconds to generate the rule's slots from start to the last planned time."""
    begin = time.perf_counter()
    count = sum(
        1
        for _ in planner.slots_after(
            arguments["rules"], arguments["start"], arguments["holidays"], until=max(times.values())
        )
    )
    assert count
    return time.perf_counter() - begin


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument(
        "--before",
        default=QUADRATIC,
        help=f"git revision of the planner to compare (default {QUADRATIC}); 'none' to skip",
    )
    parser.add_argument("--before-items", default="1000,4000", help="item counts for the planner before (comma list)")
    args = parser.parse_args()
    print(f"planning {args.items:,} items × 3 posts (target < 2 s each)")
    for name in ("dense", "taken", "mixed"):
        seconds, times, arguments = timed(planner, name, args.items)
        verdict = "ok" if seconds < 2 else "OVER TARGET"
        last = max(times.values()).astimezone(arguments["rules"].zone).date()
        print(
            f"  {name:<7} {seconds:7.3f} s  {verdict}   ({len(times):,} posts, the last on {last}; "
            f"floor, generating those slots: {floor(arguments, times):.3f} s)"
        )
    if args.before.lower() == "none":
        return
    before = load(args.before)
    print(f"the planner at {args.before} (same workloads, fewer items), and now")
    runs = [("default", 1500)] + [(name, int(n)) for n in args.before_items.split(",") for name in ("dense", "mixed")]
    for name, items in runs:
        then, old_times, _ = timed(before, name, items)
        now, new_times, _ = timed(planner, name, items)
        same = "same times" if old_times == new_times else "DIFFERENT TIMES"
        print(
            f"  {name:<7} {items:>6,} items: before {then:8.3f} s   now {now:7.3f} s   ({then / now:,.0f}× faster; {same})"
        )


if __name__ == "__main__":
    main()
