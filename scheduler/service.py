"""Use cases that combine the parts: import issues, render their posts, build the requests."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from scheduler import media, newsletter
from scheduler.models import Issue, Post
from scheduler.newsletter import Limits, PerEntry, Rules, issue_files
from scheduler.newsletter.rules import DEFAULT
from scheduler.platforms import PayloadOptions, build_payloads, build_uploads, registry
from scheduler.platforms.base import Payload
from scheduler.render.renderer import Renderer

#: Where an issue comes from: a file or folder, or the address of a page or feed (http(s)://…).
Source = Path | str


@dataclass(frozen=True, slots=True)
class Reading:
    """How issues are read: the team's boilerplate phrases added to the default rules
    (SCHEDULER_BOILERPLATE), and what a feed's entry is (SCHEDULER_FEED_ENTRIES)."""

    rules: Rules = DEFAULT
    feed_entries: PerEntry = "issue"


#: The default rules, each feed entry an issue.
DEFAULT_READING = Reading()


@dataclass(frozen=True, slots=True)
class PreviewedPost:
    post: Post
    payloads: tuple[Payload, ...]  # one request body per part, secrets redacted
    uploads: tuple[Payload, ...] = ()  # image uploads before the post (see platforms.build_uploads)


@dataclass(frozen=True, slots=True)
class IssuePreview:
    issue: Issue
    posts: tuple[PreviewedPost, ...]

    @property
    def misfits(self) -> list[Post]:
        return [entry.post for entry in self.posts if not entry.post.fits]


def preview(
    paths: Sequence[Source],
    *,
    renderer: Renderer,
    platforms: Sequence[str],
    languages: Sequence[str],
    now: dt.datetime,
    media_base_url: str | None = None,
    options: PayloadOptions | None = None,
    limits: Limits = Limits(),
    fetch_allow: Sequence[str] = (),
    reading: Reading = Reading(),
) -> list[IssuePreview]:
    """Every post of every issue at `paths` (files, folders, addresses) on every platform, with the
    exact requests; nothing is sent.

    All files are read and rendered before anything is returned, so bad input fails the whole
    preview before any output is written. Images are checked against each platform's limits
    (`InputError` naming the file and the fix); platforms that download images themselves get
    them as public URLs under `media_base_url`. `options`: what settings add to request bodies.
    `limits`: the largest file and the most items an issue may have (checked before rendering)."""
    return render_issues(
        load_issues(paths, languages=languages, limits=limits, fetch_allow=fetch_allow, reading=reading),
        renderer=renderer,
        platforms=platforms,
        now=now,
        media_base_url=media_base_url,
        options=options,
    )


def is_address(value: str) -> bool:
    """Whether a command-line argument names a page or feed to fetch rather than a file."""
    return value.startswith(("https://", "http://"))


def load_issues(
    paths: Sequence[Source],
    *,
    languages: Sequence[str],
    limits: Limits = Limits(),
    fetch_allow: Sequence[str] = (),
    reading: Reading = Reading(),
) -> list[Issue]:
    """The issues at `paths` (files, folders, or addresses fetched with the package's fetcher,
    which reaches private addresses only where `fetch_allow` lists them), every one read before any
    is rendered, as `reading` says."""
    issue_files([path for path in paths if not isinstance(path, str)])  # every path exists, before any fetch
    issues: list[Issue] = []
    for path in paths:
        if isinstance(path, str):
            issues.extend(_fetched(path, languages=languages, limits=limits, fetch_allow=fetch_allow, reading=reading))
        else:
            for file in issue_files([path]):
                issues.extend(
                    newsletter.load_issues(
                        file, languages=languages, limits=limits, per_entry=reading.feed_entries, rules=reading.rules
                    )
                )
    return issues


