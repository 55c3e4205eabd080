"""Rendering an item into a post for one platform: template → text → fitted post."""

from __future__ import annotations

import copy
import dataclasses
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

import jinja2

from scheduler.errors import FitError, TemplateError
from scheduler.models import Content, Issue, Item, Post
from scheduler.platforms import registry
from scheduler.render import environment
from scheduler.render.fitting import MARKER, Fitted, fit
from scheduler.render.helpers import add_utm, format_hashtags, link_in_text, paragraphs, phrases, tag_links
from scheduler.render.readon import dead_ends, pointers
from scheduler.text.entities import url_spans
from scheduler.text.length import Measure

_TRAILING_SPACE = re.compile(r"[ \t]+\n")
_BLANK_LINES = re.compile(r"\n{3,}")


def _tidy(text: str) -> str:
    """Strip trailing spaces on lines and runs of blank lines the template left."""
    if " \n" in text or "\t\n" in text:  # what every match contains: spares the scans
        text = _TRAILING_SPACE.sub("\n", text)
    if "\n\n\n" in text:
        text = _BLANK_LINES.sub("\n\n", text)
    return text.strip()


@dataclass(slots=True)
class _FitRequest:
    region: str | None = None
    thread: bool | None = None


@dataclass(frozen=True, slots=True)
class _Attempt:
    """One rendering of a post: fitted, or the template's output and why it cannot fit."""

    output: str
    fitted: Fitted | None
    reason: str | None

    @property
    def text(self) -> str:
        return "\n\n".join(self.fitted.parts) if self.fitted is not None else self.output

    @property
    def cost(self) -> tuple[int, float]:
        """What fitting took: the number of parts, then how much of the `fit` text was cut."""
        assert self.fitted is not None
        kept = self.fitted.kept
        return len(self.fitted.parts), -(float("inf") if kept is None else kept)


def _headline(item: Item) -> str:
    """The item's title when it is a title of its own; "" when it is just the start of the item's text
    (as the importer makes it from the first sentence): the text then opens with it anyway."""
    title = item.title.removesuffix("…").rstrip()
    if not title or item.body.startswith(title) or " ".join(item.body.split()).startswith(title):
        return ""
    return item.title


@lru_cache(maxsize=64)
def _options_file(source: str) -> str:
    """The options file beside an issue's file, as warnings name it."""
    return str(Path(source).with_suffix(".toml"))


@jinja2.pass_context
def _paragraphs_filter(context: jinja2.runtime.Context, text: Any, size: int = 320) -> str:
    return paragraphs(str(text), context["language"], size=size)


