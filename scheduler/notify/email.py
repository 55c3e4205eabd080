"""Notices by e-mail over SMTP, encrypted unless a setting says otherwise.

    starttls (default, port 587)  plain connection, then STARTTLS — required: a server that does not
                                  offer it gets no mail and no password (no silent downgrade)
    ssl      (SMTPS, port 465)    TLS from the first byte
    none     (a local relay)      no encryption; a login then only with allow_plain_login

The server's certificate and host name are always verified (`ssl.create_default_context()`, or the
CAs of `ca_file` for a private server). A password never crosses an unencrypted connection unless
`allow_plain_login` says so explicitly; asking for it otherwise is a `ConfigError` when the notifier
is made (at start-up), not a surprise at the first failed post.

Every failure — refused or timed-out connection, a certificate that does not verify, a refused
login or message — is a `NoticeError` (channel "e-mail", target host:port) in one line, without the
password.
"""

from __future__ import annotations

import base64
import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage
from enum import StrEnum
from pathlib import Path

from pydantic import SecretStr

from scheduler.errors import ConfigError, NoticeError
from scheduler.models import QueuedPost
from scheduler.notify import describe
from scheduler.notify.tls import cause, context, tls_problem

CHANNEL = "e-mail"


class Security(StrEnum):
    """How the connection to the SMTP server is protected (SCHEDULER_SMTP_SECURITY)."""

    STARTTLS = "starttls"
    SSL = "ssl"
    NONE = "none"


def plain_login_problem(security: Security | str, user: str, *, allow_plain_login: bool) -> str | None:
    """Why these settings would send a password unencrypted, or None when they would not."""
    if user and Security(security) == Security.NONE and not allow_plain_login:
        return (
            "SCHEDULER_SMTP_USER is set but SCHEDULER_SMTP_SECURITY=none would send its password "
            "unencrypted: use starttls or ssl, or set SCHEDULER_SMTP_ALLOW_PLAIN_LOGIN=true for a relay "
            "you trust (e.g. on this machine)"
        )
    return None


class EmailNotifier:
    def __init__(
        self,
        host: str,
        port: int,
        *,
        sender: str,
        recipients: Sequence[str],
        user: str = "",
        password: SecretStr | None = None,
        security: Security | str = Security.STARTTLS,
        ca_file: Path | None = None,
        allow_plain_login: bool = False,
        timeout: float = 20.0,
    ) -> None:
        try:
            self.security = Security(security)
        except ValueError:
            raise ConfigError(
                f"SCHEDULER_SMTP_SECURITY={security} is invalid: expected starttls, ssl or none"
            ) from None
        if (problem := plain_login_problem(self.security, user, allow_plain_login=allow_plain_login)) is not None:
            raise ConfigError(problem)
        self.host, self.port, self.sender, self.recipients = host, port, sender, tuple(recipients)
        self.user, self._password, self.timeout = user, password, timeout
        self.ca_file, self.allow_plain_login = ca_file, allow_plain_login
        self.target = f"{host}:{port}"
        self._context = None if self.security == Security.NONE else _tls_context(ca_file)

    def __repr__(self) -> str:
        return (
            f"EmailNotifier({self.target}, security={self.security.value}, to={list(self.recipients)!r}, "
            f"user={self.user!r})"
        )

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

    def _fail(self, why: str, status: int | None = None) -> NoticeError:
        return NoticeError(
            f"e-mail to {self.target} not sent: {self._scrub(why)}", channel=CHANNEL, target=self.target, status=status
        )

    def _send(self, message: EmailMessage) -> None:
        try:
            self._deliver(message)
        except NoticeError:
            raise
        except smtplib.SMTPAuthenticationError as exc:
            raise self._fail(
                f"the server refused the login of {self.user!r} ({_answer(exc)})", status=exc.smtp_code
            ) from None
        except smtplib.SMTPNotSupportedError:
            raise self._fail(
                "the server offers no login (AUTH); leave SCHEDULER_SMTP_USER empty or use another server"
            ) from None
        except smtplib.SMTPRecipientsRefused as exc:
            codes = sorted({code for code, _ in exc.recipients.values()})
            raise self._fail(
                f"the server refused the recipients {', '.join(exc.recipients)}", status=codes[0] if codes else None
            ) from None
        except smtplib.SMTPResponseException as exc:  # sender refused, data refused, an error answer
            raise self._fail(f"the server answered {_answer(exc)}", status=exc.smtp_code) from None
        except smtplib.SMTPServerDisconnected as exc:  # smtplib's name for a read that timed out, too
            if cause(exc, TimeoutError) is not None:
                raise self._fail(f"no answer within {self.timeout:g} s") from None
            raise self._fail("the server closed the connection") from None
        except ssl.SSLError as exc:
            raise self._fail(tls_problem(exc) or "TLS failed") from None
        except ConnectionRefusedError:
            raise self._fail("connection refused") from None
        except TimeoutError:
            raise self._fail(f"no answer within {self.timeout:g} s") from None
        except smtplib.SMTPException as exc:
            raise self._fail(type(exc).__name__) from None
        except OSError as exc:  # DNS, unreachable network
            raise self._fail(f"cannot connect ({exc.strerror or type(exc).__name__})") from None

    def _deliver(self, message: EmailMessage) -> None:
        smtp: smtplib.SMTP
        if self.security == Security.SSL:
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=self._context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with smtp:
            smtp.ehlo_or_helo_if_needed()
            if self.security == Security.STARTTLS:
                if not smtp.has_extn("starttls"):
                    raise self._fail(
                        "the server does not offer STARTTLS; use SCHEDULER_SMTP_SECURITY=ssl for "
                        "SMTPS (port 465), or none for a relay without TLS"
                    )
                smtp.starttls(context=self._context)
            if self.user and self._password is not None:
                if self.security == Security.NONE and not self.allow_plain_login:  # the constructor refused it
                    raise self._fail("no login over an unencrypted connection")
                smtp.login(self.user, self._password.get_secret_value())
            smtp.send_message(message)

    def _scrub(self, text: str) -> str:
        """`text` without the password, also as AUTH PLAIN and AUTH LOGIN send it (base64)."""
        if self._password is None or not self._password.get_secret_value():
            return text
        secret = self._password.get_secret_value()
        forms = {secret, _b64(secret), _b64(f"\0{self.user}\0{secret}")}
        for form in sorted(forms, key=len, reverse=True):
            text = text.replace(form, "[redacted]")
        return text


def _tls_context(ca_file: Path | None) -> ssl.SSLContext:
    """The verifying context, made once: a CA file that cannot be read is a setting to fix, at start-up."""
    try:
        return context(ca_file)
    except (OSError, ssl.SSLError) as error:
        why = (error.reason if isinstance(error, ssl.SSLError) else None) or error.strerror or type(error).__name__
        raise ConfigError(f"SCHEDULER_SMTP_CA_FILE={ca_file} cannot be read as PEM certificates ({why})") from None


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode("ascii")


def _answer(exc: smtplib.SMTPResponseException) -> str:
    """The server's reply code and words, in one line."""
    words = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
    return f"{exc.smtp_code} {' '.join(words.split())}"[:300]
