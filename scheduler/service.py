"""Use cases that combine the parts: import issues, render their posts, build the requests."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from scheduler import media
from scheduler.models import Issue, Post
from scheduler.newsletter import Limits, issue_files, load_issue
from scheduler.platforms import PayloadOptions, build_payloads, build_uploads, registry
from scheduler.platforms.base import Payload
from scheduler.render.renderer import Renderer


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
    paths: Sequence[Path],
    *,
    renderer: Renderer,
    platforms: Sequence[str],
    languages: Sequence[str],
    now: dt.datetime,
    media_base_url: str | None = None,
    options: PayloadOptions | None = None,
    limits: Limits = Limits(),
) -> list[IssuePreview]:
    """Every post of every issue at `paths` on every platform, with the exact requests; nothing is sent.

    All files are read and rendered before anything is returned, so bad input fails the whole
    preview before any output is written. Images are checked against each platform's limits
    (`InputError` naming the file and the fix); platforms that download images themselves get
    them as public URLs under `media_base_url`. `options`: what settings add to request bodies.
    `limits`: the largest file and the most items an issue may have (checked before rendering)."""
    return render_issues(
        load_issues(paths, languages=languages, limits=limits),
        renderer=renderer,
        platforms=platforms,
        now=now,
        media_base_url=media_base_url,
        options=options,
    )


def load_issues(paths: Sequence[Path], *, languages: Sequence[str], limits: Limits = Limits()) -> list[Issue]:
    """The issues at `paths` (files or folders), read before any is rendered."""
    return [load_issue(path, languages=languages, limits=limits) for path in issue_files(paths)]


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


def _with_images(issue: Issue, post: Post, media_base_url: str | None) -> Post:
    if not post.images:
        return post
    number = 1 + [item.id for item in issue.items].index(post.item_id)
    where = f"{issue.source} item {number} ({post.title[:40]}) on {post.platform}"
    images = media.prepare(post.images, registry.get(post.platform).images, where=where, media_base_url=media_base_url)
    return dataclasses.replace(post, content=dataclasses.replace(post.content, images=images))
