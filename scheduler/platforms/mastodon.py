"""Mastodon (`POST /api/v1/statuses`): a thread is a chain of self-replies.

Every request carries an `Idempotency-Key` (the post's key plus the part number). Mastodon keeps a
successful key for an hour per account and answers a repeat with the status it created. Reconciling
reads the account's newest statuses first (a request that failed after creating the status may have
left no key), then, within the hour, replays the post with its keys: parts that arrived come back,
missing ones are created.

Images are uploaded first (`POST /api/v2/media`, multipart `file` with `description` = alt text).
An answer of 202 means the server is still processing: `GET /api/v1/media/:id` answers 206 until it
is ready (200); we wait for that, within `media_timeout`, because a status naming unprocessed media
is refused (422). The media ids go on the first part only. The instance's own limits
(`/api/v2/instance`: attachments per status, image size) are checked before anything is uploaded.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from scheduler.errors import PublishError, RejectedError, TransientError
from scheduler.media import GIF, JPEG, MB, PNG, WEBP, ImageRules
from scheduler.models import Content, Image, QueuedPost
from scheduler.platforms import uploads
from scheduler.platforms.base import ApiClient, Outcome, Payload, PublishResult, Reconciliation
from scheduler.platforms.rehearsed import Answer, RecordedRequest, made_up
from scheduler.platforms.spec import ClientParts, Connect, Platform, Setting
from scheduler.text.length import measure_mastodon

if TYPE_CHECKING:
    import requests
    from pydantic import SecretStr

    from scheduler.platforms.http import HttpClient


VISIBILITIES = ("public", "unlisted", "private", "direct")
#: Mastodon 4.x: MediaAttachment IMAGE_LIMIT 16 MB, Status::MEDIA_ATTACHMENTS_LIMIT 4; an instance may
#: allow other values (configuration.media_attachments.image_size_limit,
#: configuration.statuses.max_media_attachments): the client checks them before uploading.
#: Alt text (`description`): 1500 characters (MediaAttachment::MAX_DESCRIPTION_LENGTH).
IMAGES = ImageRules("mastodon", max_count=4, max_bytes=16 * MB, types=(JPEG, PNG, GIF, WEBP), max_alt=1500)
IDEMPOTENCY_WINDOW = dt.timedelta(minutes=55)  # Mastodon keeps keys 1 hour; keep a margin


def build_uploads(post: Content) -> list[Payload]:
    """One multipart upload per image, each followed (when the server answers 202) by polling."""
    steps: list[Payload] = []
    for number, image in enumerate(post.images, start=1):
        steps.append(
            {
                "method": "POST",
                "path": "/api/v2/media",
                "content_type": "multipart/form-data",
                "body": {"file": uploads.contents(image), "description": image.alt},
            }
        )
        steps.append(
            {
                "method": "GET",
                "path": f"/api/v1/media/{uploads.placeholder('media id', number)}",
                "note": "only after 202; repeated while the answer is 206 (processing), until 200",
            }
        )
    return steps


def build_payloads(
    post: Content, *, now: dt.datetime, media_ids: Sequence[str] | None = None, visibility: str = "public"
) -> list[Payload]:
    """One status per part; `visibility` (one of `VISIBILITIES`) applies to every part."""
    payloads: list[Payload] = []
    for index, part in enumerate(post.parts):
        body: Payload = {"status": part, "visibility": visibility, "language": post.language}
        if post.spoiler_text:
            body["spoiler_text"] = post.spoiler_text
        if index:
            body["in_reply_to_id"] = f"<id of part {index}>"
        elif post.images:
            body["media_ids"] = list(
                media_ids or [uploads.placeholder("media id", n) for n in range(1, len(post.images) + 1)]
            )
        payloads.append(body)
    return payloads


def _reset(response: requests.Response) -> float | None:
    """Mastodon's X-RateLimit-Reset is an ISO 8601 time, not epoch seconds."""
    value = response.headers.get("X-RateLimit-Reset")
    if not value:
        return None
    try:
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return max((when - dt.datetime.now(dt.UTC)).total_seconds(), 0.0)


def _classify(response: requests.Response) -> PublishError | None:
    if response.status_code == 422 and "not finished processing" in response.text:
        return TransientError("media still processing on the Mastodon server")
    return None


def _file_size(path: str) -> int:
    import os

    try:
        return os.path.getsize(path)
    except OSError:
        return 0  # uploads.load names the missing file


def _plain(content: str) -> str:
    """A status's HTML content as plain text, for comparing with what we sent."""
    text = re.sub(r"<br\s*/?>", "\n", content)
    text = re.sub(r"</p>\s*<p>", "\n\n", text)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", text)).split())


