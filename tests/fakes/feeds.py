"""A newsletter's web site on 127.0.0.1: an RSS feed, an archive page and issue pages, served the way
a real web server serves them — an ETag (a hash of the body) and a Last-Modified on every answer,
304 Not Modified without a body when a conditional request's ETag or date still holds — and
counting every request with its answer, so a test can tell a request answered 304 from a full one.

`site.fail(path, 503)` makes a path answer an error; `site.conditional = False` makes the server
ignore conditional requests (as many do).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import html
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

from tests.fakes.serving import QuietServer, serving_thread


@dataclass(frozen=True)
class Entry:
    """A newsletter issue as a feed entry: its title, date, items (heading, paragraph) and address."""

    title: str
    date: dt.date
    items: tuple[tuple[str, str], ...]
    link: str = ""

    def html(self) -> str:
        return "\n".join(f"<h2>{html.escape(h)}</h2>\n<p>{html.escape(p)}</p>" for h, p in self.items)

    def page(self) -> bytes:
        """The issue as its own web page (for an archive)."""
        return (
            f'<!doctype html><html lang="de"><head><meta charset="utf-8"><title>{html.escape(self.title)}</title>'
            f"</head><body><nav><a href='/'>Start</a> <a href='/archiv/'>Archiv</a></nav><main><article>"
            f"<h1>{html.escape(self.title)}</h1><p>Ausgabe vom {self.date:%d.%m.%Y}</p>{self.html()}</article></main>"
            "<footer><a href='/impressum'>Impressum</a> <a href='/datenschutz'>Datenschutz</a></footer></body></html>"
        ).encode()


def rss(
    entries: list[Entry], *, title: str = "Familiennetz – Newsletter", base: str = "https://familiennetz.example"
) -> bytes:
    """An RSS 2.0 feed of `entries` (newest first), each with its issue as content:encoded."""
    items = "".join(
        f"""
    <item>
      <title>{html.escape(entry.title)}</title>
      <link>{html.escape(entry.link or base + "/newsletter/" + entry.date.isoformat())}</link>
      <guid isPermaLink="false">{html.escape(base)}/?p={entry.date:%Y%m%d}</guid>
      <pubDate>{email.utils.format_datetime(dt.datetime.combine(entry.date, dt.time(8), dt.UTC))}</pubDate>
      <content:encoded><![CDATA[{entry.html()}]]></content:encoded>
    </item>"""
        for entry in entries
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
  <channel>
    <title>{html.escape(title)}</title>
    <link>{html.escape(base)}/newsletter/</link>
    <description>Neuigkeiten aus dem Familiennetz</description>
    <language>de-DE</language>{items}
  </channel>
</rss>
""".encode()


@dataclass
class Page:
    body: bytes
    content_type: str = "application/rss+xml; charset=utf-8"
    modified: dt.datetime = field(default_factory=lambda: dt.datetime(2025, 3, 7, 8, 0, tzinfo=dt.UTC))

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'


class FeedSite:
    """`with FeedSite() as site: site.put("/feed.xml", rss([...]))`; `site.log` lists (path,
    status) of every request; `site.conditional_requests` counts those that carried validators."""

    def __init__(self) -> None:
        self.pages: dict[str, Page] = {}
        self.failing: dict[str, int] = {}
        self.log: list[tuple[str, int]] = []
        self.conditional_requests = 0
        self.conditional = True
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                match = self.headers.get("If-None-Match")
                since = self.headers.get("If-Modified-Since")
                site.conditional_requests += bool(match or since)
                page = site.pages.get(path)
                status = site.failing.get(path) or (200 if page is not None else 404)
                if page is not None and status == 200 and site.conditional and site._unchanged(page, match, since):
                    status = 304
                site.log.append((path, status))
                self.send_response(status)
                if status == 304 or (status == 200 and page is not None):
                    assert page is not None
                    self.send_header("ETag", page.etag)
                    self.send_header("Last-Modified", email.utils.format_datetime(page.modified, usegmt=True))
                if status == 304:
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = page.body if status == 200 and page is not None else b"<h1>Fehler</h1>"
                self.send_header("Content-Type", page.content_type if status == 200 and page else "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._server = QuietServer(("127.0.0.1", 0), Handler)
        self._thread = serving_thread(self._server)

    @staticmethod
    def _unchanged(page: Page, match: str | None, since: str | None) -> bool:
        if match is not None:
            return page.etag in [tag.strip() for tag in match.split(",")]
        if since is not None:
            try:
                return page.modified <= email.utils.parsedate_to_datetime(since)
            except (TypeError, ValueError):
                return False
        return False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def put(self, path: str, body: bytes, content_type: str = "application/rss+xml; charset=utf-8") -> str:
        """Serve `body` at `path` from now on (a new version: a new ETag and a later Last-Modified)."""
        before = self.pages.get(path)
        modified = (before.modified + dt.timedelta(minutes=1)) if before else Page(b"").modified
        self.pages[path] = Page(body, content_type, modified)
        return self.url + path

    def fail(self, path: str, status: int | None) -> None:
        """`path` answers `status` from now on (None: as before)."""
        if status is None:
            self.failing.pop(path, None)
        else:
            self.failing[path] = status

    def requests(self, path: str) -> list[int]:
        """The statuses `path` was answered with, in order."""
        return [status for logged, status in self.log if logged == path]

    def __enter__(self) -> FeedSite:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
