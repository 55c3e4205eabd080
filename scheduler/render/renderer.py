"""Rendering an item into a post for one platform: template → text → fitted post."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from scheduler.errors import FitError, TemplateError
from scheduler.models import PLATFORMS, THREAD_PLATFORMS, Issue, Item, Post
from scheduler.render import environment
from scheduler.render.fitting import MARKER, fit
from scheduler.render.helpers import add_utm, format_hashtags
from scheduler.text.entities import url_spans
from scheduler.text.length import Measure, measure

_TRAILING_SPACE = re.compile(r"[ \t]+\n")
_BLANK_LINES = re.compile(r"\n{3,}")


def _tidy(text: str) -> str:
    """Strip trailing spaces on lines and runs of blank lines the template left."""
    return _BLANK_LINES.sub("\n\n", _TRAILING_SPACE.sub("\n", text)).strip()


@dataclass(slots=True)
class _FitRequest:
    region: str | None = None
    thread: bool | None = None


@jinja2.pass_context
def _fit_filter(context: jinja2.runtime.Context, text: Any, thread: bool | None = None) -> str:
    request: _FitRequest = context["_fit"]
    if request.region is not None:
        raise TemplateError("fit may be used only once in a template")
    request.region, request.thread = _tidy(str(text)), thread
    return MARKER


class Renderer:
    """Renders items through the templates in `templates_dir` (None: the packaged defaults only; a
    folder overrides them file by file); one instance serves many posts."""

    def __init__(
        self,
        templates_dir: Path | None,
        *,
        hashtags: Sequence[str] = (),
        utm: bool = True,
        threads: Iterable[str] = (),
        mastodon_limit: int = 500,
    ) -> None:
        self.templates_dir = templates_dir
        self.hashtags = tuple(hashtags)
        self.utm = utm
        self.threads = frozenset(threads) & THREAD_PLATFORMS
        self.mastodon_limit = mastodon_limit
        self._environment = environment.make_environment(templates_dir)
        self._environment.filters["fit"] = _fit_filter
        self._templates: dict[tuple[str, str], jinja2.Template] = {}

    def __repr__(self) -> str:
        return (
            f"Renderer(templates_dir={str(self.templates_dir) if self.templates_dir else None!r}, "
            f"hashtags={self.hashtags!r}, "
            f"utm={self.utm}, threads={sorted(self.threads)!r}, mastodon_limit={self.mastodon_limit})"
        )

    def measure(self, platform: str, text: str, spoiler_text: str = "") -> Measure:
        return measure(platform, text, spoiler_text, mastodon_limit=self.mastodon_limit)

    def render(self, issue: Issue, item: Item, platform: str) -> Post:
        """The post for `item` on `platform`; a post that cannot fit carries the reason."""
        key = (item.section, platform)
        if (template := self._templates.get(key)) is None:
            template = self._templates[key] = environment.select(self._environment, item.section, platform)
        use_utm = self.utm if issue.options.utm is None else issue.options.utm

        def utm(url: str) -> str:
            return add_utm(url, source=platform, campaign=issue.slug) if use_utm else url

        def hashtags(*extra: str) -> str:
            return format_hashtags(
                self.hashtags, issue.options.hashtags, issue.options.section_hashtags.get(item.section, ()), extra
            )

        link = item.url or issue.options.link
        request = _FitRequest()
        spoiler = issue.options.content_warning if platform == "mastodon" else ""
        context = {
            "issue": issue,
            "item": item,
            "section": item.section,
            "platform": platform,
            "language": issue.language,
            "limit": self.measure(platform, "").limit,
            "link": utm(link) if link else None,
            "hashtags": hashtags,
            "utm": utm,
            "_fit": request,
        }
        output = _tidy(environment.render(template, context))
        thread = (platform in self.threads if request.thread is None else request.thread) and (
            platform in THREAD_PLATFORMS
        )

        def measure_post(text: str) -> Measure:
            return self.measure(platform, text, spoiler)

        fields = {
            "item_id": item.id,
            "section": item.section,
            "title": item.title,
            "platform": platform,
            "language": issue.language,
            "spoiler_text": spoiler,
            "images": item.images,
        }
        try:
            fitted = fit(output, request.region, measure=measure_post, language=issue.language, thread=thread)
        except FitError as exc:
            full = output.replace(MARKER, request.region or "")
            whole = measure_post(full)
            return Post(parts=(full,), length=whole.length, limit=whole.limit, reason=str(exc), **fields)
        links = tuple(dict.fromkeys(span.text for part in fitted.parts for span in url_spans(part)))
        return Post(
            parts=fitted.parts, length=fitted.measure.length, limit=fitted.measure.limit, links=links, **fields
        )

    def render_issue(self, issue: Issue, platforms: Sequence[str] = PLATFORMS) -> list[Post]:
        return [self.render(issue, item, platform) for item in issue.items for platform in platforms]
