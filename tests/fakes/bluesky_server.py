"""A fake Bluesky PDS on 127.0.0.1 for what the real one shows only slowly or not on demand
(platform-apis.md §3): sessions from an app password, 400 `ExpiredToken` (not 401) once an access
token expires, refresh that rotates both tokens (the old refresh token stops working), 401
`AuthMissing`, TID record keys, 500 on an existing key, 400 `RecordNotFound`, 300 graphemes /
3000 bytes, and injected failures.

Mentions, images and link cards (§3.2, §3.3): `resolveHandle` answers the account's own handle and
the handles in `others` (400 `HandleNotFound` for any other); `uploadBlob` needs a Content-Type (400
otherwise, as the reference PDS answers) and keeps each blob's type and size; a record's embed and
mention facets are checked as in `bluesky_lexicon.py` (one embed, at most 4 images with alt text, each
blob uploaded before and at most 1,000,000 bytes; a link card with uri, title and description)."""

from __future__ import annotations

import hashlib
import json
import math
import re
import secrets
from typing import Any
from urllib.parse import parse_qs, urlsplit

import regex

from tests.fakes.base import FakeServer, JsonHandler
from tests.fakes.bluesky_lexicon import check_record

_TID = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")
_HANDLE = re.compile(r"^([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$")


def _sniff(data: bytes) -> str | None:
    """The image type by magic bytes, written out here rather than taken from the code under test."""
    for magic, mime in ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"), (b"GIF8", "image/gif")):
        if data.startswith(magic):
            return mime
    return "image/webp" if data[:4] == b"RIFF" and data[8:12] == b"WEBP" else None


