"""The dashboard's speed and size, measured on a real `scheduler serve --with-scheduler` process,
with baselines measured in the same run.

    python benchmarks/bench_web.py [--posts 10000] [--rounds 20]

Targets (issue 14, point 8): the calendar and queue pages with 10,000 posts in the database render
in under 300 ms; the counter endpoint answers in under 20 ms; the process's memory with the daemon
inside stays under 150 MB.

The database (SQLite, a temporary folder) holds --posts posts over 30 accounts and 6 platforms,
spread over the four weeks from now, 40 % drafts and the rest scheduled far enough ahead that the
daemon (a dry run: no credentials) has nothing due. A user signs in over HTTP like a browser (the
session cookie, the CSRF token); each page is fetched --rounds times after one warm-up and the
median wall time from request to the last byte is shown. Baselines: the sign-in page (no database
read) and the style sheet (a static file), through the same server. Memory: the server's VmRSS
after the pages were fetched (and its peak, VmHWM), beside a bare Python with the same libraries
imported.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scheduler import team  # noqa: E402  # reason: after the path is set, as every benchmark here
from scheduler.models import Content, Role, State  # noqa: E402  # reason: as above
from scheduler.storage import NewPost, Store  # noqa: E402  # reason: as above

PASSWORD = "ein langes Passwort 2030"  # noqa: S105  # reason: the made-up user of a throwaway database
PLATFORMS = ("mastodon", "linkedin", "bluesky", "x", "threads", "facebook")
TEXT = (
    "Die Vernetzungsstelle lädt zum Fachtag „Familien stärken“ ein: Vorträge, Werkstätten und viel Zeit "
    "für Austausch. Anmeldung bis Freitag unter https://example.org/fachtag-familien-staerken-2030"
)


def fill(url: str, count: int, now: dt.datetime) -> None:
    store = Store.open(url)
    start = now + dt.timedelta(days=1)
    for begin in range(0, count, 2000):
        posts = [
            NewPost(
                f"bench-{n}",
                PLATFORMS[n % len(PLATFORMS)],
                f"team{n % 30}",
                start + dt.timedelta(minutes=(n * 4) % (27 * 24 * 60)),
                Content((f"{TEXT} ({n})",), "de"),
            )
            for n in range(begin, min(count, begin + 2000))
        ]
        drafts = [post for index, post in enumerate(posts) if index % 5 < 2]
        scheduled = [post for index, post in enumerate(posts) if index % 5 >= 2]
        store.add(drafts, state=State.DRAFT, now=now, reason="bench")
        store.add(scheduled, state=State.SCHEDULED, now=now, reason="bench")
    team.add_user(store, "anna", PASSWORD, Role.APPROVER, now=now)
    store.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def median_ms(session: requests.Session, method: str, url: str, rounds: int, **kwargs: object) -> float:
    session.request(method, url, timeout=30, **kwargs)  # warm-up
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        answer = session.request(method, url, timeout=30, **kwargs)
        answer.content  # noqa: B018  # reason: to the last byte
        times.append((time.perf_counter() - start) * 1000)
        if answer.status_code != 200:
            raise SystemExit(f"{method} {url}: {answer.status_code} {answer.text[:300]}")
    return statistics.median(times)


def memory(pid: int) -> tuple[float, float]:
    fields = dict(
        line.split(":", 1)
        for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines()
        if ":" in line
    )
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def baseline_memory() -> float:
    code = (
        "import flask, waitress, sqlalchemy, apscheduler, pydantic_settings, requests, babel, argon2, jinja2;"
        "print(open('/proc/self/status').read())"
    )
    status = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    found = re.search(r"VmRSS:\s+(\d+)", status)
    return int(found.group(1)) / 1024 if found else 0.0


def verdict(ok: bool, target: str) -> str:
    return f"ok ({target})" if ok else f"OVER TARGET ({target})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    now = dt.datetime.now(dt.UTC)
    with tempfile.TemporaryDirectory(prefix="scheduler_bench_web_") as folder:
        url = f"sqlite:///{folder}/queue.sqlite3"
        start = time.perf_counter()
        fill(url, args.posts, now)
        print(f"bench_web: {args.posts} posts queued in {time.perf_counter() - start:.1f} s; {os.cpu_count()} CPUs")
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEDULER_")}
        env.update(
            SCHEDULER_DATABASE_URL=url,
            SCHEDULER_OUTBOX=f"{folder}/outbox.jsonl",
            SCHEDULER_TOKEN_STORE=f"{folder}/tokens.json",
        )
        server = subprocess.Popen(
            [sys.executable, "-m", "scheduler", "serve", "--port", str(port), "--with-scheduler"],
            cwd=folder,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            session = requests.Session()
            deadline = time.monotonic() + 60
            while True:
                try:
                    login = session.get(f"{base}/login", timeout=10)
                    break
                except requests.ConnectionError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        raise SystemExit(
                            f"the server did not start: {server.stderr.read() if server.stderr else ''}"
                        ) from None
                    time.sleep(0.1)
            token = re.search(r'name="csrf_token" value="([^"]+)"', login.text)
            assert token, "no CSRF token on the sign-in page"
            signed = session.post(
                f"{base}/login", data={"name": "anna", "password": PASSWORD, "csrf_token": token.group(1)}, timeout=30
            )
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', signed.text)
            assert csrf, "not signed in"
            rounds = args.rounds
            print(f"median of {rounds} requests after a warm-up, over HTTP to the real server (waitress, 4 threads):")
            login_ms = median_ms(requests.Session(), "GET", f"{base}/login", rounds)
            css_ms = median_ms(session, "GET", f"{base}/static/app.css", rounds)
            print(f"  baseline: GET /login (no database read)              {login_ms:7.1f} ms")
            print(f"  baseline: GET /static/app.css (a static file)        {css_ms:7.1f} ms")
            for label, path in (
                ("GET /queue (the first 200 of the open posts)", "/queue"),
                ("GET /calendar (this week)", "/calendar"),
                ("GET /calendar?view=month", "/calendar?view=month"),
            ):
                page_ms = median_ms(session, "GET", base + path, rounds)
                print(f"  {label:<51}{page_ms:7.1f} ms  {verdict(page_ms < 300, '< 300 ms')}")
            body = {"platform": "mastodon", "account": "team1", "text": TEXT * 2}
            count_ms = median_ms(
                session, "POST", f"{base}/api/count", rounds * 5, json=body, headers={"X-CSRF-Token": csrf.group(1)}
            )
            print(
                f"  POST /api/count (the live counter)                 {count_ms:7.1f} ms  {verdict(count_ms < 20, '< 20 ms')}"
            )
            rss, peak = memory(server.pid)
            print(
                f"memory of the serve process with the daemon inside: VmRSS {rss:.1f} MB, peak {peak:.1f} MB  "
                f"{verdict(peak < 150, '< 150 MB')}"
            )
            print(f"  baseline: a bare Python importing the same libraries: {baseline_memory():.1f} MB")
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(60)
            except subprocess.TimeoutExpired:
                server.kill()


if __name__ == "__main__":
    main()
