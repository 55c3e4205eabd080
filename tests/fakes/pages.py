"""A small web server on 127.0.0.1 port 0 serving the pages and images a test puts on it, so link
cards are tested against real HTTP (redirects, sizes, content types) without any external host."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

from scheduler.errors import RejectedError
from scheduler.platforms.fetching import Fetcher
from tests.fakes.serving import QuietServer, serving_thread


def png(width: int = 3, height: int = 2, *, size: int = 0) -> bytes:
    """A valid PNG of `width` × `height` red pixels; with `size`, padded to exactly `size` bytes by a
    text chunk (still a valid PNG)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    pixels = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    head = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    tail = chunk(b"IDAT", zlib.compress(pixels)) + chunk(b"IEND", b"")
    room = size - len(head) - len(tail) - 12 - len(b"Comment\x00")
    padding = chunk(b"tEXt", b"Comment\x00" + b"x" * room) if room >= 0 else b""
    return head + padding + tail


def og_page(title: str, description: str, image: str | None = None, *, extra: str = "") -> bytes:
    image_tag = f'<meta property="og:image" content="{image}">' if image else ""
    return f"""<!doctype html>
<html lang="de"><head><meta charset="utf-8">
<title>Fallback-Titel</title>
<meta property="og:title" content="{title}">
<meta property="og:description" content="{description}">
{image_tag}{extra}
</head><body><p>Inhalt</p></body></html>""".encode()


@dataclass
class Resource:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


class PageServer:
    """`with PageServer() as site: site.add("/a", Resource(body=…)); site.url + "/a"`; `site.hits`
    counts the requests per path."""

    def __init__(self) -> None:
        self.resources: dict[str, Resource] = {}
        self.hits: dict[str, int] = {}
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                site.hits[path] = site.hits.get(path, 0) + 1
                resource = site.resources.get(path, Resource(404, b"not found", "text/plain"))
                self.send_response(resource.status)
                self.send_header("Content-Type", resource.content_type)
                self.send_header("Content-Length", str(len(resource.body)))
                for name, value in resource.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(resource.body)

        self._server = QuietServer(("127.0.0.1", 0), Handler)
        self._thread = serving_thread(self._server)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def add(self, path: str, resource: Resource) -> str:
        self.resources[path] = resource
        return self.url + path

    def __enter__(self) -> PageServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def site_only(site: PageServer, *, timeout: float = 2.0) -> Fetcher:
    """A fetcher that reaches `site` (on 127.0.0.1) and refuses every other address before any name
    lookup, so a test never contacts a host outside this machine."""

    class SiteOnly(Fetcher):
        def _check(self, url: str) -> None:
            if not url.startswith(site.url + "/"):
                raise RejectedError(f"{url}: not on the test's page server")
            super()._check(url)

    return SiteOnly(allow=["127.0.0.1"], timeout=timeout)
