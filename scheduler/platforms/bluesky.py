"""Bluesky (`com.atproto.repo.createRecord`): records with `langs`, byte-offset facets (links,
hashtags, and mentions resolved to DIDs with `com.atproto.identity.resolveHandle` when published), and
on the first part one embed: the post's images, or else a link card for its first link. A post's
parts keep each link's full address; the record shows it short (`www.example.org/aktuelles/vera…`)
with the link facet pointing to the full address (see `text.facets.rich_text`).

Each part gets a record key (TID) derived from the post's idempotency key, so the record's address
is known before it is sent: reconciling is a `getRecord` per part, and a repeated create with the
same key can never make a second post (the PDS refuses an existing key).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from scheduler import media
from scheduler.errors import AmbiguousError, AuthorisationError, PublishError, RejectedError
from scheduler.models import Image, Post, QueuedPost
from scheduler.platforms import uploads
from scheduler.platforms.base import ApiClient, Outcome, Payload, PublishResult, Reconciliation
from scheduler.platforms.imagesize import dimensions
from scheduler.text.facets import Resolver, placeholder_did, rich_text

if TYPE_CHECKING:
    import requests
    from pydantic import SecretStr

    from scheduler.platforms.http import HttpClient
    from scheduler.platforms.linkcard import LinkCard, LinkCards

REPO_PLACEHOLDER = "<DID of the account>"

log = logging.getLogger(__name__)


def _ref(index: int) -> dict[str, str]:
    return {"uri": f"<uri of part {index}>", "cid": f"<cid of part {index}>"}


def first_link(record: Payload) -> str | None:
    """The address of the first link facet of a record, or None."""
    for facet in record.get("facets", ()):
        for feature in facet["features"]:
            if feature["$type"] == "app.bsky.richtext.facet#link":
                return str(feature["uri"])
    return None


def card_embed(card: LinkCard | None, uri: str, thumb: Any = None) -> Payload:
    """`app.bsky.embed.external` for `uri`; without a card (a dry run), placeholders say what the page gives."""
    external: Payload = {"uri": uri, "title": "<title of the page (og:title)>",
                         "description": "<description of the page (og:description)>",
                         "thumb": "<blob of the page's image (og:image)>"}
    if card is not None:
        external = {"uri": card.uri, "title": card.title, "description": card.description}
        if thumb is not None:
            external["thumb"] = thumb
    return {"$type": "app.bsky.embed.external", "external": external}


MAX_IMAGES = media.RULES["bluesky"].max_count  # app.bsky.embed.images: 4
_HEAD = 256 * 1024  # enough of a JPEG to reach its size (EXIF blocks come first)
UPLOAD_PATH = "/xrpc/com.atproto.repo.uploadBlob"


def _local_head(image: Image) -> bytes:
    """The first bytes of a local image (what a dry run reads to show type and aspect ratio); b"" for a
    URL or a file that cannot be read (publishing names that problem)."""
    if image.is_url:
        return b""
    try:
        with open(image.path, "rb") as handle:
            return handle.read(_HEAD)
    except OSError:
        return b""


def image_entry(image: Image, blob: Any, head: bytes) -> Payload:
    """One `app.bsky.embed.images#image`: the uploaded blob, the alt text, and the aspect ratio when the
    image's header tells it."""
    entry: Payload = {"image": blob, "alt": image.alt}
    if size := dimensions(head):
        entry["aspectRatio"] = {"width": size[0], "height": size[1]}
    return entry


def build_uploads(post: Post) -> list[Payload]:
    """One `uploadBlob` per image — the raw bytes, sent with the image's type — before the first part."""
    steps: list[Payload] = []
    for number, image in enumerate(post.images, start=1):
        mime = media.sniff(_local_head(image)[:16]) or uploads.placeholder("type", number)
        steps.append({"method": "POST", "path": UPLOAD_PATH, "content_type": mime, "body": uploads.contents(image)})
    return steps


def build_payloads(post: Post, *, now: dt.datetime, repo: str = REPO_PLACEHOLDER,
                   did_of: Resolver = placeholder_did) -> list[Payload]:
    """The createRecord bodies of `post`'s parts. Without an account (a dry run, a preview) nothing is
    fetched: mentions show `<DID of @handle>`; a first part with images shows them as
    `app.bsky.embed.images` with `<blob of image N>` (images win over a link card: a record has one
    embed), and one with a link and no images a link-card embed with placeholders — when published,
    the card is read from the page, and left out when the page cannot be fetched."""
    created = now.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    payloads: list[Payload] = []
    for index, part in enumerate(post.parts):
        rich = rich_text(part, did_of=did_of)  # links shown short, the facet holds the full address
        record: Payload = {"$type": "app.bsky.feed.post", "text": rich.text, "createdAt": created,
                           "langs": [post.language]}
        if rich.facets:
            record["facets"] = rich.facets
        if not index and post.images:
            record["embed"] = {"$type": "app.bsky.embed.images", "images": [
                image_entry(image, uploads.placeholder("blob", number), _local_head(image))
                for number, image in enumerate(post.images, start=1)]}
        elif not index and (link := first_link(record)):
            record["embed"] = card_embed(None, link)
        if index:
            record["reply"] = {"root": _ref(1), "parent": _ref(index)}
        payloads.append({"repo": repo, "collection": "app.bsky.feed.post", "record": record})
    return payloads


