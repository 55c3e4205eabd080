"""`BlueskyPublisher`: one Bluesky account's client, tying the parts together — its session
(`session`), the record bodies (`bodies`), the real embed with uploaded blobs (`blobs`), mentions
resolved to DIDs (`dids`) and record keys known in advance, which make a repeated create harmless
and reconciling a `getRecord` per part (`reconcile`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from scheduler.errors import AmbiguousError
from scheduler.models import QueuedPost
from scheduler.platforms.base import ApiClient, Outcome, PublishResult, Reconciliation
from scheduler.platforms.bluesky import blobs, dids, reconcile
from scheduler.platforms.bluesky.bodies import build_payloads
from scheduler.platforms.bluesky.session import Session

if TYPE_CHECKING:
    from pydantic import SecretStr

    from scheduler.platforms.http import HttpClient
    from scheduler.platforms.linkcard import LinkCards


class BlueskyPublisher(ApiClient):
    """Publishes to one Bluesky account with an app password; the session is refreshed (and both
    tokens rotated) when the PDS answers ExpiredToken."""

    shown = ("identifier",)

    def __init__(
        self,
        base_url: str,
        identifier: str,
        password: SecretStr,
        *,
        http: HttpClient | None = None,
        clock: Callable[[], dt.datetime] | None = None,
        session: dict[str, str] | None = None,
        on_session: Callable[[dict[str, str]], None] | None = None,
        cards: LinkCards | None = None,
    ) -> None:
        """`session` is a kept session ({accessJwt, refreshJwt, did}) to start from instead of logging
        in; `on_session` is told every new session (after a login or a refresh) so it can be kept;
        `cards` reads link cards (default: pages on public addresses, and the hosts `http.fetch_allow`
        lists)."""
        super().__init__(base_url, password, http=http, clock=clock)
        self.identifier = identifier
        #: the account's session and its authenticated XRPC calls (`pds.call(method, nsid, …)`)
        self.pds = Session(self.http, self.base_url, identifier, password, kept=session, on_session=on_session)
        self._cards = cards

    def session(self) -> dict[str, str]:
        """The account's session ({accessJwt, refreshJwt, did, handle …}), logging in when there is none."""
        return self.pds.current()

    def did_of(self, handle: str) -> str | None:
        """The DID of `handle` from the account's PDS, or None: the mention then stays plain text."""
        return dids.did_of(self.pds.call, handle)

    def upload_blob(self, data: bytes, mime: str) -> dict[str, Any]:
        """Upload `data` (`com.atproto.repo.uploadBlob`); the blob object to put into a record as it is."""
        return blobs.upload_blob(self.pds.call, data, mime)

    @property
    def cards(self) -> LinkCards:
        if self._cards is None:
            from scheduler.platforms.fetching import Fetcher
            from scheduler.platforms.linkcard import LinkCards  # Beautiful Soup only when publishing

            self._cards = LinkCards(Fetcher(allow=self.http.fetch_allow, transport=self.http.fetch_transport))
        return self._cards

    def _url(self, uri: str) -> str:
        did, rkey = uri.removeprefix("at://").split("/")[0], uri.rsplit("/", 1)[1]
        return f"https://bsky.app/profile/{did}/post/{rkey}"

    def _publish(self, post: QueuedPost, existing: dict[int, dict[str, str]]) -> PublishResult:

        # the PDS counts record writes in points, a create costs 3 (platform-apis.md §3.4)
        self.http.pace(
            "POST",
            f"{self.base_url}/xrpc/com.atproto.repo.createRecord",
            requests=len(post.parts) - len(existing),
            cost=3,
        )
        did = self.session()["did"]
        keys = reconcile.record_keys(post)
        refs: list[dict[str, str]] = []
        resolver = dids.once_per_handle(self.did_of)
        for index, body in enumerate(build_payloads(post.content, now=self.clock(), repo=did, did_of=resolver)):
            if index in existing:
                refs.append(existing[index])
                continue
            record = body["record"]
            if not index:
                blobs.embed(post, record, upload=self.upload_blob, http=self.http, cards=lambda: self.cards)
            if index:
                record["reply"] = {"root": refs[0], "parent": refs[index - 1]}
            try:
                created = self.pds.call(
                    "POST",
                    "com.atproto.repo.createRecord",
                    json={"repo": did, "collection": reconcile.COLLECTION, "rkey": keys[index], "record": record},
                )
            except AmbiguousError:
                found = reconcile.get_record(self.pds.call, did, keys[index])  # a 500 on an existing key,
                if found is None:  # or a lost answer
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
        existing = reconcile.existing_parts(self.pds.call, self.session()["did"], post)
        found = reconcile.outcome(post, existing)
        if found != Outcome.PUBLISHED:
            return Reconciliation(found)
        return Reconciliation(Outcome.PUBLISHED, self._publish(post, existing))  # finish a half-sent thread
