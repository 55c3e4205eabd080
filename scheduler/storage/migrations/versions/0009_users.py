"""The dashboard's users (issue 14): `users` (name, role, Argon2 password hash), `login_failures`
(failed logins in a row per account and per address, shared by every process serving the
dashboard), and who made each change of a post (`transitions.actor`; None for the changes made
before, and for those of daemons).

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

from scheduler.storage.schema import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "login_failures",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("first_at", UTCDateTime, nullable=False),
        sa.Column("last_at", UTCDateTime, nullable=False),
    )
    # a nullable column is added in place on both databases: a long history is not copied
    op.add_column("transitions", sa.Column("actor", sa.String(120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("transitions") as batch:
        batch.drop_column("actor")
    op.drop_table("login_failures")
    op.drop_table("users")
