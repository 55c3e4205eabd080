"""The queue's tables (SQLAlchemy Core). Our tables are the source of truth; APScheduler is
only the clock. Times are stored in UTC (`UTCDateTime`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

from scheduler.storage import times


class _StoredText(sqlite.DATETIME):
    """A DATETIME column on SQLite (as the migrations created it) whose values pass as they are:
    `UTCDateTime` has made them the stored text already (`times.stored`)."""

    def bind_processor(self, dialect: Dialect) -> None:
        return None

    def result_processor(self, dialect: Dialect, coltype: object) -> None:
        return None


_STORED_TEXT = _StoredText()  # type: ignore[no-untyped-call]  # SQLAlchemy's sqlite.DATETIME() is unannotated


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware datetimes in, aware UTC datetimes out: `timestamptz` on PostgreSQL; on SQLite the UTC
    instant as text, encoded and decoded by `storage.times` (which the fast read path shares)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return _STORED_TEXT
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return times.stored(value)
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: times must carry a time zone")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return times.instant(value)
        moment: dt.datetime = value
        return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


metadata = MetaData()

posts = Table(
    "posts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("item_id", String(64), nullable=False),
    Column("platform", String(16), nullable=False),
    Column("account", String(64), nullable=False),
    Column("state", String(16), nullable=False),
    Column("publish_at", UTCDateTime, nullable=False),
    Column("due_at", UTCDateTime, nullable=False),  # next attempt: publish_at, or later after a transient error
    Column("parts", JSON, nullable=False),
    Column("language", String(16), nullable=False),
    Column("section", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("spoiler_text", Text, nullable=False),
    Column("links", JSON, nullable=False),  # every link, in order; the first is hashed (revision 0006)
    Column("images", JSON, nullable=False),  # [{"path": …, "alt": …}, …] (revision 0002)
    Column("attempts", Integer, nullable=False),
    Column("idempotency_key", String(80)),
    Column("claimed_by", String(120)),
    Column("claimed_at", UTCDateTime),
    Column("remote_id", Text),
    Column("remote_url", Text),
    Column("error", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("rendered", String(64)),  # content_hash as last rendered; differs from the content after a hand edit (0004)
    UniqueConstraint("item_id", "platform", "account", name="uq_posts_item_platform_account"),
    Index("ix_posts_state_due", "state", "due_at", "id"),  # due posts in claim order (0008)
    Index("ix_posts_account_state", "platform", "account", "state"),  # is the account busy? (0008)
    Index("ix_posts_state_publish", "state", "publish_at"),
)

transitions = Table(
    "transitions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("post_id", Integer, ForeignKey("posts.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("from_state", String(16)),
    Column("to_state", String(16), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("reason", Text, nullable=False),
    Column("actor", String(120)),  # who made the change: a user's name, the CLI's system user; None: a daemon (0009)
    Column("previous", JSON),  # the parts before a rewrite from an updated issue, else None (0010)
)

notices = Table(
    "notices",
    metadata,
    Column("post_id", Integer, ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    Column("state", String(16), primary_key=True),
    Column("sent_at", UTCDateTime, nullable=False),
)

daemons = Table(
    "daemons",
    metadata,
    Column("worker", String(120), primary_key=True),
    Column("started_at", UTCDateTime, nullable=False),
    Column("heartbeat_at", UTCDateTime, nullable=False),
    Column("stopped_at", UTCDateTime),
    Column("paused", Text),  # why publishing is paused (the outbox or log cannot be written), else empty (0005)
    Column("paused_since", UTCDateTime),
)

steps = Table(
    "steps",
    metadata,
    # remote ids noted between the requests of one attempt (revision 0003)
    Column("post_id", Integer, ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    Column("attempt", String(80), primary_key=True),  # the attempt's idempotency key
    Column("name", String(80), primary_key=True),
    Column("value", Text, nullable=False),
    Column("at", UTCDateTime, nullable=False),
)

items = Table(
    "items",
    metadata,
    # an item's identity across corrections of its issue (revision 0004; see newsletter.identity)
    Column("id", String(64), primary_key=True),  # the item_id of its posts
    Column("issue", String(200), nullable=False, index=True),  # the issue's key: date and title
    Column("number", Integer, nullable=False),  # 1-based position in the issue as last read
    Column("section", Text, nullable=False),
    Column("body", Text, nullable=False),  # the text as last queued
    Column("fingerprint", String(64), nullable=False, index=True),  # item_id(body)
    Column("updated_at", UTCDateTime, nullable=False),
)

sources = Table(
    "sources",
    metadata,
    # where new issues appear, and what the last checks found (revision 0007; see scheduler.watching)
    Column("name", String(80), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("location", Text, nullable=False),
    Column("options", JSON, nullable=False),  # platforms, accounts, approve, per_entry, pattern, sender
    Column("created_at", UTCDateTime, nullable=False),
    Column("checked_at", UTCDateTime),
    Column("ok_at", UTCDateTime),
    Column("failures", Integer, nullable=False),  # checks failed in a row
    Column("error", Text, nullable=False),  # the last failure's reason; "" after a good check
    Column("next_check_at", UTCDateTime),  # None: at the next check of all sources
    Column("validators", JSON, nullable=False),  # ETag / Last-Modified, a folder's file times
    Column("paused_at", UTCDateTime),  # paused by a person: not checked until resumed (0011)
)

seen_issues = Table(
    "seen_issues",
    metadata,
    # every issue a watcher found, by what it says (revision 0007): found again — under another
    # date, in another source — it is not queued again
    Column("digest", String(64), primary_key=True),
    Column("issue", String(200), nullable=False),  # newsletter.identity.issue_key when first seen
    Column("title", Text, nullable=False),
    Column("source", String(80), nullable=False),
    Column("seen_at", UTCDateTime, nullable=False),
    Column("posts", Integer, nullable=False),  # posts queued for it (0: seen when the source was added)
    Column("noticed_at", UTCDateTime),  # when the notice "drafts are waiting" went out
)

leases = Table(
    "leases",
    metadata,
    # a task that one process at a time does (checking the sources), held until `until` (0007)
    Column("name", String(80), primary_key=True),
    Column("holder", String(120), nullable=False),
    Column("until", UTCDateTime, nullable=False),
)

users = Table(
    "users",
    metadata,
    # the dashboard's users (revision 0009; see scheduler.team)
    Column("name", String(40), primary_key=True),
    Column("role", String(16), nullable=False),  # models.Role
    Column("password_hash", Text, nullable=False),  # Argon2 (argon2-cffi's PHC string), never the password
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

login_failures = Table(
    "login_failures",
    metadata,
    # failed logins in a row, per account ("user:anna") and per address ("addr:192.0.2.7") (0009)
    Column("key", String(200), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("first_at", UTCDateTime, nullable=False),
    Column("last_at", UTCDateTime, nullable=False),
)

comments = Table(
    "comments",
    metadata,
    # what the team says about a post on the dashboard, a rejection's reason among them (revision 0010)
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("post_id", Integer, ForeignKey("posts.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("author", String(120), nullable=False),  # a user's name (kept when the user is removed)
    Column("text", Text, nullable=False),
    Column("at", UTCDateTime, nullable=False),
)