def _has_link(text: str, url: str) -> bool:
    return any((span.text if "://" in span.text else "https://" + span.text) == url for span in url_spans(text))


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
        limits: Mapping[str, int] | None = None,
        footer: str = "",
        footer_platforms: Iterable[str] = registry.NAMES,
    ) -> None:
        """`footer`: the account's own line (e.g. a funding notice), offered to templates as `footer`
        on `footer_platforms` wherever it costs no text (see `render`). `limits`: a platform's own
        length limit where it differs from the platform's default (a Mastodon instance's)."""
        self.templates_dir = templates_dir
        self.hashtags = tuple(hashtags)
        self.utm = utm
        self.threads = frozenset(threads) & registry.thread_platforms()
        self.limits = dict(limits or {})
        self.footer = " ".join(footer.split())
        self.footer_platforms = frozenset(footer_platforms)
        self._environment = environment.make_environment(templates_dir)
        self._environment.filters["fit"] = _fit_filter
        self._environment.filters["paragraphs"] = _paragraphs_filter
        self._templates: dict[tuple[str, str], jinja2.Template] = {}

    def __repr__(self) -> str:
        return (
            f"Renderer(templates_dir={str(self.templates_dir) if self.templates_dir else None!r}, "
            f"hashtags={self.hashtags!r}, "
            f"utm={self.utm}, threads={sorted(self.threads)!r}, limits={self.limits!r}, "
            f"footer={self.footer!r}, footer_platforms={sorted(self.footer_platforms)!r})"
        )

    def with_footer(self, footer: str) -> Renderer:
        """This renderer with another account line, offered on every platform it renders (the
        caller has chosen the line for the accounts it renders for); templates are shared."""
        twin = copy.copy(self)
        twin.footer = " ".join(footer.split())
        twin.footer_platforms = frozenset(registry.NAMES)
        return twin

    def measure(self, platform: str, text: str, spoiler_text: str = "") -> Measure:
        return registry.measure(platform, text, spoiler_text, limits=self.limits)

    def render(self, issue: Issue, item: Item, platform: str) -> Post:
        """The post for `item` on `platform`; a post that cannot fit carries the reason, one that fits
        but leaves a reader at a dead end carries warnings (see `readon`).

        The item's link (or the issue's) is offered to the template as `link`, UTM-tagged like the
        links in the item's text. When the text has the link already (written with or without
        scheme or "www.": it then becomes the full, tagged address), or ends in a colon that
        announces the item's link ("Anmeldung bis 25. April:", the link then follows it), and the
        link stays in the text after fitting, `link` is None: the template does not show it twice.
        The account's `footer` line is offered where it costs no text: when the post is shortened
        (or split) no more with it."""
        key = (item.section, platform)
        if (template := self._templates.get(key)) is None:
            template = self._templates[key] = environment.select(self._environment, item.section, platform)
        use_utm = self.utm if issue.options.utm is None else issue.options.utm

        def utm(url: str) -> str:
            return add_utm(url, source=platform, campaign=issue.slug) if use_utm else url

        groups = (self.hashtags, issue.options.hashtags, issue.options.section_hashtags.get(item.section, ()))
        tags = format_hashtags(*groups)  # templates ask twice per rendering ({% if hashtags() %})

        def hashtags(*extra: str) -> str:
            return format_hashtags(*groups, extra) if extra else tags

        link = item.url or issue.options.link
        tagged = utm(link) if link else None
        body = tag_links(item.body, utm) if use_utm else item.body
        shown = item if body == item.body else dataclasses.replace(item, body=body)
        # the text with the link in it: where it writes the address, or after a closing colon (the
        # item's own link only: the issue's page is not what "Anmeldung bis 25. April:" announces)
        inline_item: Item | None = shown if tagged and _has_link(shown.body, tagged) else None
        if link and inline_item is None and (with_link := link_in_text(item.body, link, after_colon=link == item.url)):
            inline_item = dataclasses.replace(item, body=tag_links(with_link, utm) if use_utm else with_link)
        spoiler = issue.options.content_warning if registry.get(platform).content_warning else ""
        context = {
            "issue": issue,
            "section": item.section,
            "headline": _headline(item),
            "platform": platform,
            "language": issue.language,
            "limit": self.measure(platform, "").limit,
            "phrases": phrases(issue.language),
            "hashtags": hashtags,
            "utm": utm,
        }

        def measure_post(text: str) -> Measure:
            return self.measure(platform, text, spoiler)

        def attempt(link_shown: str | None, footer: str, the_item: Item = shown) -> _Attempt:
            request = _FitRequest()
            values = {**context, "item": the_item, "link": link_shown, "footer": footer, "_fit": request}
            output = _tidy(environment.render(template, values))
            thread = (platform in self.threads if request.thread is None else request.thread) and (
                registry.get(platform).threads
            )
            try:
                fitted = fit(output, request.region, measure=measure_post, language=issue.language, thread=thread)
            except FitError as exc:
                return _Attempt(output.replace(MARKER, request.region or ""), None, str(exc))
            return _Attempt(output, fitted, None)

        def best(footer: str) -> _Attempt:
            if tagged and inline_item is not None:  # offer the link line only if fitting cut it away
                inline = attempt(None, footer, inline_item)
                if inline.fitted is not None and _has_link(inline.text, tagged):
                    return inline
            return attempt(tagged, footer)

        chosen = best("")
        footer = self.footer if platform in self.footer_platforms else ""
        if footer and chosen.fitted is not None:
            with_footer = best(footer)
            if with_footer.fitted is not None and with_footer.cost <= chosen.cost:
                chosen = with_footer

        post = partial(Post, item_id=item.id, section=item.section, platform=platform)
        said = partial(Content, language=issue.language, spoiler_text=spoiler, images=item.images, title=item.title)
        if chosen.fitted is None:
            whole = measure_post(chosen.text)
            return post(content=said((chosen.text,)), length=whole.length, limit=whole.limit, reason=chosen.reason)
        fitted = chosen.fitted
        links = tuple(dict.fromkeys(span.text for part in fitted.parts for span in url_spans(part)))
        warnings = dead_ends(
            chosen.text,
            has_link=bool(links),
            shortened=fitted.shortened,
            link_available=bool(link),
            options_file=_options_file(issue.source),
            relative=item.relative,
            borrowed=[word for word in pointers(item.body) if word in chosen.text]
            if not item.url and issue.options.link
            else (),
        )
        return post(
            content=said(fitted.parts, links=links),
            length=fitted.measure.length,
            limit=fitted.measure.limit,
            warnings=tuple(warnings),
        )

    def render_issue(self, issue: Issue, platforms: Sequence[str] = registry.NAMES) -> list[Post]:
        return [self.render(issue, item, platform) for item in issue.items for platform in platforms]
