"""A fake OAuth 2.0 authorisation server on 127.0.0.1: the authorisation endpoint redirects to the
loopback `redirect_uri` with a code and the caller's state; the token endpoint checks the code, the
redirect URI, the client's credentials (form or HTTP Basic) and, when a challenge was sent, the PKCE
verifier (S256)."""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.fakes.base import FakeServer, JsonHandler


class OAuthFake(FakeServer):
    def __init__(self, *, client_id: str, client_secret: str | None, access_token: str) -> None:
        self.client_id, self.client_secret, self.access_token = client_id, client_secret, access_token
        self.codes: dict[str, dict[str, str]] = {}
        super().__init__()

    def token(self, headers: dict[str, str], form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        grant = self.codes.pop(form.get("code", ""), None)
        if form.get("grant_type") != "authorization_code" or grant is None:
            return 400, {"error": "invalid_grant", "error_description": "unknown or used code"}
        if form.get("redirect_uri") != grant["redirect_uri"] or form.get("client_id") != self.client_id:
            return 400, {"error": "invalid_grant", "error_description": "redirect_uri or client_id differs"}
        if grant.get("code_challenge"):
            digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
            if base64.urlsafe_b64encode(digest).decode().rstrip("=") != grant["code_challenge"]:
                return 400, {"error": "invalid_grant", "error_description": "PKCE verification failed"}
        if self.client_secret is not None:
            basic = headers.get("authorization", "")
            sent = form.get("client_secret")
            if basic.startswith("Basic "):
                sent = base64.b64decode(basic[6:]).decode().partition(":")[2]
            if sent != self.client_secret:
                return 401, {"error": "invalid_client"}
        return 200, {"access_token": self.access_token, "refresh_token": "refresh-" + secrets.token_hex(6),
                     "expires_in": 7200, "token_type": "bearer"}

    def handler(self) -> type[JsonHandler]:
        fake = self

        class Handler(JsonHandler):
            def do_GET(self) -> None:  # noqa: N802
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                if parts.path != "/authorize" or query.get("client_id") != fake.client_id:
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

            def do_POST(self) -> None:  # noqa: N802
                form = {k: v[0] for k, v in parse_qs(self.body().decode()).items()}
                fake.requests.append({"path": self.path, "form": form})
                self.send_json(*fake.token(self.lowered_headers(), form))

        return Handler
