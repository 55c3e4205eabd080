"""OAuth 2.0 authorisation-code sign-in through a loopback redirect (RFC 8252), with PKCE (RFC 7636)
where the platform supports it: LinkedIn, X, Threads and Facebook.

    tokens = sign_in(registry.get("x").oauth, client_id=…, client_secret=…, open_browser=webbrowser.open, http=…)

A one-shot HTTP server on 127.0.0.1 receives the redirect; the `state` must match; the code is
exchanged at the token endpoint. Nothing here prints or logs a secret.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlsplit

from scheduler.errors import AuthorisationError

if TYPE_CHECKING:
    from http.server import BaseHTTPRequestHandler

    from pydantic import SecretStr

    from scheduler.platforms.http import HttpClient


@dataclass(frozen=True, slots=True)
class Provider:
    name: str
    authorize_url: str
    token_url: str
    scopes: tuple[str, ...]
    pkce: bool
    basic_auth: bool = False  # client credentials as HTTP Basic instead of form fields
    #: The long-lived token refreshes itself (`GET <origin>/refresh_access_token`, Threads) rather
    #: than through a refresh token and the app's client id.
    self_refresh: bool = False


@dataclass(frozen=True, slots=True)
class Tokens:
    access_token: str
    refresh_token: str | None
    expires_at: dt.datetime | None
    refresh_expires_at: dt.datetime | None = None  # LinkedIn's refresh token ends a year after sign-in

    def __repr__(self) -> str:
        return (
            f"Tokens(expires_at={self.expires_at!r}, refresh_token={'yes' if self.refresh_token else 'no'}, "
            f"refresh_expires_at={self.refresh_expires_at!r})"
        )


def _challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


def _callback() -> tuple[type[BaseHTTPRequestHandler], dict[str, str]]:
    """A request handler for one sign-in's redirect, and the dict it fills with the redirect's query
    (`http.server` is imported only while signing in)."""
    from http.server import BaseHTTPRequestHandler

    received: dict[str, str] = {}

    class Callback(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            query = {key: values[0] for key, values in parse_qs(urlsplit(self.path).query).items()}
            received.update(query)
            done = "code" in query
            body = ("Signed in. You can close this window." if done else "Sign-in did not complete.").encode()
            self.send_response(200 if done else 400)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Callback, received


def sign_in(
    provider: Provider,
    *,
    client_id: str,
    client_secret: SecretStr | None,
    http: HttpClient,
    open_browser: Callable[[str], object],
    now: Callable[[], dt.datetime],
    port: int = 0,
    timeout: float = 300.0,
    authorize_url: str | None = None,
    token_url: str | None = None,
) -> Tokens:
    """Run the authorisation-code flow and return the tokens; `AuthorisationError` when refused."""
    state, verifier = new_sign_in()
    handler, result = _callback()
    from http.server import HTTPServer  # only while signing in

    server = HTTPServer(("127.0.0.1", port), handler)
    server.timeout = 1.0
    redirect_uri = f"http://127.0.0.1:{server.server_port}/callback"
    deadline = threading.Event()
    timer = threading.Timer(timeout, deadline.set)
    timer.start()
    try:
        # in a thread of its own: a browser that runs in this terminal must not block the callback
        address = authorize_address(
            provider,
            client_id=client_id,
            redirect_uri=redirect_uri,
            state=state,
            verifier=verifier,
            authorize_url=authorize_url,
        )
        threading.Thread(target=open_browser, args=(address,), daemon=True).start()
        while "code" not in result and "error" not in result and not deadline.is_set():
            server.handle_request()
    finally:
        timer.cancel()
        server.server_close()
    if "error" in result:
        raise AuthorisationError(refusal(provider, result))
    if "code" not in result:
        raise AuthorisationError(f"{provider.name} sign-in timed out after {timeout:.0f} s; run scheduler auth again")
    if result.get("state") != state:
        raise AuthorisationError(f"{provider.name} sign-in answered with a wrong state; run scheduler auth again")
    return redeem(
        provider,
        result["code"],
        client_id=client_id,
        client_secret=client_secret,
        redirect_uri=redirect_uri,
        verifier=verifier,
        http=http,
        now=now(),
        token_url=token_url,
    )


def new_sign_in() -> tuple[str, str]:
    """A fresh sign-in's random `state` and PKCE verifier (kept by whoever receives the redirect)."""
    return secrets.token_urlsafe(24), secrets.token_urlsafe(64)


