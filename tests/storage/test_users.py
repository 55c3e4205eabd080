"""The dashboard's users, failed logins, and who made each change of a post — on SQLite and
PostgreSQL (`store`, see conftest.py); and migration 0009 from a queue of revision 0008."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from scheduler.errors import InputError
from scheduler.models import Content, Role, State, User
from scheduler.storage import NewPost, Store
from scheduler.storage import engine as engines
from scheduler.storage.items import Rewrite, rewrite
from scheduler.storage.schema import metadata
from tests.storage.conftest import blank_postgresql_url, migrations

NOW = dt.datetime(2030, 1, 7, 9, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)
HASH = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"  # a stand-in: storage keeps it as it is


def _post(item: str = "item-1") -> NewPost:
    return NewPost(item_id=item, platform="mastodon", account="main", publish_at=NOW, content=Content(("Hallo",), "de"))


# -- users --------------------------------------------------------------------------------------


def test_a_user_is_stored_and_read_back_with_role_hash_and_times(store: Store):
    store.insert_user(User("anna", Role.APPROVER, NOW, HASH))
    found = store.user("anna")
    assert found == User("anna", Role.APPROVER, NOW, HASH, updated_at=NOW)
    assert isinstance(found.role, Role)
    assert store.user("nobody") is None


def test_a_taken_name_is_an_input_error_and_the_first_user_stays(store: Store):
    store.insert_user(User("anna", Role.EDITOR, NOW, HASH))
    with pytest.raises(InputError, match="a user named 'anna' exists already"):
        store.insert_user(User("anna", Role.ADMIN, NOW, "other"))
    assert store.user("anna") == User("anna", Role.EDITOR, NOW, HASH, updated_at=NOW)


def test_users_are_listed_by_name_and_counted_by_role(store: Store):
    for name, role in (("max", Role.EDITOR), ("anna", Role.ADMIN), ("eva", Role.EDITOR)):
        store.insert_user(User(name, role, NOW, HASH))
    assert [u.name for u in store.list_users()] == ["anna", "eva", "max"]
    assert store.count_users() == 3
    assert store.count_users(role=Role.EDITOR) == 2 and store.count_users(role=Role.APPROVER) == 0


def test_role_and_password_hash_change_and_the_change_is_dated(store: Store):
    store.insert_user(User("anna", Role.EDITOR, NOW, HASH))
    assert store.update_user("anna", now=NOW + MINUTE, role=Role.ADMIN)
    assert store.update_user("anna", now=NOW + 2 * MINUTE, password_hash="new")
    assert store.user("anna") == User("anna", Role.ADMIN, NOW, "new", updated_at=NOW + 2 * MINUTE)
    assert not store.update_user("nobody", now=NOW, role=Role.ADMIN)


def test_a_removed_user_is_gone_and_removing_again_says_so(store: Store):
    store.insert_user(User("anna", Role.EDITOR, NOW, HASH))
    assert store.delete_user("anna") and store.user("anna") is None
    assert not store.delete_user("anna")


# -- failed logins ------------------------------------------------------------------------------


def test_failures_are_counted_per_key_with_the_first_and_last(store: Store):
    assert store.count_login_failure("user:anna", now=NOW) == 1
    assert store.count_login_failure("user:anna", now=NOW + MINUTE) == 2
    assert store.count_login_failure("addr:192.0.2.7", now=NOW + MINUTE) == 1
    counted = store.login_failures(["user:anna", "addr:192.0.2.7", "user:nobody"])
    assert set(counted) == {"user:anna", "addr:192.0.2.7"}
    anna = counted["user:anna"]
    assert (anna.failures, anna.first_at, anna.last_at) == (2, NOW, NOW + MINUTE)


def test_a_restarted_count_begins_again_at_one(store: Store):
    store.count_login_failure("user:anna", now=NOW)
    store.count_login_failure("user:anna", now=NOW)
    assert store.count_login_failure("user:anna", now=NOW + 30 * MINUTE, restart=True) == 1
    anna = store.login_failures(["user:anna"])["user:anna"]
    assert (anna.failures, anna.first_at) == (1, NOW + 30 * MINUTE)


def test_counts_are_forgotten_by_key_or_by_age(store: Store):
    store.count_login_failure("user:anna", now=NOW)
    store.count_login_failure("user:max", now=NOW + MINUTE)
    store.count_login_failure("addr:192.0.2.7", now=NOW + 5 * MINUTE)
    assert store.forget_login_failures(["user:anna"]) == 1
    assert store.forget_login_failures(last_before=NOW + 2 * MINUTE) == 1  # max's
    assert set(store.login_failures(["user:anna", "user:max", "addr:192.0.2.7"])) == {"addr:192.0.2.7"}
    assert store.forget_login_failures() == 0  # nothing named: nothing goes


def test_failures_counted_at_once_by_several_processes_are_all_counted(store: Store, open_store: Callable[[], Store]):
    stores = [store, open_store(), open_store()]
    start = threading.Barrier(len(stores))
    errors: list[BaseException] = []

    def count(each: Store) -> None:
        try:
            start.wait()
            for _ in range(10):
                each.count_login_failure("addr:192.0.2.7", now=NOW)
        except BaseException as error:  # noqa: BLE001  # reason: reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=count, args=(each,)) for each in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert store.login_failures(["addr:192.0.2.7"])["addr:192.0.2.7"].failures == 30


# -- who made each change -----------------------------------------------------------------------


def test_each_change_records_its_actor_and_the_daemons_none(store: Store):
    (post_id,) = store.add([_post()], state=State.DRAFT, now=NOW, reason="queued", actor="anna")
    store.transition(
        post_id,
        State.SCHEDULED,
        reason="approved",
        now=NOW,
        allowed_from={State.DRAFT},
        action="be approved",
        actor="max",
    )
    store.update_fields(
        post_id,
        now=NOW,
        reason="rescheduled",
        allowed_from={State.SCHEDULED},
        action="be rescheduled",
        values={"publish_at": NOW + MINUTE, "due_at": NOW + MINUTE},
        actor="eva",
    )
    store.transition(post_id, State.DRAFT, reason="back to draft", now=NOW, actor="ida")  # the general path
    store.note(post_id, "looked at", now=NOW, actor="tom")
    rewrite(
        store,
        [Rewrite(post_id, State.DRAFT, Content(("Neu",), "de"), "", "hash", "updated from issue")],
        known=[],
        now=NOW,
        actor="uwe",
    )
    store.transition(post_id, State.SCHEDULED, reason="approved", now=NOW)  # no actor given
    assert len(store.claim_due(now=NOW + MINUTE, worker="host:1")) == 1
    history = store.history(post_id)
    assert [(t.reason, t.actor) for t in history] == [
        ("queued", "anna"),
        ("approved", "max"),
        ("rescheduled", "eva"),
        ("back to draft", "ida"),
        ("looked at", "tom"),
        ("updated from issue", "uwe"),
        ("approved", None),
        ("attempt 1 by host:1", None),
    ]


# -- migration 0009 -----------------------------------------------------------------------------


def _upgrade_from_0008(url: str) -> None:
    engine = engines.create(url)
    at = NOW.replace(tzinfo=None).isoformat(sep=" ")
    with engine.begin() as connection:
        command.upgrade(migrations(connection), "0008")
        connection.execute(
            text(
                "INSERT INTO posts (id, item_id, platform, account, state, publish_at, due_at, parts, language, "
                "section, title, source, spoiler_text, links, images, attempts, created_at, updated_at) VALUES "
                "(1, 'i', 'mastodon', 'main', 'draft', :at, :at, '[\"Hallo\"]', 'de', '', '', '', '', '[]', '[]', "
                "0, :at, :at)"
            ),
            {"at": at},
        )
        connection.execute(
            text(
                "INSERT INTO transitions (post_id, from_state, to_state, at, reason) VALUES (1, NULL, 'draft', :at, 'old')"
            ),
            {"at": at},
        )
    engine.dispose()
    store = Store.open(url)  # migrates 0008 → head
    try:
        with store.engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), metadata) == []
        assert [(t.reason, t.actor) for t in store.history(1)] == [("old", None)]
        assert store.list_users() == [] and store.login_failures(["user:anna"]) == {}
        store.insert_user(User("anna", Role.ADMIN, NOW, HASH))
        with store.engine.begin() as connection:
            command.downgrade(migrations(connection), "0008")
            command.upgrade(migrations(connection), "head")
        assert [(t.reason, t.actor) for t in store.history(1)] == [("old", None)]
    finally:
        store.close()


def test_migration_0009_on_sqlite(tmp_path: Path):
    _upgrade_from_0008(f"sqlite:///{tmp_path / 'old.sqlite3'}")


def test_migration_0009_on_postgresql():
    with blank_postgresql_url("scheduler_test_m09") as url:
        _upgrade_from_0008(url)