_S32 = "234567abcdefghijklmnopqrstuvwxyz"
COLLECTION = "app.bsky.feed.post"


def tid(micros: int, clock_id: int) -> str:
    """A record key in the TID format: 53 bits of microseconds and 10 bits of clock id, base32-sortable."""
    value = ((micros & ((1 << 53) - 1)) << 10) | (clock_id & 0x3FF)
    out = []
    for _ in range(13):
        out.append(_S32[value & 31])
        value >>= 5
    return "".join(reversed(out))


def record_keys(post: QueuedPost) -> list[str]:
    """Deterministic record keys for the parts of `post` (from its idempotency key and publish time)."""
    digest = hashlib.sha256((post.idempotency_key or f"post-{post.id}").encode()).digest()
    clock_id = int.from_bytes(digest[:2], "big") & 0x3FF
    micros = int(post.publish_at.timestamp() * 1_000_000) + int.from_bytes(digest[2:5], "big")
    return [tid(micros + index, clock_id) for index in range(len(post.parts))]


def _reset(response: requests.Response) -> float | None:
    """Bluesky's RateLimit-Reset is epoch seconds."""
    value = response.headers.get("RateLimit-Reset")
    try:
        return max(float(value) - dt.datetime.now(dt.UTC).timestamp(), 0.0) if value else None
    except ValueError:
        return None


def _error_name(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("error", "")) if isinstance(body, dict) else ""


#: Answers that say the session is not (or no longer) good on this server: a kept session meeting one
#: is dropped and the account logs in again once with its app password.
STALE_SESSION = ("ExpiredToken", "InvalidToken", "AuthMissing", "AuthenticationRequired", "AccountNotFound",
                 "AccountDeactivated")


class SessionError(AuthorisationError):
    """The session was refused; `name` is the PDS's error name (ExpiredToken, AccountNotFound …)."""

    def __init__(self, message: str, name: str) -> None:
        super().__init__(message)
        self.name = name


def _classify(response: requests.Response) -> PublishError | None:
    name = _error_name(response)
    if response.status_code in (400, 401, 403) and name in (*STALE_SESSION, "AccountTakedown"):
        return SessionError(f"Bluesky: {_message(response)}", name)
    if response.status_code == 400:
        return RejectedError(f"Bluesky rejected the post: {_message(response)}")
    return None


