"""Which main-content extractor the web page reader should use, and how fast the HTML readers are.

    .venv/bin/python benchmarks/html_extractors.py            # trafilatura (the reader's) only
    .venv/bin/pip install readability-lxml                    # to compare with readability too

For each web page fixture and extractor: the expected blocks found (tests/newsletter/
html_expected.py, in order), the blocks found that were not expected (chrome that got through),
and the median time of a whole `html_page.read` (decoding, parsing, extraction, walking) over
warm runs, with its throughput. Then the same for the e-mail reader on the e-mail fixtures, which
uses no extractor. Importing each library is timed in a fresh interpreter.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scheduler.newsletter import html_email, html_input, html_page
from tests.newsletter.html_expected import EMAILS, PAGE_BLOCKS, PAGE_URLS, PAGES, matches

RUNS = 30


def _readability(root: Any) -> Any:
    from lxml import html
    from readability import Document

    summary = Document(html.tostring(root, encoding="unicode")).summary(html_partial=True)
    return html_input.parse(summary, "extracted content")


def _trafilatura(fast: bool) -> Callable[[Any], Any]:
    def extract(root: Any) -> Any:
        import trafilatura

        extracted = trafilatura.extract(
            root,
            output_format="html",
            include_links=True,
            include_images=True,
            include_formatting=True,
            include_comments=False,
            with_metadata=False,
            fast=fast,
        )
        return html_input.parse(extracted, "extracted content") if extracted else None

    return extract


def _import_ms(module: str) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print((time.perf_counter() - t) * 1000)"
    try:
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    except subprocess.CalledProcessError:
        return float("nan")
    return float(out.stdout.strip())


def _time(read: Callable[[], object]) -> float:
    read()
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        read()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    extractors: dict[str, Callable[[Any], Any]] = {
        "trafilatura (fast=True, the reader's)": _trafilatura(True),
        "trafilatura (fast=False)": _trafilatura(False),
    }
    try:
        import readability  # noqa: F401  # reason: only to see whether it is installed
    except ImportError:
        print("readability-lxml not installed: comparing trafilatura's modes only")
    else:
        extractors["readability-lxml"] = _readability
    original = html_page._main_content
    totals: dict[str, list[int]] = {}
    print(f"{'fixture':44} {'extractor':38} {'found':>9} {'extra':>5} {'ms':>7} {'MB/s':>6}")
    for name, expected in PAGE_BLOCKS.items():
        data = (PAGES / name).read_bytes()
        url = PAGE_URLS[name]
        for label, extractor in extractors.items():
            html_page._main_content = extractor  # type: ignore[assignment]  # reason: the benchmark swaps the extractor
            try:
                found, extra = matches(html_page.read(data, url=url), expected)
                seconds = _time(lambda data=data, url=url: html_page.read(data, url=url))
            finally:
                html_page._main_content = original  # type: ignore[method-assign]  # reason: restored
            total = totals.setdefault(label, [0, 0, 0])
            total[0] += found
            total[1] += len(expected)
            total[2] += extra
            print(
                f"{name:44} {label:38} {found:>4}/{len(expected):<4} {extra:>5} {seconds * 1000:>7.1f} "
                f"{len(data) / seconds / 1e6:>6.2f}"
            )
    print()
    for label, (found, expected_count, extra) in totals.items():
        print(f"{label:38} {found}/{expected_count} expected blocks, {extra} unexpected")
    print()
    for email in sorted(EMAILS.glob("*.html")):
        data = email.read_bytes()
        seconds = _time(lambda data=data: html_email.read(data))
        blocks = len(html_email.read(data).blocks)
        print(
            f"{email.name:44} {'html_email':38} {blocks:>4} blocks {seconds * 1000:>7.1f} ms "
            f"{len(data) / seconds / 1e6:>6.2f} MB/s"
        )
    print()
    for module in ("lxml.html", "trafilatura", "readability", "charset_normalizer"):
        print(f"import {module:20} {_import_ms(module):7.1f} ms")


if __name__ == "__main__":
    main()