class BlueskyFake(FakeServer):
    def __init__(
        self, *, handle: str = "comms.test", password: str = "app-password", others: dict[str, str] | None = None
    ) -> None:
        self.handle, self.password, self.did = handle, password, "did:plc:fakefakefakefakefake"
        self.others = dict(others or {})  # other accounts' handles → DIDs, for resolveHandle
        self.blobs: dict[str, dict[str, Any]] = {}  # cid → {"mimeType", "size", "data"}
        self.access: set[str] = set()
        self.expired: set[str] = set()
        self.refresh: set[str] = set()
        self.records: dict[str, dict[str, Any]] = {}
        self.sessions = 0
        self.refreshes = 0
        super().__init__()

    def _session(self) -> dict[str, str]:
        access, refresh = secrets.token_hex(8), secrets.token_hex(8)
        self.access.add(access)
        self.refresh.add(refresh)
        return {"accessJwt": access, "refreshJwt": refresh, "handle": self.handle, "did": self.did}

    def expire_access_tokens(self) -> None:
        self.expired |= self.access
        self.access.clear()

    def _auth(self, headers: dict[str, str]) -> tuple[int, dict[str, Any]] | None:
        value = headers.get("authorization", "")
        if not value.startswith("Bearer "):
            return 401, {"error": "AuthMissing", "message": "Authentication Required"}
        token = value.removeprefix("Bearer ")
        if token in self.expired:
            return 400, {"error": "ExpiredToken", "message": "Token has expired"}
        if token not in self.access:
            return 400, {"error": "InvalidToken", "message": "Token could not be verified"}
        return None

    def post(self, path: str, headers: dict[str, str], body: dict[str, Any]) -> tuple[Any, ...]:
        with self._lock:
            if path == "/xrpc/com.atproto.server.createSession":
                if body.get("identifier") not in (self.handle, self.did) or body.get("password") != self.password:
                    return 401, {"error": "AuthenticationRequired", "message": "Invalid identifier or password"}
                self.sessions += 1
                return 200, self._session()
            if path == "/xrpc/com.atproto.server.refreshSession":
                token = headers.get("authorization", "").removeprefix("Bearer ")
                if token not in self.refresh:
                    return 400, {"error": "ExpiredToken", "message": "Token has expired"}
                self.refresh.discard(token)  # rotated: the old refresh token is spent
                self.refreshes += 1
                return 200, self._session()
            if path == "/xrpc/com.atproto.repo.createRecord":
                denied = self._auth(headers)
                if denied:
                    return denied
                rkey, record = body.get("rkey", ""), body.get("record", {})
                if not _TID.match(rkey):
                    return 400, {
                        "error": "InvalidRequest",
                        "message": f'Invalid record key: Invalid TID string (got "{rkey}")',
                    }
                if (failure := self.next_failure()) is not None:  # scripted, over budget or injected (base.py)
                    status, answer, created, extra = failure
                    if created:
                        self._store(rkey, record)
                    return status, answer, extra
                text = record.get("text", "")
                graphemes = len(regex.findall(r"\X", text))
                if graphemes > 300 or len(text.encode()) > 3000:
                    return 400, {
                        "error": "InvalidRequest",
                        "message": f"Invalid app.bsky.feed.post record: grapheme too big (maximum 300, got {graphemes}) at $.record.text",
                    }
                if (refused := check_record(record, self.blobs)) is not None:
                    return refused
                if rkey in self.records:
                    return 500, {"error": "InternalServerError", "message": "Internal Server Error"}
                stored = self._store(rkey, record)
                return 200, {"uri": stored["uri"], "cid": stored["cid"], "validationStatus": "valid"}
        return 404, {"error": "MethodNotImplemented", "message": "Method Not Implemented"}

    def upload(self, headers: dict[str, str], data: bytes) -> tuple[int, dict[str, Any]]:
        denied = self._auth(headers)
        if denied:
            return denied
        if not headers.get("content-type"):
            return 400, {
                "error": "InvalidRequest",
                "message": "Request encoding (Content-Type) required but not provided",
            }
        mime = _sniff(data) or headers["content-type"].split(";")[0].strip()  # the PDS looks at the bytes
        cid = "bafkrei" + hashlib.sha256(data).hexdigest()[:52]
        with self._lock:
            self.blobs[cid] = {"mimeType": mime, "size": len(data), "data": data}
        return 200, {"blob": {"$type": "blob", "ref": {"$link": cid}, "mimeType": mime, "size": len(data)}}

    def resolve(self, handle: str) -> tuple[int, dict[str, Any]]:
        if not _HANDLE.match(handle):
            return 400, {
                "error": "InvalidRequest",
                "message": f'Invalid com.atproto.identity.resolveHandle params: Invalid handle (got "{handle}")',
            }
        known = {self.handle: self.did, **self.others}
        did = known.get(handle.lower())
        if did is None:
            return 400, {"error": "HandleNotFound", "message": "Unable to resolve handle"}
        return 200, {"did": did}

    def _store(self, rkey: str, record: dict[str, Any]) -> dict[str, Any]:
        stored = {
            "uri": f"at://{self.did}/app.bsky.feed.post/{rkey}",
            "cid": f"bafyrei{secrets.token_hex(10)}",
            "value": record,
        }
        self.records[rkey] = stored
        return stored

    def server_error(self) -> tuple[int, Any]:
        return 500, {"error": "InternalServerError", "message": "Internal Server Error"}

    def rate_headers(self, limit: int, remaining: int, reset_at: float) -> dict[str, str]:
        window = self._budget[1] if self._budget else 3600
        return {
            "RateLimit-Limit": str(limit),
            "RateLimit-Remaining": str(max(remaining, 0)),
            "RateLimit-Reset": str(math.ceil(reset_at)),
            "RateLimit-Policy": f"{limit};w={window:.0f}",
        }  # §3.4

    def throttled(self, limit: int, reset_at: float) -> tuple[int, Any, dict[str, str]]:
        wait = max(math.ceil(reset_at - self.time()), 1)
        return (
            429,
            {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
            {**self.rate_headers(limit, 0, reset_at), "Retry-After": str(wait)},
        )

    def handler(self) -> type[JsonHandler]:
        fake = self

        class Handler(JsonHandler):
            def do_POST(self) -> None:  # noqa: N802  # reason: the method name the server library calls
                raw, headers = self.body(), self.lowered_headers()
                if urlsplit(self.path).path == "/xrpc/com.atproto.repo.uploadBlob":  # raw bytes, not JSON
                    fake.requests.append({"path": self.path, "headers": headers, "size": len(raw)})
                    return self.send_json(*fake.upload(headers, raw))
                body = json.loads(raw or b"{}")
                fake.requests.append({"path": self.path, "headers": headers, "body": body})
                self.send_json(*fake.post(urlsplit(self.path).path, headers, body))

            def do_GET(self) -> None:  # noqa: N802  # reason: the method name the server library calls
                parts = urlsplit(self.path)
                if parts.path == "/xrpc/com.atproto.identity.resolveHandle":
                    fake.requests.append({"path": self.path, "headers": self.lowered_headers(), "body": None})
                    return self.send_json(*fake.resolve(parse_qs(parts.query).get("handle", [""])[0]))
                if parts.path == "/xrpc/com.atproto.server.getSession":  # whose session this is
                    fake.requests.append({"path": self.path, "headers": self.lowered_headers(), "body": None})
                    denied = fake._auth(self.lowered_headers())
                    return self.send_json(*(denied or (200, {"handle": fake.handle, "did": fake.did, "active": True})))
                if parts.path == "/xrpc/com.atproto.repo.getRecord":
                    denied = fake._auth(self.lowered_headers())
                    if denied:
                        return self.send_json(*denied)
                    rkey = parse_qs(parts.query).get("rkey", [""])[0]
                    if rkey not in fake.records:
                        return self.send_json(
                            400,
                            {
                                "error": "RecordNotFound",
                                "message": f"Could not locate record: at://{fake.did}/app.bsky.feed.post/{rkey}",
                            },
                        )
                    return self.send_json(200, fake.records[rkey])
                return self.send_json(404, {"error": "MethodNotImplemented", "message": "Method Not Implemented"})

        return Handler
