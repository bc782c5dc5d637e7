"""PostgreSQL: versions' text and search vector compressed with lz4 instead of pglz

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 19:40:00

A version's text (4.4 KB on average) and its stored tsvector (migration 0017) are over
PostgreSQL's TOAST threshold, so every version written tries to compress both with the default
method, pglz: ~0.09 ms of server CPU per version of an import of 20,000 generated versions,
about a tenth of the server's whole cost, even where pglz then gives up because it saves less
than a quarter (docs/performance.md "Import"). lz4 does the same job several times faster, and
reads (ranking, snippets) decompress faster too. The columns' method is metadata: existing
rows keep their pglz values and are read as before; rows written from now on use lz4.
PostgreSQL 14 or later built with lz4 (the Debian and PGDG packages are) only; elsewhere, and
on SQLite, nothing changes.
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("text", "search_vector")


def _set_compression(method: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    supported = bind.scalar(
        text(
            "SELECT count(*) FROM pg_settings "
            "WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)"
        )
    )
    if not supported:  # before PostgreSQL 14, or built without lz4
        return
    changes = ", ".join(f"ALTER COLUMN {column} SET COMPRESSION {method}" for column in COLUMNS)
    op.execute(f"ALTER TABLE versions {changes}")


def upgrade() -> None:
    _set_compression("lz4")


def downgrade() -> None:
    _set_compression("default")
