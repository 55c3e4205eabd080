"""What a dry run's recorder (`scheduler.platforms.recording`) hands a platform's rehearsal answers
(`Platform.rehearse`), and what they answer. Light on purpose: platform modules import it when they
load, and previews load them without the HTTP library."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request as the client sent it (secrets included: only the written form is redacted)."""

    method: str
    url: str
    headers: Mapping[str, str]
    content: bytes
    number: int  # its place among the requests of this post, from 1

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    @property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(urlsplit(self.url).query, keep_blank_values=True))

    @property
    def content_type(self) -> str:
        return self.header("Content-Type")

    @property
    def site(self) -> str:
        """The scheme and host it went to: `https://social.example`."""
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"

    def header(self, name: str) -> str:
        return next((value for key, value in self.headers.items() if key.lower() == name.lower()), "")

    def body(self) -> Any:
        """The body decoded (see `decode`)."""
        return decode(self.content_type, self.content)

    def json(self) -> Any:
        """The JSON body, or {} when there is none."""
        try:
            return json.loads(self.content or b"{}")
        except ValueError:
            return {}

    def form(self) -> dict[str, str]:
        """The fields of a form or multipart body (files as their description)."""
        decoded = self.body()
        return {k: v for k, v in decoded.items() if isinstance(v, str)} if isinstance(decoded, dict) else {}


@dataclass(frozen=True, slots=True)
class Answer:
    """What a rehearsal answers: status, JSON body (None: empty) and headers."""

    status: int = 200
    json: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)


def made_up(request: RecordedRequest) -> str:
    """A made-up id for what `request` creates, numbered by its place (ids differ within a post)."""
    return f"{1_000_000 + request.number}"


#: A platform's rehearsal answers: the plausible answer to each request its client sends.
Rehearse = Callable[[RecordedRequest], Answer]


def decode(content_type: str, content: bytes) -> Any:
    """A body for reading: JSON as its value, a form as its fields, multipart as its fields with each
    file as `{"filename", "type", "size"}`, other bytes as `"<N bytes of TYPE>"`; None for no body."""
    if not content:
        return None
    media_type = content_type.partition(";")[0].strip().lower()
    if media_type == "application/json":
        try:
            return json.loads(content)
        except ValueError:
            pass
    elif media_type == "application/x-www-form-urlencoded":
        return dict(parse_qsl(content.decode("utf-8", "replace"), keep_blank_values=True))
    elif media_type == "multipart/form-data":
        return _multipart(content_type, content)
    return f"<{len(content):,} bytes of {media_type or 'data'}>"


def _multipart(content_type: str, content: bytes) -> dict[str, Any]:
    from email.parser import BytesParser  # only for a multipart body: previews do not need it
    from email.policy import HTTP

    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + content)
    fields: dict[str, Any] = {}
    for part in message.iter_parts() if message.is_multipart() else ():
        name = str(part.get_param("name", header="content-disposition"))
        data = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if isinstance(data, bytes) and filename is None:
            fields[name] = data.decode("utf-8", "replace")
        else:
            fields[name] = {"filename": filename, "type": part.get_content_type(), "size": len(data)}
    return fields
