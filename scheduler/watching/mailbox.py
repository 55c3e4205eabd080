"""An IMAP mailbox folder as a source: the team subscribes an inbox to the newsletter, and every
new message in the folder (optionally only from the newsletter's sender) is an issue.

The location is `imaps://user@host[:port]/Folder` (TLS from the first byte, port 993) or
`imap://user@host[:port]/Folder` (port 143, upgraded with STARTTLS before the password is sent;
a server that cannot is refused). The password comes from SCHEDULER_IMAP_PASSWORD, never from the
location. The folder is opened read-only and messages are fetched with BODY.PEEK[], so the
watcher never marks them read. What was read is remembered by UID (with the folder's
UIDVALIDITY: a folder that was recreated is read again from the start, and its issues found
before are known by their digests).
"""

from __future__ import annotations

import contextlib
import imaplib
import re
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from scheduler.errors import InputError

#: Messages a check fetches at most (the newest); the rest wait for the next check.
MAX_MESSAGES = 50
_UIDS = re.compile(rb"\d+")


@dataclass(frozen=True, slots=True)
class Mailbox:
    """Where a mailbox source is: `secure` (imaps) or STARTTLS (imap)."""

    user: str
    host: str
    port: int
    folder: str
    secure: bool

    @classmethod
    def parse(cls, location: str) -> Mailbox:
        parts = urlsplit(location)
        if parts.scheme not in ("imaps", "imap") or not parts.hostname or not parts.username:
            raise InputError(
                f"{location}: a mailbox is imaps://user@host/Folder (e.g. imaps://newsletter@mail.example.org/INBOX)"
            )
        if parts.password:
            raise InputError(
                f"{parts.scheme}://{parts.username}@{parts.hostname}/…: take the password out of the address; "
                "it goes in SCHEDULER_IMAP_PASSWORD"
            )
        folder = unquote(parts.path.lstrip("/")) or "INBOX"
        secure = parts.scheme == "imaps"
        try:
            port = parts.port or (993 if secure else 143)
        except ValueError:
            raise InputError(f"{location}: the port is no number") from None
        return cls(unquote(parts.username), parts.hostname, port, folder, secure)

    @property
    def shown(self) -> str:
        scheme = "imaps" if self.secure else "imap"
        return f"{scheme}://{self.user}@{self.host}:{self.port}/{self.folder}"


def new_messages(
    mailbox: Mailbox,
    validators: Mapping[str, str],
    *,
    password: str,
    sender: str = "",
    ca_file: str | None = None,
    timeout: float = 20.0,
    max_bytes: int = 5_000_000,
) -> tuple[list[bytes], dict[str, str]] | None:
    """The messages that arrived in `mailbox` since `validators` (`uidvalidity`, `uid`: the last
    UID read), oldest first, and the validators for next time; None when none arrived. Every
    failure is one `InputError` naming the mailbox (login refused, no such folder, no TLS …)."""
    where = mailbox.shown
    context = ssl.create_default_context(cafile=ca_file)
    try:
        if mailbox.secure:
            client: imaplib.IMAP4 = imaplib.IMAP4_SSL(mailbox.host, mailbox.port, ssl_context=context, timeout=timeout)
        else:
            client = imaplib.IMAP4(mailbox.host, mailbox.port, timeout=timeout)
            if "STARTTLS" not in client.capabilities:
                client.logout()
                raise InputError(
                    f"{where}: the server offers no STARTTLS, so the password would go out in clear; use imaps://"
                )
            client.starttls(ssl_context=context)
    except InputError:
        raise
    except ssl.SSLError as error:
        raise InputError(
            f"{where}: no secure connection ({error.reason or 'TLS refused'}); check the host, or set SCHEDULER_IMAP_CA_FILE"
        ) from None
    except (OSError, imaplib.IMAP4.error) as error:
        reason = (
            "no answer"
            if isinstance(error, (TimeoutError, socket.timeout))
            else (getattr(error, "strerror", None) or str(error) or type(error).__name__)
        )
        raise InputError(f"{where}: cannot connect ({reason}); check the host and port") from None
    try:
        try:
            client.login(mailbox.user, password)
        except imaplib.IMAP4.error:
            raise InputError(
                f"{where}: the server refused the login; check the user and SCHEDULER_IMAP_PASSWORD"
            ) from None
        status, _data = client.select(_quoted(mailbox.folder), readonly=True)
        if status != "OK":
            raise InputError(f"{where}: no folder {mailbox.folder!r}; check the folder in the address")
        validity = _validity(client)
        last = int(validators.get("uid", "0")) if validators.get("uidvalidity") == validity else 0
        criteria = ["UID", f"{last + 1}:*"]
        if sender:
            criteria += ["FROM", _quoted(sender)]
        status, found = client.uid("SEARCH", *criteria)
        if status != "OK":
            raise InputError(f"{where}: the server could not search the folder")
        uids = sorted(int(uid) for uid in _UIDS.findall(found[0] or b"") if int(uid) > last)
        if not uids:
            return (
                None if validators.get("uidvalidity") == validity else ([], {"uidvalidity": validity, "uid": str(last)})
            )
        messages = []
        for uid in uids[-MAX_MESSAGES:]:
            status, parts = client.uid("FETCH", str(uid), "(BODY.PEEK[])")
            body = next((part[1] for part in parts if isinstance(part, tuple)), None)
            if status != "OK" or body is None:
                raise InputError(f"{where}: the server could not send message {uid}")
            if len(body) <= max_bytes:  # a larger one is no newsletter issue (SCHEDULER_MAX_ISSUE_BYTES)
                messages.append(body)
        return messages, {"uidvalidity": validity, "uid": str(uids[-1])}
    except (OSError, imaplib.IMAP4.error) as error:
        raise InputError(
            f"{where}: the connection failed ({error or type(error).__name__}); it is tried again later"
        ) from None
    finally:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            client.logout()


def _validity(client: imaplib.IMAP4) -> str:
    _, data = client.response("UIDVALIDITY")
    value = data[0] if data and data[0] else b"0"
    return value.decode("ascii", "replace") if isinstance(value, bytes) else str(value)


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
