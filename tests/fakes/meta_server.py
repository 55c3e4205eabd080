"""A fake Meta Graph API on 127.0.0.1 for Threads and Facebook Pages (platform-apis.md §5): the
access token as a form or query parameter (code 190 otherwise), Threads' two steps (container, then
threads_publish; a container is published once), 500 characters with emoji counted as their UTF-8
bytes (counted here independently of the package), `reply_to_id` must exist, Facebook's
`/{page-id}/feed` with code 368 for a repeated message, and a 500 "code 2" that still created the
post (the ambiguous-success path).

Images: a Threads IMAGE container needs an http(s) `image_url` (code 100 otherwise) and is
`IN_PROGRESS` for `processing_polls` status reads before it is `FINISHED`; publishing it earlier
fails (code 9007, "not ready"). A carousel names 2–20 existing `is_carousel_item` containers in
`children`. Facebook `/{page-id}/photos` takes `url` (http(s) only) or a multipart `source` image;
with `published=false` the photo waits to be named in a feed post's `attached_media[n]`, which must
name such photos (code 100 otherwise).

Quota: `threads_publishing_limit` reports the posts (not replies) published in the last 24 hours,
`quota_used` more than this fake published, against `quota_total` (a 403 code 10 with
`quota_readable` off); `threads_publish` refuses a post
beyond it (the code Threads uses then is unconfirmed; code 4 here). The first `not_found_publishes`
calls of `threads_publish` answer code 24, subcode 4279009 ("does not exist"), as Threads does for
a container made a moment earlier, publishing nothing."""

from __future__ import annotations

import json
import math
from typing import Any
from urllib.parse import parse_qs, urlsplit

import regex

from tests.fakes.base import FakeServer, JsonHandler
from tests.fakes.media import image_type, multipart

_EMOJI = regex.compile(r"\p{Extended_Pictographic}|\p{Regional_Indicator}")


def threads_length(text: str) -> int:
    return sum(
        len(cluster.encode()) if _EMOJI.search(cluster) else len(cluster) for cluster in regex.findall(r"\X", text)
    )


def _error(code: int, message: str, kind: str = "OAuthException") -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "code": code, "fbtrace_id": "AbCdEf"}}


