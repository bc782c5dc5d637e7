"""smaller captures: final_url only when a redirect changed it; the outcome index only for errors

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 19:40:00

Two things each capture paid for that no reader needed (docs/performance.md "Disk per version",
~1.1 KiB per version at 18 captures per version):

- ``final_url`` repeated ``requested_url`` on every fetch that was not redirected. It is now
  NULL then (as it already was for a fetch that got no answer), and every reader takes
  ``coalesce(final_url, requested_url)``. Existing rows are rewritten here.
- ``ix_captures_outcome`` indexed every capture's outcome, yet the only queries that filter on
  it ask for ``outcome = 'error'`` (the per-site recount) or read the rows another index
  already found. It becomes ``ix_captures_errors`` on ``article_id``, only over the errors.

SQLite keeps the freed pages in the file until ``VACUUM``; PostgreSQL reuses them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ERRORS = sa.text("outcome = 'error'")


def upgrade() -> None:
    op.execute("UPDATE captures SET final_url = NULL WHERE final_url = requested_url")
    op.drop_index("ix_captures_outcome", table_name="captures")
    op.create_index(
        "ix_captures_errors",
        "captures",
        ["article_id"],
        sqlite_where=ERRORS,
        postgresql_where=ERRORS,
    )


def downgrade() -> None:
    op.drop_index("ix_captures_errors", table_name="captures")
    op.create_index("ix_captures_outcome", "captures", ["outcome"])
    # A NULL final_url of a fetch that got an answer meant "where it began".
    op.execute(
        "UPDATE captures SET final_url = requested_url "
        "WHERE final_url IS NULL AND http_status IS NOT NULL"
    )
