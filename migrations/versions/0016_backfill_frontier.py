"""backfill through the frontier: a frontier row per memento to fetch

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 14:00:00

``backfill`` records each memento it listed as a frontier row of kind ``memento`` (scope
``backfill``) before fetching any, and marks it done in the transaction that records the
capture, so that a run killed with kill -9 resumes from these rows without listing again
(docs/backfill.md). Four nullable columns say what the row is a memento of:
``memento_of`` (the article URL) and its sha256 ``memento_of_hash`` (indexed),
``captured_at`` (the archive's capture time), ``archive_source`` (the CDX endpoint or TimeMap
base it was listed by) and ``digest`` (the CDX digest, when the listing gave one). NULL on
every crawl row. Memento rows never have a ``next_fetch_at``, so no crawl leases them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("frontier", sa.Column("memento_of", sa.Text(), nullable=True))
    op.add_column("frontier", sa.Column("memento_of_hash", sa.String(64), nullable=True))
    op.add_column("frontier", sa.Column("captured_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("frontier", sa.Column("archive_source", sa.Text(), nullable=True))
    op.add_column("frontier", sa.Column("digest", sa.String(128), nullable=True))
    op.create_index("ix_frontier_memento_of_hash", "frontier", ["memento_of_hash"])


def downgrade() -> None:
    op.drop_index("ix_frontier_memento_of_hash", table_name="frontier")
    with op.batch_alter_table("frontier") as batch:
        for column in ("digest", "archive_source", "captured_at", "memento_of_hash", "memento_of"):
            batch.drop_column(column)
