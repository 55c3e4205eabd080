"""LinkedIn Posts API (`POST /rest/posts`): commentary in the little text format.

Every call names the API version (`LinkedIn-Version`, a setting: LinkedIn answers 426 once a version
is sunset) and the Rest.li protocol. The new post's URN comes back only in the `x-restli-id` header.
LinkedIn has no idempotency key; its duplicate check (422 DUPLICATE_POST naming the original URN) is
how a lost answer is recovered, and an organization's posts can be listed and compared.

Images go through the Images API first: `POST /rest/images?action=initializeUpload` (owner = the
author) answers an `uploadUrl` and an image URN; the bytes are PUT to that URL; the post then names
the URN with its alt text in `content.media` (one image) or `content.multiImage` (2–20).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scheduler.errors import DuplicateError, PublishError, RejectedError
from scheduler.media import GIF, JPEG, MB, PNG, ImageRules
from scheduler.models import Content, Image, QueuedPost
from scheduler.platforms import uploads
from scheduler.platforms.base import ApiClient, Outcome, Payload, PublishResult, Reconciliation
from scheduler.platforms.oauth import Provider
from scheduler.platforms.rehearsed import Answer, RecordedRequest, made_up
from scheduler.platforms.spec import ClientParts, Connect, Platform, Setting, app_settings
from scheduler.text import littletext
from scheduler.text.length import measure_linkedin

if TYPE_CHECKING:
    import requests
    from pydantic import SecretStr

    from scheduler.platforms.http import HttpClient
    from scheduler.platforms.linkcard import LinkCard, LinkCards

_DUPLICATE_URN = re.compile(r"duplicate of (urn:li:(?:share|ugcPost):\d+)")

AUTHOR_PLACEHOLDER = "<author URN of the account, e.g. urn:li:organization:123>"


INIT_UPLOAD = "/rest/images?action=initializeUpload"
#: Images API: JPG, PNG, GIF (S21/S22 in the reference; CData docs); multiImage holds up to 20
#: (third-party SDK docs, unconfirmed). No byte limit is documented; LinkedIn limits pixels
#: (36,152,320). 8 MB keeps uploads of photographs well below what clients report working (unconfirmed).
IMAGES = ImageRules("linkedin", max_count=20, max_bytes=8 * MB, types=(JPEG, PNG, GIF))


def build_uploads(post: Content, *, author: str = AUTHOR_PLACEHOLDER) -> list[Payload]:
    """The Images API requests before the post: initialise, then PUT the bytes, per image."""
    steps: list[Payload] = []
    for number, image in enumerate(post.images, start=1):
        steps.append({"method": "POST", "path": INIT_UPLOAD, "body": {"initializeUploadRequest": {"owner": author}}})
        steps.append(
            {
                "method": "PUT",
                "url": uploads.placeholder("uploadUrl", number),
                "content_type": "application/octet-stream",
                "body": uploads.contents(image),
            }
        )
    return steps


def article_for(post: Content, card: LinkCard | None = None, thumbnail: str | None = None) -> Payload | None:
    """`content.article` for a post with a link and no images: the page's title and description
    (its Open Graph tags, read when publishing) or, without them, the item's title; the thumbnail
    is an image URN from the Images API (field name unconfirmed, see platform-apis.md 1.3)."""
    link = next((link for link in post.links if link.startswith(("https://", "http://"))), None)
    if link is None or post.images:
        return None
    article: Payload = {
        "source": link,
        "title": (card.title if card and card.title else post.title) or link,
        "description": card.description if card else "",
    }
    if thumbnail:
        article["thumbnail"] = thumbnail
    return article


def _article_placeholders(post: Content) -> Payload | None:
    """A dry run's article: what publishing reads from the page, named (nothing is fetched)."""
    article = article_for(post)
    if article is not None:
        article.update(
            title=f"<title of the page (og:title), else: {article['title']}>",
            description="<description of the page (og:description)>",
            thumbnail="<image URN of the page's image (og:image)>",
        )
    return article


