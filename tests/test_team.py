"""The team (`scheduler.team`): what each role may do, passwords, users, and logins slowed down
after failures per account and per address — on a real SQLite queue, with the time passed in."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from scheduler import team
from scheduler.config import load_settings
from scheduler.errors import ConfigError, InputError, LoginRefused, TeamError
from scheduler.models import Role, User
from scheduler.storage import Store

NOW = dt.datetime(2030, 1, 7, 9, tzinfo=dt.UTC)
SECOND = dt.timedelta(seconds=1)
MINUTE = dt.timedelta(minutes=1)
PASSWORD = "correct horse battery"
HERE = "192.0.2.7"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(f"sqlite:///{tmp_path / 'queue.sqlite3'}")
    yield opened
    opened.close()


@pytest.fixture
def anna(store: Store) -> User:
    return team.add_user(store, "anna", PASSWORD, Role.EDITOR, now=NOW)


def _fail(store: Store, name: str = "anna", *, address: str = HERE, at: dt.datetime = NOW) -> str:
    """One login with a wrong password; the message it got."""
    with pytest.raises(InputError) as refused:
        team.authenticate(store, name, "wrong password!", address=address, now=at)
    assert not isinstance(refused.value, LoginRefused), refused.value
    return str(refused.value)


def _refused(store: Store, name: str = "anna", *, password: str = PASSWORD, address: str = HERE, at: dt.datetime = NOW):
    with pytest.raises(LoginRefused) as refused:
        team.authenticate(store, name, password, address=address, now=at)
    return refused.value


# -- roles --------------------------------------------------------------------------------------


def test_the_roles_table():
    editor = {"import", "edit", "submit", "comment", "reschedule"}
    approver = editor | {"approve", "reject", "cancel", "retry"}
    admin = approver | {"manage_users", "manage_accounts", "manage_sources", "settings"}
    assert admin == team.ACTIONS
    for role, allowed in ((Role.EDITOR, editor), (Role.APPROVER, approver), (Role.ADMIN, admin)):
        assert {action for action in team.ACTIONS if team.may(role, action)} == allowed, role


def test_an_editor_may_not_approve_cancel_or_manage():
    for action in ("approve", "reject", "cancel", "retry", "manage_users", "manage_accounts", "settings"):
        assert not team.may(Role.EDITOR, action)
    assert not team.may(Role.APPROVER, "manage_users")


def test_a_role_read_from_a_session_as_text_counts_and_an_unknown_action_is_a_bug():
    assert team.may("approver", "approve")
    with pytest.raises(ValueError, match="unknown action 'aprove'"):
        team.may(Role.ADMIN, "aprove")


# -- passwords ----------------------------------------------------------------------------------


def test_a_password_is_kept_as_an_argon2id_hash_that_verifies_it(anna: User):
    assert anna.password_hash.startswith("$argon2id$") and PASSWORD not in anna.password_hash
    assert team.verify_password(anna, PASSWORD)
    assert not team.verify_password(anna, PASSWORD + " ")
    assert not team.verify_password(User("x", Role.EDITOR, NOW, ""), PASSWORD)  # no hash at all


def test_a_short_password_is_refused_saying_how_long_it_must_be(store: Store):
    with pytest.raises(InputError, match="at least 12 characters") as refused:
        team.add_user(store, "anna", "geheim123", Role.EDITOR, now=NOW)
    assert "geheim123" not in str(refused.value)
    assert store.list_users() == []


# -- users --------------------------------------------------------------------------------------


def test_a_name_is_kept_in_lower_case_and_found_in_any_case(store: Store):
    added = team.add_user(store, " Anna.Schmidt@example.org ", PASSWORD, "approver", now=NOW)
    assert (added.name, added.role) == ("anna.schmidt@example.org", Role.APPROVER)
    assert team.user(store, "ANNA.SCHMIDT@example.org") == store.user("anna.schmidt@example.org")
    assert [u.name for u in team.users(store)] == ["anna.schmidt@example.org"]


@pytest.mark.parametrize("name", ["", "anna schmidt", "jürgen", "anna/../x", "a" * 41, "anna;drop"])
def test_a_name_that_is_not_allowed_says_what_is(store: Store, name: str):
    with pytest.raises(InputError, match=r"is not allowed: use 1–40 letters \(a–z\), digits and \. _ - @"):
        team.add_user(store, name, PASSWORD, Role.EDITOR, now=NOW)


def test_a_taken_name_in_another_case_and_an_unknown_role_are_refused(store: Store, anna: User):
    with pytest.raises(InputError, match="a user named 'anna' exists already"):
        team.add_user(store, "ANNA", PASSWORD, Role.ADMIN, now=NOW)
    with pytest.raises(InputError, match="role 'boss' is none of editor, approver, admin"):
        team.add_user(store, "max", PASSWORD, "boss", now=NOW)


def test_removing_a_user_and_one_that_is_none(store: Store, anna: User):
    assert team.remove_user(store, "Anna").name == "anna"
    assert team.users(store) == []
    with pytest.raises(InputError, match="no user named 'anna'"):
        team.remove_user(store, "anna")


def test_the_last_admin_is_neither_removed_nor_demoted(store: Store):
    team.add_user(store, "root", PASSWORD, Role.ADMIN, now=NOW)
    with pytest.raises(InputError, match="'root' is the last admin and cannot be removed"):
        team.remove_user(store, "root")
    with pytest.raises(InputError, match="'root' is the last admin and cannot be made editor"):
        team.set_role(store, "root", Role.EDITOR, now=NOW)
    team.add_user(store, "eva", PASSWORD, Role.ADMIN, now=NOW)
    assert team.set_role(store, "root", "editor", now=NOW + MINUTE).role == Role.EDITOR
    with pytest.raises(InputError, match="'eva' is the last admin"):
        team.remove_user(store, "eva")


def test_a_new_password_replaces_the_old_and_clears_the_failed_logins(store: Store, anna: User):
    for _ in range(3):
        _fail(store)
    changed = team.set_password(store, "anna", "a brand new passphrase", now=NOW + MINUTE)
    assert changed.updated_at == NOW + MINUTE
    assert team.authenticate(store, "anna", "a brand new passphrase", address=HERE, now=NOW).name == "anna"
    _fail(store, at=NOW + MINUTE)
    assert "wrong user name or password" in _fail(store, at=NOW + MINUTE)  # the old password is wrong too
    with pytest.raises(InputError, match="at least 12 characters"):
        team.set_password(store, "anna", "short", now=NOW)
    with pytest.raises(InputError, match="no user named 'max'"):
        team.set_password(store, "max", "a brand new passphrase", now=NOW)


def test_each_rule_broken_is_a_team_error_naming_it(store: Store, anna: User):
    cases = [
        (lambda: team.add_user(store, "anna schmidt", PASSWORD, Role.EDITOR, now=NOW), "name", "anna schmidt"),
        (lambda: team.free_name(store, "ANNA"), "taken", "anna"),
        (lambda: team.existing(store, "max"), "unknown", "max"),
        (lambda: team.set_role(store, "anna", "boss", now=NOW), "role", None),
        (lambda: team.set_password(store, "anna", "short", now=NOW), "short", None),
        (lambda: team.set_password(store, "anna", "x" * (team.MAX_PASSWORD + 1), now=NOW), "long", None),
        (lambda: team.check_repeated(PASSWORD, PASSWORD + " "), "differ", None),
    ]
    for call, problem, name in cases:
        with pytest.raises(TeamError) as refused:
            call()
        assert (refused.value.problem, refused.value.name) == (problem, name)
        assert refused.value.problem in team.PROBLEMS


def test_a_dashboard_admin_removes_and_demotes_others_but_not_themselves(store: Store, caplog):
    team.add_user(store, "root", PASSWORD, Role.ADMIN, now=NOW)
    team.add_user(store, "eva", PASSWORD, Role.ADMIN, now=NOW)
    for call in (
        lambda: team.remove_user(store, "root", signed_in="root"),
        lambda: team.set_role(store, "ROOT", Role.EDITOR, now=NOW, signed_in="root"),
    ):
        with pytest.raises(TeamError, match=r"you cannot .* yourself here; ask another admin") as refused:
            call()
        assert refused.value.problem == "yourself"
    with caplog.at_level(logging.INFO, logger="scheduler.team"):
        assert team.set_role(store, "root", Role.EDITOR, now=NOW, signed_in="eva").role == Role.EDITOR
        team.remove_user(store, "root", actor="operator")
    assert "user root made editor by eva" in caplog.text and "user root removed by operator" in caplog.text
    assert PASSWORD not in caplog.text


def test_the_last_admin_is_said_before_oneself(store: Store):
    team.add_user(store, "root", PASSWORD, Role.ADMIN, now=NOW)
    with pytest.raises(TeamError, match="'root' is the last admin") as refused:
        team.remove_user(store, "root", signed_in="root")
    assert refused.value.problem == "last_admin"


def test_ones_own_new_password_needs_the_current_one_typed_right(store: Store, anna: User):
    new = "a brand new passphrase"
    with pytest.raises(TeamError, match="the two passwords differ") as refused:
        team.change_password(store, "anna", PASSWORD, new, new + "!", address=HERE, now=NOW)
    with pytest.raises(TeamError, match="at least 12 characters"):
        team.change_password(store, "anna", PASSWORD, "short", "short", address=HERE, now=NOW)
    with pytest.raises(TeamError, match="your current password is not right") as refused:
        team.change_password(store, "anna", "wrong password!", new, new, address=HERE, now=NOW)
    assert refused.value.problem == "current"
    assert store.login_failures(["user:anna"])["user:anna"].failures == 1  # counted as a failed login
    changed = team.change_password(store, "anna", PASSWORD, new, new, address=HERE, now=NOW + MINUTE)
    assert changed.updated_at == NOW + MINUTE and team.verify_password(changed, new)
    assert not team.verify_password(changed, PASSWORD)


def test_a_made_up_password_is_long_random_and_easy_to_read_out():
    made = {team.generate_password() for _ in range(50)}
    assert len(made) == 50
    for password in made:
        assert len(password) >= team.MIN_PASSWORD
        assert all(c in "abcdefghijkmnpqrstuvwxyz23456789-" for c in password)


# -- logins -------------------------------------------------------------------------------------


def test_the_right_password_logs_in_in_any_case_of_the_name(store: Store, anna: User):
    assert team.authenticate(store, "Anna ", PASSWORD, address=HERE, now=NOW) == anna


def test_a_wrong_name_is_answered_as_a_wrong_password(store: Store, anna: User):
    assert _fail(store, "anna") == _fail(store, "nobody") == "wrong user name or password"
    for _ in range(2):
        wrong_password, wrong_name = _fail(store, "anna"), _fail(store, "nobody")
    assert wrong_password == wrong_name == "wrong user name or password; the next login waits 1 second"
    assert _refused(store, "anna").retry_after == _refused(store, "nobody").retry_after == 1.0


def test_after_three_failures_an_account_waits_1_2_4_seconds_without_its_password_being_looked_at(
    store: Store, anna: User
):
    for _ in range(3):
        _fail(store)
    refused = _refused(store, password=PASSWORD)  # the right password, but too soon
    assert refused.retry_after == 1.0
    assert str(refused) == "too many failed logins for this account or from this address; try again in 1 second"
    assert "the next login waits 2 seconds" in _fail(store, at=NOW + SECOND)
    assert _refused(store, at=NOW + 2 * SECOND).retry_after == 1.0  # 2 s after the 4th failure
    assert "waits 4 seconds" in _fail(store, at=NOW + 3 * SECOND)
    assert team.authenticate(store, "anna", PASSWORD, address="198.51.100.1", now=NOW + 7 * SECOND) == anna


def test_a_successful_login_forgets_the_accounts_failures(store: Store, anna: User):
    for _ in range(3):
        _fail(store)
    assert team.authenticate(store, "anna", PASSWORD, address=HERE, now=NOW + SECOND) == anna
    for _ in range(2):
        assert _fail(store, at=NOW + SECOND) == "wrong user name or password"  # counting starts again


def test_the_wait_grows_to_15_minutes_at_most(store: Store, anna: User):
    at, waits, tries = NOW, [], 0
    while len(waits) < 12:  # a patient guesser, from ever new addresses: each try once the last wait is over
        tries += 1
        try:
            team.authenticate(store, "anna", "wrong password!", address=f"198.51.100.{tries}", now=at)
        except LoginRefused as refused:
            waits.append(refused.retry_after)
            at += dt.timedelta(seconds=refused.retry_after)
        except InputError:
            pass
    assert waits == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]


def test_failures_are_forgotten_15_quiet_minutes_after_the_wait(store: Store, anna: User):
    for _ in range(3):
        _fail(store)
    assert "waits 2 seconds" in _fail(store, at=NOW + 15 * MINUTE)  # 14 min 59 s past the wait: remembered
    assert _fail(store, at=NOW + 15 * MINUTE + 2 * SECOND + 15 * MINUTE) == "wrong user name or password"


def test_an_address_waits_after_ten_failures_whatever_names_it_tried(store: Store, anna: User):
    for number in range(10):
        _fail(store, f"user{number}")
    refused = _refused(store, "anna", password=PASSWORD)  # another account, its right password
    assert refused.retry_after == 1.0
    assert team.authenticate(store, "anna", PASSWORD, address="198.51.100.1", now=NOW) == anna  # elsewhere: fine
    _refused(store, "anna", at=NOW)  # the address still waits: a login elsewhere does not clear it


def test_an_ipv6_network_counts_as_one_address_and_ipv4_mapped_as_ipv4(store: Store, anna: User):
    for host in range(10):
        _fail(store, f"user{host}", address=f"2001:db8:1:2::{host + 1:x}")
    _refused(store, "anna", address="2001:db8:1:2:ffff::1")
    assert team.authenticate(store, "anna", PASSWORD, address="2001:db8:1:3::1", now=NOW) == anna
    for number in range(10):
        _fail(store, f"user{number}", address="::ffff:203.0.113.9")
    _refused(store, "anna", address="203.0.113.9")


def test_a_hash_made_with_other_parameters_is_made_again_at_login(store: Store):
    old = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    store.insert_user(User("anna", Role.EDITOR, NOW, old))
    logged_in = team.authenticate(store, "anna", PASSWORD, address=HERE, now=NOW + MINUTE)
    stored = store.user("anna")
    assert (
        stored is not None and stored.password_hash != old and stored.password_hash.startswith("$argon2id$v=19$m=19456")
    )
    assert logged_in == stored and team.verify_password(stored, PASSWORD)


# -- the first admin ----------------------------------------------------------------------------


def test_the_first_admin_comes_from_the_settings_while_there_is_no_user(store: Store, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SCHEDULER_ADMIN_USER", "Admin")
    monkeypatch.setenv("SCHEDULER_ADMIN_PASSWORD", PASSWORD)
    made = team.first_admin(store, load_settings(), now=NOW)
    assert made is not None and (made.name, made.role) == ("admin", Role.ADMIN)
    assert team.authenticate(store, "admin", PASSWORD, address=HERE, now=NOW) == made
    assert team.first_admin(store, load_settings(), now=NOW) is None  # there are users now


def test_no_first_admin_without_the_settings_or_once_there_are_users(store: Store, monkeypatch: pytest.MonkeyPatch):
    assert team.first_admin(store, load_settings(), now=NOW) is None
    assert store.list_users() == []
    team.add_user(store, "anna", PASSWORD, Role.ADMIN, now=NOW)
    monkeypatch.setenv("SCHEDULER_ADMIN_USER", "root")  # half set: ignored, there are users
    assert team.first_admin(store, load_settings(), now=NOW) is None


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"SCHEDULER_ADMIN_USER": "root"}, "set both SCHEDULER_ADMIN_USER and SCHEDULER_ADMIN_PASSWORD"),
        ({"SCHEDULER_ADMIN_PASSWORD": PASSWORD}, "set both SCHEDULER_ADMIN_USER and SCHEDULER_ADMIN_PASSWORD"),
        (
            {"SCHEDULER_ADMIN_USER": "root admin", "SCHEDULER_ADMIN_PASSWORD": PASSWORD},
            "SCHEDULER_ADMIN_USER: user name",
        ),
        ({"SCHEDULER_ADMIN_USER": "root", "SCHEDULER_ADMIN_PASSWORD": "kurz-geheim"}, "SCHEDULER_ADMIN_PASSWORD: the"),
    ],
)
def test_first_admin_settings_that_cannot_be_used_name_the_setting(
    store: Store, monkeypatch: pytest.MonkeyPatch, values: dict[str, str], message: str
):
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=message) as refused:
        team.first_admin(store, load_settings(), now=NOW)
    assert "kurz-geheim" not in str(refused.value) and PASSWORD not in str(refused.value)
    assert store.list_users() == []


# -- no password anywhere -----------------------------------------------------------------------


def test_no_password_or_hash_in_a_repr_a_log_line_or_an_error(
    store: Store, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("SCHEDULER_ADMIN_USER", "root")
    monkeypatch.setenv("SCHEDULER_ADMIN_PASSWORD", PASSWORD)
    settings = load_settings()
    made = team.first_admin(store, settings, now=NOW)
    assert made is not None
    shown = [repr(made), str(made), repr(settings), repr(store.list_users())]
    for _ in range(4):
        with pytest.raises(InputError) as refused:
            team.authenticate(store, "root", "not " + PASSWORD, address=HERE, now=NOW)
        shown.append(str(refused.value))
    with pytest.raises(InputError) as short:
        team.set_password(store, "root", "kurz-geheim", now=NOW)
    shown += [str(short.value), caplog.text]
    assert "created the first admin root" in caplog.text
    for text in shown:
        assert PASSWORD not in text and "kurz-geheim" not in text and "$argon2" not in text, text
