"""Failure notices over a real SMTP server and a real webhook endpoint on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from pydantic import SecretStr

from scheduler.errors import RejectedError
from scheduler.models import QueuedPost, State
from scheduler.notify import AllNotifiers
from scheduler.notify.email import EmailNotifier
from scheduler.notify.webhook import WebhookNotifier
from scheduler.publishing import Dispatcher
from scheduler.storage import NewPost, Store

NOW = dt.datetime(2030, 1, 7, 8, 0, tzinfo=dt.UTC)


def _failed_post() -> QueuedPost:
    return QueuedPost(id=7, item_id="abc", platform="mastodon", account="main", state=State.FAILED,
                      publish_at=NOW, parts=("Hallo Welt",), language="de", title="Fachtag in Köln",
                      error="Validation failed: Text character limit of 500 exceeded")


class _Hook(BaseHTTPRequestHandler):
    received: list[tuple[str, dict]] = []
    status = 200

    def do_POST(self) -> None:  # noqa: N802
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
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hooks/T000/secret-token"
    server.shutdown()


@pytest.fixture
def smtp() -> Iterator[tuple[int, list]]:
    aiosmtpd = pytest.importorskip("aiosmtpd.controller")
    messages: list = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802
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


def test_webhook_error_and_repr_never_show_the_secret(hook):
    _Hook.status = 500
    notifier = WebhookNotifier(SecretStr(hook))
    with pytest.raises(RuntimeError, match="HTTP 500") as info:
        notifier(_failed_post())
    assert "secret-token" not in str(info.value) and "secret-token" not in repr(notifier)


def test_email_over_real_smtp(smtp):
    port, messages = smtp
    EmailNotifier("127.0.0.1", port, sender="scheduler@example.org", recipients=["comms@example.org"],
                  security="none")(_failed_post())
    (envelope,) = messages
    assert envelope.rcpt_tos == ["comms@example.org"]
    text = envelope.content.decode()
    assert "Subject: [scheduler] post 7 to mastodon failed" in text
    assert "Validation failed" in text


class _Rejecting:
    def publish(self, post):  # type: ignore[no-untyped-def]
        raise RejectedError("Validation failed: Text can't be blank")

    def reconcile(self, post):  # type: ignore[no-untyped-def]
        raise AssertionError("not called")


def test_dispatcher_notifies_once_per_post_and_state(tmp_path, hook):
    store = Store.open(f"sqlite:///{tmp_path / 'q.sqlite3'}")
    store.add([NewPost("a", "mastodon", "main", NOW, ("x",), "de")], state=State.SCHEDULED, now=NOW, reason="t")
    dispatcher = Dispatcher(store, _Rejecting(), worker="w", notify=AllNotifiers([WebhookNotifier(SecretStr(hook))]))
    dispatcher.dispatch_due(now=lambda: NOW)
    store.transition(1, State.SCHEDULED, reason="retry", now=NOW, values={"due_at": NOW})
    dispatcher.dispatch_due(now=lambda: NOW)  # fails again into the same state
    assert store.get(1).state == State.FAILED
    assert len(_Hook.received) == 1


PAUSED = ("Publishing is paused: cannot write the outbox /data/out.jsonl: No space left on device. No post was "
          "changed for it; the daemon tries again by itself.")


def test_a_pause_is_announced_through_every_channel(hook, smtp):
    port, messages = smtp
    AllNotifiers([WebhookNotifier(SecretStr(hook)), EmailNotifier("127.0.0.1", port, sender="scheduler@example.org",
                                                                  recipients=["comms@example.org"],
                                                                  security="none")]).announce(PAUSED)
    ((_, body),) = _Hook.received
    assert body == {"text": PAUSED}
    (envelope,) = messages
    from email import message_from_bytes, policy

    mail = message_from_bytes(envelope.content, policy=policy.default)
    assert mail["Subject"] == ("[scheduler] Publishing is paused: cannot write the outbox /data/out.jsonl: No space "
                               "left on device")
    assert mail.get_content().strip() == PAUSED