def build_payloads(
    post: Content,
    *,
    now: dt.datetime,
    author: str = AUTHOR_PLACEHOLDER,
    image_urns: Sequence[str] | None = None,
    article: Payload | None = None,
) -> list[Payload]:
    # LinkedIn has no reply threads; posts are shortened, never split, so there is one part.
    body: Payload = {
        "author": author,
        "commentary": littletext.commentary(post.text),
        "visibility": "PUBLIC",
        "distribution": {"feedDistribution": "MAIN_FEED", "targetEntities": [], "thirdPartyDistributionChannels": []},
        "lifecycleState": "PUBLISHED",
        "isReshareDisabledByAuthor": False,
    }
    if post.images:
        urns = image_urns or [uploads.placeholder("image URN", n) for n in range(1, len(post.images) + 1)]
        media = [{"id": urn, "altText": image.alt} for urn, image in zip(urns, post.images, strict=True)]
        body["content"] = {"media": media[0]} if len(media) == 1 else {"multiImage": {"images": media}}
    elif article := article or _article_placeholders(post):
        body["content"] = {"article": article}
    return [body]


def post_url(urn: str) -> str:
    return f"https://www.linkedin.com/feed/update/{urn}"


def _classify(response: requests.Response) -> PublishError | None:
    text = response.text
    if response.status_code == 422 and "DUPLICATE_POST" in text:
        match = _DUPLICATE_URN.search(text)
        return DuplicateError(f"LinkedIn: {_message(response)}", existing=match.group(1) if match else None)
    if response.status_code == 426:
        return RejectedError(
            "LinkedIn no longer serves this API version (426); set SCHEDULER_LINKEDIN_VERSION to a current YYYYMM"
        )
    return None


class LinkedInPublisher(ApiClient):
    """Publishes as one member or organization (`author` URN)."""

    shown = ("author", "version")

    def __init__(
        self,
        base_url: str,
        token: SecretStr,
        *,
        author: str,
        version: str,
        http: HttpClient | None = None,
        clock: Callable[[], dt.datetime] | None = None,
        cards: LinkCards | None = None,
    ) -> None:
        """`cards` reads an article's title, description and image from its page (default: pages
        on public addresses only)."""
        super().__init__(base_url, token, http=http, clock=clock)
        self.author, self.version = author, version
        self._cards = cards

    @property
    def cards(self) -> LinkCards:
        if self._cards is None:
            from scheduler.platforms.fetching import Fetcher
            from scheduler.platforms.linkcard import LinkCards  # Beautiful Soup only when publishing

            self._cards = LinkCards(Fetcher(allow=self.http.fetch_allow, transport=self.http.fetch_transport))
        return self._cards

    def _article(self, post: Content) -> Payload | None:
        """The article for `post` with what its page says about itself; without the page (it cannot be
        fetched), the item's title and no description. A thumbnail that cannot be uploaded is left out."""
        plain = article_for(post)
        if plain is None:
            return None
        card = self.cards.card(plain["source"])
        thumbnail = None
        if card is not None and card.thumb is not None:
            try:
                thumbnail = self._upload_bytes(card.thumb.data)
            except RejectedError:
                thumbnail = None
        return article_for(post, card, thumbnail)

    def _headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self._secret.get_secret_value()}",
            "LinkedIn-Version": self.version,
            "X-Restli-Protocol-Version": "2.0.0",
        }

    def whoami(self) -> str:
        info = self.http.request(
            "GET",
            f"{self.base_url}/v2/userinfo",
            headers={"Authorization": f"Bearer {self._secret.get_secret_value()}"},
        ).json()
        return f"{info.get('name') or info.get('sub')} posting as {self.author}"

    def upload(self, image: Image) -> str:
        """Upload one image through the Images API; its URN."""
        return self._upload_bytes(uploads.load(image, IMAGES, self.http).data)

    def _upload_bytes(self, data: bytes) -> str:
        started = self.http.request(
            "POST",
            f"{self.base_url}{INIT_UPLOAD}",
            headers=self._headers(),
            json={"initializeUploadRequest": {"owner": self.author}},
        ).json()["value"]
        upload_url, urn = started["uploadUrl"], started["image"]
        headers = {"Content-Type": "application/octet-stream"}
        if _same_site(upload_url, self.base_url):  # the token goes to LinkedIn's own hosts only
            headers["Authorization"] = self._headers()["Authorization"]
        self.http.request("PUT", upload_url, data=data, headers=headers)
        return str(urn)

    def publish(self, post: QueuedPost) -> PublishResult:
        self.http.pace("POST", f"{self.base_url}/rest/posts")
        urns = [self.upload(image) for image in post.images]
        rendered = post.content
        article = self._article(rendered)
        (body,) = build_payloads(rendered, now=self.clock(), author=self.author, image_urns=urns, article=article)
        response = self.http.request(
            "POST", f"{self.base_url}/rest/posts", json=body, headers=self._headers(), classify=_classify
        )
        urn = response.headers.get("x-restli-id") or response.headers.get("x-linkedin-id")
        if not urn:
            raise RejectedError("LinkedIn answered 201 without the post's URN (x-restli-id)")
        return PublishResult(remote_id=urn, remote_url=post_url(urn))

    def reconcile(self, post: QueuedPost) -> Reconciliation:
        commentary = littletext.commentary(post.text)
        if self.author.startswith("urn:li:organization:"):
            listing = self.http.request(
                "GET",
                f"{self.base_url}/rest/posts",
                headers=self._headers(),
                params={"q": "author", "author": self.author, "count": "50"},
            ).json()
            for element in listing.get("elements", []):
                if element.get("commentary") == commentary:
                    return Reconciliation(Outcome.PUBLISHED, PublishResult(element["id"], post_url(element["id"])))
            return Reconciliation(Outcome.NOT_PUBLISHED)
        # A member's posts cannot be listed (restricted scope): send again; an identical post that
        # arrived comes back as DUPLICATE_POST with its URN.
        try:
            return Reconciliation(Outcome.PUBLISHED, self.publish(post))
        except DuplicateError as duplicate:
            if duplicate.existing:
                return Reconciliation(
                    Outcome.PUBLISHED, PublishResult(duplicate.existing, post_url(duplicate.existing))
                )
            return Reconciliation(Outcome.UNKNOWN)


