"""Facebook Pages (`POST /{page-id}/feed`): message, the first link for the preview card.

Facebook has been seen to create a post and still answer 500: such an answer is ambiguous and
reconciled by reading the page's feed.

Images: each is uploaded unpublished to `POST /{page-id}/photos` (`url` for an https image, else the
file as multipart `source`; `published=false`; alt text in `alt_text_custom`, a create parameter the
Photo reference documents), then one feed post names them in `attached_media[n]` — the multi-photo
flow of graph-api/photo-uploads, used for a single image too so that creating the post stays one
request to `/feed` (reconciled as before) and a repeated upload never publishes anything. A post with
photos has no link card, so `link` is left out (the link stays in the text). Whether Pages show
`alt_text_custom` to screen readers for photos attached this way is unconfirmed.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from scheduler.media import GIF, JPEG, MB, PNG, ImageRules
from scheduler.models import Content, Image, QueuedPost
from scheduler.platforms import meta, uploads
from scheduler.platforms.base import REDACTED, ApiClient, Outcome, Payload, PublishResult, Reconciliation
from scheduler.platforms.meta import GRAPH_VERSION
from scheduler.platforms.oauth import Provider, page_token
from scheduler.platforms.rehearsed import Answer, RecordedRequest, made_up
from scheduler.platforms.spec import ClientParts, Connect, Platform, Setting, app_settings
from scheduler.text.length import measure_facebook

if TYPE_CHECKING:
    from pydantic import SecretStr

    from scheduler.platforms.http import HttpClient


PAGE_PLACEHOLDER = "<page-id>"
#: Photo node, creating: "a photo must be less than 10MB", animated photos are not supported;
#: formats JPEG, PNG, GIF, BMP, TIFF (graph-api/photo-uploads). Up to 10 photos per post: third-party
#: documentation, unconfirmed.
IMAGES = ImageRules("facebook", max_count=10, max_bytes=10 * MB - 1, types=(JPEG, PNG, GIF))


def _photo(image: Image) -> Payload:
    return {"published": "false", "alt_text_custom": image.alt, **({"url": image.path} if image.is_url else {})}


def build_uploads(post: Content) -> list[Payload]:
    """One unpublished photo per image."""
    return [
        {
            "method": "POST",
            "path": f"/{PAGE_PLACEHOLDER}/photos",
            "content_type": "application/x-www-form-urlencoded" if image.is_url else "multipart/form-data",
            "body": {
                **_photo(image),
                **({} if image.is_url else {"source": uploads.contents(image)}),
                "access_token": REDACTED,
            },
        }
        for image in post.images
    ]


def build_payloads(post: Content, *, now: dt.datetime, photo_ids: Sequence[str] | None = None) -> list[Payload]:
    body: Payload = {"message": post.text}
    if post.images:
        ids = photo_ids or [uploads.placeholder("photo id", n) for n in range(1, len(post.images) + 1)]
        for index, photo in enumerate(ids):
            body[f"attached_media[{index}]"] = json.dumps({"media_fbid": photo})
    elif post.links:
        body["link"] = post.links[0]
    body["access_token"] = REDACTED
    return [body]


class FacebookPublisher(ApiClient):
    shown = ("page_id",)

    def __init__(
        self,
        base_url: str,
        token: SecretStr,
        *,
        page_id: str,
        http: HttpClient | None = None,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        super().__init__(base_url, token, http=http, clock=clock)
        self.page_id = page_id

    def whoami(self) -> str:
        page = self.http.request(
            "GET",
            f"{self.base_url}/{self.page_id}",
            classify=meta.classify,
            params={"fields": "id,name", "access_token": self._secret.get_secret_value()},
        ).json()
        return f"page {page.get('name', page.get('id'))}"

    def upload(self, image: Image) -> str:
        """Upload one photo, unpublished, with its alt text; its id."""
        form: dict[str, Any] = {**_photo(image), "access_token": self._secret.get_secret_value()}
        files = None
        if not image.is_url:
            data = uploads.load(image, IMAGES, self.http)
            files = {"source": (data.name, data.data, data.mime)}
        answer = self.http.request(
            "POST", f"{self.base_url}/{self.page_id}/photos", data=form, files=files, classify=meta.classify
        ).json()
        return str(answer["id"])

    def publish(self, post: QueuedPost) -> PublishResult:
        self.http.pace("POST", f"{self.base_url}/{self.page_id}/feed")
        photo_ids = [self.upload(image) for image in post.images]
        (body,) = build_payloads(post.content, now=self.clock(), photo_ids=photo_ids)
        form = {
            **{k: v for k, v in body.items() if k != "access_token"},
            "access_token": self._secret.get_secret_value(),
        }
        created = self.http.request(
            "POST", f"{self.base_url}/{self.page_id}/feed", data=form, classify=meta.classify
        ).json()
        post_id = str(created["id"])
        return PublishResult(remote_id=post_id, remote_url=f"https://www.facebook.com/{post_id}")

    def reconcile(self, post: QueuedPost) -> Reconciliation:
        listing = self.http.request(
            "GET",
            f"{self.base_url}/{self.page_id}/feed",
            classify=meta.classify,
            params={
                "fields": "id,message,created_time",
                "limit": "50",
                "access_token": self._secret.get_secret_value(),
            },
        ).json()
        wanted = " ".join(post.text.split())
        for item in listing.get("data", []):
            if " ".join(str(item.get("message", "")).split()) == wanted:
                return Reconciliation(
                    Outcome.PUBLISHED, PublishResult(str(item["id"]), f"https://www.facebook.com/{item['id']}")
                )
        return Reconciliation(Outcome.NOT_PUBLISHED)


def _rehearse(request: RecordedRequest) -> Answer:
    """A dry run's answers: each photo and the post with an id of its own (a post's is PAGE_POST)."""
    path = request.path
    if request.method == "POST" and path.endswith("/photos"):
        return Answer(json={"id": made_up(request)})
    if request.method == "POST" and path.endswith("/feed"):
        page = path.rsplit("/", 2)[-2]
        return Answer(json={"id": f"{page}_{made_up(request)}"})
    if request.method == "GET" and request.query.get("fields") == "id,name":
        return Answer(json={"id": path.rsplit("/", 1)[1], "name": "Rehearsal"})
    return Answer(json={"data": []})


def _client(account: Any, parts: ClientParts) -> FacebookPublisher:
    return FacebookPublisher(account.base_url, account.token, page_id=account.page_id, http=parts.http)


def _page_token(base_url: str, fields: Mapping[str, str], user_token: str, http: HttpClient) -> str:
    """Posts go out with the page's own token, which does not expire."""
    return page_token(base_url, fields["page_id"], user_token, http=http)


PLATFORM = Platform(
    name="facebook",
    title="Facebook",
    api_base=f"https://graph.facebook.com/{GRAPH_VERSION}",
    limit=63_206,
    measure=measure_facebook,
    images=IMAGES,
    required=("token", "page_id"),
    identity=("base_url", "page_id"),
    who=lambda account: f"page {account.page_id}" if account.page_id else "",
    build_payloads=build_payloads,
    build_uploads=build_uploads,
    client=_client,
    connect=Connect(oauth=True, needs={"page_id": "Facebook needs --page-id"}, keeps=("page_id",), finish=_page_token),
    oauth=Provider(
        "facebook",
        f"https://www.facebook.com/{GRAPH_VERSION}/dialog/oauth",
        f"https://graph.facebook.com/{GRAPH_VERSION}/oauth/access_token",
        ("pages_manage_posts", "pages_read_engagement", "pages_show_list"),
        pkce=False,
    ),
    rehearse=_rehearse,
    settings={
        "base_url": Setting("the Graph API base with its version (default: the one we support), or empty"),
        "page_id": Setting("the Facebook page id (digits), or empty"),
        "token": Setting("a page access token with pages_manage_posts, or empty", secret=True),
        **app_settings("Facebook"),
    },
)
