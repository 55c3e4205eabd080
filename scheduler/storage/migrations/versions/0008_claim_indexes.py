"""Indexes for claiming in a burst (issue 13): due posts in the order they are claimed, and an
account's posts by state.

A claim reads due posts in (due_at, id) order and skips those whose account has a post in
publishing. With the old index on (state, due_at) alone, a burst — thousands of posts due at the
same instant — had to be read in full and sorted by id before the first row came out; (state,
due_at, id) hands them out in claim order and the claim stops after the rows it needs. The account
check looks up (platform, account, state) instead of reading every post in publishing for each row.

Revision ID: 0008
Revises: 0007
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_posts_state_due", table_name="posts")
    op.create_index("ix_posts_state_due", "posts", ["state", "due_at", "id"])
    op.create_index("ix_posts_account_state", "posts", ["platform", "account", "state"])


def downgrade() -> None:
    op.drop_index("ix_posts_account_state", table_name="posts")
    op.drop_index("ix_posts_state_due", table_name="posts")
    op.create_index("ix_posts_state_due", "posts", ["state", "due_at"])
