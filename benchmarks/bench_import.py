"""Import speed per newsletter form, and `scheduler preview` of a 30-item HTML issue, with baselines
measured in the same run.

    python benchmarks/bench_import.py [--rounds 20]

Targets (issue 11): `scheduler preview` of a 30-item HTML issue under 1 s wall, start-up included.
For information: MB/s per form on the fixtures in tests/fixtures/newsletters (each file read
`--rounds` times in this process, after one warm-up read that pays the libraries' import), and the
baseline of the same preview of the example issue (copied text).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FIXTURES = ROOT / "tests" / "fixtures" / "newsletters"
EXAMPLE = ROOT / "posts" / "2024-12-13-vernetzungsstelle.txt"
THIRTY = FIXTURES / "html" / "infodienst-30-2025-10.html"


def wall(command: list[str], runs: int = 7) -> float:
    """Median wall time of a command in seconds (one warm-up run first)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEDULER_")}
    subprocess.run(command, cwd=ROOT, env=env, capture_output=True, check=False)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
        if done.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(command)} exited {done.returncode}: {done.stderr.decode()[-500:]}")
    return statistics.median(times)


def throughput(rounds: int) -> None:
    from scheduler.newsletter import load_issues
    from scheduler.newsletter.formats import detect, sample

    print(f"import throughput per form (each fixture read {rounds} times after a warm-up; in-process):")
    forms: dict[str, list[tuple[int, float, int]]] = {}
    for path in sorted(p for p in FIXTURES.rglob("*") if p.is_file()):
        form = str(detect(sample(path.read_bytes())))
        load_issues(path)  # warm-up: the form's libraries are imported once
        start = time.perf_counter()
        for _ in range(rounds):
            issues = load_issues(path)
        seconds = (time.perf_counter() - start) / rounds
        forms.setdefault(form, []).append((path.stat().st_size, seconds, sum(len(i.items) for i in issues)))
    for form, runs in sorted(forms.items()):
        size = sum(r[0] for r in runs)
        seconds = sum(r[1] for r in runs)
        slowest = max(r[1] for r in runs)
        print(
            f"  {form:<16} {len(runs)} files, {size / 1000:7.1f} KB, {sum(r[2] for r in runs):3d} items: "
            f"{size / seconds / 1e6:5.2f} MB/s, {seconds / len(runs) * 1000:6.1f} ms per file (slowest {slowest * 1000:.1f} ms)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=20, help="reads of each fixture (default 20)")
    args = parser.parse_args()
    script = str(Path(sys.executable).with_name("scheduler"))
    print("preview, median wall time of 7 runs (after one warm-up), start-up included:")
    base = wall([sys.executable, "-c", "pass"])
    print(f"  baseline: python -c pass                                  {base * 1000:7.1f} ms")
    example = wall([script, "preview", str(EXAMPLE)])
    print(f"  baseline: scheduler preview of the example issue (text)    {example * 1000:7.1f} ms")
    html = wall([script, "preview", str(THIRTY)])
    verdict = "ok" if html < 1.0 else "OVER TARGET"
    print(f"  scheduler preview of a 30-item HTML issue                  {html * 1000:7.1f} ms  {verdict} (< 1000 ms)")
    throughput(args.rounds)


if __name__ == "__main__":
    main()
