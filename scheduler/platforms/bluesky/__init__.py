"""Bluesky (`com.atproto.repo.createRecord`), one module per job:

- `bodies`: the record bodies and `uploadBlob` requests a post makes (what a dry run shows);
- `session`: the account's session (login, refresh, a kept session checked once) and its XRPC calls;
- `answers`: what the PDS's answers say (error names, rate-limit reset, which error a refusal is);
- `dids`: mentions resolved to DIDs (`com.atproto.identity.resolveHandle`);
- `blobs`: the first part's real embed, images or a link card, with uploaded blobs;
- `reconcile`: record keys known before sending, and reconciling by `getRecord`;
- `client`: `BlueskyPublisher`, which ties them together;
- `platform`: what is true of Bluesky (`PLATFORM`, see `scheduler.platforms.spec`).
"""

from __future__ import annotations

from scheduler.platforms.bluesky.bodies import build_payloads, build_uploads
from scheduler.platforms.bluesky.client import BlueskyPublisher
from scheduler.platforms.bluesky.platform import PLATFORM
from scheduler.platforms.bluesky.reconcile import record_keys

__all__ = ["PLATFORM", "BlueskyPublisher", "build_payloads", "build_uploads", "record_keys"]
