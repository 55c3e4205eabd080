"""E-mail notices are safe: against a real SMTP server on 127.0.0.1 with a certificate made in the
test, a notice goes out over STARTTLS or SMTPS with a verified certificate, an untrusted one is
refused, a password never crosses an unencrypted connection unless a setting allows it, and no
error or log line ever shows the password."""

from __future__ import annotations

import datetime as dt
import json
import logging
import socket
import threading
from collections.abc import Callable, Iterator

import pytest
from pydantic import SecretStr

from scheduler.errors import ConfigError, NoticeError
from scheduler.models import Content, QueuedPost, State
from scheduler.notify.email import EmailNotifier
from tests.conftest import EXAMPLE, Result
from tests.fakes.certificates import Pki, make_pki
from tests.fakes.mastodon_server import MastodonFake
from tests.fakes.smtp_server import SmtpServer

NOW = dt.datetime(2030, 1, 7, 8, 0, tzinfo=dt.UTC)
USER, PASSWORD = "notices@example.org", "pw-SMTP-s3cr3t-1234"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


def _post() -> QueuedPost:
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


def _notifier(port: int, **options: object) -> EmailNotifier:
    options = {"user": USER, "password": SecretStr(PASSWORD), **options}
    return EmailNotifier(
        "127.0.0.1", port, sender="scheduler@example.org", recipients=["comms@example.org"], timeout=5.0, **options
    )  # type: ignore[arg-type]  # keyword options of several types


@pytest.fixture
def secret_free(caplog: pytest.LogCaptureFixture) -> Iterator[Callable[[BaseException], None]]:
    """Checks an error, and at the end every log line of the package, for the password (also as
    AUTH PLAIN and AUTH LOGIN encode it)."""
    import base64

    forms = [
        PASSWORD,
        base64.b64encode(PASSWORD.encode()).decode(),
        base64.b64encode(f"\0{USER}\0{PASSWORD}".encode()).decode(),
        "s3cr3t",
    ]
    caplog.set_level(logging.DEBUG, logger="scheduler")

    def check(error: BaseException) -> None:
        shown = str(error) + repr(error)
        assert not [form for form in forms if form in shown], shown
        assert "\n" not in str(error)

    yield check
    logged = "\n".join(record.getMessage() for record in caplog.records if record.name.startswith("scheduler"))
    assert not [form for form in forms if form in logged], logged


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_mail_goes_out_over_tls_with_a_verified_certificate_and_login(pki, security):
    with SmtpServer(tls=security, context=pki.server_context(), logins={USER: PASSWORD}) as server:
        _notifier(server.port, security=security, ca_file=pki.ca)(_post())
    (received,) = server.messages
    assert received.tls is not None and received.tls.startswith("TLSv1.")  # not in the clear
    assert received.authenticated and server.tried == [(USER, PASSWORD)]
    assert received.envelope.rcpt_tos == ["comms@example.org"]
    assert "Subject: [scheduler] post 7 to mastodon failed" in received.envelope.content.decode()


@pytest.mark.parametrize("security", ["starttls", "ssl"])
@pytest.mark.parametrize("trusted", ["stranger", "system"])
def test_a_certificate_that_does_not_verify_is_refused_before_the_login(pki, secret_free, security, trusted):
    """Trusting another CA, or only the system's CAs: the test CA's certificate does not verify."""
    ca_file = pki.stranger if trusted == "stranger" else None
    with SmtpServer(tls=security, context=pki.server_context(), logins={USER: PASSWORD}) as server:
        notifier = _notifier(server.port, security=security, ca_file=ca_file)
        with pytest.raises(NoticeError) as info:
            notifier(_post())
    assert (info.value.channel, info.value.target, info.value.status) == ("e-mail", f"127.0.0.1:{server.port}", None)
    assert "certificate does not verify" in str(info.value)  # the promise: it says why, in one line
    secret_free(info.value)
    assert server.tried == [] and server.messages == []


