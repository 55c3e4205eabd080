"""A fake LinkedIn Posts API on 127.0.0.1 enforcing what platform-apis.md §1 documents: bearer
token (401), `LinkedIn-Version` required (426 for a sunset version), `X-Restli-Protocol-Version`,
the required fields (422), 3000 characters (400 FIELD_ARRAY_SIZE_TOO_HIGH), 422 DUPLICATE_POST
naming the original URN, 201 with an empty body and the URN in `x-restli-id`, and — the trap — the
published text silently cut at the first unescaped reserved character. Organizations' posts can be
listed with `q=author`."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes.base import FakeServer, JsonHandler

RESERVED = set("\\|{}@[]()<>#*_~")
REQUIRED = ("author", "commentary", "visibility", "distribution", "lifecycleState")


def published_text(commentary: str) -> str:
    """What members see: unescaped text, cut at the first unescaped reserved character; a hashtag
    template {hashtag|\\#|tag} shows as #tag."""
    out, i = [], 0
    while i < len(commentary):
        ch = commentary[i]
        if commentary.startswith("{hashtag|\\#|", i):
            end = commentary.find("}", i)
            out.append("#" + commentary[i + len("{hashtag|\\#|"):end].replace("\\_", "_"))
            i = end + 1
            continue
        if ch == "\\" and i + 1 < len(commentary) and commentary[i + 1] in RESERVED:
            out.append(commentary[i + 1])
            i += 2
            continue
        if ch in RESERVED:
            break  # silent truncation
        out.append(ch)
        i += 1
    return "".join(out)


class LinkedInFake(FakeServer):
    def __init__(self, *, token: str = "li-token", oldest_version: str = "202506") -> None:
        self.token, self.oldest_version = token, oldest_version
        self.posts: list[dict[str, Any]] = []
        super().__init__()

    def _create(self, body: dict[str, Any]) -> str:
        urn = f"urn:li:share:{7_100_000_000_000_000_000 + len(self.posts) + 1}"
        self.posts.append({"id": urn, "author": body["author"], "commentary": body["commentary"],
                           "text": published_text(body["commentary"])})
        return urn

    def create(self, headers: dict[str, str], body: dict[str, Any]) -> tuple[int, dict[str, Any] | None, dict[str, str]]:
        if headers.get("authorization") != f"Bearer {self.token}":
            return 401, {"status": 401, "serviceErrorCode": 65600, "message": "Invalid access token"}, {}
        version = headers.get("linkedin-version", "")
        if not (len(version) == 6 and version.isdigit()):
            return 400, {"status": 400, "message": "A version must be present. Please specify a version by adding the LinkedIn-Version header."}, {}
        if version < self.oldest_version:
            return 426, {"status": 426, "code": "NONEXISTENT_VERSION", "message": f"Requested version {version} is not active"}, {}
        if headers.get("x-restli-protocol-version") != "2.0.0":
            return 400, {"status": 400, "message": "X-Restli-Protocol-Version 2.0.0 required"}, {}
        missing = [name for name in REQUIRED if name not in body]
        if missing:
            return 422, {"status": 422, "message": f"ERROR :: /{missing[0]} :: field is required but not found and has no default value"}, {}
        with self._lock:
            if self.failures:
                status, answer, created = self.failures.pop(0)
                if created:
                    self._create(body)
                return status, answer, {}
            commentary = body["commentary"]
            if len(commentary) > 3000:
                return 400, {"errorDetailType": "com.linkedin.common.error.BadRequest", "status": 400,
                             "message": f"com.linkedin.content.common.exception.BadRequestResponseException: ShareCommentary text length ({len(commentary)} characters) exceeded the maximum allowed (3000 characters)",
                             "errorDetails": {"inputErrors": [{"code": "FIELD_ARRAY_SIZE_TOO_HIGH", "maxLength": 3000}]}}, {}
            same = next((p for p in self.posts if p["commentary"] == commentary and p["author"] == body["author"]), None)
            if same is not None:
                return 422, {"errorDetailType": "com.linkedin.common.error.BadRequest", "status": 422,
                             "message": f"com.linkedin.content.common.exception.BadRequestResponseException: Content is a duplicate of {same['id']}",
                             "errorDetails": {"inputErrors": [{"description": "Duplicate post is detected", "input": {}, "code": "DUPLICATE_POST"}]}}, {}
            urn = self._create(body)
        return 201, None, {"x-restli-id": urn}

    def handler(self) -> type[JsonHandler]:
        fake = self

        class Handler(JsonHandler):
            def do_POST(self) -> None:  # noqa: N802
                headers, body = self.lowered_headers(), self.json_body()
                if urlsplit(self.path).path != "/rest/posts":
                    return self.send_json(404, {"status": 404, "message": "Not Found"})
                fake.requests.append({"headers": headers, "body": body})
                self.send_json(*fake.create(headers, body))

            def do_GET(self) -> None:  # noqa: N802
                if self.headers.get("Authorization") != f"Bearer {fake.token}":
                    return self.send_json(401, {"status": 401, "message": "Invalid access token"})
                parts = urlsplit(self.path)
                query = parse_qs(parts.query)
                if parts.path == "/v2/userinfo":
                    return self.send_json(200, {"sub": "abc123", "name": "Comms Team"})
                if parts.path == "/rest/posts" and query.get("q") == ["author"]:
                    author = query["author"][0]
                    mine = [p for p in reversed(fake.posts) if p["author"] == author]
                    return self.send_json(200, {"elements": [{"id": p["id"], "commentary": p["commentary"]} for p in mine]})
                return self.send_json(404, {"status": 404, "message": "Not Found"})

        return Handler
