"""What is true of Bluesky (see `scheduler.platforms.spec`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scheduler.platforms.bluesky.bodies import IMAGES, build_payloads, build_uploads
from scheduler.platforms.rehearsed import Answer, RecordedRequest, made_up
from scheduler.platforms.spec import ClientParts, Connect, Platform, Setting
from scheduler.text.facets import shown_text
from scheduler.text.length import measure_bluesky

if TYPE_CHECKING:
    from scheduler.platforms.bluesky.client import BlueskyPublisher


def _client(account: Any, parts: ClientParts) -> BlueskyPublisher:
    """The account's client, starting from its kept session (when the token store has one) and
    keeping each new session through `parts.keep`."""
    from scheduler.platforms.bluesky.client import BlueskyPublisher

    session = None
    if (
        parts.keep is not None
        and account.session_access is not None
        and account.session_refresh is not None
        and account.session_did
    ):
        session = {
            "accessJwt": account.session_access.get_secret_value(),
            "did": account.session_did,
            "refreshJwt": account.session_refresh.get_secret_value(),
            "handle": account.handle,
        }

    keep = parts.keep

    def kept(fresh: dict[str, str]) -> None:
        if keep is not None:
            keep(
                {
                    "session_access": fresh["accessJwt"],
                    "session_refresh": fresh["refreshJwt"],
                    "session_did": fresh["did"],
                }
            )

    return BlueskyPublisher(
        account.base_url,
        account.handle,
        account.app_password,
        session=session,
        on_session=kept if keep is not None else None,
        http=parts.http,
    )


REHEARSAL_DID = "did:plc:rehearsalrehearsalrehe"


def _rehearse(request: RecordedRequest) -> Answer:
    """A dry run's answers: a session for the handle signed in with, each blob and record with a
    CID of its own, each mentioned handle with a DID of its own."""
    nsid = request.path.rsplit("/", 1)[1]
    if nsid in (
        "com.atproto.server.createSession",
        "com.atproto.server.refreshSession",
        "com.atproto.server.getSession",
    ):
        handle = str(request.json().get("identifier") or "rehearsal.invalid").removeprefix("@")
        return Answer(
            json={
                "did": REHEARSAL_DID,
                "handle": handle,
                "accessJwt": "rehearsal-access-jwt",
                "refreshJwt": "rehearsal-refresh-jwt",
                "active": True,
            }
        )
    if nsid == "com.atproto.repo.uploadBlob":
        return Answer(
            json={
                "blob": {
                    "$type": "blob",
                    "ref": {"$link": f"bafkreirehearsal{made_up(request)}"},
                    "mimeType": request.content_type,
                    "size": len(request.content),
                }
            }
        )
    if nsid == "com.atproto.identity.resolveHandle":
        return Answer(json={"did": f"did:plc:rehearsal{made_up(request)}"})
    if nsid == "com.atproto.repo.createRecord":
        body = request.json()
        return Answer(
            json={
                "uri": f"at://{body.get('repo')}/{body.get('collection')}/{body.get('rkey')}",
                "cid": f"bafyreirehearsal{made_up(request)}",
            }
        )
    return Answer(400, {"error": "RecordNotFound", "message": "a dry run holds no records"})


PLATFORM = Platform(
    name="bluesky",
    title="Bluesky",
    api_base="https://bsky.social",
    limit=300,
    measure=measure_bluesky,
    images=IMAGES,
    required=("handle", "app_password"),
    identity=("base_url", "handle"),
    who=lambda account: f"@{account.handle.removeprefix('@')}" if account.handle else "",
    build_payloads=build_payloads,
    build_uploads=build_uploads,
    client=_client,
    connect=Connect(
        oauth=False,
        label="App password",
        secret_field="app_password",  # noqa: S106  # reason: a field name
        needs={"handle": "Bluesky needs --handle, e.g. --handle comms.bsky.social"},
    ),
    threads=True,
    shown=shown_text,
    rehearse=_rehearse,
    # A PDS also limits each IP address, 3,000 requests in 5 minutes for all its accounts together
    # (platform-apis §3.4), and a post with images and a thread takes several: four accounts at a time.
    parallel=4,
    settings={
        "base_url": Setting("the account's PDS, e.g. https://bsky.social (the default), or empty"),
        "handle": Setting("a handle such as comms.bsky.social, or empty"),
        "app_password": Setting("an app password (Settings → App passwords), or empty", secret=True),
    },
)
