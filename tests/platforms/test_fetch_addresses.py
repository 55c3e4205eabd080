"""Addresses taken from content (link cards, images given as URLs) reach public addresses only:
loopback, private, link-local and unspecified ones are refused before any connection — also after
a redirect, and also when a name changes its address between the check and the connection — unless
SCHEDULER_FETCH_ALLOW lists the host or its network."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
import urllib3.util.connection
from pydantic import SecretStr

from scheduler.errors import RejectedError
from scheduler.models import Image
from scheduler.platforms import registry, uploads
from scheduler.platforms.fetching import Fetcher
from scheduler.platforms.http import HttpClient
from scheduler.platforms.linkcard import LinkCards
from tests.fakes.pages import PageServer, Resource, og_page, png
from tests.fakes.serving import serving_thread


@pytest.fixture
def site() -> Iterator[PageServer]:
    with PageServer() as server:
        yield server


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every connection urllib3 opens (to the address it was given), recorded and then made."""
    made: list[tuple[str, int]] = []
    real = urllib3.util.connection.create_connection

    def record(address, *args, **kwargs):  # type: ignore[no-untyped-def]  # reason: a test double; the interface's signature is not repeated
        made.append(address)
        return real(address, *args, **kwargs)

    monkeypatch.setattr(urllib3.util.connection, "create_connection", record)
    return made


def _port(site: PageServer) -> int:
    return int(site.url.rsplit(":", 1)[1])


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1:{port}",
        "localhost:{port}",
        "[::1]:{port}",
        "0.0.0.0:{port}",
        "2130706433:{port}",
        "127.1:{port}",
        "0x7f000001:{port}",
        "[::ffff:127.0.0.1]:{port}",
        "169.254.169.254",
        "10.1.2.3",
        "192.168.0.1:8080",
        "172.16.5.5",
        "[fe80::1]",
        "[fd00::1]",
        "100.64.0.1",
        "224.0.0.1",
    ],
)
def test_non_public_addresses_are_refused_before_any_connection(site, connections, address):
    site.add("/intern", Resource(body=og_page("Intern", "nur im Haus")))
    url = f"http://{address.format(port=_port(site))}/intern"
    with pytest.raises(RejectedError) as refused:
        Fetcher().get(url, max_bytes=1000)
    assert "is not a public address" in str(refused.value) and "SCHEDULER_FETCH_ALLOW" in str(refused.value)
    assert "\n" not in str(refused.value)
    assert LinkCards(Fetcher()).card(url) is None
    assert connections == [] and site.hits == {}


@pytest.mark.parametrize("allow", [["127.0.0.1"], ["127.0.0.0/8"], ["localhost"]])
def test_listed_hosts_and_networks_are_fetched(site, allow):
    url = site.add("/intern", Resource(body=og_page("Intern", "nur im Haus"))).replace("127.0.0.1", "localhost")
    assert LinkCards(Fetcher(allow=allow)).card(url).title == "Intern"


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:{port}/geheim",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:{port}/geheim",
        "http://2130706433:{port}/geheim",
    ],
)
def test_a_redirect_from_an_allowed_host_to_a_private_address_is_refused(site, connections, target):
    site.add("/geheim", Resource(body=og_page("Geheim", "nicht für draußen")))
    site.add("/weiter", Resource(302, headers={"Location": target.format(port=_port(site))}))
    start = site.url.replace("127.0.0.1", "localhost") + "/weiter"  # allowed by name: stands in for a public host
    with pytest.raises(RejectedError, match=r"is not a public address.*SCHEDULER_FETCH_ALLOW"):
        Fetcher(allow=["localhost"]).get(start, max_bytes=1000)
    assert site.hits == {"/weiter": 1} and len(connections) == 1  # the allowed hop only


