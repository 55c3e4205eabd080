"""Comments on posts (issue 14, review on the dashboard): `comments` (the post, its author, the text,
when), and the text a post had before an updated issue rewrote it (`transitions.previous`: the
parts before the change, None for every other change and for the rewrites recorded before), so
the post editor can show what the update changed.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

from scheduler.storage.schema import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "comments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("post_id", sa.Integer, sa.ForeignKey("posts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("author", sa.String(120), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_comments_post_id", "comments", ["post_id"])
    # a nullable column is added in place on both databases: a long history is not copied
    op.add_column("transitions", sa.Column("previous", sa.JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("transitions") as batch:
        batch.drop_column("previous")
    op.drop_index("ix_comments_post_id", table_name="comments")
    op.drop_table("comments")
