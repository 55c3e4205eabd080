"""X API v2 (`POST /2/tweets`): a thread is a chain of replies.

X has no idempotency key. A lost answer is reconciled by reading the account's recent posts; a
403 "duplicate content" answer carries no id, so unless the post is found it needs a person.

Images: `POST /2/media/upload` (multipart: `media` = the raw bytes, `media_category=tweet_image`)
answers `{"data": {"id": …}}`; `POST /2/media/metadata` sets the alt text
(`{"id", "metadata": {"alt_text": {"text"}}}`, at most 1000 characters); the first part names the ids
in `media.media_ids` (docs.x.com, X API v2 media). Unconfirmed: whether the upload answers with
`data.id` or `data.media_key` first on every access tier; we read `id`, then `media_id_string`.
GIFs need the chunked upload (INIT/APPEND/FINALIZE), which is not implemented: they are refused
before queuing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from scheduler.errors import DuplicateError, PublishError, RejectedError, TransientError
from scheduler.media import JPEG, MB, PNG, WEBP, ImageRules
from scheduler.models import Content, Image, QueuedPost
from scheduler.platforms import uploads
from scheduler.platforms.base import ApiClient, Journal, Outcome, Payload, PublishResult, Reconciliation
from scheduler.platforms.oauth import Provider
from scheduler.platforms.rehearsed import Answer, RecordedRequest, made_up
from scheduler.platforms.spec import ClientParts, Connect, Platform, Setting, app_settings
from scheduler.text.length import measure_x

if TYPE_CHECKING:
    import requests
    from pydantic import SecretStr

    from scheduler.platforms.http import HttpClient


#: docs.x.com media best practices: up to 4 photos per post; images 5 MB. The one-shot
#: POST /2/media/upload takes image/jpeg, png, webp, bmp, tiff; a GIF needs the chunked
#: upload (tweet_gif), which we do not implement. Alt text: at most 1000 characters (media metadata).
IMAGES = ImageRules("x", max_count=4, max_bytes=5 * MB, types=(JPEG, PNG, WEBP), max_alt=1000)


def build_uploads(post: Content) -> list[Payload]:
    """Per image: the upload, then its alt text."""
    steps: list[Payload] = []
    for number, image in enumerate(post.images, start=1):
        steps.append(
            {
                "method": "POST",
                "path": "/2/media/upload",
                "content_type": "multipart/form-data",
                "body": {"media": uploads.contents(image), "media_category": "tweet_image"},
            }
        )
        steps.append(
            {
                "method": "POST",
                "path": "/2/media/metadata",
                "body": {"id": uploads.placeholder("media id", number), "metadata": {"alt_text": {"text": image.alt}}},
            }
        )
    return steps


def build_payloads(post: Content, *, now: dt.datetime, media_ids: Sequence[str] | None = None) -> list[Payload]:
    payloads: list[Payload] = []
    for index, part in enumerate(post.parts):
        body: Payload = {"text": part}
        if index:
            body["reply"] = {"in_reply_to_tweet_id": f"<id of part {index}>"}
        elif post.images:
            body["media"] = {
                "media_ids": list(
                    media_ids or [uploads.placeholder("media id", n) for n in range(1, len(post.images) + 1)]
                )
            }
        payloads.append(body)
    return payloads


def _reset(response: requests.Response) -> float | None:
    """X's x-rate-limit-reset (or the 24-hour cap's reset) is epoch seconds."""
    for name in ("x-user-limit-24hour-reset", "x-app-limit-24hour-reset", "x-rate-limit-reset"):
        remaining = response.headers.get(name.replace("reset", "remaining"))
        value = response.headers.get(name)
        if value and (remaining in (None, "0") or name == "x-rate-limit-reset"):
            try:
                return max(float(value) - dt.datetime.now(dt.UTC).timestamp(), 0.0)
            except ValueError:
                continue
    return None


def _classify(response: requests.Response) -> PublishError | None:
    if response.status_code == 403 and "duplicate content" in response.text.lower():
        return DuplicateError(f"X: {_message(response)}")
    if response.status_code == 503:
        return TransientError(f"X is over capacity: {_message(response)}")
    return None


class XPublisher(ApiClient):
    """Publishes to one X account with an OAuth 2.0 user-context access token. With a `journal` (the
    queue's store) each part's id is noted as it goes out, so a thread cut short is finished, not
    repeated."""

    def __init__(
        self,
        base_url: str,
        token: SecretStr,
        *,
        http: HttpClient | None = None,
        clock: Callable[[], dt.datetime] | None = None,
        journal: Journal | None = None,
    ) -> None:
        super().__init__(base_url, token, http=http, clock=clock)
        self.journal = journal

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._secret.get_secret_value()}"}

    def whoami(self) -> str:
        me = self.http.request("GET", f"{self.base_url}/2/users/me", headers=self._headers()).json()["data"]
        return f"@{me.get('username', me.get('id'))}"

    def upload(self, image: Image) -> str:
        """Upload one image and set its alt text; its media id."""
        data = uploads.load(image, IMAGES, self.http)
        answer = self.http.request(
            "POST",
            f"{self.base_url}/2/media/upload",
            headers=self._headers(),
            data={"media_category": "tweet_image"},
            files={"media": (data.name, data.data, data.mime)},
            classify=_classify,
            reset_header=_reset,
        ).json()
        found = answer.get("data", answer)
        media_id = found.get("id") or found.get("media_id_string")
        if not media_id:
            raise RejectedError(f"X answered the upload of {image.path} without a media id")
        self.http.request(
            "POST",
            f"{self.base_url}/2/media/metadata",
            headers=self._headers(),
            json={"id": str(media_id), "metadata": {"alt_text": {"text": data.alt}}},
            classify=_classify,
            reset_header=_reset,
        )
        return str(media_id)

    def publish(self, post: QueuedPost) -> PublishResult:
        return self._publish(post, self._steps(post))

    def _publish(self, post: QueuedPost, steps: dict[str, str]) -> PublishResult:
        """Send the parts not yet posted (per `steps`, each noted as it goes out) as a reply chain."""

        missing = sum(1 for index in range(len(post.parts)) if f"part:{index}" not in steps)
        uploading = post.images if "part:0" not in steps else ()
        if uploading:  # the uploads and their alt texts fit in their windows too, or nothing is sent
            self.http.pace("POST", f"{self.base_url}/2/media/upload", requests=len(uploading))
            self.http.pace("POST", f"{self.base_url}/2/media/metadata", requests=len(uploading))
        self.http.pace("POST", f"{self.base_url}/2/tweets", requests=missing)  # all parts fit, or none is sent
        media_ids = [self.upload(image) for image in uploading]
        first: str | None = None
        parent: str | None = None
        for index, body in enumerate(build_payloads(post.content, now=self.clock(), media_ids=media_ids)):
            if f"part:{index}" in steps:
                parent = steps[f"part:{index}"]
                first = first or parent
                continue
            if parent is not None:
                body["reply"] = {"in_reply_to_tweet_id": parent}
            self._note(post, f"sending:{index}", "1")  # from here on, the part may be out
            response = self.http.request(
                "POST",
                f"{self.base_url}/2/tweets",
                json=body,
                headers=self._headers(),
                classify=_classify,
                reset_header=_reset,
            )
            parent = str(response.json()["data"]["id"])
            self._note(post, f"part:{index}", parent)
            first = first or parent
        assert first is not None
        return PublishResult(remote_id=first, remote_url=f"https://x.com/i/status/{first}")

    def reconcile(self, post: QueuedPost) -> Reconciliation:
        """Look for the post's parts among the account's recent posts (X has no idempotency key):
        each part in order, a reply to the one before; parts noted while publishing need no search.
        A thread whose first part is there is finished with the parts that are not. With a journal,
        a post whose first request was never started is known not to be out, without a search."""
        steps = self._steps(post)
        if self.journal is not None and "sending:0" not in steps:
            return Reconciliation(Outcome.NOT_PUBLISHED)  # claimed, but no request ever went out
        me = self.http.request("GET", f"{self.base_url}/2/users/me", headers=self._headers()).json()["data"]["id"]
        listing = self.http.request(
            "GET",
            f"{self.base_url}/2/users/{me}/tweets",
            headers=self._headers(),
            params={"max_results": "100", "tweet.fields": "created_at,referenced_tweets"},
        ).json()
        tweets = listing.get("data", [])
        for index, part in enumerate(post.parts):
            if f"part:{index}" in steps:
                continue
            parent = steps.get(f"part:{index - 1}") if index else None
            found = next(
                (tweet for tweet in tweets if _same(tweet.get("text"), part) and _replies_to(tweet, parent)), None
            )
            if found is None:
                break
            steps[f"part:{index}"] = str(found["id"])
            self._note(post, f"part:{index}", str(found["id"]))
        if "part:0" in steps:
            if all(f"part:{index}" in steps for index in range(len(post.parts))):
                first = steps["part:0"]
                return Reconciliation(Outcome.PUBLISHED, PublishResult(first, f"https://x.com/i/status/{first}"))
            return Reconciliation(Outcome.PUBLISHED, self._publish(post, steps))  # finish a half-sent thread
        started = post.claimed_at or post.publish_at
        times = [
            dt.datetime.fromisoformat(t["created_at"].replace("Z", "+00:00")) for t in tweets if t.get("created_at")
        ]
        if times and min(times) < started:
            return Reconciliation(Outcome.NOT_PUBLISHED)
        return Reconciliation(Outcome.UNKNOWN)


def _same(text: object, part: str) -> bool:
    return " ".join(str(text or "").split()) == " ".join(part.split())


def _replies_to(tweet: dict[str, object], parent: str | None) -> bool:
    """Whether `tweet` is a reply to `parent` (any tweet will do for a thread's first part). The
    listing asks for `referenced_tweets`, which X leaves out of posts that reference none."""
    if parent is None:
        return True
    references = tweet.get("referenced_tweets")
    if not isinstance(references, list):
        return False
    return any(isinstance(r, dict) and r.get("type") == "replied_to" and str(r.get("id")) == parent for r in references)


def _message(response: requests.Response) -> str:
    from scheduler.platforms.http import message_of

    return message_of(response)


def _rehearse(request: RecordedRequest) -> Answer:
    """A dry run's answers: each upload and post with an id of its own."""
    path = request.path
    if path.endswith("/2/media/upload"):
        number = made_up(request)
        return Answer(json={"data": {"id": number, "media_key": f"3_{number}"}})
    if path.endswith("/2/media/metadata"):
        return Answer(json={"data": {"associated_metadata": True}})
    if path.endswith("/2/tweets"):
        return Answer(201, {"data": {"id": made_up(request), "text": request.json().get("text", "")}})
    if path.endswith("/2/users/me"):
        return Answer(json={"data": {"id": "1", "username": "rehearsal"}})
    return Answer(json={})


def _client(account: Any, parts: ClientParts) -> XPublisher:
    return XPublisher(account.base_url, account.token, journal=parts.journal, http=parts.http)


PLATFORM = Platform(
    name="x",
    title="X",
    api_base="https://api.x.com",
    limit=280,
    measure=measure_x,
    images=IMAGES,
    required=("token",),
    identity=("base_url",),
    who=lambda account: "",
    build_payloads=build_payloads,
    build_uploads=build_uploads,
    client=_client,
    connect=Connect(oauth=True),
    threads=True,
    rehearse=_rehearse,
    oauth=Provider(
        "x",
        "https://x.com/i/oauth2/authorize",
        "https://api.x.com/2/oauth2/token",
        ("tweet.read", "tweet.write", "users.read", "offline.access"),
        pkce=True,
        basic_auth=True,
    ),
    token_margin=dt.timedelta(minutes=10),
    settings={
        "base_url": Setting("the X API base, e.g. https://api.x.com (the default)"),
        "token": Setting("an OAuth 2.0 user-context access token with tweet.write, or empty", secret=True),
        **app_settings("X"),
    },
)
