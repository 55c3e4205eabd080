"""The contract every platform module fulfils, and what they share.

Each platform module exposes `build_payloads(post, *, now) -> list[dict]`: the exact JSON or form
body of each request that publishing `post` sends, in order (one per thread part). Values only
the account or the previous request can supply appear as `<placeholders>`; secrets appear as
`REDACTED`, never as their value.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

from scheduler.models import Post

REDACTED = "[redacted]"

Payload = dict[str, Any]


class PayloadBuilder(Protocol):
    def __call__(self, post: Post, *, now: dt.datetime) -> list[Payload]: ...
