"""Failure notices: when a post ends in `failed` or `needs_attention`, tell the team (once per
post and state — the dispatcher checks that with the store)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from scheduler.models import QueuedPost


class Notifier(Protocol):
    def __call__(self, post: QueuedPost) -> None: ...

    def announce(self, text: str) -> None:
        """A notice about the daemon itself (publishing paused), not about one post."""
        ...


def describe(post: QueuedPost) -> str:
    """One paragraph a person can act on."""
    what = "failed" if post.state == "failed" else "needs attention"
    title = f" ({post.title})" if post.title else ""
    return (f"Post {post.id} to {post.platform}:{post.account}{title} {what}: {post.error or 'no details'}. "
            f"See 'scheduler queue show {post.id}'; retry with 'scheduler queue retry {post.id}'.")


class AllNotifiers:
    """Sends a notice through every configured channel; one channel failing does not stop the others."""

    def __init__(self, channels: Sequence[Notifier]) -> None:
        self.channels = tuple(channels)

    def __repr__(self) -> str:
        return f"AllNotifiers({list(self.channels)!r})"

    def __bool__(self) -> bool:
        return bool(self.channels)

    def __call__(self, post: QueuedPost) -> None:
        errors = []
        for channel in self.channels:
            try:
                channel(post)
            except Exception as exc:  # noqa: BLE001 - reported together below
                errors.append(f"{channel!r}: {exc}")
        if errors:
            raise RuntimeError("; ".join(errors))

    def announce(self, text: str) -> None:
        """`text` through every channel; one channel failing does not stop the others."""
        errors = []
        for channel in self.channels:
            try:
                channel.announce(text)
            except Exception as exc:  # noqa: BLE001 - reported together below
                errors.append(f"{channel!r}: {exc}")
        if errors:
            raise RuntimeError("; ".join(errors))
