"""A fake Mastodon server on 127.0.0.1 that enforces the documented contract of the endpoints we
use (../shared/reference/platform-apis.md §2): bearer tokens (401), 200 with a Status entity and
string ids, 422 for blank or over-long text (grapheme clusters, http(s) URLs as 23, remote mentions
as @user, spoiler_text included), `Idempotency-Key` replay of *successful* creates for one hour per
account, `in_reply_to_id` must exist (404), 429 with `X-RateLimit-Reset` as ISO 8601 and no
Retry-After, verify_credentials, the account's statuses newest first, and /api/v2/instance.

Media (§2.4): `POST /api/v2/media` takes multipart `file` (it must be an image; larger than
`image_size_limit` → 422) and `description`; it answers 202 while the image is "processing" for
`processing_polls` reads of `GET /api/v1/media/:id` (206 each), then 200. A status naming media that
is unknown → 422, not yet processed → 422 "not finished processing", more than
`max_media_attachments` → 422. `media_rate_limit` uploads per 30 minutes (30 on Mastodon, §2.5; off
by default): each upload answer carries the rate-limit headers, and one more gets the 429.

In-process: `with MastodonFake(token="t") as fake: fake.url …`; as a process (for crash tests):
`python -m tests.fakes.mastodon_server --token t --latency 0.2 --state FILE` prints its port; with
`--state` every created status is appended to FILE (one JSON line) so a test can count them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import json
import re
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import regex

from tests.fakes.base import FakeServer, JsonHandler
from tests.fakes.media import image_type, multipart

_URL = re.compile(r"https?://[^\s<>\"]+", re.IGNORECASE)
_MENTION = re.compile(r"(?<![=/\w])@([a-z0-9_]+(?:[.-]+[a-z0-9_]+)*)@[\w.-]+\w+", re.IGNORECASE)


def countable_length(text: str, spoiler: str) -> int:
    """Mastodon's StatusLengthValidator, written independently of the package's counter."""
    text = _URL.sub("x" * 23, text)
    text = _MENTION.sub(lambda m: "@" + m.group(1), text)
    return len(regex.findall(r"\X", spoiler + text))


class MastodonFake(FakeServer):
    def __init__(
        self,
        *,
        token: str = "test-token",
        max_characters: int = 500,
        latency: float = 0.0,
        latency_after_create: float = 0.0,
        state_file: Path | None = None,
        rate_limit: int | None = None,
        max_media_attachments: int = 4,
        image_size_limit: int = 16 * 1024 * 1024,
        processing_polls: int = 2,
        media_rate_limit: int | None = None,
    ) -> None:
        self.media_rate_limit = media_rate_limit
        self.token, self.max_characters = token, max_characters
        self.max_media_attachments, self.image_size_limit = max_media_attachments, image_size_limit
        self.processing_polls = processing_polls  # 206 answers before an upload is processed
        self.media: dict[str, dict[str, Any]] = {}
        self.latency, self.latency_after_create = latency, latency_after_create
        self.state_file, self.rate_limit = state_file, rate_limit
        self.statuses: list[dict[str, Any]] = []
        self.idempotency: dict[str, tuple[float, dict[str, Any]]] = {}
        self.clock = time.time  # tests may replace it to age idempotency keys
        super().__init__()

    # -- request handling --------------------------------------------------------------------

    def _status(self, fields: dict[str, Any]) -> dict[str, Any]:
        number = str(110_000_000_000_000_000 + len(self.statuses) + 1)
        text = fields["status"]
        status = {
            "id": number,
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "uri": f"{self.url}/users/comms/statuses/{number}",
            "url": f"{self.url}/@comms/{number}",
            "content": "<p>" + html.escape(text).replace("\n\n", "</p><p>").replace("\n", "<br />") + "</p>",
            "visibility": fields.get("visibility", "public"),
            "language": fields.get("language"),
            "in_reply_to_id": fields.get("in_reply_to_id"),
            "spoiler_text": fields.get("spoiler_text", ""),
            "account": {"id": "1", "username": "comms", "acct": "comms"},
            "media_attachments": [self._attachment(self.media[i]) for i in fields.get("media_ids") or []],
        }
        self.statuses.append(status)
        if self.state_file is not None:
            with open(self.state_file, "a", encoding="utf-8") as handle:
                handle.write(json.dumps({"id": number, "status": text, "key": fields.get("_key")}) + "\n")
        return status

    def create(self, headers: dict[str, str], fields: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
        if headers.get("authorization") != f"Bearer {self.token}":
            return 401, {"error": "The access token is invalid"}, {}
        if self.rate_limit is not None and len(self.requests) > self.rate_limit:
            reset = (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            return (
                429,
                {"error": "Too many requests"},
                {"X-RateLimit-Limit": str(self.rate_limit), "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset},
            )
        key = headers.get("idempotency-key")
        with self._lock:
            if key and key in self.idempotency and self.clock() - self.idempotency[key][0] < 3600:
                return 200, self.idempotency[key][1], {}
            if (failure := self.next_failure()) is not None:  # scripted, over budget or injected (base.py)
                status, body, created, extra = failure
                if created:
                    self._status({**fields, "_key": key})
                return status, body, extra
            text = fields.get("status")
            media_ids = fields.get("media_ids") or []
            if not isinstance(media_ids, list) or any(i not in self.media for i in media_ids):
                return 422, {"error": "Validation failed: Media attachments are invalid"}, {}
            if len(media_ids) > self.max_media_attachments:
                return 422, {"error": f"Cannot attach more than {self.max_media_attachments} files"}, {}
            if any(self.media[i]["pending"] > 0 for i in media_ids):
                return (
                    422,
                    {"error": "Cannot attach files that have not finished processing. Try again in a moment!"},
                    {},
                )
            if not media_ids and (not isinstance(text, str) or not text.strip()):
                return 422, {"error": "Validation failed: Text can't be blank"}, {}
            text = text or ""
            fields = {**fields, "status": text}
            if countable_length(text, fields.get("spoiler_text", "") or "") > self.max_characters:
                return 422, {"error": f"Validation failed: Text character limit of {self.max_characters} exceeded"}, {}
            if fields.get("visibility", "public") not in ("public", "unlisted", "private", "direct"):
                return 422, {"error": "Validation failed: Visibility is not included in the list"}, {}
            language = fields.get("language")
            if language is not None and not re.fullmatch(r"[a-z]{2}", str(language)):
                return 422, {"error": "Validation failed: Language is not a valid ISO 639-1 code"}, {}
            parent = fields.get("in_reply_to_id")
            if parent is not None and not any(s["id"] == parent for s in self.statuses):
                return 404, {"error": "Record not found"}, {}
            status = self._status({**fields, "_key": key})
            if key:
                self.idempotency[key] = (self.clock(), status)
        return 200, status, {}

    def _attachment(self, media: dict[str, Any]) -> dict[str, Any]:
        ready = media["pending"] <= 0
        return {
            "id": media["id"],
            "type": "image",
            "description": media["description"],
            "url": f"{self.url}/system/media/{media['id']}.png" if ready else None,
        }

    def upload(self, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any], dict[str, str]]:
        if headers.get("authorization") != f"Bearer {self.token}":
            return 401, {"error": "The access token is invalid"}, {}
        fields, files = multipart(headers.get("content-type", ""), body)
        file = files.get("file")
        if file is None:
            return 422, {"error": "Validation failed: File can't be blank"}, {}
        if image_type(file.data) is None or not file.content_type.startswith("image/"):
            return 422, {"error": "Validation failed: File content type is invalid, File is invalid"}, {}
        if len(file.data) > self.image_size_limit:
            return (
                422,
                {"error": f"Validation failed: File file size must be less than {self.image_size_limit} Bytes"},
                {},
            )
        limit_headers: dict[str, str] = {}
        if self.media_rate_limit is not None:
            with self._lock:
                refused, limit_headers = self.spend("media", self.media_rate_limit, 1800)
            if refused is not None:
                return refused
        with self._lock:
            number = str(111_000_000_000_000_000 + len(self.media) + 1)
            media = {
                "id": number,
                "description": fields.get("description"),
                "size": len(file.data),
                "pending": self.processing_polls,
            }
            self.media[number] = media
        return (202 if media["pending"] > 0 else 200), self._attachment(media), limit_headers

    def read_media(self, media_id: str) -> tuple[int, dict[str, Any]]:
        with self._lock:
            media = self.media.get(media_id)
            if media is None:
                return 404, {"error": "Record not found"}
            if media["pending"] > 0:
                media["pending"] -= 1
                return 206, self._attachment({**media, "pending": 1})
            return 200, self._attachment(media)

    def rate_headers(self, limit: int, remaining: int, reset_at: float) -> dict[str, str]:
        reset = dt.datetime.fromtimestamp(reset_at, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")  # ISO 8601 (§2.5)
        return {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(max(remaining, 0)),
            "X-RateLimit-Reset": reset,
        }

    def throttled(self, limit: int, reset_at: float) -> tuple[int, Any, dict[str, str]]:
        return 429, {"error": "Too many requests"}, self.rate_headers(limit, 0, reset_at)  # no Retry-After

    def handler(self) -> type[JsonHandler]:
        fake = self

        class Handler(JsonHandler):
            def _authorised(self) -> bool:
                if self.headers.get("Authorization") == f"Bearer {fake.token}":
                    return True
                self.send_json(401, {"error": "The access token is invalid"})
                return False

            def do_POST(self) -> None:  # noqa: N802  # reason: the method name the server library calls
                if urlsplit(self.path).path == "/api/v2/media":
                    headers, body = self.lowered_headers(), self.body()
                    fake.requests.append({"headers": headers, "path": "/api/v2/media", "at": time.time()})
                    return self.send_json(*fake.upload(headers, body))
                raw = self.body().decode()
                if urlsplit(self.path).path != "/api/v1/statuses":
                    return self.send_json(404, {"error": "Record not found"})
                if "json" in (self.headers.get("Content-Type") or ""):
                    try:
                        fields = json.loads(raw or "{}")
                    except ValueError:
                        return self.send_json(400, {"error": "invalid JSON"})
                else:
                    fields = {k: v[0] for k, v in parse_qs(raw).items()}
                headers = self.lowered_headers()
                fake.requests.append({"headers": headers, "body": fields, "at": time.time()})
                time.sleep(fake.latency)
                status, body, extra = fake.create(headers, fields)
                if status == 200:
                    time.sleep(fake.latency_after_create)
                self.send_json(status, body, extra)

            def do_GET(self) -> None:  # noqa: N802  # reason: the method name the server library calls
                parts = urlsplit(self.path)
                if parts.path == "/api/v2/instance":
                    return self.send_json(
                        200,
                        {
                            "domain": "127.0.0.1",
                            "configuration": {
                                "statuses": {
                                    "max_characters": fake.max_characters,
                                    "characters_reserved_per_url": 23,
                                    "max_media_attachments": fake.max_media_attachments,
                                },
                                "media_attachments": {
                                    "image_size_limit": fake.image_size_limit,
                                    "supported_mime_types": ["image/jpeg", "image/png", "image/gif", "image/webp"],
                                },
                            },
                        },
                    )
                if not self._authorised():
                    return None
                media = re.fullmatch(r"/api/v1/media/(\w+)", parts.path)
                if media:
                    fake.requests.append({"headers": self.lowered_headers(), "path": parts.path, "at": time.time()})
                    return self.send_json(*fake.read_media(media.group(1)))
                if parts.path == "/api/v1/accounts/verify_credentials":
                    return self.send_json(200, {"id": "1", "username": "comms", "acct": "comms"})
                match = re.fullmatch(r"/api/v1/accounts/(\w+)/statuses", parts.path)
                if match:
                    limit = int(parse_qs(parts.query).get("limit", ["20"])[0])
                    return self.send_json(200, list(reversed(fake.statuses))[: min(limit, 40)])
                return self.send_json(404, {"error": "Record not found"})

        return Handler


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--token", default="test-token")
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--latency-after-create", type=float, default=0.0)
    parser.add_argument("--state", type=Path)
    args = parser.parse_args()
    with MastodonFake(
        token=args.token, latency=args.latency, latency_after_create=args.latency_after_create, state_file=args.state
    ) as fake:
        print(fake.url, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    sys.exit(0)


if __name__ == "__main__":
    main()
