"""`scheduler auth` with OAuth sign-in: a real `scheduler auth` process, a fake authorisation server
and a fake platform on 127.0.0.1; the test plays the browser."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.conftest import ROOT
from tests.fakes.linkedin_server import LinkedInFake
from tests.fakes.oauth_server import OAuthFake
from tests.fakes.x_server import XFake


def _sign_in(tmp_path: Path, args: list[str], client_secret: str) -> tuple[subprocess.CompletedProcess[str], str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEDULER_")}
    env["SCHEDULER_TOKEN_STORE"] = str(tmp_path / "tokens.json")
    process = subprocess.Popen([sys.executable, "-m", "scheduler", "auth", *args, "--no-browser"], cwd=ROOT, env=env,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdin is not None and process.stderr is not None
    process.stdin.write(client_secret + "\n")
    process.stdin.flush()
    line = process.stderr.readline()
    assert line.startswith("open this address to sign in: "), line
    page = requests.get(line.split(": ", 1)[1].strip(), timeout=10)  # the browser follows the redirect
    out, err = process.communicate(timeout=60)
    return subprocess.CompletedProcess(process.args, process.returncode, out, line + err), page.text


def test_x_sign_in_with_pkce_stores_the_tokens(tmp_path: Path):
    pytest.importorskip("twitter_text")
    with OAuthFake(client_id="cid", client_secret="client-s3cret", access_token="x-issued-token") as oauth, \
            XFake(token="x-issued-token") as x:
        result, page = _sign_in(tmp_path, ["x", "--account", "team", "--client-id", "cid", "--base-url", x.url,
                                           "--authorize-url", f"{oauth.url}/authorize", "--token-url", f"{oauth.url}/token"],
                                "client-s3cret")
        token_form = oauth.requests[0]["form"]
    assert result.returncode == 0, result.stderr
    assert page == "Signed in. You can close this window."
    assert "code_verifier" in token_form and "client_secret" not in token_form  # PKCE; secret sent as Basic
    assert "stored x:team (@comms, expires " in result.stdout
    store = tmp_path / "tokens.json"
    assert stat.S_IMODE(store.stat().st_mode) == 0o600
    saved = json.loads(store.read_text())["x:team"]
    assert saved["token"] == "x-issued-token" and saved["refresh_token"].startswith("refresh-") and saved["expires_at"]
    for secret in ("client-s3cret", "x-issued-token", saved["refresh_token"]):
        assert secret not in result.stdout + result.stderr


def test_linkedin_sign_in_without_pkce_sends_the_secret_in_the_form(tmp_path: Path):
    with OAuthFake(client_id="li-app", client_secret="li-secret", access_token="li-issued") as oauth, \
            LinkedInFake(token="li-issued") as linkedin:
        result, _ = _sign_in(tmp_path, ["linkedin", "--client-id", "li-app", "--author", "urn:li:organization:7",
                                        "--base-url", linkedin.url, "--authorize-url", f"{oauth.url}/authorize",
                                        "--token-url", f"{oauth.url}/token"], "li-secret")
        form = oauth.requests[0]["form"]
    assert result.returncode == 0, result.stderr
    assert form["client_secret"] == "li-secret" and "code_verifier" not in form
    saved = json.loads((tmp_path / "tokens.json").read_text())["linkedin:default"]
    assert saved["author"] == "urn:li:organization:7" and saved["token"] == "li-issued"


def test_wrong_client_secret_stores_nothing(tmp_path: Path):
    with OAuthFake(client_id="cid", client_secret="right", access_token="t") as oauth, XFake(token="t") as x:
        result, _ = _sign_in(tmp_path, ["x", "--client-id", "cid", "--base-url", x.url,
                                        "--authorize-url", f"{oauth.url}/authorize", "--token-url", f"{oauth.url}/token"],
                             "wrong")
    assert result.returncode == 2 and "error:" in result.stderr and "invalid_client" in result.stderr
    assert not (tmp_path / "tokens.json").exists()