def _same_site(url: str, base_url: str) -> bool:
    host, base = urlsplit(url).hostname or "", urlsplit(base_url).hostname or ""
    return host == base or host == "linkedin.com" or host.endswith(".linkedin.com")


def _message(response: requests.Response) -> str:
    from scheduler.platforms.http import message_of

    return message_of(response)


def _rehearse(request: RecordedRequest) -> Answer:
    """A dry run's answers: an upload address on the configured API's host, each image and the post
    with a URN of its own (the post's in `x-restli-id`, as LinkedIn answers)."""
    path = request.path
    if request.method == "POST" and path.endswith("/rest/images"):
        number = made_up(request)
        return Answer(
            json={
                "value": {"uploadUrl": f"{request.site}/rehearsal-upload/{number}", "image": f"urn:li:image:{number}"}
            }
        )
    if request.method == "PUT":
        return Answer(201)
    if request.method == "POST" and path.endswith("/rest/posts"):
        return Answer(201, headers={"x-restli-id": f"urn:li:share:{made_up(request)}"})
    if path.endswith("/v2/userinfo"):
        return Answer(json={"sub": "rehearsal", "name": "Rehearsal"})
    return Answer(json={})


def _client(account: Any, parts: ClientParts) -> LinkedInPublisher:
    return LinkedInPublisher(
        account.base_url, account.token, author=account.author, version=account.version, http=parts.http
    )


PLATFORM = Platform(
    name="linkedin",
    title="LinkedIn",
    api_base="https://api.linkedin.com",
    limit=3000,
    measure=measure_linkedin,
    images=IMAGES,
    required=("token", "author"),
    identity=("base_url", "author"),
    who=lambda account: account.author,
    build_payloads=build_payloads,
    build_uploads=build_uploads,
    client=_client,
    connect=Connect(
        oauth=True,
        needs={"author": "LinkedIn needs --author, e.g. --author urn:li:organization:123456"},
        keeps=("author", "version"),
    ),
    oauth=Provider(
        "linkedin",
        "https://www.linkedin.com/oauth/v2/authorization",
        "https://www.linkedin.com/oauth/v2/accessToken",
        ("openid", "profile", "w_member_social", "w_organization_social"),
        pkce=False,
    ),
    token_margin=dt.timedelta(days=7),
    rehearse=_rehearse,
    # LinkedIn also answers 429 "for infrastructure protection", without a Retry-After (platform-apis
    # §1.6): a burst of an agency's pages goes out two at a time rather than all at once.
    parallel=2,
    settings={
        "base_url": Setting("the LinkedIn API base, e.g. https://api.linkedin.com (the default)"),
        "version": Setting(
            "a LinkedIn API version as YYYYMM, e.g. 202601 (versions are sunset after a year)",
            default="202601",
            pattern=r"^20\d{2}(0[1-9]|1[0-2])$",
        ),
        "token": Setting("a LinkedIn access token with w_organization_social or w_member_social", secret=True),
        "author": Setting(
            "the author URN, e.g. urn:li:organization:123456, or empty",
            pattern=r"^(urn:li:(organization|person):[\w-]+)?$",
        ),
        **app_settings("LinkedIn"),
    },
)
