"""A newsletter that arrived as an e-mail, saved as an `.eml` message (RFC 5322, MIME) → `Document`.

The standard library's `email` package (policy `default`) reads the message: multipart structures
(alternative, related, mixed), quoted-printable and base64, each part's declared charset, headers
in RFC 2047 encoded words. Of the body, the HTML part is preferred and read by the HTML e-mail
reader (`scheduler.newsletter.html_email`: the mailing tool's chrome, hidden preheader, merge tags
and tracking pixels go); without one, the text part is read as copied text
(`scheduler.newsletter.plaintext`). A message that forwards the newsletter as an attachment
(`message/rfc822`) beside a short note or nothing is read for the forwarded message: its body, its
Subject and its Date.

The Subject is the title, the Date header the date (the calendar day the sender wrote), a
Content-Language header the language; the body's own title, date and language count only where
the message has none. A part whose bytes do not fit its declared charset (a "UTF-8" part written
in Windows-1252) is read as `incoming.as_text` reads undeclared bytes, not turned into
replacement characters.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import email.utils
import re
from dataclasses import replace
from email.message import EmailMessage, Message

from scheduler.errors import InputError
from scheduler.newsletter.document import Document
from scheduler.newsletter.incoming import (
    MAX_BYTES,
    Deadline,
    as_text,
    check_size,
    clean,
    known_charset,
    language_code,
)

_WHAT = "e-mail message"
#: Header fields that every real message has some of.
_FIELDS = frozenset(
    "from to cc subject date message-id mime-version received return-path reply-to delivered-to "
    "content-type content-transfer-encoding list-unsubscribe x-mailer user-agent".split()
)
_HEADER = re.compile(r"^([A-Za-z][A-Za-z0-9-]*):[ \t]*\S?")
#: How deep forwarded messages are followed.
_FORWARDS = 3
#: A body shorter than this beside a forwarded message is a note about it ("FYI, see below").
_NOTE = 500
#: MIME parts a message may have: a newsletter has a handful (text, HTML, a few inline images); the
#: email package spends ~0.2 ms on each, so 100,000 parts would take half a minute.
MAX_PARTS = 1000
_PART = re.compile(rb"^content-type:", re.IGNORECASE | re.MULTILINE)


def looks_like(sample: str) -> bool:
    """Whether `sample` (the start of a file) is an e-mail message: it opens with a header block
    (an mbox "From " line may come first) holding at least two of From, Subject, Date, To,
    MIME-Version, Received … and one of From, Subject and MIME-Version."""
    lines = sample.lstrip("\ufeff").replace("\r\n", "\n").split("\n")
    if lines and lines[0].startswith("From "):
        lines = lines[1:]
    names: set[str] = set()
    for line in lines[:200]:
        if not line.strip():
            break
        if line[:1] in " \t":  # a folded header's next line
            if not names:
                return False
            continue
        match = _HEADER.match(line)
        if match is None:
            return False
        names.add(match.group(1).lower())
    known = names & _FIELDS
    return len(known) >= 2 and bool(known & {"from", "subject", "mime-version"})


def read(data: bytes | str, *, url: str = "", max_bytes: int = MAX_BYTES, deadline: Deadline | None = None) -> Document:
    """The e-mail message `data` as a `Document` (see the module's words). `InputError` for input
    above `max_bytes` (SCHEDULER_MAX_ISSUE_BYTES) — before parsing —, for what is no message, and
    for a message without an HTML or text body; its HTML part is read within `deadline`."""
    what = url or _WHAT
    check_size(data, max_bytes, what=what)
    parts = len(_PART.findall(data if isinstance(data, bytes) else data.encode("utf-8", "replace")))
    if parts > MAX_PARTS:
        raise InputError(
            f"{what}: has {parts:,} MIME parts, more than the {MAX_PARTS:,} a message is read with; "
            "refused, as reading it would take too long — save the newsletter itself as .eml"
        )
    try:
        message = _message(data)
        if not _looks_like_message(message):
            raise InputError(f"{what}: not an e-mail message (no From, Subject or Date header); save it as .eml")
        body = _body(message)
        if body is None:
            raise InputError(f"{what}: the message has no HTML or text part to read; forward the newsletter itself")
        text, subtype, source = body
        subject = clean(str(source.get("Subject", "") or message.get("Subject", "") or ""))
        date = _date(str(source.get("Date", "") or ""))
        language = language_code(str(source.get("Content-Language", "") or ""))
        plain = _plain_part(source) if subtype == "html" else None
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001  # reason: the email package's header parsers fail on some malformed input with IndexError, TypeError …; one line, never a traceback
        raise InputError(f"{what}: the message cannot be read ({type(exc).__name__}); save it again as .eml") from None
    document = _read_body(text, subtype, url=url, max_bytes=max_bytes, fallback=plain, deadline=deadline)
    return replace(
        document,
        title=subject or document.title,
        date=date or document.date,
        language=language or document.language,
        url=document.url or url,
    )


def _read_body(
    text: str, subtype: str, *, url: str, max_bytes: int, fallback: str | None, deadline: Deadline | None
) -> Document:
    """The body by its reader; an HTML part with nothing to read (only comments, only images, an
    empty table layout) gives way to the message's text part when it has one."""
    from scheduler.newsletter import plaintext

    if subtype != "html":
        return plaintext.read(text, url=url, max_bytes=max_bytes)
    from scheduler.newsletter import html_email

    try:
        document = html_email.read(text, url=url, max_bytes=max_bytes, deadline=deadline)
    except InputError:
        if not fallback:
            raise
        return plaintext.read(fallback, url=url, max_bytes=max_bytes)
    if not any(block.text for block in document.blocks) and fallback:
        return plaintext.read(fallback, url=url, max_bytes=max_bytes)
    return document


def _plain_part(message: EmailMessage) -> str | None:
    part = message.get_body(preferencelist=("plain",))
    text = _text(part) if part is not None else ""
    return text if text.strip() else None


def _message(data: bytes | str) -> EmailMessage:
    policy = email.policy.default
    if isinstance(data, str):
        data = data.removeprefix("\ufeff")
        message = email.message_from_string(data, policy=policy)
    else:
        message = email.message_from_bytes(data.removeprefix(b"\xef\xbb\xbf"), policy=policy)
    assert isinstance(message, EmailMessage)  # policy.default builds EmailMessage objects
    return message


def _looks_like_message(message: Message) -> bool:
    return any(message.get(name) for name in ("From", "Subject", "Date", "MIME-Version"))


def _body(message: EmailMessage, depth: int = 0) -> tuple[str, str, EmailMessage] | None:
    """The text of the message's HTML part (else its text part), its subtype, and the message it
    belongs to: a forwarded newsletter (`message/rfc822`) when the message itself holds only a
    short note or nothing; None when there is no body at all."""
    own: tuple[str, str, EmailMessage] | None = None
    part = message.get_body(preferencelist=("html", "plain"))
    if part is not None:
        text = _text(part)
        if text.strip():
            own = (text, part.get_content_subtype(), message)
    if own is not None and len(own[0]) >= _NOTE:
        return own
    if depth < _FORWARDS:
        for attached in message.iter_attachments() if message.is_multipart() else ():
            if attached.get_content_type() != "message/rfc822":
                continue
            inner = attached.get_content()
            if isinstance(inner, EmailMessage):
                found = _body(inner, depth + 1)
                if found is not None:
                    return found
    return own


def _text(part: Message) -> str:
    """A text part's content: transfer encoding undone (quoted-printable, base64), then decoded in
    its declared charset; bytes that do not fit the charset, or an unknown charset, are read as
    undeclared bytes are (UTF-8, else Windows-1252)."""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        payload = str(part.get_payload() or "").encode("utf-8", "replace")
    declared = known_charset(part.get_content_charset())
    if declared:
        try:
            return payload.decode(declared).replace("\r\n", "\n")
        except UnicodeDecodeError:
            pass
    try:
        return as_text(payload, what=_WHAT)
    except InputError:
        return payload.decode("utf-8", errors="replace")


def _date(value: str) -> dt.date | None:
    """The calendar day of a Date header as the sender wrote it (not converted to UTC)."""
    if not value.strip():
        return None
    try:
        return email.utils.parsedate_to_datetime(value).date()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
