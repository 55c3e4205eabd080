"""The dashboard through Flask's test client, on a real SQLite file, with users of each role."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from scheduler import team
from scheduler.config import load_settings
from scheduler.models import Content, Role, State
from scheduler.storage import NewPost, Store
from scheduler.web import create_app
from scheduler.wiring import Wiring
from tests.fakes.pages import PageServer

NOW = dt.datetime(2030, 1, 7, 8, 0, tzinfo=dt.UTC)
PASSWORD = "ein langes Passwort 2030"
USERS = {"erika": Role.EDITOR, "anton": Role.APPROVER, "ada": Role.ADMIN}


@pytest.fixture
def web_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(__import__("os").environ):
        if name.startswith("SCHEDULER_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    database = tmp_path / "queue.sqlite3"
    monkeypatch.setenv("SCHEDULER_DATABASE_URL", f"sqlite:///{database}")
    monkeypatch.setenv("SCHEDULER_TOKEN_STORE", str(tmp_path / "tokens.json"))
    monkeypatch.setenv("SCHEDULER_OUTBOX", str(tmp_path / "outbox.jsonl"))
    return database


@pytest.fixture
def wiring(web_env: Path) -> Wiring:
    wiring = Wiring(load_settings(), clock=lambda: NOW)
    for name, role in USERS.items():
        team.add_user(wiring.store, name, PASSWORD, role, now=NOW)
    return wiring


@pytest.fixture
def app(wiring: Wiring) -> Flask:
    app = create_app(wiring)
    app.testing = True
    return app


@pytest.fixture
def store(wiring: Wiring) -> Iterator[Store]:
    yield wiring.store


def queue_posts(store: Store, count: int = 3, *, state: str = State.DRAFT, text: str = "Meldung {n}") -> list[int]:
    ids = store.add(
        [
            NewPost(
                f"{text.format(n='')}-{n}",
                "mastodon",
                "default",
                NOW + dt.timedelta(days=1, hours=n),
                Content((text.format(n=n),), "de"),
            )
            for n in range(count)
        ],
        state=state,
        now=NOW,
        reason="imported",
    )
    assert len(ids) == count
    return ids


def english(client: FlaskClient) -> FlaskClient:
    """`client` asking for English, as an English browser does."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en-GB,en;q=0.9"
    return client


def token(page: str) -> str:
    """The CSRF token a page's form carries."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def sign_in(client: FlaskClient, name: str, password: str = PASSWORD) -> str:
    """Sign in as `name`; the CSRF token of the signed-in session."""
    page = client.get("/login").get_data(as_text=True)
    answer = client.post("/login", data={"name": name, "password": password, "csrf_token": token(page), "next": ""})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return token(client.get("/queue").get_data(as_text=True))


@pytest.fixture
def local_fetches(web_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The test's page server on 127.0.0.1 may be fetched (asked for before the app is made)."""
    monkeypatch.setenv("SCHEDULER_FETCH_ALLOW", "127.0.0.1")


@pytest.fixture
def site() -> Iterator[PageServer]:
    with PageServer() as server:
        yield server
