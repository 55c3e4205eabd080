"""A mailbox as a source, against a real IMAP server (dovecot, IMAPS with the test's CA): the
newsletter arrives as mail, the watcher queues each new issue once and never marks mail read."""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from scheduler.storage import Store
from tests.conftest import ROOT
from tests.fakes.imap_server import PASSWORD, ImapServer, running_dovecot

NEWSLETTER = (ROOT / "tests" / "fixtures" / "newsletters" / "eml" / "multipart-alternative-qp-en.eml").read_bytes()
SENDER = "hello@riversidefoodbank.example"


@pytest.fixture
def imap(tmp_path: Path, watched: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ImapServer]:
    with running_dovecot(tmp_path) as server:
        monkeypatch.setenv("SCHEDULER_IMAP_PASSWORD", PASSWORD)
        monkeypatch.setenv("SCHEDULER_IMAP_CA_FILE", str(server.pki.ca))
        yield server


def _other_mail() -> bytes:
    message = EmailMessage()
    message["From"] = "Kollegin <kollegin@example.org>"
    message["To"] = "newsletter@example.org"
    message["Subject"] = "Mittagessen?"
    message.set_content("Gehen wir um zwölf in die Kantine?\n")
    return message.as_bytes()


def _titles(database: Path) -> list[str]:
    store = Store.open(f"sqlite:///{database}")
    try:
        return sorted(post.title for post in store.list_posts())
    finally:
        store.close()


def test_a_newsletter_arriving_by_mail_is_queued_once_and_left_unread(run, imap: ImapServer, watched: Path):
    imap.deliver(_other_mail())
    added = run("sources", "add", imap.location, "--name", "postfach", "--sender", SENDER)
    assert added.code == 0, added
    assert "found 0 issues in it now" in added.out  # the colleague's mail is no issue
    imap.deliver(_other_mail())
    assert run("watch", "--once").out.strip() == "postfach: unchanged"
    imap.deliver(NEWSLETTER)
    result = run("watch", "--once")
    assert (
        result.out.splitlines()[0]
        == "postfach: queued 3 posts of “Riverside Food Bank – May update: summer lunches need you”"
    )
    assert len(_titles(watched)) == 3
    assert run("watch", "--once").out.strip() == "postfach: unchanged"
    imap.deliver(NEWSLETTER)  # the same issue again (a resend): known by what it says
    assert run("watch", "--once").out.strip() == "postfach: no new issue (1 read, all seen before)"
    assert len(_titles(watched)) == 3
    assert imap.unseen() == 4  # every message still unread for the people who read the inbox


def test_a_refused_login_is_one_line_and_retried_later(run, imap: ImapServer, watched: Path, monkeypatch):
    assert run("sources", "add", imap.location, "--name", "postfach").code == 0
    monkeypatch.setenv("SCHEDULER_IMAP_PASSWORD", "falsches-passwort")
    result = run("watch", "--once")
    assert result.code == 1
    assert result.out.startswith("postfach: failed (1 in a row, next try ")
    assert "the server refused the login; check the user and SCHEDULER_IMAP_PASSWORD" in result.out
    assert "falsches-passwort" not in result.out + result.err


@pytest.mark.parametrize(
    ("location", "message"),
    [
        (
            "imaps://newsletter:geheim@mail.example.org/INBOX",
            "take the password out of the address; it goes in SCHEDULER_IMAP_PASSWORD",
        ),
        ("imaps://mail.example.org/INBOX", "a mailbox is imaps://user@host/Folder"),
    ],
)
def test_a_mailbox_address_with_a_password_or_without_a_user_is_refused(
    run, watched: Path, location: str, message: str
):
    result = run("sources", "add", location)
    assert result.code == 2
    assert message in result.err
    assert "geheim" not in result.err


def test_a_mailbox_that_refuses_the_servers_certificate_is_said(run, imap: ImapServer, watched: Path, monkeypatch):
    monkeypatch.delenv("SCHEDULER_IMAP_CA_FILE")
    result = run("sources", "add", imap.location, "--name", "postfach")
    assert result.code == 2
    assert (
        "no secure connection (CERTIFICATE_VERIFY_FAILED); check the host, or set SCHEDULER_IMAP_CA_FILE" in result.err
    )
