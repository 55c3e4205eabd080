"""Tokens refreshed before they run out, rotated refresh tokens stored: the TokenKeeper with the
real X, LinkedIn and Threads clients, a fake authorisation server and the fake platforms on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import json
import stat
import time
from pathlib import Path

import pytest
from pydantic import SecretStr

from scheduler.config import Account
from scheduler.errors import AuthorisationError
from scheduler.models import Content, QueuedPost
from scheduler.platforms.bluesky import BlueskyPublisher
from scheduler.platforms.http import HttpClient
from scheduler.platforms.linkedin import LinkedInPublisher
from scheduler.platforms.threads import ThreadsPublisher
from scheduler.platforms.tokens import TokenKeeper
from scheduler.platforms.x import XPublisher
from scheduler.tokenstore import TokenStore
from tests.fakes.bluesky_server import BlueskyFake
from tests.fakes.linkedin_server import LinkedInFake
from tests.fakes.meta_server import MetaFake
from tests.fakes.oauth_server import OAuthFake
from tests.fakes.x_server import XFake

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


def _post(text: str, platform: str = "x", number: int = 1) -> QueuedPost:
    return QueuedPost(
        id=number,
        item_id=f"i{number}",
        platform=platform,
        account="team",
        state="publishing",
        publish_at=NOW,
        content=Content((text,), "de"),
        idempotency_key=f"k{number}",
        claimed_at=NOW,
    )


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def x_pair():
    pytest.importorskip("twitter_text")
    with (
        XFake(token="x-first") as x,
        OAuthFake(
            client_id="cid",
            client_secret="csecret",
            access_token="x-first",
            on_issue=lambda token: setattr(x, "token", token),
        ) as oauth,
    ):
        oauth.refresh_tokens.add("refresh-one")
        yield x, oauth


def _x_keeper(
    x: XFake,
    oauth: OAuthFake,
    store: TokenStore,
    clock: Clock,
    *,
    expires_in: dt.timedelta,
    refresh: str = "refresh-one",
) -> TokenKeeper:
    account = Account(
        base_url=x.url,
        token=SecretStr(x.token),
        refresh_token=SecretStr(refresh),
        client_id="cid",
        client_secret=SecretStr("csecret"),
        token_url=f"{oauth.url}/token",
        expires_at=(clock() + expires_in).isoformat(),
    )
    return TokenKeeper(
        "x",
        "team",
        account,
        build=lambda fresh: XPublisher(fresh.base_url, fresh.token),
        store=store,
        http=HttpClient(),
        clock=clock,
    )


def test_a_token_about_to_expire_is_refreshed_before_publishing_and_the_rotated_one_stored(x_pair, tmp_path: Path):
    x, oauth = x_pair
    store, clock = TokenStore(tmp_path / "tokens.json"), Clock(NOW)
    keeper = _x_keeper(x, oauth, store, clock, expires_in=dt.timedelta(minutes=5))
    before = keeper.client.http

    result = keeper.publish(_post("Frisch angemeldet"))

    refresh = [r for r in oauth.requests if r.get("form", {}).get("grant_type") == "refresh_token"]
    assert len(refresh) == 1 and refresh[0]["form"]["refresh_token"] == "refresh-one"
    assert "client_secret" not in refresh[0]["form"]  # X: the secret goes as HTTP Basic
    assert result.remote_id == x.tweets[0]["id"]  # published with the new token (the fake knows no other)
    saved = json.loads(store.path.read_text())["x:team"]
    assert saved["token"] == x.token != "x-first"
    assert saved["refresh_token"] in oauth.refresh_tokens and saved["refresh_token"] != "refresh-one"
    assert dt.datetime.fromisoformat(saved["expires_at"]) == NOW + dt.timedelta(seconds=7200)
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600

    assert keeper.client.http is before  # the account's pacer remembers the rate limits it has seen
    keeper.publish(_post("Gleich noch einer", number=2))  # fresh for two hours: no second refresh
    assert len([r for r in oauth.requests if r.get("form")]) == 1 and len(x.tweets) == 2

    clock.now += dt.timedelta(hours=1, minutes=55)  # within ten minutes of the end again
    keeper.publish(_post("Zwei Stunden später", number=3))
    assert len([r for r in oauth.requests if r.get("form")]) == 2 and len(x.tweets) == 3
    assert json.loads(store.path.read_text())["x:team"]["token"] == x.token


def test_a_token_far_from_its_end_is_not_refreshed(x_pair, tmp_path: Path):
    x, oauth = x_pair
    keeper = _x_keeper(x, oauth, TokenStore(tmp_path / "tokens.json"), Clock(NOW), expires_in=dt.timedelta(hours=1))
    keeper.publish(_post("Noch eine Stunde gültig"))
    assert oauth.requests == [] and len(x.tweets) == 1 and not (tmp_path / "tokens.json").exists()


def test_a_second_process_adopts_the_token_another_one_refreshed(x_pair, tmp_path: Path):
    """Refresh tokens rotate: the second keeper, still holding the spent one, must not use it."""
    x, oauth = x_pair
    clock = Clock(NOW)
    first = _x_keeper(x, oauth, TokenStore(tmp_path / "tokens.json"), clock, expires_in=dt.timedelta(minutes=5))
    second = _x_keeper(x, oauth, TokenStore(tmp_path / "tokens.json"), clock, expires_in=dt.timedelta(minutes=5))
    first.publish(_post("Vom ersten Prozess"))
    second.publish(_post("Vom zweiten Prozess", number=2))
    assert len([r for r in oauth.requests if r.get("form")]) == 1  # one refresh, the spent token never sent again
    assert len(x.tweets) == 2 and second.account.token.get_secret_value() == x.token


def test_a_refused_refresh_asks_for_re_authorisation_and_keeps_the_store(x_pair, tmp_path: Path):
    x, oauth = x_pair
    store = TokenStore(tmp_path / "tokens.json")
    store.save("x:team", {"client_id": "cid"})
    keeper = _x_keeper(x, oauth, store, Clock(NOW), expires_in=dt.timedelta(minutes=5), refresh="refresh-revoked")
    with pytest.raises(AuthorisationError) as caught:
        keeper.publish(_post("Geht nicht raus"))
    assert "re-authorise: scheduler auth x --account team" in str(caught.value)
    assert "refresh-revoked" not in str(caught.value) and "csecret" not in str(caught.value)
    assert x.tweets == [] and json.loads(store.path.read_text()) == {"x:team": {"client_id": "cid"}}


def test_linkedin_keeps_its_refresh_token_when_none_comes_back(tmp_path: Path):
    with (
        LinkedInFake(token="li-first") as linkedin,
        OAuthFake(
            client_id="li-app",
            client_secret="li-secret",
            access_token="li-first",
            rotate=False,
            expires_in=60 * 86400,
            on_issue=lambda token: setattr(linkedin, "token", token),
        ) as oauth,
    ):
        oauth.refresh_tokens.add("li-refresh")
        store, clock = TokenStore(tmp_path / "tokens.json"), Clock(NOW)
        account = Account(
            base_url=linkedin.url,
            token=SecretStr("li-first"),
            refresh_token=SecretStr("li-refresh"),
            client_id="li-app",
            client_secret=SecretStr("li-secret"),
            token_url=f"{oauth.url}/token",
            author="urn:li:organization:7",
            expires_at=(NOW + dt.timedelta(days=6)).isoformat(),
        )
        keeper = TokenKeeper(
            "linkedin",
            "team",
            account,
            store=store,
            http=HttpClient(),
            clock=clock,
            build=lambda a: LinkedInPublisher(a.base_url, a.token, author=a.author, version="202511"),
        )
        keeper.publish(_post("Sechs Tage vor Ablauf", platform="linkedin"))
        form = oauth.requests[0]["form"]
    assert form["client_secret"] == "li-secret" and form["refresh_token"] == "li-refresh"
    saved = json.loads(store.path.read_text())["linkedin:team"]
    assert saved["refresh_token"] == "li-refresh" and saved["token"] == linkedin.token != "li-first"
    assert dt.datetime.fromisoformat(saved["expires_at"]) == NOW + dt.timedelta(days=60)
    assert len(linkedin.posts) == 1


def test_a_linkedin_refresh_keeps_the_end_of_the_refresh_token_linkedin_reports(tmp_path: Path):
    with (
        LinkedInFake(token="li-first") as linkedin,
        OAuthFake(
            client_id="li-app",
            client_secret="li-secret",
            access_token="li-first",
            rotate=False,
            expires_in=60 * 86400,
            on_issue=lambda token: setattr(linkedin, "token", token),
        ) as oauth,
    ):
        oauth.refresh_tokens.add("li-refresh")
        oauth.refresh_ends["li-refresh"] = time.time() + 300 * 86400  # signed in 65 days ago
        store = TokenStore(tmp_path / "tokens.json")
        account = Account(
            base_url=linkedin.url,
            token=SecretStr("li-first"),
            refresh_token=SecretStr("li-refresh"),
            client_id="li-app",
            client_secret=SecretStr("li-secret"),
            token_url=f"{oauth.url}/token",
            author="urn:li:organization:7",
            expires_at=(NOW + dt.timedelta(days=6)).isoformat(),
            refresh_expires_at=(NOW + dt.timedelta(days=365)).isoformat(),
        )
        keeper = TokenKeeper(
            "linkedin",
            "team",
            account,
            store=store,
            http=HttpClient(),
            clock=Clock(NOW),
            build=lambda a: LinkedInPublisher(a.base_url, a.token, author=a.author, version="202511"),
        )
        keeper.publish(_post("Nach der Erneuerung", platform="linkedin"))
    saved = json.loads(store.path.read_text())["linkedin:team"]
    ends = dt.datetime.fromisoformat(saved["refresh_expires_at"])
    assert abs(ends - (NOW + dt.timedelta(days=300))) < dt.timedelta(minutes=1)  # what LinkedIn says is left
    assert keeper.account.refresh_expires_at == saved["refresh_expires_at"]


def test_a_linkedin_refresh_token_past_its_end_asks_for_a_new_sign_in(tmp_path: Path):
    with (
        LinkedInFake(token="li-first") as linkedin,
        OAuthFake(client_id="li-app", client_secret="li-secret", access_token="li-first", rotate=False) as oauth,
    ):
        oauth.refresh_tokens.add("li-refresh")
        oauth.refresh_ends["li-refresh"] = time.time() - 1  # the year is over
        account = Account(
            base_url=linkedin.url,
            token=SecretStr("li-first"),
            refresh_token=SecretStr("li-refresh"),
            client_id="li-app",
            client_secret=SecretStr("li-secret"),
            token_url=f"{oauth.url}/token",
            author="urn:li:organization:7",
            expires_at=(NOW + dt.timedelta(days=1)).isoformat(),
        )
        keeper = TokenKeeper(
            "linkedin",
            "team",
            account,
            store=TokenStore(tmp_path / "tokens.json"),
            http=HttpClient(),
            clock=Clock(NOW),
            build=lambda a: LinkedInPublisher(a.base_url, a.token, author=a.author, version="202511"),
        )
        with pytest.raises(AuthorisationError, match="scheduler auth linkedin --account team"):
            keeper.publish(_post("Zu spät", platform="linkedin"))
        assert linkedin.posts == []


def test_threads_refreshes_its_long_lived_token_with_the_token_itself(tmp_path: Path):
    with (
        MetaFake(token="th-long") as meta,
        OAuthFake(
            client_id="th-app",
            client_secret="th-secret",
            access_token="th-long",
            expires_in=60 * 86400,
            on_issue=lambda token: setattr(meta, "token", token),
        ) as oauth,
    ):
        store = TokenStore(tmp_path / "tokens.json")
        account = Account(
            base_url=meta.url,
            token=SecretStr("th-long"),
            token_url=f"{oauth.url}/oauth/access_token",
            expires_at=(NOW + dt.timedelta(days=3)).isoformat(),
        )
        keeper = TokenKeeper(
            "threads",
            "team",
            account,
            store=store,
            http=HttpClient(),
            clock=Clock(NOW),
            build=lambda a: ThreadsPublisher(a.base_url, a.token, user_id="me"),
        )
        keeper.publish(_post("Threads mit frischem Token", platform="threads"))
        asked = oauth.requests[0]
    assert asked["path"] == "/refresh_access_token"
    assert asked["query"] == {"grant_type": "th_refresh_token", "access_token": "th-long"}
    assert json.loads(store.path.read_text())["threads:team"]["token"] == meta.token != "th-long"


def test_a_kept_bluesky_session_survives_a_restart_without_a_new_login(tmp_path: Path):
    store = TokenStore(tmp_path / "tokens.json")

    def keep(session: dict[str, str]) -> None:
        store.update(
            "bluesky:default",
            {
                "session_access": session["accessJwt"],
                "session_refresh": session["refreshJwt"],
                "session_did": session["did"],
            },
        )

    with BlueskyFake(password="app-pw") as pds:
        first = BlueskyPublisher(pds.url, pds.handle, SecretStr("app-pw"), on_session=keep)
        first.publish(_post("Vor dem Neustart", platform="bluesky"))
        saved = json.loads(store.path.read_text())["bluesky:default"]
        session = {
            "accessJwt": saved["session_access"],
            "refreshJwt": saved["session_refresh"],
            "did": saved["session_did"],
            "handle": pds.handle,
        }
        pds.expire_access_tokens()  # hours later: the kept access token ran out, the refresh token did not
        again = BlueskyPublisher(pds.url, pds.handle, SecretStr("app-pw"), session=session, on_session=keep)
        again.publish(_post("Nach dem Neustart", platform="bluesky", number=2))
        rotated = json.loads(store.path.read_text())["bluesky:default"]
    assert pds.sessions == 1 and pds.refreshes == 1  # one login in all; the restart refreshed instead
    assert len(pds.records) == 2
    assert rotated["session_refresh"] != saved["session_refresh"] and rotated["session_access"] in pds.access


def test_an_unusable_token_store_does_not_stop_publishing(x_pair, tmp_path: Path, caplog):
    x, oauth = x_pair
    store = TokenStore(tmp_path / "tokens.json")
    store.path.write_text("{}")
    store.path.chmod(0o644)  # others may read it: the store refuses to be used
    keeper = _x_keeper(x, oauth, store, Clock(NOW), expires_in=dt.timedelta(minutes=5))
    with caplog.at_level("WARNING"):
        keeper.publish(_post("Trotzdem raus"))
    assert len(x.tweets) == 1 and keeper.account.token.get_secret_value() == x.token != "x-first"
    assert "chmod 600" in caplog.text and "in memory only" in caplog.text
    assert store.path.read_text() == "{}"  # nothing written to a store others can read
