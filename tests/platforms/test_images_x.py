"""X images against the fake X API (real HTTP on 127.0.0.1): upload, alt text, media ids."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from pydantic import SecretStr

from scheduler.errors import RateLimitedError, RejectedError
from scheduler.models import Content, Image, QueuedPost
from scheduler.platforms.http import HttpClient
from scheduler.platforms.x import XPublisher
from tests import imagefiles
from tests.fakes.serving import serving_thread
from tests.fakes.x_server import XFake

NOW = dt.datetime.now(dt.UTC)

pytest.importorskip("twitter_text")


@pytest.fixture
def fake() -> Iterator[XFake]:
    with XFake(token="x-good") as server:
        yield server


def _post(*parts: str, images: tuple[Image, ...]) -> QueuedPost:
    return QueuedPost(
        id=1,
        item_id="i",
        platform="x",
        account="default",
        state="publishing",
        publish_at=NOW,
        content=Content(parts, "de", images=images),
        idempotency_key="k",
        claimed_at=NOW,
    )


def test_images_are_uploaded_described_and_attached_to_the_first_part(fake, tmp_path):
    images = (
        Image(str(imagefiles.write(tmp_path / "a.png")), "Erstes Bild"),
        Image(str(imagefiles.write(tmp_path / "b.webp", imagefiles.WEBP)), "Zweites Bild"),
    )
    XPublisher(fake.url, SecretStr("x-good")).publish(_post("Eins", "Zwei", images=images))
    first, second = fake.tweets
    assert [m["alt_text"] for m in first["media"]] == ["Erstes Bild", "Zweites Bild"]
    assert second["media"] == []
    paths = [r.get("path") for r in fake.requests]
    assert paths[:4] == ["/2/media/upload", "/2/media/metadata", "/2/media/upload", "/2/media/metadata"]


def test_the_fake_refuses_unknown_media_ids_and_non_images(fake):
    auth = {"Authorization": "Bearer x-good"}
    bad = requests.post(
        f"{fake.url}/2/tweets", headers=auth, json={"text": "x", "media": {"media_ids": ["1"]}}, timeout=5
    )
    assert bad.status_code == 400 and "media IDs are invalid" in bad.json()["detail"]
    text = requests.post(
        f"{fake.url}/2/media/upload", headers=auth, files={"media": ("a.png", b"text", "image/png")}, timeout=5
    )
    assert text.status_code == 400


def test_an_image_address_that_fails_fails_the_post_not_the_account(fake):
    # an http address on 127.0.0.1 stands in for the https one (tests never leave the machine); the
    # fake answers 401 there, which must not read as "re-authorise the X account"
    image = Image(f"{fake.url}/no-such-image.png", "Alt")
    with pytest.raises(
        RejectedError, match=r"no-such-image.png could not be fetched \(.*answered 401.*check the address"
    ):
        XPublisher(fake.url, SecretStr("x-good"), http=HttpClient(fetch_allow=["127.0.0.1"])).publish(
            _post("Mit Bild", images=(image,))
        )
    assert fake.tweets == [] and fake.media == {}


def test_a_file_too_large_since_queuing_is_refused_before_upload(fake, tmp_path):
    big = Image(str(imagefiles.write(tmp_path / "big.png", imagefiles.png(5 * 1024 * 1024 + 1))), "Groß")
    with pytest.raises(RejectedError, match=r"big.png has 5,242,881 bytes; x takes at most 5,242,880"):
        XPublisher(fake.url, SecretStr("x-good")).publish(_post("Groß", images=(big,)))
    assert fake.media == {}
    assert Path(big.path).exists()


def test_an_image_given_as_an_address_is_fetched_then_uploaded(fake, tmp_path):
    import functools
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    imagefiles.write(tmp_path / "web" / "karte.png")
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(tmp_path / "web"))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]  # reason: patching or reading a library's internals in a test
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    serving_thread(server).start()
    try:
        image = Image(f"http://127.0.0.1:{server.server_port}/karte.png", "Karte der Region")
        local = HttpClient(fetch_allow=["127.0.0.1"])  # SCHEDULER_FETCH_ALLOW: the test's server is on 127.0.0.1
        XPublisher(fake.url, SecretStr("x-good"), http=local).publish(_post("Karte", images=(image,)))
    finally:
        server.shutdown()
        server.server_close()
    (media,) = fake.tweets[0]["media"]
    assert media["alt_text"] == "Karte der Region" and media["size"] == len(imagefiles.png())


def test_images_beyond_the_upload_rate_limit_hold_the_post_back_before_any_request(tmp_path):
    images = tuple(Image(str(imagefiles.write(tmp_path / f"{n}.png")), f"Bild {n}") for n in range(3))
    with XFake(token="x-good", media_rate_limit=4) as fake:
        client = XPublisher(fake.url, SecretStr("x-good"))
        client.publish(_post("Drei Bilder", images=images))  # 1 upload left in the 15 minutes
        sent = len(fake.requests)
        again = dataclasses.replace(_post("Noch drei", images=images), id=2, idempotency_key="k2")
        with pytest.raises(RateLimitedError, match="1 left in the rate-limit window, the post needs 3") as raised:
            client.publish(again)
        assert raised.value.unsent and 10 * 60 < raised.value.retry_after <= 15 * 60 + 2  # reset in whole epoch seconds
        assert len(fake.requests) == sent and len(fake.media) == 3 and len(fake.tweets) == 1  # nothing half-sent


def test_an_image_address_serving_more_than_the_platform_takes_is_refused_unread(fake):
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    body = imagefiles.png(6 * 1024 * 1024)

    class Endless(BaseHTTPRequestHandler):  # no Content-Length: only reading tells the size
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            for start in range(0, len(body), 65536):
                try:
                    self.wfile.write(body[start : start + 65536])
                except OSError:
                    return

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Endless)
    serving_thread(server).start()
    try:
        image = Image(f"http://127.0.0.1:{server.server_port}/riesig.png", "Riesig")
        with pytest.raises(RejectedError, match=r"riesig.png could not be fetched \(.*more than 5,242,880 bytes\)"):
            XPublisher(fake.url, SecretStr("x-good"), http=HttpClient(fetch_allow=["127.0.0.1"])).publish(
                _post("Zu groß", images=(image,))
            )
    finally:
        server.shutdown()
        server.server_close()
    assert fake.media == {} and fake.tweets == []
