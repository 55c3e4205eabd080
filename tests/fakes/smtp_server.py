"""A real SMTP server on 127.0.0.1 (aiosmtpd): plain, STARTTLS or SMTPS (TLS from the first byte),
with or without AUTH. It records each message with whether it came over TLS, and each login tried."""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import pytest


@dataclass
class Received:
    envelope: Any
    tls: str | None  # the TLS version the message came over, None when in the clear
    authenticated: bool


@dataclass
class SmtpServer:
    """`tls`: None (plain), "starttls" or "ssl"; `context` the server's certificate; `logins` the
    accepted (user, password), or None for a server that offers no AUTH."""

    tls: str | None = None
    host: str = "127.0.0.1"
    context: ssl.SSLContext | None = None
    logins: dict[str, str] | None = None
    messages: list[Received] = field(default_factory=list)
    tried: list[tuple[str, str]] = field(default_factory=list)  # every login a client sent
    port: int = 0

    def __enter__(self) -> SmtpServer:
        controller_module = pytest.importorskip("aiosmtpd.controller")
        from aiosmtpd.smtp import AuthResult, LoginPassword

        server = self

        class Handler:
            async def handle_DATA(self, smtp: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
                tls = smtp.transport.get_extra_info("ssl_object")
                server.messages.append(
                    Received(envelope, tls.version() if tls is not None else None, bool(session.authenticated))
                )
                return "250 OK"

        def authenticator(smtp: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
            if not isinstance(data, LoginPassword):
                return AuthResult(success=False, handled=False)
            user, password = data.login.decode(), data.password.decode()
            server.tried.append((user, password))
            return AuthResult(success=(self.logins or {}).get(user) == password, handled=False)  # False: 535

        with socket.socket() as probe:  # a free port (aiosmtpd's start-up check cannot use port 0)
            probe.bind((self.host, 0))
            self.port = probe.getsockname()[1]
        options: dict[str, Any] = {}
        if self.logins is not None:
            # AUTH only after STARTTLS on a STARTTLS server; an SMTPS or a plain server offers it at once.
            options.update(authenticator=authenticator, auth_require_tls=self.tls == "starttls")
        if self.tls == "starttls":
            options.update(tls_context=self.context, require_starttls=True)
        elif self.tls == "ssl":
            options.update(ssl_context=self.context)
        self._controller = controller_module.Controller(Handler(), hostname=self.host, port=self.port, **options)
        self._controller.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._controller.stop()
