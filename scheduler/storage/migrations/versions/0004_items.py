"""Items keep their identity when their issue is corrected: an `items` table (identity, issue key,
position, section, text as last queued, fingerprint) and `posts.rendered`, the hash of a post's
content as the renderer last made it (so a later hand edit is told apart from a stale post).

Posts queued before have no item row and no `rendered` value: they are recognised by their exact
text, as before, and get their item rows the next time their issue is added.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

from scheduler.storage.schema import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "items",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("issue", sa.String(200), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("section", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_items_issue", "items", ["issue"])
    op.create_index("ix_items_fingerprint", "items", ["fingerprint"])
    with op.batch_alter_table("posts") as batch:
        batch.add_column(sa.Column("rendered", sa.String(64)))


def downgrade() -> None:
    with op.batch_alter_table("posts") as batch:
        batch.drop_column("rendered")
    op.drop_index("ix_items_fingerprint", table_name="items")
    op.drop_index("ix_items_issue", table_name="items")
    op.drop_table("items")
