"""A fake OAuth 2.0 authorisation server on 127.0.0.1: the authorisation endpoint redirects to the
loopback `redirect_uri` with a code and the caller's state; the token endpoint checks the code, the
redirect URI, the client's credentials (form or HTTP Basic) and, when a challenge was sent, the PKCE
verifier (S256)."""

from __future__ import annotations

import base64
import hashlib
import math
import secrets
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.fakes.base import FakeServer, JsonHandler


class OAuthFake(FakeServer):
    """`access_token` is what the first grant issues; later grants (refreshes, exchanges) issue new
    random tokens and tell `on_issue`, so a fake platform can accept them. Refresh tokens rotate:
    each works once (`rotate=False`: LinkedIn's, which stay valid and are not re-issued).
    `refresh_expires_in` (LinkedIn): a refresh token's life from the sign-in; every answer says what is
    left of it (`refresh_token_expires_in`), and a refresh token past it is refused."""

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str | None,
        access_token: str,
        on_issue: Callable[[str], None] | None = None,
        rotate: bool = True,
        expires_in: int = 7200,
        refresh_expires_in: int | None = None,
    ) -> None:
        self.client_id, self.client_secret, self.access_token = client_id, client_secret, access_token
        self.on_issue, self.rotate, self.expires_in = on_issue, rotate, expires_in
        self.refresh_expires_in = refresh_expires_in
        self.refresh_ends: dict[str, float] = {}  # refresh token → when it ends (time.time())
        self.codes: dict[str, dict[str, str]] = {}
        self.refresh_tokens: set[str] = set()  # valid ones
        self.access_tokens: set[str] = {access_token}  # issued ones, for exchanges and Threads refreshes
        super().__init__()

    def _issue(self, *, refresh: bool) -> dict[str, Any]:
        token = "issued-" + secrets.token_hex(8)
        self.access_tokens.add(token)
        if self.on_issue is not None:
            self.on_issue(token)
        answer: dict[str, Any] = {"access_token": token, "expires_in": self.expires_in, "token_type": "bearer"}
        if refresh:
            answer["refresh_token"] = "refresh-" + secrets.token_hex(6)
            self.refresh_tokens.add(answer["refresh_token"])
        return answer

    def _client_ok(self, headers: dict[str, str], form: dict[str, str]) -> bool:
        if self.client_secret is None:
            return True
        basic = headers.get("authorization", "")
        sent = form.get("client_secret")
        if basic.startswith("Basic "):
            client, _, sent = base64.b64decode(basic[6:]).decode().partition(":")
            if client != self.client_id:
                return False
        return sent == self.client_secret

    def refresh(self, headers: dict[str, str], form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if form.get("client_id") != self.client_id or not self._client_ok(headers, form):
            return 401, {"error": "invalid_client"}
        old = form.get("refresh_token", "")
        if old not in self.refresh_tokens or self.refresh_ends.get(old, math.inf) <= time.time():
            return 400, {"error": "invalid_grant", "error_description": "Value passed for the token was invalid."}
        if self.rotate:
            self.refresh_tokens.discard(old)
        answer = self._issue(refresh=self.rotate)
        if old in self.refresh_ends:
            answer["refresh_token_expires_in"] = int(self.refresh_ends[old] - time.time())
        return 200, answer

    def token(self, headers: dict[str, str], form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if form.get("grant_type") == "refresh_token":
            return self.refresh(headers, form)
        grant = self.codes.pop(form.get("code", ""), None)
        if form.get("grant_type") != "authorization_code" or grant is None:
            return 400, {"error": "invalid_grant", "error_description": "unknown or used code"}
        if form.get("redirect_uri") != grant["redirect_uri"] or form.get("client_id") != self.client_id:
            return 400, {"error": "invalid_grant", "error_description": "redirect_uri or client_id differs"}
        if grant.get("code_challenge"):
            digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
            if base64.urlsafe_b64encode(digest).decode().rstrip("=") != grant["code_challenge"]:
                return 400, {"error": "invalid_grant", "error_description": "PKCE verification failed"}
        if not self._client_ok(headers, form):
            return 401, {"error": "invalid_client"}
        refresh = "refresh-" + secrets.token_hex(6)
        self.refresh_tokens.add(refresh)
        answer: dict[str, Any] = {
            "access_token": self.access_token,
            "refresh_token": refresh,
            "expires_in": self.expires_in,
            "token_type": "bearer",
        }
        if self.refresh_expires_in is not None:
            self.refresh_ends[refresh] = time.time() + self.refresh_expires_in
            answer["refresh_token_expires_in"] = self.refresh_expires_in
        return 200, answer

    def exchange(self, path: str, query: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """Meta's GET grants: Threads' long-lived exchange and refresh, Facebook's fb_exchange_token."""
        grant = query.get("grant_type")
        if path == "/access_token" and grant == "th_exchange_token":
            ok = query.get("client_secret") == self.client_secret and query.get("access_token") in self.access_tokens
        elif path == "/refresh_access_token" and grant == "th_refresh_token":
            ok = query.get("access_token") in self.access_tokens
        elif grant == "fb_exchange_token":
            ok = (
                query.get("client_id") == self.client_id
                and query.get("client_secret") == self.client_secret
                and query.get("fb_exchange_token") in self.access_tokens
            )
        else:
            return 400, {"error": {"message": "Unsupported grant", "type": "OAuthException", "code": 100}}
        if not ok:
            return 400, {"error": {"message": "Error validating access token", "type": "OAuthException", "code": 190}}
        return 200, self._issue(refresh=False)

    def handler(self) -> type[JsonHandler]:
        fake = self

        class Handler(JsonHandler):
            def do_GET(self) -> None:  # noqa: N802  # reason: the method name the server library calls
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                if parts.path != "/authorize":
                    fake.requests.append({"path": parts.path, "query": query})
                    return self.send_json(*fake.exchange(parts.path, query))
                if query.get("client_id") != fake.client_id:
                    return self.send_json(400, {"error": "invalid_request"})
                redirect = query.get("redirect_uri", "")
                if not redirect.startswith("http://127.0.0.1:"):
                    return self.send_json(400, {"error": "invalid_request", "error_description": "redirect_uri"})
                code = secrets.token_urlsafe(12)
                fake.codes[code] = {"redirect_uri": redirect, "code_challenge": query.get("code_challenge", "")}
                self.send_response(302)
                self.send_header("Location", f"{redirect}?{urlencode({'code': code, 'state': query.get('state', '')})}")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_POST(self) -> None:  # noqa: N802  # reason: the method name the server library calls
                form = {k: v[0] for k, v in parse_qs(self.body().decode()).items()}
                fake.requests.append({"path": self.path, "form": form})
                self.send_json(*fake.token(self.lowered_headers(), form))

        return Handler
