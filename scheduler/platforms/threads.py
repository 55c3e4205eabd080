"""Threads (`POST /{user-id}/threads`, then `threads_publish`): the container request's form body.

A lost answer is reconciled by reading the profile's recent threads and comparing their text.

Images: Threads downloads each image from its `image_url` itself, so images reach this client as
public https addresses (a local file is mapped to SCHEDULER_MEDIA_BASE_URL before it is queued).
One image: the first part's container is `media_type=IMAGE` with `image_url` and `alt_text`
(documentation/threads/posts/accessibility). Several: one `is_carousel_item` container per image,
then a `CAROUSEL` container naming them in `children`. A media container is published only once
Threads reports it `FINISHED` (`GET /{container-id}?fields=status,error_message`), waited for within
`media_timeout`.

Quota: a profile may publish 250 posts in a moving 24 hours (`threads_publishing_limit`). Before a
new post's first request the client asks how many are left; with none left the post is held back
unsent (`RateLimitedError(unsent=True)`) and retried an hour later. The replies of a thread have a
quota of their own (1,000), which reading would need the `threads_manage_replies` permission; it is
not asked. Right after a container is made, `threads_publish` may answer that it cannot find it
yet (error subcode 4279009): nothing was published, so the same container is published again after
a short wait.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from scheduler.errors import PublishError, RateLimitedError, RejectedError, TransientError
from scheduler.media import JPEG, MB, PNG, ImageRules
from scheduler.models import Content, Image, QueuedPost
from scheduler.platforms import meta, uploads
from scheduler.platforms.base import REDACTED, ApiClient, Journal, Outcome, Payload, PublishResult, Reconciliation
from scheduler.platforms.oauth import Provider
from scheduler.platforms.rehearsed import Answer, RecordedRequest, made_up
from scheduler.platforms.spec import ClientParts, Connect, Platform, Setting, app_settings
from scheduler.text.length import measure_threads

if TYPE_CHECKING:
    import requests
    from pydantic import SecretStr

    from scheduler.platforms.http import HttpClient


USER_PLACEHOLDER = "<threads-user-id>"
API_VERSION = "v1.0"
#: Threads posts: images JPEG or PNG, 8 MB (developers.facebook.com documentation/threads/posts,
#: media specifications); a carousel holds up to 20 items (unconfirmed: older pages said 10).
#: Threads downloads image_url itself, so a local file needs a public address.
IMAGES = ImageRules("threads", max_count=20, max_bytes=8 * MB, types=(JPEG, PNG), needs_public_url=True)
QUOTA_RETRY = 3600.0  # seconds: the quota is a moving 24 hours, and Threads does not say when a post frees up
NOT_FOUND_YET = 4279009  # error_subcode: threads_publish cannot find a container made a moment ago
NOT_FOUND_TRIES = 3  # publishing such a container, in all
NOT_FOUND_PAUSE = 5.0  # seconds between those tries

log = logging.getLogger(__name__)


class NotFoundYetError(TransientError):
    """`threads_publish` cannot find a container made a moment ago: nothing was published."""


def _classify_publish(response: requests.Response) -> PublishError | None:
    try:
        subcode = response.json().get("error", {}).get("error_subcode")
    except (ValueError, AttributeError):
        subcode = None
    if subcode == NOT_FOUND_YET:
        return NotFoundYetError("Threads has not found the new container yet")
    return meta.classify(response)


def _item(image: Image) -> Payload:
    return {"media_type": "IMAGE", "image_url": image.path, "alt_text": image.alt, "is_carousel_item": "true"}


def build_uploads(post: Content) -> list[Payload]:
    """A carousel's item containers (one per image); a single image needs none."""
    if len(post.images) < 2:
        return []
    return [
        {
            "method": "POST",
            "path": f"/{USER_PLACEHOLDER}/threads",
            "content_type": "application/x-www-form-urlencoded",
            "body": {**_item(image), "access_token": REDACTED},
        }
        for image in post.images
    ]


