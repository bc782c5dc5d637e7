"""site boilerplate

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 19:59:49.133808
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "site_boilerplate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("paragraph_hash", sa.String(length=64), nullable=False),
        sa.Column("paragraph", sa.Text(), nullable=False),
        sa.Column("article_count", sa.Integer(), nullable=False),
        sa.Column("articles_examined", sa.Integer(), nullable=False),
        sa.Column("first_learned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_learned_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_site_boilerplate_site_id_sites"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_boilerplate")),
        sa.UniqueConstraint(
            "site_id", "paragraph_hash", name=op.f("uq_site_boilerplate_site_id_paragraph_hash")
        ),
    )


def downgrade() -> None:
    op.drop_table("site_boilerplate")
