"""`--format text`: readable in a terminal, per item and platform, with length and limit."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from scheduler.report.shown import shown
from scheduler.service import IssuePreview
from scheduler.wording import plural


def render(previews: Sequence[IssuePreview]) -> str:
    lines: list[str] = []
    for preview in previews:
        issue = preview.issue
        date = issue.date.isoformat() if issue.date else "undated"
        lines.append(f"{issue.title} · {date} · {issue.language} · {plural(len(issue.items), 'item')} · {issue.source}")
        lines.append("=" * min(len(lines[-1]), 100))
        current = None
        for entry in preview.posts:
            post = entry.post
            if post.item_id != current:
                current = post.item_id
                index = 1 + [item.id for item in issue.items].index(post.item_id)
                lines += ["", f"[{index}/{len(issue.items)}] {post.section or '—'} · {post.title}  (id {post.item_id})"]
            mark = "ok" if post.fits else "DOES NOT FIT"
            thread = f", thread of {len(post.parts)}" if len(post.parts) > 1 else ""
            lines.append(f"  {post.platform} — {post.length}/{post.limit}{thread} — {mark}")
            if post.reason:
                lines.append(f"    ! {post.reason}")
            lines += [f"    warning: {warning}" for warning in post.warnings]
            for count, image in enumerate(post.images, start=1):
                lines.append(f"    image {count}: {image.path}")
                lines += [
                    f"      alt: {line}" if n == 0 else f"           {line}"
                    for n, line in enumerate(textwrap.wrap(image.alt, 88) or [""])
                ]
            for part in post.parts:
                for paragraph in shown(post.platform, part).split("\n"):
                    wrapped = textwrap.wrap(paragraph, 96, break_long_words=False, break_on_hyphens=False) or [""]
                    lines += [f"    │ {line}" for line in wrapped]
                if len(post.parts) > 1:
                    lines.append("    ┄")
        total = len(preview.posts)
        lines += [
            "",
            f"{total - len(preview.misfits)} of {plural(total, 'post')} {'fits' if total == 1 else 'fit'}.",
            "",
        ]
    return "\n".join(lines)
