"""Downloading an issue from its address, against real HTTP servers on 127.0.0.1: redirects, error
statuses, sizes, media types, charsets, slow servers, and the address policy."""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from scheduler.errors import InputError
from scheduler.platforms.download import Download, charset_of, download_issue
from scheduler.platforms.fetching import Fetcher
from tests.fakes.pages import PageServer, Resource, png
from tests.fakes.serving import serving_thread

LOCAL = ["127.0.0.1"]
PAGE = "<!doctype html><html><head><title>Ausgabe 3</title></head><body><h1>Grüße</h1></body></html>"


@pytest.fixture
def site() -> Iterator[PageServer]:
    with PageServer() as server:
        yield server


def fetch(url: str, *, max_bytes: int = 100_000, timeout: float = 2.0) -> Download:
    return download_issue(url, max_bytes=max_bytes, allow=LOCAL, timeout=timeout)


# -- what comes back --------------------------------------------------------------------------------


def test_a_page_comes_back_with_its_type_charset_and_address(site: PageServer):
    url = site.add("/newsletter/3", Resource(body=PAGE.encode(), content_type="text/html; charset=UTF-8"))
    download = fetch(url)
    assert download == Download(PAGE.encode(), "text/html", "utf-8", "header", url)
    assert download.text == PAGE
    assert "size=" in repr(download) and "Grüße" not in repr(download)


def test_redirects_are_followed_and_the_final_address_kept(site: PageServer):
    final = site.add("/archiv/2025-03.html", Resource(body=PAGE.encode()))
    site.add("/latest", Resource(302, headers={"Location": "/archiv/2025-03.html"}))
    site.add("/nl", Resource(301, headers={"Location": site.url + "/latest"}))
    assert fetch(site.url + "/nl").url == final


def test_too_many_redirects_are_one_error_line(site: PageServer):
    for number in range(7):
        site.add(f"/r{number}", Resource(302, headers={"Location": f"/r{number + 1}"}))
    with pytest.raises(InputError, match=r"more than 5 redirects; check the address") as caught:
        fetch(site.url + "/r0")
    assert "\n" not in str(caught.value)
    assert site.hits["/r5"] == 1 and "/r6" not in site.hits  # 5 redirects followed, no more


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (404, r"the server answered 404 Not Found; check the address$"),
        (410, r"the server answered 410 Gone; check the address$"),
        (403, r"the server answered 403 Forbidden; the page is not public"),
        (500, r"the server answered 500 Internal Server Error; the site has a problem or is busy; try again later$"),
        (503, r"the server answered 503 Service Unavailable; the site has a problem"),
    ],
)
def test_error_statuses_name_the_address_and_the_status(site: PageServer, status: int, words: str):
    url = site.add("/nl", Resource(status, b"<h1>Fehler</h1>"))
    with pytest.raises(InputError, match=f"^{url}: {words}"):
        fetch(url)


def test_an_error_after_a_redirect_names_both_addresses(site: PageServer):
    site.add("/nl", Resource(301, headers={"Location": "/gone"}))
    with pytest.raises(InputError, match=rf"^{site.url}/nl \(redirected to {site.url}/gone\): the server answered 404"):
        fetch(site.url + "/nl")


# -- sizes ------------------------------------------------------------------------------------------


def test_an_announced_size_above_the_cap_is_refused_before_reading(site: PageServer):
    url = site.add("/big", Resource(body=b"<p>" + b"x" * 5000))
    with pytest.raises(InputError, match=r"5,003 bytes is more than the 1,000 bytes .*\(SCHEDULER_MAX_ISSUE_BYTES\)"):
        fetch(url, max_bytes=1000)


class _Routes(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # the client gave up (a timeout, a size cap): expected


@pytest.fixture
def raw() -> Iterator[Callable[[Callable[[BaseHTTPRequestHandler], None]], str]]:
    """A server whose answer a test writes itself (no Content-Length, slow bytes …): `raw(write)`
    returns the address that calls `write(handler)`."""
    servers: list[_Routes] = []

    def serve(write: Callable[[BaseHTTPRequestHandler], None]) -> str:
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                write(self)

        server = _Routes(("127.0.0.1", 0), Handler)
        serving_thread(server).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}/issue"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


