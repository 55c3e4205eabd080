"""Notices by e-mail over SMTP (STARTTLS when the server offers it and it is asked for)."""

from __future__ import annotations

import smtplib
from collections.abc import Sequence
from email.message import EmailMessage

from pydantic import SecretStr

from scheduler.models import QueuedPost
from scheduler.notify import describe


class EmailNotifier:
    def __init__(self, host: str, port: int, *, sender: str, recipients: Sequence[str], user: str = "",
                 password: SecretStr | None = None, starttls: bool = True, timeout: float = 20.0) -> None:
        self.host, self.port, self.sender, self.recipients = host, port, sender, tuple(recipients)
        self.user, self._password, self.starttls, self.timeout = user, password, starttls, timeout

    def __repr__(self) -> str:
        return f"EmailNotifier({self.host}:{self.port}, to={list(self.recipients)!r}, user={self.user!r})"

    def __call__(self, post: QueuedPost) -> None:
        message = EmailMessage()
        message["Subject"] = f"[scheduler] post {post.id} to {post.platform} {post.state.replace('_', ' ')}"
        message["From"] = self.sender
        message["To"] = ", ".join(self.recipients)
        message.set_content(describe(post) + "\n\n" + post.text + "\n")
        self._send(message)

    def announce(self, text: str) -> None:
        message = EmailMessage()
        message["Subject"] = "[scheduler] " + text.split(". ", 1)[0].removesuffix(".")
        message["From"] = self.sender
        message["To"] = ", ".join(self.recipients)
        message.set_content(text + "\n")
        self._send(message)

    def _send(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls and smtp.has_extn("starttls"):
                smtp.starttls()
            if self.user and self._password is not None:
                smtp.login(self.user, self._password.get_secret_value())
            smtp.send_message(message)
