"""frontier kept_because

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 05:00:00

``frontier.kept_because``: why a discovered URL was archived as an article, decided by the page
and its source, not by the URL's shape (crawler/discovery/classify.py, ``article_reason``):
``news_sitemap``, ``feed_entry``, ``declared:<type>`` (og:type or JSON-LD @type, e.g.
``declared:NewsArticle``) or ``body_length`` (no declaration, a body of article length).
Nullable: rows archived before this column, seeds and URLs a user named.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("frontier", sa.Column("kept_because", sa.String(32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("frontier") as batch:
        batch.drop_column("kept_because")
