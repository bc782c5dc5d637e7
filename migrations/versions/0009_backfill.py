"""backfill from web archives

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 04:40:00

A capture backfilled from a web archive (``newsarchive backfill``, docs/backfill.md) keeps where
it came from: ``captures.archive`` (the archive's CDX endpoint or TimeMap base, NULL for our own
fetches) and ``captures.memento_url`` (the URL its raw bytes were fetched from; a rerun skips
memento URLs already recorded). A version made from one has ``origin = 'backfill'``.

Versions are numbered in capture-time order, so a backfilled version older than versions we
already hold takes its place and the later ones move up by one: ``renumberings`` records
each such shift (which article, from which number, how many versions moved, which capture
caused it), done in the same transaction as the insert.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("captures") as batch:
        batch.add_column(sa.Column("archive", sa.String(255), nullable=True))
        batch.add_column(sa.Column("memento_url", sa.Text(), nullable=True))
    op.create_index("ix_captures_memento_url", "captures", ["memento_url"])
    op.create_table(
        "renumberings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("renumbered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("from_number", sa.Integer(), nullable=False),
        sa.Column("shifted", sa.Integer(), nullable=False),
        sa.Column("capture_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_renumberings_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_renumberings")),
    )
    op.create_index(
        op.f("ix_renumberings_article_id"), "renumberings", ["article_id"]
    )

def downgrade() -> None:
    op.drop_table("renumberings")
    op.drop_index("ix_captures_memento_url", table_name="captures")
    with op.batch_alter_table("captures") as batch:
        batch.drop_column("memento_url")
        batch.drop_column("archive")
