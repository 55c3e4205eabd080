"""`scheduler auth` with OAuth sign-in: a fake authorisation server and a fake platform on 127.0.0.1;
the test plays the browser. The first sign-in is a real `scheduler auth` process, as a person meets
it: the client secret comes through a pipe, and the address is on its stderr while it waits for the
browser. The others run the command in-process, on a thread of its own while the test browses."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from scheduler.cli import main
from tests.conftest import ROOT, Result
from tests.fakes.linkedin_server import LinkedInFake
from tests.fakes.meta_server import MetaFake
from tests.fakes.oauth_server import OAuthFake
from tests.fakes.x_server import XFake


def _sign_in_process(
    tmp_path: Path, args: list[str], client_secret: str
) -> tuple[subprocess.CompletedProcess[str], str]:
    """`scheduler auth ARGS --no-browser` as a process of its own; the test opens the address it prints."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEDULER_")}
    env["SCHEDULER_TOKEN_STORE"] = str(tmp_path / "tokens.json")
    process = subprocess.Popen(
        [sys.executable, "-m", "scheduler", "auth", *args, "--no-browser"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdin is not None and process.stderr is not None
    process.stdin.write(client_secret + "\n")
    process.stdin.flush()
    line = process.stderr.readline()
    assert line.startswith("open this address to sign in: "), line
    page = requests.get(line.split(": ", 1)[1].strip(), timeout=10)  # the browser follows the redirect
    out, err = process.communicate(timeout=60)
    return subprocess.CompletedProcess(process.args, process.returncode, out, line + err), page.text


SignIn = Callable[..., tuple[Result, str]]


@pytest.fixture
def sign_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scheduler_env: Callable[..., None]) -> SignIn:
    """`scheduler auth ARGS --no-browser` in-process, with the settings and folder `_sign_in_process`
    gives its process, on the machine's clock: the client secret on its standard input, the command
    on a thread of its own; the test opens the address once the command has written it to stderr.
    Returns the command's result and the page the browser got."""

    def invoke(args: list[str], client_secret: str, **env: str) -> tuple[Result, str]:
        scheduler_env(SCHEDULER_TOKEN_STORE=str(tmp_path / "tokens.json"), **env)
        monkeypatch.chdir(ROOT)
        out, err = io.StringIO(), io.StringIO()
        ended: list[int | BaseException] = []

        def command() -> None:
            try:
                ended.append(main(["auth", *args, "--no-browser"], clock=None))
            except BaseException as error:  # noqa: BLE001  # reason: raised again in the test's thread
                ended.append(error)

        with monkeypatch.context() as patched:
            patched.setattr(sys, "stdin", io.StringIO(client_secret + "\n"))
            patched.setattr(sys, "stdout", out)
            patched.setattr(sys, "stderr", err)
            thread = threading.Thread(target=command, name="scheduler auth", daemon=True)
            thread.start()
            deadline = time.monotonic() + 60
            while "\n" not in err.getvalue() and thread.is_alive() and time.monotonic() < deadline:
                time.sleep(0.01)
            line = err.getvalue().partition("\n")[0]
            assert line.startswith("open this address to sign in: "), err.getvalue()
            page = requests.get(line.split(": ", 1)[1].strip(), timeout=10)  # the browser follows the redirect
            thread.join(timeout=60)
        assert not thread.is_alive(), err.getvalue()
        (code,) = ended
        if isinstance(code, BaseException):
            raise code
        return Result(code, out.getvalue(), err.getvalue()), page.text

    return invoke


def test_x_sign_in_with_pkce_stores_the_tokens(tmp_path: Path):
    pytest.importorskip("twitter_text")
    with (
        OAuthFake(client_id="cid", client_secret="client-s3cret", access_token="x-issued-token") as oauth,
        XFake(token="x-issued-token") as x,
    ):
        result, page = _sign_in_process(
            tmp_path,
            [
                "x",
                "--account",
                "team",
                "--client-id",
                "cid",
                "--base-url",
                x.url,
                "--authorize-url",
                f"{oauth.url}/authorize",
                "--token-url",
                f"{oauth.url}/token",
            ],
            "client-s3cret",
        )
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


def test_without_client_id_the_app_comes_from_the_settings(tmp_path: Path, sign_in: SignIn):
    """SCHEDULER_X_CLIENT_ID and _CLIENT_SECRET, as the dashboard's sign-in reads them: no prompt."""
    pytest.importorskip("twitter_text")
    with (
        OAuthFake(client_id="cid", client_secret="client-s3cret", access_token="x-issued-token") as oauth,
        XFake(token="x-issued-token") as x,
    ):
        args = [
            "x",
            "--base-url",
            x.url,
            "--authorize-url",
            f"{oauth.url}/authorize",
            "--token-url",
            f"{oauth.url}/token",
        ]
        result, _ = sign_in(args, "not-read", SCHEDULER_X_CLIENT_ID="cid", SCHEDULER_X_CLIENT_SECRET="client-s3cret")
    assert result.code == 0, result.err
    saved = json.loads((tmp_path / "tokens.json").read_text())["x:default"]
    assert saved["client_id"] == "cid" and saved["client_secret"] == "client-s3cret"


def test_without_client_id_or_its_setting_the_error_names_both(run, scheduler_env, tmp_path: Path):
    scheduler_env(SCHEDULER_TOKEN_STORE=str(tmp_path / "tokens.json"))
    result = run("auth", "x", "--no-browser")
    assert result.code != 0 and "needs --client-id" in result.err and "or SCHEDULER_X_CLIENT_ID" in result.err
    assert "Traceback" not in result.err


def test_linkedin_sign_in_without_pkce_sends_the_secret_in_the_form(tmp_path: Path, sign_in: SignIn):
    with (
        OAuthFake(client_id="li-app", client_secret="li-secret", access_token="li-issued") as oauth,
        LinkedInFake(token="li-issued") as linkedin,
    ):
        result, _ = sign_in(
            [
                "linkedin",
                "--client-id",
                "li-app",
                "--author",
                "urn:li:organization:7",
                "--base-url",
                linkedin.url,
                "--authorize-url",
                f"{oauth.url}/authorize",
                "--token-url",
                f"{oauth.url}/token",
            ],
            "li-secret",
        )
        form = oauth.requests[0]["form"]
    assert result.code == 0, result.err
    assert form["client_secret"] == "li-secret" and "code_verifier" not in form
    saved = json.loads((tmp_path / "tokens.json").read_text())["linkedin:default"]
    assert saved["author"] == "urn:li:organization:7" and saved["token"] == "li-issued"


def test_linkedin_sign_in_stores_when_the_refresh_token_ends(tmp_path: Path, sign_in: SignIn):
    with (
        OAuthFake(
            client_id="li-app",
            client_secret="li-secret",
            access_token="li-issued",
            expires_in=60 * 86400,
            refresh_expires_in=365 * 86400,
        ) as oauth,
        LinkedInFake(token="li-issued") as linkedin,
    ):
        before = dt.datetime.now(dt.UTC)
        result, _ = sign_in(
            [
                "linkedin",
                "--client-id",
                "li-app",
                "--author",
                "urn:li:organization:7",
                "--base-url",
                linkedin.url,
                "--authorize-url",
                f"{oauth.url}/authorize",
                "--token-url",
                f"{oauth.url}/token",
            ],
            "li-secret",
        )
    assert result.code == 0, result.err
    saved = json.loads((tmp_path / "tokens.json").read_text())["linkedin:default"]
    ends = dt.datetime.fromisoformat(saved["refresh_expires_at"])
    assert (
        before + dt.timedelta(days=365) - dt.timedelta(seconds=1) <= ends <= before + dt.timedelta(days=365, minutes=2)
    )
    assert f"sign-in expires {ends.date().isoformat()}" in result.out


def test_wrong_client_secret_stores_nothing(tmp_path: Path, sign_in: SignIn):
    with OAuthFake(client_id="cid", client_secret="right", access_token="t") as oauth, XFake(token="t") as x:
        result, _ = sign_in(
            [
                "x",
                "--client-id",
                "cid",
                "--base-url",
                x.url,
                "--authorize-url",
                f"{oauth.url}/authorize",
                "--token-url",
                f"{oauth.url}/token",
            ],
            "wrong",
        )
    assert result.code == 2 and "error:" in result.err and "invalid_client" in result.err
    assert not (tmp_path / "tokens.json").exists()


def test_threads_sign_in_exchanges_for_a_long_lived_token(tmp_path: Path, sign_in: SignIn):
    with (
        MetaFake(token="unused") as meta,
        OAuthFake(
            client_id="th-app",
            client_secret="th-secret",
            access_token="th-short",
            expires_in=60 * 86400,
            on_issue=lambda token: setattr(meta, "token", token),
        ) as oauth,
    ):
        result, _ = sign_in(
            [
                "threads",
                "--account",
                "team",
                "--client-id",
                "th-app",
                "--base-url",
                meta.url,
                "--authorize-url",
                f"{oauth.url}/authorize",
                "--token-url",
                f"{oauth.url}/oauth/access_token",
            ],
            "th-secret",
        )
        exchange = [r for r in oauth.requests if r["path"] == "/access_token"]
    assert result.code == 0, result.err
    assert exchange[0]["query"]["grant_type"] == "th_exchange_token"
    assert exchange[0]["query"]["access_token"] == "th-short"  # the short-lived one is traded in
    saved = json.loads((tmp_path / "tokens.json").read_text())["threads:team"]
    assert saved["token"] == meta.token != "th-short"  # the long-lived one is kept, and works (who-am-I passed)
    assert saved["expires_at"] and saved["client_id"] == "th-app" and saved["client_secret"] == "th-secret"


def test_facebook_sign_in_keeps_the_page_token(tmp_path: Path, sign_in: SignIn):
    with (
        MetaFake(token="page-token", page_id="4321") as meta,
        OAuthFake(
            client_id="fb-app", client_secret="fb-secret", access_token="fb-short", on_issue=meta.user_tokens.add
        ) as oauth,
    ):
        result, _ = sign_in(
            [
                "facebook",
                "--client-id",
                "fb-app",
                "--page-id",
                "4321",
                "--base-url",
                meta.url,
                "--authorize-url",
                f"{oauth.url}/authorize",
                "--token-url",
                f"{oauth.url}/oauth/access_token",
            ],
            "fb-secret",
        )
        exchange = [r for r in oauth.requests if r.get("query", {}).get("grant_type") == "fb_exchange_token"]
    assert result.code == 0, result.err
    assert exchange and exchange[0]["query"]["fb_exchange_token"] == "fb-short"
    saved = json.loads((tmp_path / "tokens.json").read_text())["facebook:default"]
    assert saved["token"] == "page-token" and saved["page_id"] == "4321"
    assert "expires_at" not in saved and "refresh_token" not in saved  # page tokens do not run out
    assert "page-token" not in result.out + result.err


def test_run_refreshes_an_expiring_token_and_stores_the_rotated_one(
    tmp_path: Path, run_fresh: Callable[..., Result], scheduler_env: Callable[..., None], monkeypatch, recwarn
):
    """`scheduler run --once` (in-process, on the machine's clock): the stored X token ends in a
    minute; the post goes out with a refreshed token and the store holds the new pair."""
    pytest.importorskip("twitter_text")
    import datetime as dt

    from scheduler.tokenstore import TokenStore

    with (
        XFake(token="x-old") as x,
        OAuthFake(
            client_id="cid", client_secret="cs", access_token="x-old", on_issue=lambda token: setattr(x, "token", token)
        ) as oauth,
    ):
        oauth.refresh_tokens.add("refresh-old")
        store = TokenStore(tmp_path / "tokens.json")
        store.save(
            "x:default",
            {
                "base_url": x.url,
                "token": "x-old",
                "refresh_token": "refresh-old",
                "client_id": "cid",
                "client_secret": "cs",
                "token_url": f"{oauth.url}/token",
                "expires_at": (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)).isoformat(),
            },
        )
        (tmp_path / "issue.txt").write_text(
            "Die Vernetzungsstelle informiert\n\nVorgestellt\n\nEin kurzer Beitrag über Familienbildung in Sachsen.\n",
            encoding="utf-8",
        )
        scheduler_env(
            SCHEDULER_TOKEN_STORE=str(store.path),
            SCHEDULER_DATABASE_URL=f"sqlite:///{tmp_path / 'q.sqlite3'}",
            SCHEDULER_OUTBOX=str(tmp_path / "outbox.jsonl"),
            SCHEDULER_PLATFORMS="x",
            SCHEDULER_TEMPLATES_DIR=str(ROOT / "templates"),
        )
        monkeypatch.chdir(tmp_path)
        queued = run_fresh("queue", "add", str(tmp_path / "issue.txt"), "--approve", clock=None)
        assert queued.code == 0, queued.err
        now = run_fresh("queue", "reschedule", "1", "now", clock=None)
        assert now.code == 0, now.err
        ran = run_fresh("run", "--once", clock=None)
        saved = json.loads(store.path.read_text())["x:default"]
    assert ran.code == 0, ran.err
    assert len(x.tweets) == 1, queued.out + ran.out + ran.err
    assert saved["token"] == x.token != "x-old"
    assert saved["refresh_token"] in oauth.refresh_tokens and "refresh-old" not in oauth.refresh_tokens
    for secret in (saved["token"], saved["refresh_token"], "cs"):
        assert secret not in ran.out + ran.err
        assert not [w for w in recwarn if secret in str(w.message)]  # a process prints Python's warnings too