def test_a_name_that_turns_private_after_the_check_is_not_connected_to(site, connections, monkeypatch):
    """DNS rebinding: the first answer for the name is public, every later one 127.0.0.1. The
    connection goes only to an address checked when it is made."""
    site.add("/intern", Resource(body=og_page("Intern", "nur im Haus")))
    real = socket.getaddrinfo
    answers: list[str] = []

    def rebinding(host, port, *args, **kwargs):  # type: ignore[no-untyped-def]  # reason: a test double; the interface's signature is not repeated
        if host != "rebind.example":
            return real(host, port, *args, **kwargs)
        answers.append("93.184.215.14" if not answers else "127.0.0.1")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[-1], port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    with pytest.raises(RejectedError, match=r"rebind.example is not a public address \(127.0.0.1\)"):
        Fetcher().get(f"http://rebind.example:{_port(site)}/intern", max_bytes=1000)
    assert answers[0] == "93.184.215.14" and site.hits == {} and connections == []


def test_an_image_given_as_a_private_address_is_refused_naming_the_setting(site, connections):
    url = site.add("/bild.png", Resource(body=png(), content_type="image/png"))
    with pytest.raises(RejectedError) as refused:
        uploads.load(Image(url, "Bild"), registry.get("mastodon").images, HttpClient())
    message = str(refused.value)
    assert message.startswith(f"image {url} could not be fetched") and "SCHEDULER_FETCH_ALLOW" in message
    assert site.hits == {} and connections == []
    loaded = uploads.load(Image(url, "Bild"), registry.get("mastodon").images, HttpClient(fetch_allow=["127.0.0.1"]))
    assert loaded.data == png() and site.hits == {"/bild.png": 1}


def test_the_setting_reaches_every_client(monkeypatch):
    from scheduler.config import load_settings
    from scheduler.wiring import Wiring

    monkeypatch.setenv("SCHEDULER_FETCH_ALLOW", "intranet.example.org, 10.20.0.0/16")
    monkeypatch.setenv("SCHEDULER_MASTODON_BASE_URL", "https://social.example")
    monkeypatch.setenv("SCHEDULER_MASTODON_TOKEN", "t" * 20)
    monkeypatch.setenv("SCHEDULER_BLUESKY_HANDLE", "comms.example")
    monkeypatch.setenv("SCHEDULER_BLUESKY_APP_PASSWORD", SecretStr("p" * 19).get_secret_value())
    monkeypatch.setenv("SCHEDULER_TOKEN_STORE", "/nonexistent/tokens.json")
    clients = Wiring(load_settings()).publishers()
    for key in (("mastodon", "default"), ("bluesky", "default")):
        assert clients[key].http.fetch_allow == ("intranet.example.org", "10.20.0.0/16")


@pytest.mark.parametrize("entry", ["http://intranet", "10.0.0.0/33", "a b", "-x.example"])
def test_a_malformed_allow_entry_is_a_setting_error(monkeypatch, entry):
    from scheduler.config import load_settings
    from scheduler.errors import ConfigError

    monkeypatch.setenv("SCHEDULER_FETCH_ALLOW", f"intranet.example.org,{entry}")
    with pytest.raises(ConfigError, match="SCHEDULER_FETCH_ALLOW"):
        load_settings()


def test_https_through_the_checked_address_still_verifies_the_name(tmp_path, monkeypatch):
    """The connection goes to the checked address, but TLS (SNI and the certificate check) and the Host
    header still use the name: a certificate for localhost is good for https://localhost/, not for
    https://127.0.0.1/."""
    import shutil
    import ssl
    import subprocess
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from scheduler.errors import TransientError

    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,digitalSignature,keyCertSign",
        ],
        check=True,
        capture_output=True,
    )

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = f"Host: {self.headers.get('Host')}".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    serving_thread(server).start()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))  # requests trusts the bundle the environment names
    try:
        fetcher = Fetcher(allow=["localhost", "127.0.0.1"])
        port = server.server_port
        assert fetcher.get(f"https://localhost:{port}/", max_bytes=100).body == f"Host: localhost:{port}".encode()
        with pytest.raises(TransientError, match="SSLError"):
            fetcher.get(f"https://127.0.0.1:{port}/", max_bytes=100)  # the certificate names localhost only
    finally:
        server.shutdown()
        server.server_close()