class MastodonPublisher(ApiClient):
    """Publishes to one Mastodon account. `media_timeout` bounds the wait for uploaded images to be
    processed; `visibility` (one of `VISIBILITIES`) is who sees the posts; `sleep` is injectable for
    tests."""

    def __init__(
        self,
        base_url: str,
        token: SecretStr,
        *,
        http: HttpClient | None = None,
        clock: Callable[[], dt.datetime] | None = None,
        media_timeout: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        visibility: str = "public",
    ) -> None:
        super().__init__(base_url, token, http=http, clock=clock)
        if visibility not in VISIBILITIES:
            raise ValueError(f"visibility {visibility!r} is not one of {', '.join(VISIBILITIES)}")
        self.media_timeout = media_timeout
        self.visibility = visibility
        self._sleep = sleep

    def _headers(self, key: str | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self._secret.get_secret_value()}"}
        if key:
            headers["Idempotency-Key"] = key
        return headers

    def whoami(self) -> str:
        me = self.http.request(
            "GET", f"{self.base_url}/api/v1/accounts/verify_credentials", headers=self._headers()
        ).json()
        return f"@{me.get('acct') or me.get('username')}"

    def instance_limit(self) -> int | None:
        """The instance's real character limit (`/api/v2/instance`), when it says."""
        info = self.http.request("GET", f"{self.base_url}/api/v2/instance").json()
        limit = info.get("configuration", {}).get("statuses", {}).get("max_characters")
        return int(limit) if isinstance(limit, int) else None

    def _media_limits(self, images: Sequence[Image]) -> None:
        """Refuse what this instance will not take, before uploading anything."""
        info = self.http.request("GET", f"{self.base_url}/api/v2/instance").json().get("configuration", {})
        count = info.get("statuses", {}).get("max_media_attachments")
        count = count if isinstance(count, int) else IMAGES.max_count
        if len(images) > count:
            raise RejectedError(
                f"{len(images)} images, but this Mastodon instance takes at most {count} per post; "
                f"remove {len(images) - count}, then retry the post"
            )
        size = info.get("media_attachments", {}).get("image_size_limit")
        if isinstance(size, int):
            for image in images:
                if not image.is_url and _file_size(image.path) > size:
                    raise RejectedError(
                        f"image {image.path} is larger than this Mastodon instance's "
                        f"{size:,} bytes; make it smaller, then retry the post"
                    )

    def upload(self, image: Image) -> str:
        """Upload one image with its alt text and wait until the server has processed it; its id."""
        data = uploads.load(image, IMAGES, self.http)
        response = self.http.request(
            "POST",
            f"{self.base_url}/api/v2/media",
            headers=self._headers(),
            data={"description": data.alt},
            files={"file": (data.name, data.data, data.mime)},
        )
        attachment: dict[str, Any] = response.json()
        media_id = str(attachment["id"])
        waited, pause = 0.0, 0.5
        while response.status_code != 200:  # 202 from the upload, 206 while processing
            if waited >= self.media_timeout:
                raise TransientError(
                    f"Mastodon is still processing image {image.path} after "
                    f"{self.media_timeout:.0f} s; the post is retried later"
                )
            self._sleep(pause)
            waited, pause = waited + pause, min(pause * 2, 5.0)
            response = self.http.request("GET", f"{self.base_url}/api/v1/media/{media_id}", headers=self._headers())
        return media_id

    def publish(self, post: QueuedPost, *, arrived: Sequence[dict[str, Any]] = ()) -> PublishResult:
        """`arrived`: the statuses of the thread's first parts, found on the account by `reconcile`;
        they are not sent again."""

        # the images (media: 30 uploads per 30 minutes) and all the parts still to send fit in the
        # account's rate limits, or nothing is sent
        if post.images and not arrived:
            self.http.pace("POST", f"{self.base_url}/api/v2/media", requests=len(post.images))
        self.http.pace("POST", f"{self.base_url}/api/v1/statuses", requests=len(post.parts) - len(arrived))
        media_ids: list[str] = []
        if post.images and not arrived:
            self._media_limits(post.images)
            media_ids = [self.upload(image) for image in post.images]
        first: dict[str, object] | None = None
        parent: str | None = None
        for index, body in enumerate(
            build_payloads(post.content, now=self.clock(), media_ids=media_ids, visibility=self.visibility)
        ):
            if index < len(arrived):
                status = arrived[index]
            else:
                if parent is not None:
                    body["in_reply_to_id"] = parent
                status = self.http.request(
                    "POST",
                    f"{self.base_url}/api/v1/statuses",
                    json=body,
                    headers=self._headers(f"{post.idempotency_key}:{index}"),
                    classify=_classify,
                    reset_header=_reset,
                ).json()
            parent = str(status["id"])
            first = first or status
        assert first is not None
        return PublishResult(remote_id=str(first["id"]), remote_url=str(first.get("url") or "") or None)

    def reconcile(self, post: QueuedPost) -> Reconciliation:
        """Read the account's newest statuses first: Mastodon stores an idempotency key only after
        the status exists, so a status created by a request that then failed may have none, and a
        replay would post it twice. A post found there whole is done; within the hour the parts
        not found are sent with their keys (a part that arrived with its key comes back), after
        the first part found, never again before it."""
        started = post.claimed_at or post.due_at or post.publish_at
        arrived, oldest = self._find(post.parts)
        within_window = self.clock() - started < IDEMPOTENCY_WINDOW
        if arrived and (len(arrived) == len(post.parts) or not within_window):
            return Reconciliation(Outcome.PUBLISHED, PublishResult(str(arrived[0]["id"]), arrived[0].get("url")))
        if within_window:
            return Reconciliation(Outcome.PUBLISHED, self.publish(post, arrived=arrived))  # an idempotent replay
        if oldest is not None and oldest < started:
            return Reconciliation(Outcome.NOT_PUBLISHED)  # the list reaches back past the attempt
        return Reconciliation(Outcome.UNKNOWN)

    def _find(self, parts: Sequence[str]) -> tuple[list[dict[str, Any]], dt.datetime | None]:
        """The statuses of the leading parts found on the account (the newest with the first
        part's text, then each reply to the one before with the next part's text), and the
        creation time of the oldest status listed."""
        me = self.http.request(
            "GET", f"{self.base_url}/api/v1/accounts/verify_credentials", headers=self._headers()
        ).json()
        statuses = self.http.request(
            "GET",
            f"{self.base_url}/api/v1/accounts/{me['id']}/statuses",
            params={"limit": "40"},
            headers=self._headers(),
        ).json()
        oldest = min(
            (dt.datetime.fromisoformat(s["created_at"].replace("Z", "+00:00")) for s in statuses), default=None
        )
        arrived: list[dict[str, Any]] = []
        for part in parts:
            wanted = " ".join(part.split())
            parent = str(arrived[-1]["id"]) if arrived else None
            match = next(
                (
                    s
                    for s in statuses
                    if _plain(s.get("content", "")) == wanted
                    and (parent is None or str(s.get("in_reply_to_id")) == parent)
                ),
                None,
            )
            if match is None:
                break
            arrived.append(match)
        return arrived, oldest


