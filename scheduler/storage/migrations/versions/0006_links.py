"""Every link of a post: one JSON `links` column (the post's links in order) replaces `link`, which
held only the first, so that what is queued is the content as rendered (Facebook's link card, for
one, is built from the links).

Posts queued before get `links` = [link], or [] without one. The `link` column goes: nothing
queries it (`queue list`'s fast read path reads whole rows, through `storage.rows`), and the main
link is derived from `links` (`Content.link`), so a second copy could only drift. `content_hash`
still hashes the first link alone, which is the old `link`: a post's `rendered` hash from before
matches what it says after, and it is not taken for edited by hand.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_posts = sa.table("posts", sa.column("id", sa.Integer), sa.column("link", sa.Text), sa.column("links", sa.JSON))


def upgrade() -> None:
    with op.batch_alter_table("posts") as batch:
        batch.add_column(sa.Column("links", sa.JSON, nullable=True))
    connection = op.get_bind()
    # one statement, not one per post: a large queue migrates in seconds
    array = sa.func.json_array if connection.dialect.name == "sqlite" else sa.func.json_build_array
    connection.execute(sa.update(_posts).where(_posts.c.link.is_not(None)).values(links=array(_posts.c.link)))
    connection.execute(sa.update(_posts).where(_posts.c.links.is_(None)).values(links=[]))
    with op.batch_alter_table("posts") as batch:
        batch.alter_column("links", existing_type=sa.JSON, nullable=False)
        batch.drop_column("link")


def downgrade() -> None:
    """Keeps the first link of each post (revision 0005 has room for one)."""
    with op.batch_alter_table("posts") as batch:
        batch.add_column(sa.Column("link", sa.Text))
    connection = op.get_bind()
    for post_id, links in connection.execute(sa.select(_posts.c.id, _posts.c.links)).all():
        if links:
            connection.execute(sa.update(_posts).where(_posts.c.id == post_id).values(link=links[0]))
    with op.batch_alter_table("posts") as batch:
        batch.drop_column("links")