class MetaFake(FakeServer):
    path_prefix = "/v1.0"

    def __init__(self, *, token: str = "meta-token", user_id: str = "me", page_id: str = "1234") -> None:
        self.token, self.user_id, self.page_id = token, user_id, page_id
        self.user_tokens: set[str] = set()  # Facebook user tokens that may read the page's token
        self.containers: dict[str, dict[str, Any]] = {}
        self.threads: list[dict[str, Any]] = []
        self.feed: list[dict[str, Any]] = []
        self.photos: dict[str, dict[str, Any]] = {}
        self.processing_polls = 1
        self.quota_total, self.quota_used = 250, 0
        self.not_found_publishes = 0
        self.quota_readable = True  # False: the token lacks the permission to read the quota (code 10)
        super().__init__()

    def quota_usage(self) -> int:
        return self.quota_used + sum(1 for thread in self.threads if thread["reply_to_id"] is None)

    def _media_container(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """An IMAGE (or carousel item) or CAROUSEL container; the caller holds the lock."""
        kind = form.get("media_type")
        entry: dict[str, Any] = {
            "text": form.get("text", ""),
            "reply_to_id": form.get("reply_to_id"),
            "media_type": kind,
            "status": "IN_PROGRESS",
            "polls": self.processing_polls,
        }
        if kind == "IMAGE":
            url = form.get("image_url", "")
            if not url.startswith(("http://", "https://")):
                return 400, _error(100, "Param image_url must be a valid URL", "THApiException")
            entry.update(
                image_url=url, alt_text=form.get("alt_text"), carousel_item=form.get("is_carousel_item") == "true"
            )
        else:
            children = [c for c in form.get("children", "").split(",") if c]
            items = [self.containers.get(c) for c in children]
            if not 2 <= len(children) <= 20 or any(i is None or not i.get("carousel_item") for i in items):
                return 400, _error(100, "children must name 2 to 20 carousel item containers", "THApiException")
            entry["children"] = [dict(i) for i in items if i is not None]
        container = str(17_800_000_000_000_000 + len(self.containers) + 1)
        self.containers[container] = entry
        return 200, {"id": container}

    def container_status(self, container: str) -> tuple[int, dict[str, Any]]:
        with self._lock:
            entry = self.containers.get(container)
            if entry is None:
                return 400, _error(100, "The container does not exist", "THApiException")
            if entry["status"] == "IN_PROGRESS":
                if entry.get("polls", 0) > 0:
                    entry["polls"] -= 1
                else:
                    entry["status"] = "FINISHED"
            return 200, {"id": container, "status": entry["status"]}

    def photo(self, form: dict[str, str], source: bytes | None) -> tuple[int, dict[str, Any]]:
        if form.get("access_token") != self.token:
            return 400, _error(190, "Error validating access token: Session has expired")
        url = form.get("url")
        if url is not None and not url.startswith(("http://", "https://")):
            return 400, _error(100, "(#100) url should represent a valid URL", "GraphMethodException")
        if url is None and (source is None or image_type(source) is None):
            return 400, _error(324, "Requires upload file", "OAuthException")
        with self._lock:
            photo_id = str(500_000_000_000_000 + len(self.photos) + 1)
            self.photos[photo_id] = {
                "url": url,
                "size": len(source or b""),
                "alt_text_custom": form.get("alt_text_custom"),
                "published": form.get("published", "true") != "false",
                "attached": False,
            }
            if self.photos[photo_id]["published"]:
                item = {
                    "id": f"{self.page_id}_{len(self.feed) + 1}",
                    "message": form.get("caption", ""),
                    "photos": [photo_id],
                }
                self.feed.append(item)
                return 200, {"id": photo_id, "post_id": item["id"]}
        return 200, {"id": photo_id}

    def post(self, path: str, form: dict[str, str]) -> tuple[Any, ...]:
        if form.get("access_token") != self.token:
            return 400, _error(190, "Error validating access token: Session has expired")
        with self._lock:
            if path == f"/v1.0/{self.user_id}/threads" and form.get("media_type") in ("IMAGE", "CAROUSEL"):
                return self._media_container(form)
            if path == f"/v1.0/{self.user_id}/threads":
                text = form.get("text", "")
                if form.get("media_type") != "TEXT" or not text:
                    return 400, _error(100, "Invalid parameter", "THApiException")
                if threads_length(text) > 500:
                    return 400, _error(100, "Param text must be at most 500 characters long.", "THApiException")
                if "reply_to_id" in form and not any(t["id"] == form["reply_to_id"] for t in self.threads):
                    return 400, _error(100, "reply_to_id does not exist", "THApiException")
                container = str(17_800_000_000_000_000 + len(self.containers) + 1)
                self.containers[container] = {
                    "text": text,
                    "reply_to_id": form.get("reply_to_id"),
                    "status": "FINISHED",
                }
                return 200, {"id": container}
            if path == f"/v1.0/{self.user_id}/threads_publish":
                if (failure := self.next_failure()) is not None:  # scripted, over budget or injected (base.py)
                    status, answer, created, extra = failure
                    if created and form.get("creation_id") in self.containers:
                        container = self.containers[form["creation_id"]]
                        container["status"] = "PUBLISHED"
                        self.threads.append(
                            {
                                "id": str(18_000_000_000_000_000 + len(self.threads) + 1),
                                "text": container["text"],
                                "reply_to_id": container["reply_to_id"],
                                "permalink": "https://www.threads.net/@comms/post/X",
                            }
                        )
                    return status, answer, extra
                if self.not_found_publishes > 0:
                    self.not_found_publishes -= 1
                    return 400, {
                        "error": {
                            "message": "The requested resource does not exist",
                            "type": "OAuthException",
                            "code": 24,
                            "error_subcode": 4279009,
                            "fbtrace_id": "AbCdEf",
                        }
                    }
                container = self.containers.get(form.get("creation_id", ""))
                if container is None:
                    return 400, _error(100, "The container does not exist", "THApiException")
                if container["reply_to_id"] is None and self.quota_usage() >= self.quota_total:
                    return 400, _error(4, "Application request limit reached")
                if container["status"] == "PUBLISHED":
                    return 400, _error(100, "The container was already published", "THApiException")
                if container["status"] == "IN_PROGRESS":
                    return 400, _error(
                        9007, "The media is not ready for publishing, please wait for a moment", "THApiException"
                    )
                container["status"] = "PUBLISHED"
                media = {
                    "id": str(18_000_000_000_000_000 + len(self.threads) + 1),
                    "text": container["text"],
                    "reply_to_id": container["reply_to_id"],
                    "permalink": "https://www.threads.net/@comms/post/X",
                    "media_type": container.get("media_type", "TEXT"),
                    "image_url": container.get("image_url"),
                    "alt_text": container.get("alt_text"),
                    "children": container.get("children", []),
                }
                self.threads.append(media)
                return 200, {"id": media["id"]}
            if path == f"/v1.0/{self.page_id}/feed":
                if (failure := self.next_failure()) is not None:  # scripted, over budget or injected (base.py)
                    status, answer, created, extra = failure
                    if created:
                        self.feed.append(
                            {"id": f"{self.page_id}_{len(self.feed) + 1}", "message": form.get("message", "")}
                        )
                    return status, answer, extra
                message = form.get("message", "")
                if len(message.encode("utf-16-le")) // 2 > 63_206:
                    return 400, _error(100, "Message too long", "GraphMethodException")
                if any(p["message"] == message for p in self.feed):
                    return 400, _error(
                        368, "You've already posted this. Posting the same content repeatedly isn't allowed."
                    )
                attached = [
                    json.loads(value)["media_fbid"]
                    for key, value in sorted(form.items())
                    if key.startswith("attached_media[")
                ]
                if any(
                    p not in self.photos or self.photos[p]["published"] or self.photos[p]["attached"] for p in attached
                ):
                    return 400, _error(
                        100, "(#100) attached_media must name unpublished photos of this page", "GraphMethodException"
                    )
                for photo in attached:
                    self.photos[photo]["attached"] = True
                item = {
                    "id": f"{self.page_id}_{len(self.feed) + 1}",
                    "message": message,
                    "link": form.get("link"),
                    **({"photos": attached} if attached else {}),
                }
                self.feed.append(item)
                return 200, {"id": item["id"]}
        return 404, _error(803, "Unknown path", "GraphMethodException")

    def server_error(self) -> tuple[int, Any]:
        return 500, {
            "error": {
                "message": "An unexpected error has occurred. Please retry your request later.",
                "type": "OAuthException",
                "code": 2,
                "is_transient": True,
                "fbtrace_id": "AbCdEf",
            }
        }

    def rate_headers(self, limit: int, remaining: int, reset_at: float, *, refused: bool = False) -> dict[str, str]:
        """Business Use Case usage in per cent; once refused, `estimated_time_to_regain_access` in minutes (§5.2)."""
        regain = math.ceil(max(reset_at - self.time(), 0) / 60) if refused else 0
        return {
            "X-Business-Use-Case-Usage": json.dumps(
                {
                    self.page_id: [
                        {
                            "type": "pages",
                            "call_count": round(100 * (limit - max(remaining, 0)) / limit),
                            "total_cputime": 1,
                            "total_time": 1,
                            "estimated_time_to_regain_access": regain,
                        }
                    ]
                }
            )
        }

    def throttled(self, limit: int, reset_at: float) -> tuple[int, Any, dict[str, str]]:
        # code 80001 "too many calls to this Page account" (rate-limit codes: unconfirmed, §5.2)
        return (
            400,
            _error(80001, "There have been too many calls to this Page account. Wait a bit and try again."),
            self.rate_headers(limit, 0, reset_at, refused=True),
        )

    def handler(self) -> type[JsonHandler]:
        fake = self

        class Handler(JsonHandler):
            def do_POST(self) -> None:  # noqa: N802  # reason: the method name the server library calls
                raw, kind = self.body(), self.headers.get("Content-Type") or ""
                source = None
                if kind.startswith("multipart/form-data"):
                    form, files = multipart(kind, raw)
                    source = files["source"].data if "source" in files else None
                else:
                    form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                fake.requests.append({"path": self.path, "form": form})
                path = urlsplit(self.path).path
                if path == f"/v1.0/{fake.page_id}/photos":
                    return self.send_json(*fake.photo(form, source))
                self.send_json(*fake.post(path, form))

            def do_GET(self) -> None:  # noqa: N802  # reason: the method name the server library calls
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                if (
                    query.get("access_token") in fake.user_tokens
                    and parts.path == f"/v1.0/{fake.page_id}"
                    and query.get("fields") == "access_token"
                ):  # a page's own token, for a user who manages it
                    return self.send_json(200, {"access_token": fake.token, "id": fake.page_id})
                if query.get("access_token") != fake.token:
                    return self.send_json(400, _error(190, "Invalid OAuth access token"))
                if parts.path == f"/v1.0/{fake.user_id}/threads":
                    return self.send_json(200, {"data": list(reversed(fake.threads))})
                if parts.path == f"/v1.0/{fake.user_id}/threads_publishing_limit":
                    if not fake.quota_readable:
                        return self.send_json(403, _error(10, "Application does not have permission for this action"))
                    with fake._lock:
                        usage = fake.quota_usage()
                    return self.send_json(
                        200,
                        {
                            "data": [
                                {
                                    "quota_usage": usage,
                                    "config": {"quota_total": fake.quota_total, "quota_duration": 86400},
                                }
                            ]
                        },
                    )
                if parts.path == f"/v1.0/{fake.user_id}":
                    return self.send_json(200, {"id": "17841400000000000", "username": "comms"})
                if parts.path == f"/v1.0/{fake.page_id}":
                    return self.send_json(200, {"id": fake.page_id, "name": "Vernetzungsstelle"})
                if parts.path == f"/v1.0/{fake.page_id}/feed":
                    return self.send_json(200, {"data": list(reversed(fake.feed))})
                if parts.path.removeprefix("/v1.0/") in fake.containers and "status" in query.get("fields", ""):
                    return self.send_json(*fake.container_status(parts.path.removeprefix("/v1.0/")))
                return self.send_json(404, _error(803, "Unknown path", "GraphMethodException"))

        return Handler
