"""One account's session on its PDS, logged in with an app password: started from a kept session
(asked once with `com.atproto.server.getSession` whether it is this account's), refreshed (both
tokens rotated) when the PDS answers ExpiredToken, logged in again when the refresh token ran out
or a kept session means nothing to this server. Every new session is concealed from error texts and
handed to `on_session` so it can be kept. `call` makes the authenticated XRPC calls."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from scheduler.errors import AuthorisationError, RejectedError
from scheduler.platforms.bluesky.answers import STALE_SESSION, SessionError, classify, reset

if TYPE_CHECKING:
    from pydantic import SecretStr

    from scheduler.platforms.http import HttpClient

log = logging.getLogger(__name__)

#: An authenticated XRPC call: `call(method, nsid, **request_kwargs)` → the answer's JSON.
Call = Callable[..., dict[str, Any]]


class Session:
    """The session of `identifier` on the PDS at `base_url`; thread-safe."""

    def __init__(
        self,
        http: HttpClient,
        base_url: str,
        identifier: str,
        password: SecretStr,
        *,
        kept: dict[str, str] | None = None,
        on_session: Callable[[dict[str, str]], None] | None = None,
    ) -> None:
        self.http = http
        self.base_url = base_url
        self.identifier = identifier
        self._password = password
        self._session: dict[str, str] | None = kept
        self._logged_in = False  # the session came from our own login, not from the token store
        self._checked = False  # a kept session was asked whose it is
        self._on_session = on_session
        self._lock = threading.Lock()
        if kept is not None:
            http.conceal(kept.get("accessJwt"), kept.get("refreshJwt"))

    def __repr__(self) -> str:
        return f"Session(base_url={self.base_url!r}, identifier={self.identifier!r})"

    def current(self) -> dict[str, str]:
        """The session ({accessJwt, refreshJwt, did, handle …}): the kept one once checked, else a new login."""
        with self._lock:
            if self._session is not None and not self._logged_in and not self._checked:
                self._session = self._check(self._session)
                self._checked = True
            if self._session is None:
                self._session = self._login()
                self._logged_in = True
                self._kept(self._session)
            return self._session

    def call(self, method: str, nsid: str, **kwargs: Any) -> dict[str, Any]:
        """An authenticated XRPC call; on ExpiredToken the session is refreshed once and the call repeated
        (the PDS refused it, so nothing was created)."""
        extra = kwargs.pop("headers", {})
        for attempt in (0, 1):
            session = self.current()
            try:
                response = self.http.request(
                    method,
                    f"{self.base_url}/xrpc/{nsid}",
                    headers={**extra, "Authorization": f"Bearer {session['accessJwt']}"},
                    classify=classify,
                    reset_header=reset,
                    **kwargs,
                )
                answer: dict[str, Any] = response.json()
                return answer
            except SessionError as error:
                if attempt:
                    raise
                self._renew(session, error)
        raise AssertionError("unreachable")

    def _login(self) -> dict[str, str]:
        response = self.http.request(
            "POST",
            f"{self.base_url}/xrpc/com.atproto.server.createSession",
            json={"identifier": self.identifier, "password": self._password.get_secret_value()},
            classify=classify,
            reset_header=reset,
        )
        session: dict[str, str] = response.json()
        return session

    def _refresh(self) -> dict[str, str]:
        assert self._session is not None
        try:
            response = self.http.request(
                "POST",
                f"{self.base_url}/xrpc/com.atproto.server.refreshSession",
                headers={"Authorization": f"Bearer {self._session['refreshJwt']}"},
                classify=classify,
            )
            session: dict[str, str] = response.json()
            return session
        except AuthorisationError:
            return self._login()  # the refresh token ran out too: log in again with the app password

    def _check(self, kept: dict[str, str]) -> dict[str, str] | None:
        """A kept session, asked once (`com.atproto.server.getSession`) whether this server knows it and
        whose it is: itself when it is this account's, refreshed when it merely expired, None (log in
        again) when the server does not know it or it is another account's."""
        try:
            who = self.http.request(
                "GET",
                f"{self.base_url}/xrpc/com.atproto.server.getSession",
                headers={"Authorization": f"Bearer {kept['accessJwt']}"},
                classify=classify,
                reset_header=reset,
            ).json()
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
                log.warning(
                    "bluesky %s: the kept session was refused (%s); logging in again", self.identifier, error.name
                )
                self._session = self._login()
            else:
                raise error
            self._logged_in = True
            self._kept(self._session)

    def _kept(self, session: dict[str, str]) -> None:
        self.http.conceal(session.get("accessJwt"), session.get("refreshJwt"))
        if self._on_session is not None:
            self._on_session(session)
