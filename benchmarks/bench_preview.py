"""Start-up and rendering speed of the preview, with baselines measured in the same run.

    python benchmarks/bench_preview.py [--posts 6000]

Targets (issue 2): `scheduler --help` < 0.2 s wall; `scheduler preview` of the example issue
< 0.8 s wall; rendering plus fitting >= 2,000 posts per second in-process.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "posts" / "2024-12-13-vernetzungsstelle.txt"


def wall(command: list[str], runs: int = 7) -> float:
    """Median wall time of a command, in seconds (one warm-up run first)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEDULER_")}
    subprocess.run(command, cwd=ROOT, env=env, capture_output=True, check=False)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, env=env, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def startup() -> None:
    script = shutil.which("scheduler") or str(Path(sys.executable).with_name("scheduler"))
    python = sys.executable
    deps = (
        "import pydantic_settings, jinja2, regex, pysbd, langdetect, click, requests, apscheduler.schedulers.background"
    )
    rows = [
        ("baseline: python -c pass", [python, "-c", "pass"], None),
        ("baseline: import the full dependency set", [python, "-c", deps], None),
        ("scheduler --help", [script, "--help"], 0.2),
        ("scheduler preview <example issue>", [script, "preview", str(EXAMPLE)], 0.8),
        ("scheduler preview <example> --format json", [script, "preview", str(EXAMPLE), "--format", "json"], 0.8),
    ]
    print("start-up (median wall time of 7 runs)")
    for label, command, target in rows:
        seconds = wall(command)
        verdict = (
            "" if target is None else ("  ok" if seconds < target else "  OVER TARGET") + f" (target < {target} s)"
        )
        print(f"  {label:<45} {seconds * 1000:7.1f} ms{verdict}")


def throughput(posts: int) -> None:
    import jinja2

    from scheduler.models import item_id
    from scheduler.newsletter import load_issue
    from scheduler.platforms.registry import NAMES as PLATFORMS
    from scheduler.render.renderer import Renderer
    from scheduler.text import sentences

    issue = load_issue(EXAMPLE)
    # Unique item texts, so no cache hides the cost of sentence splitting and measuring.
    count = posts // len(PLATFORMS) + 1
    items = []
    for n in range(count):
        base = issue.items[n % len(issue.items)]
        body = f"Meldung {n}: {base.body}"
        # the title as the importer makes it: the start of the text (so templates show no separate headline)
        items.append(dataclasses.replace(base, id=item_id(body), body=body, title=f"Meldung {n}: {base.title}"))
    renderer = Renderer(ROOT / "templates")
    sentences.sentence_ends.cache_clear()

    plain = jinja2.Environment(loader=jinja2.FileSystemLoader(ROOT / "templates"))  # noqa: S701  # reason: plain text, as the renderer makes it
    plain.filters["fit"] = lambda text, thread=None: text
    plain.filters["paragraphs"] = lambda text, size=320: text
    templates = {p: plain.get_template(f"{p}.j2") for p in PLATFORMS}
    start = time.perf_counter()
    for item in items:
        for platform in PLATFORMS:
            templates[platform].render(
                item=item,
                issue=issue,
                section=item.section,
                platform=platform,
                link=None,
                hashtags=lambda *a: "#AktifPlus #ESFPlus",
                limit=0,
                headline="",
                phrases={"read_more": "Mehr dazu"},
                footer="",
            )
    baseline = len(items) * len(PLATFORMS) / (time.perf_counter() - start)

    shortened = 0
    start = time.perf_counter()
    for item in items:
        for platform in PLATFORMS:
            post = renderer.render(issue, item, platform)
            shortened += "…" in post.text
    elapsed = time.perf_counter() - start
    rate = len(items) * len(PLATFORMS) / elapsed
    print(f"rendering {len(items) * len(PLATFORMS)} posts of {len(items)} unique items ({shortened} shortened)")
    print(f"  baseline: bare Jinja2 render of the same templates   {baseline:9.0f} posts/s")
    verdict = "ok" if rate >= 2000 else "UNDER TARGET"
    print(f"  render + measure + fit (Renderer.render)              {rate:9.0f} posts/s  {verdict} (target >= 2000)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=6000)
    args = parser.parse_args()
    startup()
    throughput(args.posts)


if __name__ == "__main__":
    main()
