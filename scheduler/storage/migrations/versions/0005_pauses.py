"""A daemon's pause: why publishing is paused (the outbox or the log cannot be written) and since
when, kept beside its heartbeat so `scheduler status` can say it. Empty while it publishes.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

from scheduler.storage.schema import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("daemons") as batch:
        batch.add_column(sa.Column("paused", sa.Text))
        batch.add_column(sa.Column("paused_since", UTCDateTime))


def downgrade() -> None:
    with op.batch_alter_table("daemons") as batch:
        batch.drop_column("paused_since")
        batch.drop_column("paused")