def _rehearse(request: RecordedRequest) -> Answer:
    """A dry run's answers: the instance's usual limits, an image processed at once (200, not 202),
    each status with an id of its own."""
    path = request.path
    if path.endswith("/api/v2/instance"):
        return Answer(
            json={
                "configuration": {
                    "statuses": {"max_characters": PLATFORM.limit, "max_media_attachments": IMAGES.max_count},
                    "media_attachments": {"image_size_limit": IMAGES.max_bytes},
                }
            }
        )
    if path.endswith("/api/v2/media") or "/api/v1/media/" in path:
        return Answer(json={"id": path.rsplit("/", 1)[1] if "/api/v1/" in path else made_up(request), "type": "image"})
    if path.endswith("/api/v1/accounts/verify_credentials"):
        return Answer(json={"id": "1", "username": "rehearsal", "acct": "rehearsal"})
    if path.endswith("/api/v1/statuses"):
        number = made_up(request)
        return Answer(json={"id": number, "url": f"{request.site}/@rehearsal/{number}"})
    return Answer(json={})


def _client(account: Any, parts: ClientParts) -> MastodonPublisher:
    return MastodonPublisher(account.base_url, account.token, http=parts.http, **parts.options)


PLATFORM = Platform(
    name="mastodon",
    title="Mastodon",
    api_base="https://mastodon.social",
    limit=500,
    measure=measure_mastodon,
    images=IMAGES,
    required=("base_url", "token"),
    identity=("base_url",),
    who=lambda account: "",
    build_payloads=build_payloads,
    build_uploads=build_uploads,
    client=_client,
    connect=Connect(oauth=False, label="Access token (write:statuses)", secret_field="token"),  # noqa: S106  # reason: the name of a field, not a password
    threads=True,
    content_warning=True,
    rehearse=_rehearse,
    settings={
        "base_url": Setting("your Mastodon instance, e.g. https://social.example, or empty"),
        "token": Setting("a Mastodon access token with write:statuses, or empty", secret=True),
        "max_characters": Setting("a whole number from 1 to 1000000, e.g. 500", default=500, ge=1, le=1_000_000),
        "visibility": Setting("public, unlisted, private or direct", default="public", choices=VISIBILITIES),
    },
    options=("visibility",),
)
