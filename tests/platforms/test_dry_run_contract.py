"""The dry run is the real client: for every platform, the same post (with an image, and as a
two-part thread where the platform threads) is published for real against the platform's fake
server and rehearsed in a dry run with the same account settings (the fake's address as the
configured API base). The requests in the outbox are the requests the fake received — method, path
and query, the headers that matter, the body — apart from tokens (redacted in the outbox) and the
ids each side's answers supplied."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from pydantic import SecretStr

from scheduler.config import Account
from scheduler.models import Content, Image, QueuedPost
from scheduler.platforms import registry
from scheduler.platforms.dryrun import DryRunPublisher
from scheduler.platforms.http import HttpClient
from scheduler.platforms.recording import written
from scheduler.platforms.rehearsed import RecordedRequest
from scheduler.platforms.spec import ClientParts
from tests.fakes.bluesky_server import BlueskyFake
from tests.fakes.linkedin_server import LinkedInFake
from tests.fakes.mastodon_server import MastodonFake
from tests.fakes.meta_server import MetaFake
from tests.fakes.pages import png
from tests.fakes.x_server import XFake

TOKEN = "contract-token-0042"
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
AUTHOR = "urn:li:organization:1"

#: What only an answer supplies, on either side: URNs, numbers of 3 digits or more (status, media,
#: photo, container and share ids), DIDs and CIDs.
_IDS = (
    (re.compile(r"urn:li:(image|share|ugcPost):[A-Za-z0-9_-]+"), r"urn:li:\1:<id>"),
    (re.compile(r"did:plc:[a-z0-9]+"), "did:plc:<id>"),
    (re.compile(r"\bbaf[a-z0-9]+"), "<cid>"),
    (re.compile(r"\d{3,}(_\d{3,})?"), "<id>"),
)


@dataclass
class Case:
    platform: str
    fake: Any
    account: Callable[[str], Account]  # the account as configured, on the fake's address
    image: Callable[[Path], Image]


def _local(folder: Path) -> Image:
    picture = folder / "plakat.png"
    picture.write_bytes(png(40, 30))
    return Image(str(picture), "Plakat zum Sommerfest")


def _address(folder: Path) -> Image:  # Threads fetches images itself: they reach it as addresses
    return Image("https://cdn.example.org/media/plakat.png", "Plakat zum Sommerfest")


def _processing_at_once(fake: MetaFake) -> MetaFake:
    fake.processing_polls = 0  # a container FINISHED at the first status read, as a dry run answers
    return fake


CASES: dict[str, Callable[[], Case]] = {
    "mastodon": lambda: Case(
        "mastodon",
        MastodonFake(token=TOKEN, processing_polls=0),  # processed at once, as in a dry run
        lambda url: Account(base_url=url, token=SecretStr(TOKEN)),
        _local,
    ),
    "bluesky": lambda: Case(
        "bluesky",
        BlueskyFake(handle="comms.test", password=TOKEN),
        lambda url: Account(base_url=url, handle="comms.test", app_password=SecretStr(TOKEN)),
        _local,
    ),
    "x": lambda: Case("x", XFake(token=TOKEN), lambda url: Account(base_url=url, token=SecretStr(TOKEN)), _local),
    "linkedin": lambda: Case(
        "linkedin",
        LinkedInFake(token=TOKEN),
        lambda url: Account(base_url=url, token=SecretStr(TOKEN), author=AUTHOR, version="202601"),
        _local,
    ),
    "threads": lambda: Case(
        "threads",
        _processing_at_once(MetaFake(token=TOKEN)),
        lambda url: Account(base_url=url, token=SecretStr(TOKEN)),
        _address,
    ),
    "facebook": lambda: Case(
        "facebook",
        MetaFake(token=TOKEN, page_id="1234"),
        lambda url: Account(base_url=url, token=SecretStr(TOKEN), page_id="1234"),
        _local,
    ),
}


def _post(platform: str, image: Image) -> QueuedPost:
    threads = registry.get(platform).threads
    parts = (
        ("Sommerfest im Hof – alle sind eingeladen", "Teil zwei: Anmeldung bis Freitag")
        if threads
        else ("Sommerfest im Hof – alle sind eingeladen. Anmeldung bis Freitag",)
    )
    return QueuedPost(
        id=1,
        item_id="sommerfest",
        platform=platform,
        account="default",
        state="scheduled",
        publish_at=NOW,
        content=Content(parts, "de", images=(image,)),
        idempotency_key="contract-key",
    )


def _masked(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _masked(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_masked(item) for item in value]
    if isinstance(value, str):
        for pattern, replacement in _IDS:
            value = pattern.sub(replacement, value)
    return value


def _comparable(entry: dict[str, Any]) -> dict[str, Any]:
    """A request without what differs by design: the host (the outbox names it, the server is it),
    header names' case, tokens (redacted on both sides), ids; an upload address is the server's."""
    parts = urlsplit(entry["url"])
    target = "<uploadUrl>" if entry["method"] == "PUT" else parts.path + (f"?{parts.query}" if parts.query else "")
    return {
        "method": entry["method"],
        "target": _masked(target),
        "headers": {name.lower(): value for name, value in entry["headers"].items()},
        "body": _masked(entry.get("body")),
    }


@pytest.mark.parametrize("platform", list(CASES))
def test_a_dry_run_records_the_requests_the_platform_receives(platform: str, tmp_path: Path):
    case = CASES[platform]()
    post = _post(platform, case.image(tmp_path))
    with case.fake as fake:
        account = case.account(fake.url)
        client = registry.get(platform).client(account, ClientParts(HttpClient(clock=lambda: NOW)))
        assert client.publish(post).remote_id  # published for real on the fake
        server = f"http://{urlsplit(fake.url).netloc}"
        received = [
            written(RecordedRequest(r["method"], server + r["path"], r["headers"], r["body"], n), [TOKEN])
            for n, r in enumerate(fake.received, start=1)
        ]

        outbox = tmp_path / "outbox.jsonl"
        assert DryRunPublisher(outbox, accounts=lambda p, n: account).write(post, identity="comms")
        (line,) = [json.loads(raw) for raw in outbox.read_text().splitlines()]
        assert len(fake.received) == len(received)  # the dry run sent the fake nothing
    assert "error" not in line
    recorded = line["requests"]
    assert all(r["url"].startswith(fake.url) or r["method"] == "PUT" for r in recorded)  # the configured instance
    assert [_comparable(r) for r in recorded] == [_comparable(r) for r in received]
    assert TOKEN not in json.dumps(line)