def test_a_certificate_for_another_host_is_refused(pki, secret_free):
    """The server's certificate names localhost and 127.0.0.1, not the 127.0.0.2 it is reached at."""
    with SmtpServer(tls="ssl", context=pki.server_context(), logins={USER: PASSWORD}, host="127.0.0.2") as server:
        notifier = EmailNotifier(
            "127.0.0.2",
            server.port,
            sender="s@example.org",
            recipients=["r@example.org"],
            user=USER,
            password=SecretStr(PASSWORD),
            security="ssl",
            ca_file=pki.ca,
            timeout=5.0,
        )
        with pytest.raises(NoticeError, match=r"certificate does not verify .*mismatch") as info:
            notifier(_post())
    secret_free(info.value)
    assert server.tried == [] and server.messages == []


def test_a_ca_file_that_is_no_certificate_is_a_config_error(tmp_path):
    not_pem = tmp_path / "ca.pem"
    not_pem.write_text("not a certificate\n")
    with pytest.raises(ConfigError, match=f"SCHEDULER_SMTP_CA_FILE={not_pem} cannot be read as PEM certificates"):
        _notifier(587, ca_file=not_pem)


def test_a_server_without_starttls_gets_no_password_and_no_mail(secret_free):
    """No silent downgrade: STARTTLS asked for but not offered (or stripped by someone in between)."""
    with (
        SmtpServer(tls=None, logins={USER: PASSWORD}) as server,
        pytest.raises(NoticeError, match="does not offer STARTTLS") as info,
    ):
        _notifier(server.port, security="starttls")(_post())
    secret_free(info.value)
    assert server.tried == [] and server.messages == []


def test_a_login_over_a_plain_connection_is_refused_unless_allowed(secret_free):
    with SmtpServer(tls=None, logins={USER: PASSWORD}) as server:
        with pytest.raises(ConfigError, match="SCHEDULER_SMTP_ALLOW_PLAIN_LOGIN=true") as info:
            _notifier(server.port, security="none")
        secret_free(info.value)
        assert server.tried == []
        _notifier(server.port, security="none", allow_plain_login=True)(_post())
    (received,) = server.messages
    assert received.tls is None and received.authenticated


def test_a_relay_without_tls_and_without_login_needs_no_permission():
    with SmtpServer(tls=None) as server:
        _notifier(server.port, security="none", user="", password=None)(_post())
    (received,) = server.messages
    assert received.tls is None and not received.authenticated


def test_a_refused_login_is_a_notice_error_without_the_password(pki, secret_free):
    with (
        SmtpServer(tls="starttls", context=pki.server_context(), logins={USER: "another password"}) as server,
        pytest.raises(NoticeError) as info,
    ):
        _notifier(server.port, ca_file=pki.ca)(_post())
    assert info.value.status == 535 and info.value.channel == "e-mail"
    assert f"refused the login of {USER!r}" in str(info.value)
    secret_free(info.value)
    assert set(server.tried) == {(USER, PASSWORD)} and server.messages == []  # sent only over TLS (the server
    # takes no AUTH before STARTTLS); smtplib tries each mechanism the server offers


def test_connection_refused_and_no_answer_are_notice_errors(secret_free):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    with pytest.raises(NoticeError, match="connection refused") as refused:
        _notifier(closed)(_post())
    secret_free(refused.value)

    silent = socket.create_server(("127.0.0.1", 0))  # accepts, never greets
    accepted = threading.Event()

    def hold() -> None:
        connection, _ = silent.accept()
        accepted.set()
        connection.recv(1)  # until the client gives up and closes
        connection.close()

    threading.Thread(target=hold, daemon=True).start()
    with pytest.raises(NoticeError, match=r"no answer within 0\.3 s") as timeout:
        EmailNotifier(
            "127.0.0.1", silent.getsockname()[1], sender="s@example.org", recipients=["r@example.org"], timeout=0.3
        )(_post())
    assert accepted.is_set() and timeout.value.status is None
    silent.close()


# The settings: SCHEDULER_SMTP_SECURITY, the older SCHEDULER_SMTP_STARTTLS, and the refusal at start-up.


