"""`scheduler check`: are the issues and single posts in a pull request fit to be queued?"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import click

from scheduler.cli import cli, clock, current_time, issue_sources, platforms_option
from scheduler.errors import SchedulerError
from scheduler.wording import plural

if TYPE_CHECKING:
    from scheduler.wiring import Wiring


@cli.command(name="check")
@click.argument("paths", nargs=-1)
@click.option(
    "--platform",
    "-p",
    "platforms",
    multiple=True,
    callback=platforms_option,
    help="Check for this platform only (repeatable; default: SCHEDULER_PLATFORMS; a single post's own platforms win).",
)
@click.option("--account", "accounts", multiple=True, help="Check for this account, as platform:name (repeatable).")
def check(paths: tuple[str, ...], platforms: tuple[str, ...], accounts: tuple[str, ...]) -> int:
    """Check issues and single posts before they are queued, for CI.

    Every file at PATHS (default: SCHEDULER_POSTS_DIR) is read and rendered for every platform:
    each post must fit (or split where threads are allowed), a single post's publish_at must lie in
    the future and its platforms and accounts be known, images must exist and carry alt text, and
    links must be well-formed web addresses. Every problem is one line naming its file; nothing is
    queued or sent. Exits 0 when all is well, 1 when a post does not fit, 2 on any other problem.

    Example: scheduler check posts/
    """
    from scheduler.newsletter import issue_files
    from scheduler.wiring import Wiring

    wiring = Wiring.from_environment(clock=clock())
    settings = wiring.settings
    now = current_time()
    sources = issue_sources(paths, settings.posts_dir)
    files: list[Path | str] = []
    for source in sources:
        files.extend([source] if isinstance(source, str) else issue_files([source]))
    bad = misfit = 0
    for file in files:
        try:
            problems, fit_problems, summary = _check(wiring, file, platforms=platforms, accounts=accounts, now=now)
        except SchedulerError as error:
            text = str(error)
            problems, fit_problems, summary = [text if text.startswith(str(file)) else f"{file}: {text}"], [], ""
        for line in fit_problems:
            click.echo(f"does not fit: {line}", err=True)
        for line in problems:
            click.echo(f"error: {line}", err=True)
        if not problems and not fit_problems:
            click.echo(f"ok: {file}: {summary}")
        bad += len(problems)
        misfit += len(fit_problems)
    if bad or misfit:
        click.echo(f"{plural(bad + misfit, 'problem')} in {plural(len(files), 'file')}", err=True)
        return 2 if bad else 1
    click.echo(f"checked {plural(len(files), 'file')}: every post fits")
    return 0


def _check(
    wiring: Wiring, file: Path | str, *, platforms: tuple[str, ...], accounts: tuple[str, ...], now: dt.datetime
) -> tuple[list[str], list[str], str]:
    """The problems (other, not fitting) of one file, and what it holds in words."""
    problems: list[str] = []
    misfits: list[str] = []
    issues = wiring.load_issues([file])
    posts = 0
    for issue in issues:
        where, chosen, threads = platforms, accounts, None
        if issue.placement is not None:
            placed, placed_accounts, _, threads = wiring.placement(issue, now=now)
            where, chosen = placed or platforms, placed_accounts or accounts
        for preview in wiring.preview([issue], platforms=where, chosen=chosen, threads=threads, now=now):
            numbers = {item.id: number for number, item in enumerate(preview.issue.items, start=1)}
            for entry in preview.posts:
                post = entry.post
                posts += 1
                named = post.title or " ".join(issue.items[0].body.split()[:6])
                label = f"{issue.source} item {numbers.get(post.item_id, '?')} ({named[:40]}) on {post.platform}"
                if not post.fits:
                    misfits.append(f"{label}: {post.reason}")
                problems.extend(
                    f"{label}: the link {link!r} is not a well-formed web address"
                    for link in post.content.links
                    if not _well_formed(link)
                )
    items = sum(len(issue.items) for issue in issues)
    kind = "single post" if len(issues) == 1 and issues[0].placement is not None else plural(items, "item")
    return list(dict.fromkeys(problems)), misfits, f"{kind}, {plural(posts, 'post')}"


def _well_formed(link: str) -> bool:
    """An http(s) address with a host that has a dot (or is localhost), without spaces."""
    if link.startswith("mailto:"):
        return "@" in link
    parts = urlsplit(link)
    host = parts.hostname or ""
    return (
        parts.scheme in ("http", "https")
        and not any(character.isspace() for character in link)
        and ("." in host.strip(".") or host == "localhost")
        and ".." not in host
    )