def _fetched(
    url: str, *, languages: Sequence[str], limits: Limits, fetch_allow: Sequence[str], reading: Reading
) -> list[Issue]:
    from scheduler.platforms.download import download_issue  # requests only when an address is given

    got = download_issue(url, max_bytes=limits.max_bytes, allow=fetch_allow)
    return newsletter.read_issues(
        got.readable,
        source=url,
        url=got.url,
        languages=languages,
        limits=limits,
        per_entry=reading.feed_entries,
        rules=reading.rules,
    )


def render_issues(
    issues: Sequence[Issue],
    *,
    renderer: Renderer,
    platforms: Sequence[str],
    now: dt.datetime,
    media_base_url: str | None = None,
    options: PayloadOptions | None = None,
) -> list[IssuePreview]:
    """Every post of `issues` on `platforms` with its requests (see `preview`)."""
    result = []
    for issue in issues:
        posts = tuple(
            PreviewedPost(
                post,
                tuple(build_payloads(post.platform, post.content, now=now, options=options)),
                tuple(build_uploads(post.platform, post.content)),
            )
            for post in (_with_images(issue, post, media_base_url) for post in renderer.render_issue(issue, platforms))
        )
        result.append(IssuePreview(issue, posts))
    return result


def as_written(previews: Sequence[IssuePreview]) -> list[IssuePreview]:
    """The previews with every single post whose text was cut to fit a platform marked as not
    fitting: a post the team wrote word for word (`posts/*.md`) goes out whole or not at all —
    shorter, or as a thread (`thread: true`) where the platform has threads."""
    return [
        dataclasses.replace(
            preview,
            posts=tuple(
                entry
                if entry.post.reason or preview.issue.placement is None or _whole(preview.issue, entry.post)
                else dataclasses.replace(
                    entry, post=dataclasses.replace(entry.post, reason=_cut_reason(entry.post), warnings=())
                )
                for entry in preview.posts
            ),
        )
        for preview in previews
    ]


@dataclass(frozen=True, slots=True)
class ItemWarning:
    """One warning of an item's posts (a dead end, see `render.readon`) and the platforms it is on."""

    source: str  # the issue's source
    number: int  # the item's number in its issue, from 1
    title: str
    warning: str
    platforms: tuple[str, ...]


def item_warnings(previews: Sequence[IssuePreview]) -> list[ItemWarning]:
    """The posts' warnings, one per item and warning, naming the platforms whose posts have it
    (a post rendered for several accounts is named once), in the order of the items."""
    grouped: dict[tuple[str, int, str, str], list[str]] = {}
    for issue_preview in previews:
        numbers = {item.id: number for number, item in reversed(list(enumerate(issue_preview.issue.items, start=1)))}
        for post in (entry.post for entry in issue_preview.posts if entry.post.warnings):
            for warning in post.warnings:
                on = grouped.setdefault((issue_preview.issue.source, numbers[post.item_id], post.title, warning), [])
                if post.platform not in on:
                    on.append(post.platform)
    return [
        ItemWarning(source, number, title, warning, tuple(on))
        for (source, number, title, warning), on in grouped.items()
    ]


def _whole(issue: Issue, post: Post) -> bool:
    """Whether every word of the single post's text is in the post, in order."""
    said = iter(" ".join(post.content.parts).split())
    return all(any(word == seen for seen in said) for word in issue.items[0].body.split())


def _cut_reason(post: Post) -> str:
    thread = " or set thread: true" if registry.get(post.platform).threads else ""
    return f"the text was cut to fit {post.limit} characters; shorten it{thread}"


def _with_images(issue: Issue, post: Post, media_base_url: str | None) -> Post:
    if not post.images:
        return post
    number = 1 + [item.id for item in issue.items].index(post.item_id)
    where = f"{issue.source} item {number} ({post.title[:40]}) on {post.platform}"
    images = media.prepare(post.images, registry.get(post.platform).images, where=where, media_base_url=media_base_url)
    return dataclasses.replace(post, content=dataclasses.replace(post.content, images=images))
