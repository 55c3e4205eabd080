"""A real IMAP server for the mailbox-source tests: Debian's dovecot, started for the test with a
configuration of its own in a temporary folder — IMAPS on 127.0.0.1 with a certificate of the
test's CA, one user with a password, Maildir storage — and stopped afterwards. Messages arrive
the way mail does for the watcher: appended to the folder over IMAP.

`.ci/run` installs dovecot-imapd; without it the tests skip, saying so.
"""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.fakes.certificates import Pki, make_pki

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER, PASSWORD = "newsletter", "pferd-batterie-heftklammer"

_CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <{cert}
ssl_key = <{key}
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = yes
auth_mechanisms = plain
first_valid_uid = {uid}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
mail_location = maildir:~/Maildir
default_login_user = {login_user}
default_internal_user = {internal_user}
service imap-login {{
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    port = {port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
"""


@dataclass(frozen=True)
class ImapServer:
    port: int
    pki: Pki
    root: Path

    @property
    def location(self) -> str:
        return f"imaps://{USER}@127.0.0.1:{self.port}/INBOX"

    def deliver(self, message: bytes, folder: str = "INBOX") -> None:
        """Put `message` into `folder` as new mail arrives (unread)."""
        context = ssl.create_default_context(cafile=str(self.pki.ca))
        with imaplib.IMAP4_SSL("127.0.0.1", self.port, ssl_context=context, timeout=10) as client:
            client.login(USER, PASSWORD)
            client.append(folder, "", imaplib.Time2Internaldate(time.time()), message)

    def unseen(self) -> int:
        """How many messages in INBOX are unread (the watcher must not mark them read)."""
        context = ssl.create_default_context(cafile=str(self.pki.ca))
        with imaplib.IMAP4_SSL("127.0.0.1", self.port, ssl_context=context, timeout=10) as client:
            client.login(USER, PASSWORD)
            client.select("INBOX", readonly=True)
            _, found = client.search(None, "UNSEEN")
            return len(found[0].split())


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _mail_user() -> tuple[int, int, str]:
    """Whom mail is stored as: the dovecot user when running as root (dovecot refuses root), else ourselves."""
    if os.getuid() != 0:
        return os.getuid(), os.getgid(), pwd.getpwuid(os.getuid()).pw_name
    entry = pwd.getpwnam("dovecot")
    return entry.pw_uid, entry.pw_gid, "dovecot"


@contextmanager
def running_dovecot(folder: Path) -> Iterator[ImapServer]:
    """Dovecot serving one user; its files in a folder of its own under the system's temporary
    folder (dovecot's processes run as other users, who cannot enter pytest's 0700 folders)."""
    if not Path(DOVECOT).exists():
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd; .ci/run does)")
    folder = Path(tempfile.mkdtemp(prefix="scheduler-dovecot-"))
    try:
        with _dovecot(folder) as server:
            yield server
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def _dovecot(folder: Path) -> Iterator[ImapServer]:
    root = folder / "dovecot"
    root.mkdir()
    (folder / "pki").mkdir()
    pki = make_pki(folder / "pki")
    uid, gid, name = _mail_user()
    port = _free_port()
    (root / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n", encoding="utf-8")
    home = root / "home" / USER
    home.mkdir(parents=True)
    for path in (root / "home", home):
        os.chown(path, uid, gid)
    login_user = "dovenull" if os.getuid() == 0 else name
    config = _CONFIG.format(
        root=root, cert=pki.cert, key=pki.key, uid=uid, gid=gid, port=port, login_user=login_user, internal_user=name
    )
    (root / "dovecot.conf").write_text(config, encoding="utf-8")
    os.chmod(folder, 0o755)  # noqa: S103  # reason: dovecot's auth and login users must enter it; it holds only test files
    os.chmod(pki.key, 0o644)
    process = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(root / "dovecot.conf")], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log = (root / "dovecot.log").read_text(errors="replace") if (root / "dovecot.log").exists() else ""
                    output = process.stdout.read().decode(errors="replace") if process.stdout else ""
                    raise RuntimeError(f"dovecot did not start: {output} {log}") from None
                time.sleep(0.05)
        yield ImapServer(port, pki, root)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