@pytest.mark.parametrize(
    ("env", "security", "port"),
    [
        ({}, "starttls", 587),
        ({"SCHEDULER_SMTP_SECURITY": "ssl"}, "ssl", 465),
        ({"SCHEDULER_SMTP_PORT": "465"}, "ssl", 465),
        ({"SCHEDULER_SMTP_SECURITY": "ssl", "SCHEDULER_SMTP_PORT": "2465"}, "ssl", 2465),
        ({"SCHEDULER_SMTP_STARTTLS": "false"}, "none", 587),  # the older setting keeps its meaning
        ({"SCHEDULER_SMTP_SECURITY": "none", "SCHEDULER_SMTP_PORT": "25"}, "none", 25),
    ],
)
def test_security_setting(monkeypatch, env, security, port):
    from scheduler.config import load_settings

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = load_settings()
    assert (settings.smtp_security, settings.smtp_port) == (security, port)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"SCHEDULER_SMTP_SECURITY": "none", "SCHEDULER_SMTP_USER": USER},
            "SCHEDULER_SMTP_USER is set but SCHEDULER_SMTP_SECURITY=none would send its password unencrypted",
        ),
        ({"SCHEDULER_SMTP_STARTTLS": "false", "SCHEDULER_SMTP_USER": USER}, "SCHEDULER_SMTP_ALLOW_PLAIN_LOGIN=true"),
        (
            {"SCHEDULER_SMTP_STARTTLS": "false", "SCHEDULER_SMTP_SECURITY": "ssl"},
            "SCHEDULER_SMTP_STARTTLS=false contradicts SCHEDULER_SMTP_SECURITY=ssl",
        ),
        ({"SCHEDULER_SMTP_SECURITY": "tls"}, "SCHEDULER_SMTP_SECURITY=tls is invalid"),
        (
            {"SCHEDULER_SMTP_CA_FILE": "/nowhere/ca.pem"},
            "SCHEDULER_SMTP_CA_FILE=/nowhere/ca.pem is invalid (no such file)",
        ),
    ],
)
def test_unsafe_or_wrong_smtp_settings_stop_the_command_in_one_line(
    monkeypatch, run: Callable[..., Result], env, message
):
    monkeypatch.setenv("SCHEDULER_SMTP_HOST", "mail.example.org")
    monkeypatch.setenv("SCHEDULER_NOTIFY_EMAIL_TO", "comms@example.org")
    monkeypatch.setenv("SCHEDULER_SMTP_PASSWORD", PASSWORD)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = run("status")
    assert result.code == 2, result
    assert result.err.startswith("error: ") and message in result.err and result.err.count("\n") == 1, result
    assert PASSWORD not in result.err + result.out


def test_plain_login_allowed_explicitly(monkeypatch):
    from scheduler.config import load_settings

    monkeypatch.setenv("SCHEDULER_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SCHEDULER_NOTIFY_EMAIL_TO", "comms@example.org")
    monkeypatch.setenv("SCHEDULER_SMTP_USER", USER)
    monkeypatch.setenv("SCHEDULER_SMTP_SECURITY", "none")
    monkeypatch.setenv("SCHEDULER_SMTP_ALLOW_PLAIN_LOGIN", "true")
    assert load_settings().smtp_allow_plain_login


def test_scheduler_run_sends_the_notice_over_verified_tls_with_the_settings(run, sqlite_queue, monkeypatch, pki):
    """The whole way: settings (with the CA file) → the daemon's notice channel → a post that needs
    attention (a revoked token) → one e-mail per post over STARTTLS, logged in."""
    with (
        MastodonFake(token="the-right-token") as mastodon,
        SmtpServer(tls="starttls", context=pki.server_context(), logins={USER: PASSWORD}) as server,
    ):
        for name, value in {
            "MASTODON_BASE_URL": mastodon.url,
            "MASTODON_TOKEN": "revoked-token",
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(server.port),
            "SMTP_USER": USER,
            "SMTP_PASSWORD": PASSWORD,
            "SMTP_CA_FILE": str(pki.ca),
            "NOTIFY_EMAIL_TO": "comms@example.org",
        }.items():
            monkeypatch.setenv(f"SCHEDULER_{name}", value)
        assert run("queue", "add", str(EXAMPLE), "-p", "mastodon", "--approve").code == 0
        posts = json.loads(run("queue", "list", "--format", "json").out)
        for post in posts:
            assert run("queue", "reschedule", str(post["id"]), "now").code == 0
        ran = run("run", "--once")
    assert ran.code == 0, ran
    assert len(server.messages) == len(posts) > 0
    assert all(received.tls and received.authenticated for received in server.messages)
    assert PASSWORD not in ran.err + ran.out
