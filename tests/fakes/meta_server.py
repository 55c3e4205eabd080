"""A fake Meta Graph API on 127.0.0.1 for Threads and Facebook Pages (platform-apis.md §5): the
access token as a form or query parameter (code 190 otherwise), Threads' two steps (container, then
threads_publish; a container is published once), 500 characters with emoji counted as their UTF-8
bytes (counted here independently of the package), `reply_to_id` must exist, Facebook's
`/{page-id}/feed` with code 368 for a repeated message, and a 500 "code 2" that still created the
post (the ambiguous-success path)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import regex

from tests.fakes.base import FakeServer, JsonHandler

_EMOJI = regex.compile(r"\p{Extended_Pictographic}|\p{Regional_Indicator}")


def threads_length(text: str) -> int:
    return sum(len(cluster.encode()) if _EMOJI.search(cluster) else len(cluster) for cluster in regex.findall(r"\X", text))


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
        super().__init__()

    def post(self, path: str, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if form.get("access_token") != self.token:
            return 400, _error(190, "Error validating access token: Session has expired")
        with self._lock:
            if path == f"/v1.0/{self.user_id}/threads":
                text = form.get("text", "")
                if form.get("media_type") != "TEXT" or not text:
                    return 400, _error(100, "Invalid parameter", "THApiException")
                if threads_length(text) > 500:
                    return 400, _error(100, "Param text must be at most 500 characters long.", "THApiException")
                if "reply_to_id" in form and not any(t["id"] == form["reply_to_id"] for t in self.threads):
                    return 400, _error(100, "reply_to_id does not exist", "THApiException")
                container = str(17_800_000_000_000_000 + len(self.containers) + 1)
                self.containers[container] = {"text": text, "reply_to_id": form.get("reply_to_id"), "status": "FINISHED"}
                return 200, {"id": container}
            if path == f"/v1.0/{self.user_id}/threads_publish":
                if self.failures:
                    status, answer, created = self.failures.pop(0)
                    if created and form.get("creation_id") in self.containers:
                        container = self.containers[form["creation_id"]]
                        container["status"] = "PUBLISHED"
                        self.threads.append({"id": str(18_000_000_000_000_000 + len(self.threads) + 1),
                                             "text": container["text"], "reply_to_id": container["reply_to_id"],
                                             "permalink": "https://www.threads.net/@comms/post/X"})
                    return status, answer
                container = self.containers.get(form.get("creation_id", ""))
                if container is None:
                    return 400, _error(100, "The container does not exist", "THApiException")
                if container["status"] == "PUBLISHED":
                    return 400, _error(100, "The container was already published", "THApiException")
                container["status"] = "PUBLISHED"
                media = {"id": str(18_000_000_000_000_000 + len(self.threads) + 1), "text": container["text"],
                         "reply_to_id": container["reply_to_id"], "permalink": "https://www.threads.net/@comms/post/X"}
                self.threads.append(media)
                return 200, {"id": media["id"]}
            if path == f"/v1.0/{self.page_id}/feed":
                if self.failures:
                    status, answer, created = self.failures.pop(0)
                    if created:
                        self.feed.append({"id": f"{self.page_id}_{len(self.feed) + 1}", "message": form.get("message", "")})
                    return status, answer
                message = form.get("message", "")
                if len(message.encode("utf-16-le")) // 2 > 63_206:
                    return 400, _error(100, "Message too long", "GraphMethodException")
                if any(p["message"] == message for p in self.feed):
                    return 400, _error(368, "You've already posted this. Posting the same content repeatedly isn't allowed.")
                item = {"id": f"{self.page_id}_{len(self.feed) + 1}", "message": message, "link": form.get("link")}
                self.feed.append(item)
                return 200, {"id": item["id"]}
        return 404, _error(803, "Unknown path", "GraphMethodException")

    def handler(self) -> type[JsonHandler]:
        fake = self

        class Handler(JsonHandler):

            def do_POST(self) -> None:  # noqa: N802
                raw = self.body().decode()
                form = {k: v[0] for k, v in parse_qs(raw).items()}
                fake.requests.append({"path": self.path, "form": form})
                self.send_json(*fake.post(urlsplit(self.path).path, form))

            def do_GET(self) -> None:  # noqa: N802
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                if (query.get("access_token") in fake.user_tokens and parts.path == f"/v1.0/{fake.page_id}"
                        and query.get("fields") == "access_token"):  # a page's own token, for a user who manages it
                    return self.send_json(200, {"access_token": fake.token, "id": fake.page_id})
                if query.get("access_token") != fake.token:
                    return self.send_json(400, _error(190, "Invalid OAuth access token"))
                if parts.path == f"/v1.0/{fake.user_id}/threads":
                    return self.send_json(200, {"data": list(reversed(fake.threads))})
                if parts.path == f"/v1.0/{fake.user_id}":
                    return self.send_json(200, {"id": "17841400000000000", "username": "comms"})
                if parts.path == f"/v1.0/{fake.page_id}":
                    return self.send_json(200, {"id": fake.page_id, "name": "Vernetzungsstelle"})
                if parts.path == f"/v1.0/{fake.page_id}/feed":
                    return self.send_json(200, {"data": list(reversed(fake.feed))})
                return self.send_json(404, _error(803, "Unknown path", "GraphMethodException"))

        return Handler