def authorize_address(
    provider: Provider,
    *,
    client_id: str,
    redirect_uri: str,
    state: str,
    verifier: str,
    authorize_url: str | None = None,
) -> str:
    """The provider's authorisation address for one sign-in: the PKCE challenge (never the verifier)
    where the provider takes one."""
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": " ".join(provider.scopes),
        "state": state,
    }
    if provider.pkce:
        query.update(code_challenge=_challenge(verifier), code_challenge_method="S256")
    return f"{authorize_url or provider.authorize_url}?{urlencode(query)}"


def refusal(provider: Provider, answer: Mapping[str, str]) -> str:
    """What a redirect with `?error=…` (the person said no, or the app is misconfigured) means."""
    return f"{provider.name} sign-in refused: {answer.get('error_description') or answer.get('error', '')}"


def redeem(
    provider: Provider,
    code: str,
    *,
    client_id: str,
    client_secret: SecretStr | None,
    redirect_uri: str,
    verifier: str,
    http: HttpClient,
    now: dt.datetime,
    token_url: str | None = None,
) -> Tokens:
    """Exchange a redirect's code for tokens at the token endpoint (the verifier where the provider
    takes PKCE; the client secret as HTTP Basic or a form field, as the provider wants it)."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "client_id": client_id,
    }
    if provider.pkce:
        form["code_verifier"] = verifier
    headers: dict[str, str] = {}
    secret = client_secret.get_secret_value() if client_secret is not None else None
    if secret and provider.basic_auth:
        headers["Authorization"] = "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    elif secret:
        form["client_secret"] = secret
    answer = http.request("POST", token_url or provider.token_url, data=form, headers=headers).json()
    return tokens_from(answer, now=now)


def tokens_from(
    answer: Any, *, now: dt.datetime, keep_refresh: str | None = None, keep_refresh_end: dt.datetime | None = None
) -> Tokens:
    """The tokens of a token endpoint's JSON answer; `keep_refresh` (and its end) when it brings no
    new refresh token. LinkedIn says how long its refresh token lasts (`refresh_token_expires_in`,
    counted from the first sign-in: a refresh does not extend it)."""
    if not isinstance(answer, dict) or not answer.get("access_token"):
        raise AuthorisationError("the token endpoint answered without an access token")
    expires_in = answer.get("expires_in")
    refresh_in = answer.get("refresh_token_expires_in")
    return Tokens(
        access_token=str(answer["access_token"]),
        refresh_token=str(answer["refresh_token"]) if answer.get("refresh_token") else keep_refresh,
        expires_at=now + dt.timedelta(seconds=int(expires_in)) if expires_in else None,
        refresh_expires_at=now + dt.timedelta(seconds=int(refresh_in)) if refresh_in else keep_refresh_end,
    )


def long_lived(
    provider: Provider,
    tokens: Tokens,
    *,
    client_id: str,
    client_secret: SecretStr | None,
    http: HttpClient,
    now: dt.datetime,
    token_url: str | None = None,
) -> Tokens:
    """Threads and Facebook hand out short-lived user tokens (an hour or two); exchange one for a
    long-lived token (60 days). Other platforms' tokens are returned as they are."""
    secret = client_secret.get_secret_value() if client_secret is not None else ""
    url = token_url or provider.token_url
    if provider.name == "threads":
        parts = urlsplit(url)
        answer = http.request(
            "GET",
            f"{parts.scheme}://{parts.netloc}/access_token",
            params={"grant_type": "th_exchange_token", "client_secret": secret, "access_token": tokens.access_token},
        ).json()
        return tokens_from(answer, now=now)
    if provider.name == "facebook":
        answer = http.request(
            "GET",
            url,
            params={
                "grant_type": "fb_exchange_token",
                "client_id": client_id,
                "client_secret": secret,
                "fb_exchange_token": tokens.access_token,
            },
        ).json()
        return tokens_from(answer, now=now)
    return tokens


def page_token(base_url: str, page_id: str, user_token: str, *, http: HttpClient) -> str:
    """Facebook: the page's own access token, read with a (long-lived) user token. Page tokens
    obtained this way do not expire (community-documented; see platform-apis.md 5.2)."""
    answer = http.request(
        "GET", f"{base_url.rstrip('/')}/{page_id}", params={"fields": "access_token", "access_token": user_token}
    ).json()
    if not isinstance(answer, dict) or not answer.get("access_token"):
        raise AuthorisationError(f"Facebook gave no page token for page {page_id}: does the account manage it?")
    return str(answer["access_token"])
