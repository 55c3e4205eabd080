"""Watched sources (`scheduler sources add`), the issues the watcher has seen, and leases (one
watcher at a time checks the sources, also with several on one PostgreSQL database).

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

from scheduler.storage.schema import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sources",
        sa.Column("name", sa.String(80), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("location", sa.Text, nullable=False),
        sa.Column("options", sa.JSON, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("checked_at", UTCDateTime),
        sa.Column("ok_at", UTCDateTime),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("error", sa.Text, nullable=False),
        sa.Column("next_check_at", UTCDateTime),
        sa.Column("validators", sa.JSON, nullable=False),
    )
    op.create_table(
        "seen_issues",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("issue", sa.String(200), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("source", sa.String(80), nullable=False),
        sa.Column("seen_at", UTCDateTime, nullable=False),
        sa.Column("posts", sa.Integer, nullable=False),
        sa.Column("noticed_at", UTCDateTime),
    )
    op.create_table(
        "leases",
        sa.Column("name", sa.String(80), primary_key=True),
        sa.Column("holder", sa.String(120), nullable=False),
        sa.Column("until", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("leases")
    op.drop_table("seen_issues")
    op.drop_table("sources")
