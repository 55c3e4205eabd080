"""Failure notices over a real SMTP server and a real webhook endpoint on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import json
import logging
import socket
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar

import pytest
from pydantic import SecretStr

from scheduler.errors import NoticeError, RejectedError
from scheduler.models import Content, QueuedPost, State
from scheduler.notify import AllNotifiers
from scheduler.notify.email import EmailNotifier
from scheduler.notify.webhook import WebhookNotifier
from scheduler.publishing import Dispatcher
from scheduler.storage import NewPost, Store
from tests.fakes.serving import serving_thread

NOW = dt.datetime(2030, 1, 7, 8, 0, tzinfo=dt.UTC)


def _failed_post() -> QueuedPost:
    return QueuedPost(
        id=7,
        item_id="abc",
        platform="mastodon",
        account="main",
        state=State.FAILED,
        publish_at=NOW,
        content=Content(("Hallo Welt",), "de", title="Fachtag in Köln"),
        error="Validation failed: Text character limit of 500 exceeded",
    )


class _Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[str, dict]]] = []
    status = 200

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((self.headers["Content-Type"], json.loads(body)))
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def hook() -> Iterator[str]:
    _Hook.received, _Hook.status = [], 200
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    thread = serving_thread(server)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hooks/T000/secret-token"
    server.shutdown()


@pytest.fixture
def smtp() -> Iterator[tuple[int, list]]:
    aiosmtpd = pytest.importorskip("aiosmtpd.controller")
    messages: list = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802  # reason: the method name the server library calls
            messages.append(envelope)
            return "250 OK"

    import socket

    with socket.socket() as probe:  # a free port (aiosmtpd's start-up check cannot use port 0)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = aiosmtpd.Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    yield port, messages
    controller.stop()


def test_webhook_posts_json_with_text(hook):
    WebhookNotifier(SecretStr(hook))(_failed_post())
    ((content_type, body),) = _Hook.received
    assert content_type == "application/json"
    assert body["text"].startswith("Post 7 to mastodon:main (Fachtag in Köln) failed: Validation failed")
    assert "scheduler queue retry 7" in body["text"]
    assert body["post"]["state"] == "failed" and body["post"]["id"] == 7


@pytest.mark.parametrize("status", [404, 500])
def test_a_webhook_error_answer_is_a_notice_error_without_the_secret(hook, status):
    _Hook.status = status
    notifier = WebhookNotifier(SecretStr(hook))
    with pytest.raises(NoticeError) as info:
        notifier(_failed_post())
    host = hook.split("/")[2]
    assert (info.value.channel, info.value.target, info.value.status) == ("webhook", host, status)
    assert "secret-token" not in str(info.value) + repr(info.value) and "secret-token" not in repr(notifier)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_webhook_is_a_notice_error_without_the_secret():
    url = f"http://127.0.0.1:{_closed_port()}/hooks/T000/secret-token"
    with pytest.raises(NoticeError, match="connection refused") as info:
        WebhookNotifier(SecretStr(url)).announce("x")
    assert info.value.channel == "webhook" and info.value.status is None
    assert "secret-token" not in str(info.value)


def test_a_webhook_that_does_not_answer_in_time_is_a_notice_error():
    silent = socket.create_server(("127.0.0.1", 0))  # accepts (the kernel does), never answers
    try:
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/hooks/T000/secret-token"
        with pytest.raises(NoticeError, match=r"did not answer within 0\.3 s") as info:
            WebhookNotifier(SecretStr(url), timeout=0.3).announce("x")
    finally:
        silent.close()
    assert info.value.status is None and "secret-token" not in str(info.value)


def test_a_webhook_whose_certificate_does_not_verify_is_a_notice_error(tmp_path):
    from tests.fakes.certificates import make_pki

    pki = make_pki(tmp_path)  # a CA the system does not trust
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    server.socket = pki.server_context().wrap_socket(server.socket, server_side=True)
    thread = serving_thread(server)
    thread.start()
    _Hook.received = []
    try:
        url = f"https://127.0.0.1:{server.server_port}/hooks/T000/secret-token"
        with pytest.raises(NoticeError, match="certificate does not verify") as info:
            WebhookNotifier(SecretStr(url)).announce("x")
    finally:
        server.shutdown()
        server.server_close()
    assert "secret-token" not in str(info.value) and "\n" not in str(info.value)
    assert _Hook.received == []


def test_email_over_real_smtp(smtp):
    port, messages = smtp
    EmailNotifier("127.0.0.1", port, sender="scheduler@example.org", recipients=["comms@example.org"], security="none")(
        _failed_post()
    )
    (envelope,) = messages
    assert envelope.rcpt_tos == ["comms@example.org"]
    text = envelope.content.decode()
    assert "Subject: [scheduler] post 7 to mastodon failed" in text
    assert "Validation failed" in text


class _Rejecting:
    def publish(self, post):  # type: ignore[no-untyped-def]  # reason: a test double; the interface's signature is not repeated
        raise RejectedError("Validation failed: Text can't be blank")

    def reconcile(self, post):  # type: ignore[no-untyped-def]  # reason: a test double; the interface's signature is not repeated
        raise AssertionError("not called")


def test_dispatcher_notifies_once_per_post_and_state(tmp_path, hook):
    store = Store.open(f"sqlite:///{tmp_path / 'q.sqlite3'}")
    store.add(
        [NewPost("a", "mastodon", "main", NOW, Content(("x",), "de"))], state=State.SCHEDULED, now=NOW, reason="t"
    )
    dispatcher = Dispatcher(store, _Rejecting(), worker="w", notify=AllNotifiers([WebhookNotifier(SecretStr(hook))]))
    dispatcher.dispatch_due(now=lambda: NOW)
    store.transition(1, State.SCHEDULED, reason="retry", now=NOW, values={"due_at": NOW})
    dispatcher.dispatch_due(now=lambda: NOW)  # fails again into the same state
    assert store.get(1).state == State.FAILED
    assert len(_Hook.received) == 1


PAUSED = (
    "Publishing is paused: cannot write the outbox /data/out.jsonl: No space left on device. No post was "
    "changed for it; the daemon tries again by itself."
)


def test_a_pause_is_announced_through_every_channel(hook, smtp):
    port, messages = smtp
    AllNotifiers(
        [
            WebhookNotifier(SecretStr(hook)),
            EmailNotifier(
                "127.0.0.1", port, sender="scheduler@example.org", recipients=["comms@example.org"], security="none"
            ),
        ]
    ).announce(PAUSED)
    ((_, body),) = _Hook.received
    assert body == {"text": PAUSED}
    (envelope,) = messages
    from email import message_from_bytes, policy

    mail = message_from_bytes(envelope.content, policy=policy.default)
    assert mail["Subject"] == (
        "[scheduler] Publishing is paused: cannot write the outbox /data/out.jsonl: No space left on device"
    )
    assert mail.get_content().strip() == PAUSED


def test_a_failing_channel_does_not_stop_the_others_and_is_named(hook, smtp):
    port, messages = smtp
    closed = _closed_port()
    channels = AllNotifiers(
        [
            EmailNotifier("127.0.0.1", closed, sender="s@example.org", recipients=["r@example.org"], security="none"),
            WebhookNotifier(SecretStr(hook)),
            EmailNotifier("127.0.0.1", port, sender="s@example.org", recipients=["r@example.org"], security="none"),
        ]
    )
    with pytest.raises(NoticeError) as info:
        channels.announce(PAUSED)
    assert (info.value.channel, info.value.target) == ("e-mail", f"127.0.0.1:{closed}")
    assert len(_Hook.received) == 1 and len(messages) == 1  # the others were still sent

    _Hook.status = 503
    with pytest.raises(NoticeError) as both:
        channels.announce(PAUSED)
    assert [(f.channel, f.status) for f in both.value.failures] == [("e-mail", None), ("webhook", 503)]
    assert "\n" not in str(both.value)


def test_a_notice_that_cannot_be_sent_is_logged_once_in_one_line_and_publishing_goes_on(tmp_path, caplog):
    store = Store.open(f"sqlite:///{tmp_path / 'q.sqlite3'}")
    store.add(
        [NewPost("a", "mastodon", "main", NOW, Content(("x",), "de"))], state=State.SCHEDULED, now=NOW, reason="t"
    )
    url = f"http://127.0.0.1:{_closed_port()}/hooks/T000/secret-token"
    dispatcher = Dispatcher(store, _Rejecting(), worker="w", notify=AllNotifiers([WebhookNotifier(SecretStr(url))]))
    caplog.set_level(logging.INFO, logger="scheduler")
    (done,) = dispatcher.dispatch_due(now=lambda: NOW)
    assert done.state == State.FAILED
    lines = [record for record in caplog.records if "notice" in record.getMessage()]
    assert len(lines) == 1 and lines[0].levelno == logging.WARNING and lines[0].exc_info is None
    assert "\n" not in lines[0].getMessage() and "connection refused" in lines[0].getMessage()
    assert "secret-token" not in caplog.text