def _chunked(handler: BaseHTTPRequestHandler, pieces: Iterator[bytes], *, content_type: str = "text/html") -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Transfer-Encoding", "chunked")
    handler.end_headers()
    for piece in pieces:
        handler.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
        handler.wfile.flush()
    handler.wfile.write(b"0\r\n\r\n")


def test_a_body_without_announced_size_is_cut_off_above_the_cap(raw):
    sent: list[int] = []

    def endless(handler: BaseHTTPRequestHandler) -> None:
        def pieces() -> Iterator[bytes]:
            for _ in range(10_000):  # 160 MB if nobody stopped reading
                sent.append(1)
                yield b"x" * 16_384

        _chunked(handler, pieces())

    with pytest.raises(InputError, match=r"more than the 100,000 bytes .*\(SCHEDULER_MAX_ISSUE_BYTES\)"):
        fetch(raw(endless), max_bytes=100_000)
    time.sleep(0.1)
    assert len(sent) < 1000  # the download stopped; the server was not read to the end


def test_a_server_that_does_not_answer_times_out(raw):
    def silent(handler: BaseHTTPRequestHandler) -> None:
        time.sleep(1.5)

    started = time.monotonic()
    with pytest.raises(InputError, match=r"/issue: no answer within 0.3 s; check the address"):
        fetch(raw(silent), timeout=0.3)
    assert time.monotonic() - started < 1.2


def test_a_body_that_trickles_in_is_given_up_after_twice_the_timeout(raw):
    def trickle(handler: BaseHTTPRequestHandler) -> None:
        def pieces() -> Iterator[bytes]:
            for _ in range(40):
                time.sleep(0.1)  # each wait shorter than the timeout, the whole far longer
                yield b"<p>x</p>"

        _chunked(handler, pieces())

    started = time.monotonic()
    with pytest.raises(InputError, match=r"took longer than 1 s"):
        fetch(raw(trickle), timeout=0.5)
    assert time.monotonic() - started < 2.5


def test_a_refused_connection_is_one_error_line():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nobody listens there
    with pytest.raises(InputError, match=rf"^could not fetch http://127.0.0.1:{port}/nl: the connection failed"):
        fetch(f"http://127.0.0.1:{port}/nl")


# -- media types ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "body", "words"),
    [
        ("image/png", png(), r"is an image \(image/png\), not a newsletter; give the address of the issue's web page"),
        ("application/pdf", b"%PDF-1.7\n...", r"is a PDF document \(application/pdf\), not a newsletter"),
        ("application/json", b"{}", r"is JSON data \(application/json\)"),
        ("application/x-shockwave-flash", b"FWS", r"application/x-shockwave-flash is not a format we read"),
        ("text/html", b"%PDF-1.4\n%\xe2\xe3", r"is a PDF document \(application/pdf, served as text/html\)"),
        ("application/octet-stream", png(), r"is an image \(image/png, served as application/octet-stream\)"),
    ],
)
def test_what_is_no_newsletter_is_refused_by_its_type(site: PageServer, content_type: str, body: bytes, words: str):
    url = site.add("/file", Resource(body=body, content_type=content_type))
    with pytest.raises(InputError, match=f"^{url}: {words}"):
        fetch(url)


@pytest.mark.parametrize(
    "content_type",
    [
        "text/html",
        "application/xhtml+xml",
        "application/rss+xml",
        "application/atom+xml",
        "application/xml",
        "text/xml",
        "text/markdown",
        "text/plain",
        "message/rfc822",
        "application/octet-stream",
        "",
    ],
)
def test_every_format_a_reader_reads_passes(site: PageServer, content_type: str):
    url = site.add("/file", Resource(body=b"# Hallo\n", content_type=content_type))
    assert fetch(url).content_type == content_type


