"""Steps of an attempt: remote ids a platform client notes between its requests (a Threads
container before it is published, each part of a thread as it goes out), so reconciling after a
crash can ask about exactly those.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from scheduler.storage.schema import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "steps",
        sa.Column("post_id", sa.Integer, sa.ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("attempt", sa.String(80), primary_key=True),
        sa.Column("name", sa.String(80), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("steps")
