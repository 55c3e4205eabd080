"""A fake X API v2 on 127.0.0.1 enforcing the documented contract we use (platform-apis.md §4):
user-context bearer token (401), 201 `{"data": {"id", "text"}}`, the weighted 280 limit counted by
the reference twitter-text implementation (not by our code), 403 problem JSON for duplicate content
(no id), replies must point at an existing post, 429 with `x-rate-limit-reset` epoch seconds,
`/2/users/me` and the user's posts newest first.

Media (docs.x.com v2 media): `POST /2/media/upload` takes multipart `media` (an image, at most 5 MB
→ 400 otherwise) with `media_category`; `POST /2/media/metadata` sets alt text (≤ 1000 characters) on
an uploaded id; a post's `media.media_ids` must name uploaded ids (400), at most 4.
`media_rate_limit` uploads per 15 minutes (off by default; X's own numbers vary by plan): each upload
answer carries the `x-rate-limit-*` headers, and one more gets the 429."""

from __future__ import annotations

import datetime as dt
import math
import time
from typing import Any
from urllib.parse import urlsplit

from tests.fakes.base import FakeServer, JsonHandler
from tests.fakes.media import image_type, multipart


class XFake(FakeServer):
    def __init__(
        self, *, token: str = "x-token", rate_limit: int | None = None, media_rate_limit: int | None = None
    ) -> None:
        self.token, self.rate_limit, self.media_rate_limit = token, rate_limit, media_rate_limit
        self.tweets: list[dict[str, Any]] = []
        self.media: dict[str, dict[str, Any]] = {}
        super().__init__()

    def upload(self, headers: dict[str, str], raw: bytes) -> tuple[int, dict[str, Any], dict[str, str]]:
        if headers.get("authorization") != f"Bearer {self.token}":
            return 401, {"title": "Unauthorized", "status": 401, "detail": "Unauthorized"}, {}
        fields, files = multipart(headers.get("content-type", ""), raw)
        media = files.get("media")
        if media is None or image_type(media.data) is None:
            return 400, {"title": "Invalid Request", "status": 400, "detail": "media must be an image file"}, {}
        if fields.get("media_category") not in (None, "tweet_image"):
            return 400, {"title": "Invalid Request", "status": 400, "detail": "unsupported media_category"}, {}
        if len(media.data) > 5 * 1024 * 1024:
            return 400, {"title": "Invalid Request", "status": 400, "detail": "File size exceeds 5242880 bytes."}, {}
        with self._lock:
            limit_headers: dict[str, str] = {}
            if self.media_rate_limit is not None:
                refused, limit_headers = self.spend("media", self.media_rate_limit, 900)
                if refused is not None:
                    return refused
            media_id = str(1_880_000_000_000_000_000 + len(self.media) + 1)
            self.media[media_id] = {"size": len(media.data), "alt_text": None}
        return (
            200,
            {
                "data": {
                    "id": media_id,
                    "media_key": f"3_{media_id}",
                    "size": len(media.data),
                    "expires_after_secs": 86400,
                }
            },
            limit_headers,
        )

    def metadata(self, headers: dict[str, str], body: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
        if headers.get("authorization") != f"Bearer {self.token}":
            return 401, {"title": "Unauthorized", "status": 401, "detail": "Unauthorized"}, {}
        media = self.media.get(str(body.get("id")))
        if media is None:
            return 400, {"title": "Invalid Request", "status": 400, "detail": "media id not found"}, {}
        text = ((body.get("metadata") or {}).get("alt_text") or {}).get("text")
        if not isinstance(text, str) or len(text) > 1000:
            return (
                400,
                {"title": "Invalid Request", "status": 400, "detail": "alt_text.text must be 1 to 1000 characters"},
                {},
            )
        media["alt_text"] = text
        return 200, {"data": {"id": body["id"], "associated_metadata": {"alt_text": {"text": text}}}}, {}

    def _create(self, body: dict[str, Any]) -> dict[str, Any]:
        tweet = {
            "id": str(1_845_000_000_000_000_000 + len(self.tweets) + 1),
            "text": body["text"],
            "media": [
                {"id": i, **self.media[i]} for i in (body.get("media") or {}).get("media_ids") or [] if i in self.media
            ],
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        }
        if reply := (body.get("reply") or {}).get("in_reply_to_tweet_id"):
            tweet["referenced_tweets"] = [{"type": "replied_to", "id": reply}]
        self.tweets.append(tweet)
        return tweet

    def create(self, headers: dict[str, str], body: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
        from twitter_text import parse_tweet  # the reference implementation

        if headers.get("authorization") != f"Bearer {self.token}":
            return 401, {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}, {}
        if self.rate_limit is not None and len(self.requests) > self.rate_limit:
            reset = str(int(time.time()) + 60)
            return (
                429,
                {"title": "Too Many Requests", "status": 429},
                {
                    "x-rate-limit-limit": str(self.rate_limit),
                    "x-rate-limit-remaining": "0",
                    "x-rate-limit-reset": reset,
                },
            )
        with self._lock:
            if (failure := self.next_failure()) is not None:  # scripted, over budget or injected (base.py)
                status, answer, created, extra = failure
                if created:
                    self._create(body)
                return status, answer, extra
            text = body.get("text")
            if not isinstance(text, str) or not text.strip():
                return 400, {"title": "Invalid Request", "detail": "text must not be empty", "status": 400}, {}
            if not parse_tweet(text).valid:
                return (
                    400,
                    {
                        "title": "Invalid Request",
                        "status": 400,
                        "detail": "Your Tweet text is too long. For more information on how Twitter determines text length, see https://github.com/twitter/twitter-text.",
                    },
                    {},
                )
            if any(t["text"] == text for t in self.tweets):
                return (
                    403,
                    {
                        "detail": "You are not allowed to create a Tweet with duplicate content.",
                        "type": "about:blank",
                        "title": "Forbidden",
                        "status": 403,
                    },
                    {},
                )
            media_ids = (body.get("media") or {}).get("media_ids") or []
            if any(i not in self.media for i in media_ids) or len(media_ids) > 4:
                return 400, {"title": "Invalid Request", "status": 400, "detail": "Your media IDs are invalid."}, {}
            reply = (body.get("reply") or {}).get("in_reply_to_tweet_id")
            if reply is not None and not any(t["id"] == reply for t in self.tweets):
                return 400, {"title": "Invalid Request", "status": 400, "detail": "reply target not found"}, {}
            tweet = self._create(body)
        return 201, {"data": {"id": tweet["id"], "text": tweet["text"], "edit_history_tweet_ids": [tweet["id"]]}}, {}

    def server_error(self) -> tuple[int, Any]:
        return 500, {"title": "Internal Server Error", "type": "about:blank", "status": 500}

    def rate_headers(self, limit: int, remaining: int, reset_at: float) -> dict[str, str]:
        return {
            "x-rate-limit-limit": str(limit),
            "x-rate-limit-remaining": str(max(remaining, 0)),
            "x-rate-limit-reset": str(math.ceil(reset_at)),
        }  # epoch seconds (§4.4)

    def throttled(self, limit: int, reset_at: float) -> tuple[int, Any, dict[str, str]]:
        return (
            429,
            {"title": "Too Many Requests", "type": "about:blank", "status": 429, "detail": "Too Many Requests"},
            self.rate_headers(limit, 0, reset_at),
        )

    def handler(self) -> type[JsonHandler]:
        fake = self

        class Handler(JsonHandler):
            def do_POST(self) -> None:  # noqa: N802  # reason: the method name the server library calls
                path, headers = urlsplit(self.path).path, self.lowered_headers()
                if path == "/2/media/upload":
                    fake.requests.append({"headers": headers, "path": path})
                    return self.send_json(*fake.upload(headers, self.body()))
                body = self.json_body()
                if path == "/2/media/metadata":
                    fake.requests.append({"headers": headers, "path": path, "body": body})
                    return self.send_json(*fake.metadata(headers, body))
                if urlsplit(self.path).path != "/2/tweets":
                    return self.send_json(404, {"title": "Not Found", "status": 404})
                fake.requests.append({"headers": headers, "body": body})
                self.send_json(*fake.create(headers, body))

            def do_GET(self) -> None:  # noqa: N802  # reason: the method name the server library calls
                if self.headers.get("Authorization") != f"Bearer {fake.token}":
                    return self.send_json(401, {"title": "Unauthorized", "status": 401})
                path = urlsplit(self.path).path
                if path == "/2/users/me":
                    return self.send_json(200, {"data": {"id": "42", "username": "comms"}})
                if path == "/2/users/42/tweets":
                    return self.send_json(200, {"data": list(reversed(fake.tweets))[:100], "meta": {}})
                return self.send_json(404, {"title": "Not Found", "status": 404})

        return Handler
