"""A certificate authority made in the test (with the `openssl` command line): a CA, a server
certificate it signs for localhost and 127.0.0.1, and a second CA nobody trusts — valid for two
days from the moment the test makes them, so nothing expires between runs."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

_SERVER_EXTENSIONS = """\
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""


@dataclass(frozen=True)
class Pki:
    ca: Path  # the CA the client is told to trust
    cert: Path  # the server's certificate, signed by `ca`
    key: Path
    stranger: Path  # another CA: a client trusting only this one must refuse the server

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        return context


def _openssl(*args: str | Path, cwd: Path) -> None:
    subprocess.run(["openssl", *map(str, args)], cwd=cwd, check=True, capture_output=True, timeout=60)


def _ca(folder: Path, name: str) -> tuple[Path, Path]:
    cert, key = folder / f"{name}.pem", folder / f"{name}.key"
    _openssl(
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        key,
        "-out",
        cert,
        "-days",
        "2",
        "-subj",
        f"/CN={name}",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
        cwd=folder,
    )
    return cert, key


def make_pki(folder: Path) -> Pki:
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command line is needed to make the test certificates")
    ca, ca_key = _ca(folder, "Test CA")
    stranger, _ = _ca(folder, "Stranger CA")
    key, request, cert = folder / "server.key", folder / "server.csr", folder / "server.pem"
    (folder / "server.ext").write_text(_SERVER_EXTENSIONS)
    _openssl(
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        key,
        "-out",
        request,
        "-subj",
        "/CN=localhost",
        cwd=folder,
    )
    _openssl(
        "x509",
        "-req",
        "-in",
        request,
        "-CA",
        ca,
        "-CAkey",
        ca_key,
        "-set_serial",
        "2",
        "-days",
        "2",
        "-out",
        cert,
        "-extfile",
        "server.ext",
        cwd=folder,
    )
    return Pki(ca=ca, cert=cert, key=key, stranger=stranger)