def build_payloads(post: Content, *, now: dt.datetime, children: Sequence[str] | None = None) -> list[Payload]:
    payloads: list[Payload] = []
    for index, part in enumerate(post.parts):
        body: Payload = {"media_type": "TEXT", "text": part}
        if index:
            body["reply_to_id"] = f"<media id of part {index}>"
        elif len(post.images) == 1:
            (image,) = post.images
            body = {"media_type": "IMAGE", "image_url": image.path, "alt_text": image.alt, "text": part}
        elif post.images:
            ids = children or [uploads.placeholder("container id", n) for n in range(1, len(post.images) + 1)]
            body = {"media_type": "CAROUSEL", "children": ",".join(ids), "text": part}
        body["access_token"] = REDACTED
        payloads.append(body)
    return payloads


class ThreadsPublisher(ApiClient):
    shown = ("user_id",)

    def __init__(
        self,
        base_url: str,
        token: SecretStr,
        *,
        user_id: str = "me",
        http: HttpClient | None = None,
        clock: Callable[[], dt.datetime] | None = None,
        media_timeout: float = 300.0,
        sleep: Callable[[float], None] = time.sleep,
        journal: Journal | None = None,
    ) -> None:
        """`journal` (the queue's store) keeps each container id before it is published and each
        published part's media id, so that `reconcile` can ask about exactly those containers."""
        super().__init__(base_url, token, http=http, clock=clock)
        self.user_id = user_id
        self.media_timeout = media_timeout
        self._sleep = sleep
        self.journal = journal

    def _post(self, path: str, form: dict[str, str]) -> dict[str, str]:
        form = {**form, "access_token": self._secret.get_secret_value()}
        classify = _classify_publish if path == "threads_publish" else meta.classify
        answer: dict[str, str] = self.http.request(
            "POST", f"{self.base_url}/{self.user_id}/{path}", data=form, classify=classify
        ).json()
        return answer

    def _publish_container(self, container: str) -> str:
        """Publish `container`; its media id. A container Threads cannot find yet is published again."""
        for attempt in range(1, NOT_FOUND_TRIES + 1):
            try:
                return self._post("threads_publish", {"creation_id": container})["id"]
            except NotFoundYetError:
                if attempt == NOT_FOUND_TRIES:
                    raise
                self._sleep(NOT_FOUND_PAUSE)
        raise AssertionError("unreachable")

    def quota_left(self) -> int | None:
        """How many posts the profile may still publish in the moving 24 hours, when Threads says."""
        answer = self.http.request(
            "GET",
            f"{self.base_url}/{self.user_id}/threads_publishing_limit",
            classify=meta.classify,
            params={"fields": "quota_usage,config", "access_token": self._secret.get_secret_value()},
        ).json()
        data = answer.get("data") or [{}]
        usage, total = data[0].get("quota_usage"), (data[0].get("config") or {}).get("quota_total")
        if isinstance(usage, int) and isinstance(total, int):
            return max(total - usage, 0)
        return None

    def _check_quota(self) -> None:
        """Hold a new post back, before any request, when the profile's quota is spent."""
        try:
            left = self.quota_left()
        except PublishError as error:  # threads_publish enforces the quota itself: go on
            log.warning("could not read the Threads publishing quota: %s", error)
            return
        if left == 0:
            raise RateLimitedError(
                "the Threads profile has used its publishing quota for the last 24 hours "
                "(250 posts); the post is retried in an hour",
                retry_after=QUOTA_RETRY,
                unsent=True,
            )

    def whoami(self) -> str:
        me = self.http.request(
            "GET",
            f"{self.base_url}/{self.user_id}",
            classify=meta.classify,
            params={"fields": "id,username", "access_token": self._secret.get_secret_value()},
        ).json()
        return f"@{me.get('username', me.get('id'))}"

    def _wait(self, container: str) -> None:
        """Until Threads has fetched and processed the container's media (status FINISHED)."""
        waited, pause = 0.0, 2.0
        while True:
            state = self.http.request(
                "GET",
                f"{self.base_url}/{container}",
                classify=meta.classify,
                params={"fields": "status,error_message", "access_token": self._secret.get_secret_value()},
            ).json()
            status = state.get("status")
            if status in ("FINISHED", "PUBLISHED"):
                return
            if status == "ERROR":
                reason = self.http.scrub(str(state.get("error_message") or "no reason given"))  # the server's words
                raise RejectedError(
                    f"Threads could not use the image: {reason}; "
                    f"check that the image address is public, then retry the post"
                )
            if status == "EXPIRED":
                raise TransientError("the Threads media container expired before it was published; the post is retried")
            if waited >= self.media_timeout:
                raise TransientError(
                    f"Threads is still processing the image after {self.media_timeout:.0f} s; the post is retried later"
                )
            self._sleep(pause)
            waited, pause = waited + pause, min(pause * 2, 30.0)

    def _status(self, container: str) -> str:
        state = self.http.request(
            "GET",
            f"{self.base_url}/{container}",
            classify=meta.classify,
            params={"fields": "status,error_message", "access_token": self._secret.get_secret_value()},
        ).json()
        return str(state.get("status", ""))

    def publish(self, post: QueuedPost) -> PublishResult:
        return self._publish(post, self._steps(post))

    def _publish(self, post: QueuedPost, steps: dict[str, str]) -> PublishResult:
        """Publish the parts not yet published (per `steps`), reusing a noted container that
        Threads has not published yet."""

        self.http.pace("POST", f"{self.base_url}/{self.user_id}/threads_publish", requests=len(post.parts))
        local = [image.path for image in post.images if not image.is_url]
        if local:
            raise RejectedError(
                f"Threads downloads images from a public address and {local[0]} is a local file; "
                f"set SCHEDULER_MEDIA_BASE_URL and queue the post again"
            )
        if "part:0" not in steps:
            self._check_quota()
        children = []
        if len(post.images) > 1 and "part:0" not in steps:
            for number, image in enumerate(post.images):
                child = steps.get(f"child:{number}") or self._post("threads", _item(image))["id"]
                self._note(post, f"child:{number}", child)
                children.append(child)
        first: str | None = None
        parent: str | None = None
        for index, body in enumerate(build_payloads(post.content, now=self.clock(), children=children)):
            if f"part:{index}" in steps:
                parent = steps[f"part:{index}"]
                first = first or parent
                continue
            container = steps.get(f"container:{index}")
            if container is not None and self._status(container) not in ("FINISHED", "IN_PROGRESS"):
                container = None  # expired or failed: make a new one
            if container is None:
                form = {key: value for key, value in body.items() if key != "access_token"}
                if parent is not None:
                    form["reply_to_id"] = parent
                container = self._post("threads", form)["id"]
                self._note(post, f"container:{index}", container)
            if index == 0 and post.images:
                try:
                    self._wait(container)
                except TransientError:
                    self._note(post, f"container:{index}", "")  # expired or too slow: start afresh next time
                    raise
            parent = self._publish_container(container)
            self._note(post, f"part:{index}", parent)
            first = first or parent
        assert first is not None
        return PublishResult(remote_id=first, remote_url=None)

    def reconcile(self, post: QueuedPost) -> Reconciliation:
        """With noted containers, ask Threads about each (`GET /{container}?fields=status`): a
        PUBLISHED one went out (its media id is then read from the profile's threads), a FINISHED
        one never did and may still be published, an EXPIRED or failed one is given up. A thread
        whose first part went out is finished. Without notes, the profile's threads are compared
        by text."""
        steps = self._steps(post)
        if not steps:
            return self._by_text(post)
        for index in range(len(post.parts)):
            if f"part:{index}" in steps:
                continue
            container = steps.get(f"container:{index}")
            if container is None:
                break  # never created: this part and the ones after it were not sent
            status = self._status(container)
            if status == "PUBLISHED":
                found = self._find(post.parts[index])
                if found is None:
                    return Reconciliation(Outcome.UNKNOWN)  # it went out, but we cannot tell its id
                steps[f"part:{index}"] = found.remote_id
                self._note(post, f"part:{index}", found.remote_id)
                continue
            if status not in ("FINISHED", "IN_PROGRESS"):
                self._note(post, f"container:{index}", "")  # EXPIRED or ERROR: never published
            break
        if "part:0" not in steps:
            return Reconciliation(Outcome.NOT_PUBLISHED)
        return Reconciliation(Outcome.PUBLISHED, self._publish(post, steps))  # finish a half-sent thread

    def _find(self, text: str) -> PublishResult | None:
        found, _ = self._listed(text)
        return found

    def _listed(self, text: str) -> tuple[PublishResult | None, bool]:
        """The profile's recent thread with `text`, and whether the profile could be listed at all."""
        listing = self.http.request(
            "GET",
            f"{self.base_url}/{self.user_id}/threads",
            classify=meta.classify,
            params={
                "fields": "id,text,timestamp,permalink",
                "limit": "50",
                "access_token": self._secret.get_secret_value(),
            },
        ).json()
        wanted = " ".join(text.split())
        for item in listing.get("data", []):
            if " ".join(str(item.get("text", "")).split()) == wanted:
                return PublishResult(str(item["id"]), item.get("permalink")), True
        return None, listing.get("data") is not None

    def _by_text(self, post: QueuedPost) -> Reconciliation:
        found, listed = self._listed(post.parts[0])
        if found is not None:
            return Reconciliation(Outcome.PUBLISHED, found)
        return Reconciliation(Outcome.NOT_PUBLISHED if listed else Outcome.UNKNOWN)