class BlueskyPublisher(ApiClient):
    """Publishes to one Bluesky account with an app password; the session is refreshed (and both
    tokens rotated) when the PDS answers ExpiredToken."""

    shown = ("identifier",)

    def __init__(self, base_url: str, identifier: str, password: SecretStr, *, http: HttpClient | None = None,
                 clock: Callable[[], dt.datetime] | None = None, session: dict[str, str] | None = None,
                 on_session: Callable[[dict[str, str]], None] | None = None, cards: LinkCards | None = None) -> None:
        """`session` is a kept session ({accessJwt, refreshJwt, did}) to start from instead of logging
        in; `on_session` is told every new session (after a login or a refresh) so it can be kept;
        `cards` reads link cards (default: pages on public addresses, and the hosts `http.fetch_allow`
        lists)."""
        super().__init__(base_url, password, http=http, clock=clock)
        self.identifier = identifier
        self._session: dict[str, str] | None = session
        self._logged_in = False  # the session came from our own login, not from the token store
        self._checked = False  # a kept session was asked whose it is
        self._on_session = on_session
        self._cards = cards
        self._lock = threading.Lock()
        if session is not None:
            self.http.conceal(session.get("accessJwt"), session.get("refreshJwt"))


    # -- session -----------------------------------------------------------------------------

    def _login(self) -> dict[str, str]:
        response = self.http.request(
            "POST", f"{self.base_url}/xrpc/com.atproto.server.createSession",
            json={"identifier": self.identifier, "password": self._secret.get_secret_value()},
            classify=_classify, reset_header=_reset,
        )
        return response.json()

    def _refresh(self) -> dict[str, str]:
        assert self._session is not None
        try:
            response = self.http.request(
                "POST", f"{self.base_url}/xrpc/com.atproto.server.refreshSession",
                headers={"Authorization": f"Bearer {self._session['refreshJwt']}"}, classify=_classify,
            )
            return response.json()
        except AuthorisationError:
            return self._login()  # the refresh token ran out too: log in again with the app password

    def session(self) -> dict[str, str]:
        with self._lock:
            if self._session is not None and not self._logged_in and not self._checked:
                self._session = self._check(self._session)
                self._checked = True
            if self._session is None:
                self._session = self._login()
                self._logged_in = True
                self._kept(self._session)
            return self._session

    def _check(self, kept: dict[str, str]) -> dict[str, str] | None:
        """A kept session, asked once (`com.atproto.server.getSession`) whether this server knows it and
        whose it is: itself when it is this account's, refreshed when it merely expired, None (log in
        again) when the server does not know it or it is another account's."""
        try:
            who = self.http.request("GET", f"{self.base_url}/xrpc/com.atproto.server.getSession",
                                    headers={"Authorization": f"Bearer {kept['accessJwt']}"}, classify=_classify,
                                    reset_header=_reset).json()
        except SessionError as error:
            if error.name == "ExpiredToken":
                self._session = kept
                refreshed = self._refresh()
                self._kept(refreshed)
                return refreshed
            if error.name not in STALE_SESSION:
                raise
            log.warning("bluesky %s: the kept session was refused (%s); logging in again", self.identifier, error.name)
            return None
        except RejectedError as error:  # the reference PDS: 400 "Could not find user info for account"
            log.warning("bluesky %s: the kept session was refused (%s); logging in again", self.identifier, error)
            return None
        mine = self.identifier.removeprefix("@").lower()
        if who.get("did") == kept.get("did") and mine in (str(who.get("handle", "")).lower(), str(who.get("did"))):
            return kept
        log.warning("bluesky %s: the kept session is @%s's; logging in again", self.identifier, who.get("handle"))
        return None

    def _renew(self, refused: dict[str, str], error: SessionError) -> None:
        """After the PDS refused session `refused`: refresh it when it merely expired, log in again
        when it was a kept session this server does not know (another server's, a revoked one). A
        session from our own login that is refused for another reason is a real authorisation error."""
        with self._lock:
            if self._session is not refused:  # another thread renewed it meanwhile
                return
            if error.name == "ExpiredToken":
                self._session = self._refresh()
            elif not self._logged_in and error.name in STALE_SESSION:
                log.warning("bluesky %s: the kept session was refused (%s); logging in again", self.identifier,
                            error.name)
                self._session = self._login()
            else:
                raise error
            self._logged_in = True
            self._kept(self._session)

    def _kept(self, session: dict[str, str]) -> None:
        self.http.conceal(session.get("accessJwt"), session.get("refreshJwt"))
        if self._on_session is not None:
            self._on_session(session)

    def _call(self, method: str, nsid: str, **kwargs: Any) -> dict[str, Any]:
        """An authenticated XRPC call; on ExpiredToken the session is refreshed once and the call repeated
        (the PDS refused it, so nothing was created)."""
        extra = kwargs.pop("headers", {})
        for attempt in (0, 1):
            session = self.session()
            try:
                response = self.http.request(
                    method, f"{self.base_url}/xrpc/{nsid}",
                    headers={**extra, "Authorization": f"Bearer {session['accessJwt']}"},
                    classify=_classify, reset_header=_reset, **kwargs,
                )
                return response.json()
            except SessionError as error:
                if attempt:
                    raise
                self._renew(session, error)
        raise AssertionError("unreachable")

    # -- publishing --------------------------------------------------------------------------

    def _get(self, rkey: str) -> dict[str, Any] | None:
        try:
            return self._call("GET", "com.atproto.repo.getRecord",
                              params={"repo": self.session()["did"], "collection": COLLECTION, "rkey": rkey})
        except RejectedError as error:
            if "RecordNotFound" in str(error) or "Could not locate record" in str(error):
                return None
            raise

    def did_of(self, handle: str) -> str | None:
        """The DID of `handle` from the account's PDS (`com.atproto.identity.resolveHandle`), or None
        when the PDS answers 400 (HandleNotFound, or a handle it cannot resolve): the mention then stays
        plain text. Other failures (network, 5xx, authorisation) are raised: the post is tried again."""
        try:
            found = self._call("GET", "com.atproto.identity.resolveHandle", params={"handle": handle})
        except RejectedError as error:
            log.info("@%s stays plain text: %s", handle, error)
            return None
        did = found.get("did")
        return did if isinstance(did, str) and did.startswith("did:") else None

    def _resolver(self) -> Resolver:
        """`did_of` asking the PDS once per handle and post."""
        known: dict[str, str | None] = {}

        def did_of(handle: str) -> str | None:
            if handle not in known:
                known[handle] = self.did_of(handle)
            return known[handle]

        return did_of

    def upload_blob(self, data: bytes, mime: str) -> dict[str, Any]:
        """Upload `data` (`com.atproto.repo.uploadBlob`); the blob object to put into a record as it is."""
        return self._call("POST", "com.atproto.repo.uploadBlob", data=data, headers={"Content-Type": mime})["blob"]

    @property
    def cards(self) -> LinkCards:
        if self._cards is None:
            from scheduler.platforms.fetching import Fetcher
            from scheduler.platforms.linkcard import LinkCards  # Beautiful Soup only when publishing

            self._cards = LinkCards(Fetcher(allow=self.http.fetch_allow))
        return self._cards

    def _images(self, images: Sequence[Image]) -> Payload:
        """Upload each image (checked again: type by its bytes, at most 1,000,000 bytes) and embed them."""
        if len(images) > MAX_IMAGES:
            raise RejectedError(f"{len(images)} images, but Bluesky takes at most {MAX_IMAGES} per post; "
                                f"remove {len(images) - MAX_IMAGES}, then retry the post")
        entries = []
        for image in images:
            data = uploads.load(image, "bluesky", self.http)
            entries.append(image_entry(image, self.upload_blob(data.data, data.mime), data.data))
        return {"$type": "app.bsky.embed.images", "images": entries}

    def _embed(self, post: QueuedPost, record: Payload) -> None:
        """Put the first part's real embed in place of the placeholder `build_payloads` shows: the
        images, or the link card read from the page (without a thumbnail when its image cannot be
        used), or none at all."""
        if post.images:
            record["embed"] = self._images(post.images)
            return
        link = first_link(record)
        if link is None:
            return
        card = self.cards.card(link)
        if card is None:
            record.pop("embed", None)
            return
        thumb = None
        if card.thumb is not None:
            try:
                thumb = self.upload_blob(card.thumb.data, card.thumb.mime)
            except RejectedError as error:
                log.info("link card for %s without its image: %s", link, error)
        record["embed"] = card_embed(card, link, thumb)

    def _url(self, uri: str) -> str:
        did, rkey = uri.removeprefix("at://").split("/")[0], uri.rsplit("/", 1)[1]
        return f"https://bsky.app/profile/{did}/post/{rkey}"

    def _publish(self, post: QueuedPost, existing: dict[int, dict[str, str]]) -> PublishResult:
        from scheduler.platforms.dryrun import as_post

        # the PDS counts record writes in points, a create costs 3 (platform-apis.md §3.4)
        self.http.pace("POST", f"{self.base_url}/xrpc/com.atproto.repo.createRecord",
                       requests=len(post.parts) - len(existing), cost=3)
        did = self.session()["did"]
        keys = record_keys(post)
        refs: list[dict[str, str]] = []
        for index, body in enumerate(build_payloads(as_post(post), now=self.clock(), repo=did, did_of=self._resolver())):
            if index in existing:
                refs.append(existing[index])
                continue
            record = body["record"]
            if not index:
                self._embed(post, record)
            if index:
                record["reply"] = {"root": refs[0], "parent": refs[index - 1]}
            try:
                created = self._call("POST", "com.atproto.repo.createRecord",
                                     json={"repo": did, "collection": COLLECTION, "rkey": keys[index], "record": record})
            except AmbiguousError:
                found = self._get(keys[index])  # a 500 on an existing key, or a lost answer
                if found is None:
                    raise
                created = {"uri": found["uri"], "cid": found["cid"]}
            refs.append({"uri": created["uri"], "cid": created["cid"]})
        return PublishResult(remote_id=refs[0]["uri"], remote_url=self._url(refs[0]["uri"]))

    def whoami(self) -> str:
        session = self.session()
        return f"@{session.get('handle')} ({session.get('did')})"

    def publish(self, post: QueuedPost) -> PublishResult:
        return self._publish(post, {})

    def reconcile(self, post: QueuedPost) -> Reconciliation:
        existing = {}
        for index, rkey in enumerate(record_keys(post)):
            found = self._get(rkey)
            if found is not None:
                existing[index] = {"uri": found["uri"], "cid": found["cid"]}
        if not existing:
            return Reconciliation(Outcome.NOT_PUBLISHED)
        if len(existing) < len(post.parts) and 0 not in existing:
            return Reconciliation(Outcome.UNKNOWN)
        return Reconciliation(Outcome.PUBLISHED, self._publish(post, existing))  # finish a half-sent thread


def _message(response: requests.Response) -> str:
    """`InvalidRequest: Invalid app.bsky.feed.post record: …`: the error's name and the PDS's words."""
    from scheduler.platforms.http import message_of

    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), str) and isinstance(body.get("message"), str):
        return " ".join(f"{body['error']}: {body['message']}".split())[:300]
    return message_of(response)