def test_an_empty_page_is_refused(site: PageServer):
    url = site.add("/empty", Resource(body=b" \n"))
    with pytest.raises(InputError, match="the server sent an empty page"):
        fetch(url)


# -- charsets ---------------------------------------------------------------------------------------


def test_charset_from_the_page_when_the_header_names_none(site: PageServer):
    html = '<html><head><meta charset="windows-1252"><title>Grüße</title></head></html>'
    url = site.add("/p", Resource(body=html.encode("cp1252"), content_type="text/html"))
    download = fetch(url)
    assert (download.charset, download.charset_from) == ("cp1252", "document")
    assert "Grüße" in download.text


def test_charset_of_a_feed_from_its_xml_declaration(site: PageServer):
    xml = '<?xml version="1.0" encoding="ISO-8859-15"?><rss><channel><title>Grüße €</title></channel></rss>'
    url = site.add("/feed", Resource(body=xml.encode("iso-8859-15"), content_type="application/rss+xml"))
    download = fetch(url)
    assert (download.charset, download.charset_from) == ("iso8859-15", "document")
    assert "Grüße €" in download.text


def test_charset_detected_when_nothing_names_it():
    german = "Liebe Grüße aus Köln – Café à la carte in der Straße am Fluss.".encode("cp1252")
    assert charset_of(german, "text/plain", None) == ("cp1252", "detected")  # not Central European
    assert charset_of("Grüße".encode(), "text/plain", None) == ("utf-8", "detected")
    russian = "Привет, это новостная рассылка нашего городского клуба любителей книг.".encode("cp1251")
    assert charset_of(russian, "text/plain", None) == ("cp1251", "detected")


def test_a_latin1_label_is_read_as_windows_1252_and_an_unknown_one_ignored():
    assert charset_of(b"x", "text/html", "ISO-8859-1") == ("cp1252", "header")
    assert charset_of(b"x", "text/html", "no-such-charset") == ("utf-8", "detected")
    assert charset_of("\ufeffGrüße".encode("utf-16-le"), "text/plain", None) == ("utf-16", "document")


def test_text_reads_a_byte_order_mark():
    body = "\ufeffGrüße".encode("utf-16-le")
    assert Download(body, "text/plain", "utf-16", "document", "http://x").text == "Grüße"


# -- the address policy -----------------------------------------------------------------------------


def test_a_private_address_is_refused_unless_allowed(site: PageServer):
    url = site.add("/nl", Resource(body=PAGE.encode()))
    with pytest.raises(InputError) as refused:
        download_issue(url, max_bytes=100_000, allow=())
    # the address once, and the one fix: checking the address would not help
    assert str(refused.value) == (
        f"{url}: 127.0.0.1 is not a public address; not fetched (add 127.0.0.1 to SCHEDULER_FETCH_ALLOW to allow it)"
    )
    assert "/nl" not in site.hits  # nothing was sent
    assert download_issue(url, max_bytes=100_000, allow=["127.0.0.0/8"]).body == PAGE.encode()


def test_a_redirect_into_a_private_network_is_refused(site: PageServer):
    site.add("/nl", Resource(302, headers={"Location": "http://10.20.30.40/intern/"}))
    with pytest.raises(InputError, match=r"10.20.30.40 is not a public address"):
        fetch(site.url + "/nl")


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/nl.txt", "file:///etc/passwd", "newsletter.example/3"])
def test_only_http_and_https_addresses(url: str):
    with pytest.raises(InputError, match="only http and https addresses are fetched"):
        fetch(url)


def test_a_given_fetcher_is_used(site: PageServer):
    url = site.add("/nl", Resource(body=PAGE.encode()))
    fetcher = Fetcher(allow=LOCAL, timeout=1.0, max_redirects=0)
    assert download_issue(url, max_bytes=10_000, fetcher=fetcher).url == url


@pytest.mark.parametrize("url", ["https://", "http:///newsletter/3"])
def test_an_address_without_a_server_is_said_so(url: str):
    with pytest.raises(InputError, match=re.escape(f"{url}: the address names no server (e.g. https://example.org/…)")):
        fetch(url)
