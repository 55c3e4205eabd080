"""A fake LinkedIn Posts API on 127.0.0.1 enforcing what platform-apis.md §1 documents: bearer
token (401), `LinkedIn-Version` required (426 for a sunset version), `X-Restli-Protocol-Version`,
the required fields (422), 3000 characters (400 FIELD_ARRAY_SIZE_TOO_HIGH), 422 DUPLICATE_POST
naming the original URN, 201 with an empty body and the URN in `x-restli-id`, and — the trap — the
published text silently cut at the first unescaped reserved character. Organizations' posts can be
listed with `q=author`.

Images API (§1.3): `POST /rest/images?action=initializeUpload` (owner required) answers an
`uploadUrl` on this server and an image URN; `PUT` to it needs the bearer token (401) and image bytes
(400 otherwise); a post's `content.media` / `content.multiImage` may name only URNs whose bytes
arrived and whose owner is the post's author (400), multiImage with 2–20 images (422)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes.base import FakeServer, JsonHandler
from tests.fakes.media import image_type

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
            out.append("#" + commentary[i + len("{hashtag|\\#|") : end].replace("\\_", "_"))
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
        self.images: dict[str, dict[str, Any]] = {}  # URN → owner, upload key, bytes (None until PUT)
        super().__init__()

    def _headers_problem(self, headers: dict[str, str]) -> tuple[int, dict[str, Any], dict[str, str]] | None:
        if headers.get("authorization") != f"Bearer {self.token}":
            return 401, {"status": 401, "serviceErrorCode": 65600, "message": "Invalid access token"}, {}
        version = headers.get("linkedin-version", "")
        if not (len(version) == 6 and version.isdigit()):
            return (
                400,
                {
                    "status": 400,
                    "message": "A version must be present. Please specify a version by adding the LinkedIn-Version header.",
                },
                {},
            )
        if version < self.oldest_version:
            return (
                426,
                {"status": 426, "code": "NONEXISTENT_VERSION", "message": f"Requested version {version} is not active"},
                {},
            )
        if headers.get("x-restli-protocol-version") != "2.0.0":
            return 400, {"status": 400, "message": "X-Restli-Protocol-Version 2.0.0 required"}, {}
        return None

    def initialize_upload(
        self, headers: dict[str, str], body: dict[str, Any]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        problem = self._headers_problem(headers)
        if problem is not None:
            return problem
        owner = (body.get("initializeUploadRequest") or {}).get("owner")
        if not owner:
            return 422, {"status": 422, "message": "ERROR :: /initializeUploadRequest/owner :: field is required"}, {}
        with self._lock:
            number = len(self.images) + 1
            urn, key = f"urn:li:image:D4D10AQ{number:06d}", f"up{number:06d}"
            self.images[urn] = {"owner": owner, "key": key, "data": None}
        return (
            200,
            {
                "value": {
                    "uploadUrlExpiresAt": 1_770_541_529_250,
                    "uploadUrl": f"{self.url}/dms-uploads/{key}",
                    "image": urn,
                }
            },
            {},
        )

    def receive_upload(
        self, headers: dict[str, str], key: str, data: bytes
    ) -> tuple[int, dict[str, Any] | None, dict[str, str]]:
        if headers.get("authorization") != f"Bearer {self.token}":
            return 401, {"status": 401, "message": "Invalid access token"}, {}
        image = next((i for i in self.images.values() if i["key"] == key), None)
        if image is None:
            return 404, {"status": 404, "message": "Upload not found"}, {}
        if image_type(data) is None:
            return 400, {"status": 400, "message": "Uploaded media is not a supported image"}, {}
        image["data"] = data
        return 201, None, {}

    def _media_problem(self, body: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]] | None:
        content = body.get("content") or {}
        if "article" in content:  # an article (link) post: a web address and a title; a thumbnail must be uploaded
            article = content["article"]
            if not str(article.get("source", "")).startswith(("https://", "http://")) or not article.get("title"):
                return 400, {"status": 400, "message": "ERROR :: /content/article :: source and title are required"}, {}
            thumbnail = article.get("thumbnail")
            if thumbnail is not None and (self.images.get(thumbnail) or {}).get("data") is None:
                return 400, {"status": 400, "message": f"Image {thumbnail} has not been uploaded"}, {}
            return None
        entries = [content["media"]] if "media" in content else (content.get("multiImage") or {}).get("images")
        if entries is None:
            return None
        if "multiImage" in content and not 2 <= len(entries) <= 20:
            return (
                422,
                {"status": 422, "message": "ERROR :: /content/multiImage/images :: must hold 2 to 20 images"},
                {},
            )
        for entry in entries:
            image = self.images.get(entry.get("id", ""))
            if image is None or image["data"] is None:
                return 400, {"status": 400, "message": f"Image {entry.get('id')} has not been uploaded"}, {}
            if image["owner"] != body["author"]:
                return (
                    400,
                    {"status": 400, "message": f"Image {entry['id']} is owned by {image['owner']}, not the author"},
                    {},
                )
        return None

    def _create(self, body: dict[str, Any]) -> str:
        urn = f"urn:li:share:{7_100_000_000_000_000_000 + len(self.posts) + 1}"
        self.posts.append(
            {
                "id": urn,
                "author": body["author"],
                "commentary": body["commentary"],
                "text": published_text(body["commentary"]),
                "content": body.get("content"),
            }
        )
        return urn

    def create(
        self, headers: dict[str, str], body: dict[str, Any]
    ) -> tuple[int, dict[str, Any] | None, dict[str, str]]:
        problem = self._headers_problem(headers)
        if problem is not None:
            return problem
        missing = [name for name in REQUIRED if name not in body]
        if missing:
            return (
                422,
                {
                    "status": 422,
                    "message": f"ERROR :: /{missing[0]} :: field is required but not found and has no default value",
                },
                {},
            )
        problem = self._media_problem(body)
        if problem is not None:
            return problem
        with self._lock:
            if (failure := self.next_failure()) is not None:  # scripted, over budget or injected (base.py)
                status, answer, created, extra = failure
                if created:
                    self._create(body)
                return status, answer, extra
            commentary = body["commentary"]
            if len(commentary) > 3000:
                return (
                    400,
                    {
                        "errorDetailType": "com.linkedin.common.error.BadRequest",
                        "status": 400,
                        "message": f"com.linkedin.content.common.exception.BadRequestResponseException: ShareCommentary text length ({len(commentary)} characters) exceeded the maximum allowed (3000 characters)",
                        "errorDetails": {"inputErrors": [{"code": "FIELD_ARRAY_SIZE_TOO_HIGH", "maxLength": 3000}]},
                    },
                    {},
                )
            same = next(
                (p for p in self.posts if p["commentary"] == commentary and p["author"] == body["author"]), None
            )
            if same is not None:
                return (
                    422,
                    {
                        "errorDetailType": "com.linkedin.common.error.BadRequest",
                        "status": 422,
                        "message": f"com.linkedin.content.common.exception.BadRequestResponseException: Content is a duplicate of {same['id']}",
                        "errorDetails": {
                            "inputErrors": [
                                {"description": "Duplicate post is detected", "input": {}, "code": "DUPLICATE_POST"}
                            ]
                        },
                    },
                    {},
                )
            urn = self._create(body)
        return 201, None, {"x-restli-id": urn}

    def server_error(self) -> tuple[int, Any]:
        return 500, {"status": 500, "message": "Internal Server Error"}

    def throttled(self, limit: int, reset_at: float) -> tuple[int, Any, dict[str, str]]:
        return (
            429,
            {"status": 429, "message": "Resource level throttle limit for calls to this resource is reached."},
            {},
        )

    def handler(self) -> type[JsonHandler]:
        fake = self

        class Handler(JsonHandler):
            def do_PUT(self) -> None:  # noqa: N802  # reason: the method name the server library calls
                path, headers, data = urlsplit(self.path).path, self.lowered_headers(), self.body()
                fake.requests.append({"headers": headers, "path": path, "size": len(data)})
                if not path.startswith("/dms-uploads/"):
                    return self.send_json(404, {"status": 404, "message": "Not Found"})
                self.send_json(*fake.receive_upload(headers, path.rsplit("/", 1)[1], data))

            def do_POST(self) -> None:  # noqa: N802  # reason: the method name the server library calls
                headers, body = self.lowered_headers(), self.json_body()
                parts = urlsplit(self.path)
                if parts.path == "/rest/images" and parse_qs(parts.query).get("action") == ["initializeUpload"]:
                    fake.requests.append({"headers": headers, "path": parts.path, "body": body})
                    return self.send_json(*fake.initialize_upload(headers, body))
                if urlsplit(self.path).path != "/rest/posts":
                    return self.send_json(404, {"status": 404, "message": "Not Found"})
                fake.requests.append({"headers": headers, "body": body})
                self.send_json(*fake.create(headers, body))

            def do_GET(self) -> None:  # noqa: N802  # reason: the method name the server library calls
                if self.headers.get("Authorization") != f"Bearer {fake.token}":
                    return self.send_json(401, {"status": 401, "message": "Invalid access token"})
                parts = urlsplit(self.path)
                query = parse_qs(parts.query)
                if parts.path == "/v2/userinfo":
                    return self.send_json(200, {"sub": "abc123", "name": "Comms Team"})
                if parts.path == "/rest/posts" and query.get("q") == ["author"]:
                    author = query["author"][0]
                    mine = [p for p in reversed(fake.posts) if p["author"] == author]
                    return self.send_json(
                        200, {"elements": [{"id": p["id"], "commentary": p["commentary"]} for p in mine]}
                    )
                return self.send_json(404, {"status": 404, "message": "Not Found"})

        return Handler
