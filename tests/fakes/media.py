"""What the fakes share about image uploads: reading multipart/form-data bodies and telling an image
by its first bytes (written here independently of the package's own sniffing)."""

from __future__ import annotations

from email.parser import BytesParser
from email.policy import HTTP
from typing import NamedTuple

MAGIC = {
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"GIF87a": "image/gif",
    b"GIF89a": "image/gif",
}


def image_type(data: bytes) -> str | None:
    for magic, mime in MAGIC.items():
        if data.startswith(magic):
            return mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


class File(NamedTuple):
    filename: str
    content_type: str
    data: bytes


def multipart(content_type: str, body: bytes) -> tuple[dict[str, str], dict[str, File]]:
    """The plain fields and the files of a multipart/form-data body."""
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    fields: dict[str, str] = {}
    files: dict[str, File] = {}
    if not message.is_multipart():
        return fields, files
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        data = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is None:
            fields[str(name)] = data.decode()
        else:
            files[str(name)] = File(filename, part.get_content_type(), data)
    return fields, files
