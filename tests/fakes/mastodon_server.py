"""A fake Mastodon server on 127.0.0.1 that enforces the documented contract of the endpoints we
use (../shared/reference/platform-apis.md §2): bearer tokens (401), 200 with a Status entity and
string ids, 422 for blank or over-long text (grapheme clusters, http(s) URLs as 23, remote mentions
as @user, spoiler_text included), `Idempotency-Key` replay of *successful* creates for one hour per
account, `in_reply_to_id` must exist (404), 429 with `X-RateLimit-Reset` as ISO 8601 and no
Retry-After, verify_credentials, the account's statuses newest first, and /api/v2/instance.

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

_URL = re.compile(r"https?://[^\s<>\"]+", re.IGNORECASE)
_MENTION = re.compile(r"(?<![=/\w])@([a-z0-9_]+(?:[.-]+[a-z0-9_]+)*)@[\w.-]+\w+", re.IGNORECASE)


def countable_length(text: str, spoiler: str) -> int:
    """Mastodon's StatusLengthValidator, written independently of the package's counter."""
    text = _URL.sub("x" * 23, text)
    text = _MENTION.sub(lambda m: "@" + m.group(1), text)
    return len(regex.findall(r"\X", spoiler + text))


class MastodonFake(FakeServer):
    def __init__(self, *, token: str = "test-token", max_characters: int = 500, latency: float = 0.0,
                 latency_after_create: float = 0.0, state_file: Path | None = None,
                 rate_limit: int | None = None) -> None:
        self.token, self.max_characters = token, max_characters
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
            "id": number, "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "uri": f"{self.url}/users/comms/statuses/{number}", "url": f"{self.url}/@comms/{number}",
            "content": "<p>" + html.escape(text).replace("\n\n", "</p><p>").replace("\n", "<br />") + "</p>",
            "visibility": fields.get("visibility", "public"), "language": fields.get("language"),
            "in_reply_to_id": fields.get("in_reply_to_id"), "spoiler_text": fields.get("spoiler_text", ""),
            "account": {"id": "1", "username": "comms", "acct": "comms"}, "media_attachments": [],
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
            return 429, {"error": "Too many requests"}, {"X-RateLimit-Limit": str(self.rate_limit),
                                                         "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}
        key = headers.get("idempotency-key")
        with self._lock:
            if key and key in self.idempotency and self.clock() - self.idempotency[key][0] < 3600:
                return 200, self.idempotency[key][1], {}
            if self.failures:
                status, body, created = self.failures.pop(0)
                if created:
                    self._status({**fields, "_key": key})
                return status, body, {}
            text = fields.get("status")
            if not isinstance(text, str) or not text.strip():
                return 422, {"error": "Validation failed: Text can't be blank"}, {}
            if countable_length(text, fields.get("spoiler_text", "") or "") > self.max_characters:
                return 422, {"error": f"Validation failed: Text character limit of {self.max_characters} exceeded"}, {}
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

    def handler(self) -> type[JsonHandler]:
        fake = self

        class Handler(JsonHandler):

            def _authorised(self) -> bool:
                if self.headers.get("Authorization") == f"Bearer {fake.token}":
                    return True
                self.send_json(401, {"error": "The access token is invalid"})
                return False

            def do_POST(self) -> None:  # noqa: N802
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

            def do_GET(self) -> None:  # noqa: N802
                parts = urlsplit(self.path)
                if parts.path == "/api/v2/instance":
                    return self.send_json(200, {"domain": "127.0.0.1", "configuration": {"statuses": {
                        "max_characters": fake.max_characters, "characters_reserved_per_url": 23,
                        "max_media_attachments": 4}}})
                if not self._authorised():
                    return None
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
    with MastodonFake(token=args.token, latency=args.latency, latency_after_create=args.latency_after_create,
                      state_file=args.state) as fake:
        print(fake.url, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    sys.exit(0)


if __name__ == "__main__":
    main()
