"""A fake X API v2 on 127.0.0.1 enforcing the documented contract we use (platform-apis.md §4):
user-context bearer token (401), 201 `{"data": {"id", "text"}}`, the weighted 280 limit counted by
the reference twitter-text implementation (not by our code), 403 problem JSON for duplicate content
(no id), replies must point at an existing post, 429 with `x-rate-limit-reset` epoch seconds,
`/2/users/me` and the user's posts newest first."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any
from urllib.parse import urlsplit

from tests.fakes.base import FakeServer, JsonHandler


class XFake(FakeServer):
    def __init__(self, *, token: str = "x-token", rate_limit: int | None = None) -> None:
        self.token, self.rate_limit = token, rate_limit
        self.tweets: list[dict[str, Any]] = []
        super().__init__()

    def _create(self, body: dict[str, Any]) -> dict[str, Any]:
        tweet = {"id": str(1_845_000_000_000_000_000 + len(self.tweets) + 1), "text": body["text"],
                 "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")}
        self.tweets.append(tweet)
        return tweet

    def create(self, headers: dict[str, str], body: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
        from twitter_text import parse_tweet  # the reference implementation

        if headers.get("authorization") != f"Bearer {self.token}":
            return 401, {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}, {}
        if self.rate_limit is not None and len(self.requests) > self.rate_limit:
            reset = str(int(time.time()) + 60)
            return 429, {"title": "Too Many Requests", "status": 429}, {
                "x-rate-limit-limit": str(self.rate_limit), "x-rate-limit-remaining": "0", "x-rate-limit-reset": reset}
        with self._lock:
            if self.failures:
                status, answer, created = self.failures.pop(0)
                if created:
                    self._create(body)
                return status, answer, {}
            text = body.get("text")
            if not isinstance(text, str) or not text.strip():
                return 400, {"title": "Invalid Request", "detail": "text must not be empty", "status": 400}, {}
            if not parse_tweet(text).valid:
                return 400, {"title": "Invalid Request", "status": 400,
                             "detail": "Your Tweet text is too long. For more information on how Twitter determines text length, see https://github.com/twitter/twitter-text."}, {}
            if any(t["text"] == text for t in self.tweets):
                return 403, {"detail": "You are not allowed to create a Tweet with duplicate content.",
                             "type": "about:blank", "title": "Forbidden", "status": 403}, {}
            reply = (body.get("reply") or {}).get("in_reply_to_tweet_id")
            if reply is not None and not any(t["id"] == reply for t in self.tweets):
                return 400, {"title": "Invalid Request", "status": 400, "detail": "reply target not found"}, {}
            tweet = self._create(body)
        return 201, {"data": {"id": tweet["id"], "text": tweet["text"], "edit_history_tweet_ids": [tweet["id"]]}}, {}

    def handler(self) -> type[JsonHandler]:
        fake = self

        class Handler(JsonHandler):
            def do_POST(self) -> None:  # noqa: N802
                headers, body = self.lowered_headers(), self.json_body()
                if urlsplit(self.path).path != "/2/tweets":
                    return self.send_json(404, {"title": "Not Found", "status": 404})
                fake.requests.append({"headers": headers, "body": body})
                self.send_json(*fake.create(headers, body))

            def do_GET(self) -> None:  # noqa: N802
                if self.headers.get("Authorization") != f"Bearer {fake.token}":
                    return self.send_json(401, {"title": "Unauthorized", "status": 401})
                path = urlsplit(self.path).path
                if path == "/2/users/me":
                    return self.send_json(200, {"data": {"id": "42", "username": "comms"}})
                if path == "/2/users/42/tweets":
                    return self.send_json(200, {"data": list(reversed(fake.tweets))[:100], "meta": {}})
                return self.send_json(404, {"title": "Not Found", "status": 404})

        return Handler
