"""`--format markdown`: a summary table and each post in a collapsible block, for a PR comment."""

from __future__ import annotations

import re
from collections.abc import Sequence

from scheduler.report.shown import shown
from scheduler.service import IssuePreview
from scheduler.wording import plural


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _fence(text: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def render(previews: Sequence[IssuePreview]) -> str:
    out: list[str] = []
    for preview in previews:
        issue = preview.issue
        platforms = list(dict.fromkeys(entry.post.platform for entry in preview.posts))
        misfits = preview.misfits
        verdict = (
            "✅ every post fits"
            if not misfits
            else f"❌ {len(misfits)} of {plural(len(preview.posts), 'post')} "
            f"{'does' if len(preview.posts) == 1 else 'do'} not fit"
        )
        date = issue.date.isoformat() if issue.date else "undated"
        out += [f"## {_cell(issue.title)} — {date} ({issue.language})", ""]
        out += [
            f"`{issue.source}` · {plural(len(issue.items), 'item')} · {plural(len(preview.posts), 'post')} · {verdict}",
            "",
        ]
        out.append("| # | Section | Item | " + " | ".join(platforms) + " |")
        out.append("|---|---|---|" + "---|" * len(platforms))
        by_item: dict[str, dict[str, str]] = {}
        for entry in preview.posts:
            post = entry.post
            thread = f" ×{len(post.parts)}" if len(post.parts) > 1 else ""
            by_item.setdefault(post.item_id, {})[post.platform] = (
                f"{'✅' if post.fits else '❌'} {post.length}/{post.limit}{thread}"
            )
        for number, item in enumerate(issue.items, 1):
            cells = [by_item.get(item.id, {}).get(platform, "") for platform in platforms]
            out.append(f"| {number} | {_cell(item.section)} | {_cell(item.title)} | " + " | ".join(cells) + " |")
        out.append("")
        for reason_post in misfits:
            out.append(
                f"- ❌ **{reason_post.platform}**, item `{reason_post.item_id}`: {_cell(reason_post.reason or '')}"
            )
        warned = [(entry.post, warning) for entry in preview.posts for warning in entry.post.warnings]
        for warned_post, warning in warned:
            out.append(f"- ⚠️ **{warned_post.platform}**, item `{warned_post.item_id}`: {_cell(warning)}")
        if misfits or warned:
            out.append("")
        for number, item in enumerate(issue.items, 1):
            out += ["<details>", f"<summary>{number}. {_cell(item.title)}</summary>", ""]
            for entry in preview.posts:
                post = entry.post
                if post.item_id != item.id:
                    continue
                out.append(f"**{post.platform}** — {post.length}/{post.limit} {'✅' if post.fits else '❌'}")
                out.append("")
                for count, image in enumerate(post.images, start=1):
                    out.append(f"- image {count}: `{image.path}` — alt: {_cell(image.alt)}")
                if post.images:
                    out.append("")
                for part in post.parts:
                    text = shown(post.platform, part)
                    fence = _fence(text)
                    out += [f"{fence}text", text, fence, ""]
            out += ["</details>", ""]
    return "\n".join(out)
