"""`scheduler preview` and `scheduler count`: posts and lengths, nothing sent."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from scheduler.cli import cli, clock, current_time, issue_sources, platforms_option, tell_warnings, write_output
from scheduler.platforms import registry
from scheduler.wording import plural

REPORT_FORMATS = ("text", "json", "markdown", "html")


@cli.command()
@click.argument("paths", nargs=-1)
@click.option(
    "--platform",
    "-p",
    "platforms",
    multiple=True,
    callback=platforms_option,
    help=f"Only this platform (repeatable): {', '.join(registry.NAMES)}. Default: SCHEDULER_PLATFORMS.",
)
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(REPORT_FORMATS),
    default="text",
    show_default=True,
    help="text for a terminal, markdown for a pull-request comment, html for a page, json for tools.",
)
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False), help="Write the report to FILE.")
@click.option(
    "--strict",
    is_flag=True,
    help="Exit 1 on warnings too: a shortened post without a link to read on, a 'hier' without a link.",
)
def preview(paths: tuple[str, ...], platforms: tuple[str, ...], fmt: str, output: Path | None, strict: bool) -> int:
    """Show every item of the issues at PATHS as a post per platform; nothing is sent.

    PATHS are newsletter files or folders (default: SCHEDULER_POSTS_DIR, i.e. posts/). Exits 0 when
    every post fits, 1 when any does not (each reason is printed), 2 on bad input. A post that
    leaves a reader at a dead end (shortened without a link to read on, "hier" without a link) is
    a warning; with --strict, a failure (exit 1). Posts carry SCHEDULER_FOOTER, the line of the
    default accounts; a named account with its own line (…__FOOTER) gets that one when queued.

    Example: scheduler preview posts/ --platform mastodon --format markdown -o preview.md
    """
    from scheduler.report import formatter
    from scheduler.wiring import Wiring

    wiring = Wiring.from_environment(clock=clock())
    issues = wiring.load_issues(issue_sources(paths, wiring.settings.posts_dir))  # every one read first
    previews = wiring.previews(issues, platforms=platforms, now=current_time())
    write_output(output, formatter(fmt)(previews))
    misfits = [(p.issue.source, post) for p in previews for post in p.misfits]
    for source, post in misfits:
        click.echo(
            f"does not fit: {source} item {post.item_id} ({post.title}) on {post.platform}: {post.reason}", err=True
        )
    warned = tell_warnings(previews)
    if output is not None:
        total = sum(len(p.posts) for p in previews)
        fitting = total - len(misfits)
        click.echo(f"wrote {output}: {plural(total, 'post')}, {fitting} {'fits' if fitting == 1 else 'fit'}", err=True)
    if warned and not strict:
        click.echo(f"{plural(warned, 'post')} with warnings; --strict makes them a failure", err=True)
    return 1 if misfits or (strict and warned) else 0


@cli.command()
@click.argument("text", required=False)
@click.option(
    "--platform",
    "-p",
    "platforms",
    multiple=True,
    callback=platforms_option,
    help="Only this platform (repeatable). Default: all.",
)
@click.option("--format", "-f", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True)
def count(text: str | None, platforms: tuple[str, ...], fmt: str) -> int:
    """Count TEXT (or standard input, with - or no argument) as every platform counts it.

    Exits 0 when it fits everywhere, 1 when it is too long for some platform.

    Example: echo "Neu im Newsletter: https://example.org/n/12 #Familie" | scheduler count -
    """
    import json

    from scheduler.wiring import Wiring

    if text is None or text == "-":
        if sys.stdin is None or sys.stdin.isatty():
            raise click.UsageError("give the text as an argument, or - to read it from standard input")
        text = sys.stdin.read().removesuffix("\n")
    if not text.strip():
        raise click.UsageError("nothing to count: give a text, or pipe one in with -")
    limits = Wiring.from_environment(clock=clock()).setting_limits()
    results = {platform: registry.measure(platform, text, limits=limits) for platform in platforms or registry.NAMES}
    if fmt == "json":
        data = {name: {"length": m.length, "limit": m.limit, "fits": m.fits} for name, m in results.items()}
        click.echo(json.dumps(data, indent=2))
    else:
        for name, m in results.items():
            verdict = "fits" if m.fits else f"too long: {m.problem}"
            click.echo(f"{name:<9} {m.length:>6} / {m.limit:<6} {verdict}")
    return 0 if all(m.fits for m in results.values()) else 1
