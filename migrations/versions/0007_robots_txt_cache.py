"""robots.txt cache

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 12:00:00

``robots_txt``: one row per origin (``scheme://host[:port]``) with the status and the body of
its robots.txt as last fetched, so that crawls within the next 24 hours (RFC 9309 section 2.4)
parse the stored copy instead of fetching it again (crawler/middlewares/robots.py). Only
answers below 500 are stored. Every dialect; nothing to carry over, so the downgrade drops it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "robots_txt",
        sa.Column("origin", sa.Text(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("origin", name=op.f("pk_robots_txt")),
    )


def downgrade() -> None:
    op.drop_table("robots_txt")
