"""A journal that "dies": the queue's store as a platform client's journal, but the process stands
killed (SIGKILL) at one note — before it is stored (the request it records went through, the note is
lost) or just after."""

from __future__ import annotations

import datetime as dt

from scheduler.models import QueuedPost
from scheduler.storage import Store


class Killed(Exception):
    """Stands for SIGKILL at one point of a publish."""


class CrashingJournal:
    def __init__(self, store: Store, name: str, *, before: bool) -> None:
        self.store, self.name, self.before = store, name, before

    def remember(self, post: QueuedPost, name: str, value: str, *, now: dt.datetime) -> None:
        if name == self.name and self.before:
            raise Killed(name)
        self.store.remember(post, name, value, now=now)
        if name == self.name:
            raise Killed(name)

    def recall(self, post: QueuedPost) -> dict[str, str]:
        return self.store.recall(post)