def _rehearse(request: RecordedRequest) -> Answer:
    """A dry run's answers: the whole quota left, each container with an id of its own and ready at
    once (FINISHED), each publish with a media id of its own."""
    path = request.path
    if path.endswith("/threads_publishing_limit"):
        return Answer(json={"data": [{"quota_usage": 0, "config": {"quota_total": 250, "quota_duration": 86400}}]})
    if request.method == "POST":  # a container (…/threads) or its publishing (…/threads_publish)
        return Answer(json={"id": made_up(request)})
    if request.query.get("fields", "").startswith("status"):
        return Answer(json={"status": "FINISHED", "id": path.rsplit("/", 1)[1]})
    if request.query.get("fields") == "id,username":
        return Answer(json={"id": path.rsplit("/", 1)[1], "username": "rehearsal"})
    return Answer(json={"data": []})


def _client(account: Any, parts: ClientParts) -> ThreadsPublisher:
    return ThreadsPublisher(
        account.base_url, account.token, user_id=account.user_id, journal=parts.journal, http=parts.http
    )


PLATFORM = Platform(
    name="threads",
    title="Threads",
    api_base=f"https://graph.threads.net/{API_VERSION}",
    limit=500,
    measure=measure_threads,
    images=IMAGES,
    required=("token",),
    identity=("base_url", "user_id"),
    who=lambda account: f"Threads user {account.user_id}" if account.user_id else "",
    build_payloads=build_payloads,
    build_uploads=build_uploads,
    client=_client,
    connect=Connect(oauth=True, keeps=("user_id",)),
    threads=True,
    oauth=Provider(
        "threads",
        "https://threads.net/oauth/authorize",
        "https://graph.threads.net/oauth/access_token",
        ("threads_basic", "threads_content_publish"),
        pkce=False,
        self_refresh=True,
    ),
    token_margin=dt.timedelta(days=7),
    rehearse=_rehearse,
    settings={
        "base_url": Setting("the Threads API base with its version (default: the one we support), or empty"),
        "user_id": Setting("the Threads user id, or me", default="me"),
        "token": Setting("a long-lived Threads token with threads_content_publish, or empty", secret=True),
        **app_settings("Threads"),
    },
)
