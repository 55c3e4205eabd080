"""Several images per post: one JSON `images` column replaces `image` and `alt`.

Revision ID: 0002
Revises: 0001

Revision 0001 stored an imported image's path as written in the CSV (relative to the CSV file,
which is the post's `source`); it is carried over relative to that file, so the daemon finds it
from any working directory.
"""

import os.path

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_posts = sa.table("posts", sa.column("id", sa.Integer), sa.column("source", sa.Text), sa.column("image", sa.Text),
                  sa.column("alt", sa.Text), sa.column("images", sa.JSON))


def _path(image: str, source: str) -> str:
    if image.startswith(("https://", "http://")) or os.path.isabs(image) or not source:
        return image
    return os.path.abspath(os.path.join(os.path.dirname(source), image))


def upgrade() -> None:
    with op.batch_alter_table("posts") as batch:
        batch.add_column(sa.Column("images", sa.JSON, nullable=True))
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(_posts.c.id, _posts.c.source, _posts.c.image, _posts.c.alt).where(_posts.c.image.is_not(None))
    ).all()
    for post_id, source, image, alt in rows:
        connection.execute(sa.update(_posts).where(_posts.c.id == post_id)
                           .values(images=[{"path": _path(image, source), "alt": alt or ""}]))
    connection.execute(sa.update(_posts).where(_posts.c.images.is_(None)).values(images=[]))
    with op.batch_alter_table("posts") as batch:
        batch.alter_column("images", existing_type=sa.JSON, nullable=False)
        batch.drop_column("image")
        batch.drop_column("alt")


def downgrade() -> None:
    """Keeps the first image of each post (revision 0001 has room for one)."""
    with op.batch_alter_table("posts") as batch:
        batch.add_column(sa.Column("image", sa.Text))
        batch.add_column(sa.Column("alt", sa.Text))
    connection = op.get_bind()
    for post_id, images in connection.execute(sa.select(_posts.c.id, _posts.c.images)).all():
        if images:
            connection.execute(sa.update(_posts).where(_posts.c.id == post_id)
                               .values(image=images[0]["path"], alt=images[0]["alt"]))
    with op.batch_alter_table("posts") as batch:
        batch.drop_column("images")
