"""partial capture indexes: index only the captures that have a value

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 16:10:00

Most captures are revisits (unchanged, 304, errors) with no version, no raw body of their own,
no memento URL and, when imported or backfilled, no crawl run. Five capture indexes held an
entry for each of those NULLs (~180 bytes per version each at 18 captures per version,
docs/performance.md "Disk per version"). They become partial (``WHERE column IS NOT NULL``)
on SQLite and PostgreSQL: every query that reads them compares the column with a value
(``=``, ``IN``, a join), which implies ``IS NOT NULL``, so each plan keeps its index
(checked with EXPLAIN QUERY PLAN, tests/storage/test_partial_capture_indexes.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PARTIAL = ("raw_body_sha256", "server_body_sha256", "version_id", "memento_url", "crawl_run_id")


def upgrade() -> None:
    for column in PARTIAL:
        where = sa.text(f"{column} IS NOT NULL")
        op.drop_index(f"ix_captures_{column}", table_name="captures")
        op.create_index(
            f"ix_captures_{column}",
            "captures",
            [column],
            sqlite_where=where,
            postgresql_where=where,
        )


def downgrade() -> None:
    for column in PARTIAL:
        op.drop_index(f"ix_captures_{column}", table_name="captures")
        op.create_index(f"ix_captures_{column}", "captures", [column])
