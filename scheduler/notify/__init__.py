"""Failure notices: when a post ends in `failed` or `needs_attention`, tell the team (once per
post and state — the dispatcher checks that with the store).

Every channel raises only `NoticeError` (with its `channel` and `target`): what went wrong in the
network, TLS or the server's answer is translated once, in the channel. The callers log it in one
line and go on — a notice that cannot be sent never stops publishing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from scheduler.errors import NoticeError
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
    return (
        f"Post {post.id} to {post.platform}:{post.account}{title} {what}: {post.error or 'no details'}. "
        f"See 'scheduler queue show {post.id}'; retry with 'scheduler queue retry {post.id}'."
    )


class AllNotifiers:
    """Sends a notice through every configured channel; one channel failing does not stop the others."""

    def __init__(self, channels: Sequence[Notifier]) -> None:
        self.channels = tuple(channels)

    def __repr__(self) -> str:
        return f"AllNotifiers({list(self.channels)!r})"

    def __bool__(self) -> bool:
        return bool(self.channels)

    def __call__(self, post: QueuedPost) -> None:
        """The notice about `post` through every channel; one channel failing does not stop the others."""
        self._each(lambda channel: channel(post))

    def announce(self, text: str) -> None:
        """`text` through every channel; one channel failing does not stop the others."""
        self._each(lambda channel: channel.announce(text))

    def _each(self, send: Callable[[Notifier], None]) -> None:
        failures = []
        for channel in self.channels:
            try:
                send(channel)
            except NoticeError as error:
                failures.append(error)
            except Exception as error:  # noqa: BLE001 - a channel of someone else's making: still only a notice
                failures.append(
                    NoticeError(f"{channel!r}: {type(error).__name__}: {error}", channel=repr(channel), target="")
                )
        if len(failures) == 1:
            raise failures[0]
        if failures:
            raise NoticeError(
                "; ".join(map(str, failures)),
                channel=", ".join(f.channel for f in failures),
                target=", ".join(f.target for f in failures),
                failures=tuple(failures),
            )
