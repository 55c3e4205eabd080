"""LinkedIn Posts API (`POST /rest/posts`): commentary in the little text format."""

from __future__ import annotations

import datetime as dt

from scheduler.models import Post
from scheduler.platforms.base import Payload
from scheduler.text import littletext

AUTHOR_PLACEHOLDER = "<author URN of the account, e.g. urn:li:organization:123>"


def build_payloads(post: Post, *, now: dt.datetime, author: str = AUTHOR_PLACEHOLDER) -> list[Payload]:
    # LinkedIn has no reply threads; posts are shortened, never split, so there is one part.
    return [
        {
            "author": author,
            "commentary": littletext.commentary(post.text),
            "visibility": "PUBLIC",
            "distribution": {"feedDistribution": "MAIN_FEED", "targetEntities": [], "thirdPartyDistributionChannels": []},
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
    ]
