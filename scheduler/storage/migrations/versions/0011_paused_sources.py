"""Pausing a watched source (issue 14, the dashboard's Sources page; `scheduler sources pause`):
`sources.paused_at`, when a person paused it (None: it is checked). A paused source keeps its
row and what its checks found; the watcher skips it until it is resumed.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

from scheduler.storage.schema import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a nullable column is added in place on both databases
    op.add_column("sources", sa.Column("paused_at", UTCDateTime, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        batch.drop_column("paused_at")
