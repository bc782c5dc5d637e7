"""covering walk index: the newest-first search walk reads the versions index alone (SQLite)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 19:40:00

A very common word is listed newest first (storage/search/broad.py): versions are walked down
the ``captured_at`` index and each is checked against the filters: latest version only
(``number`` against its article's ``version_count``) and the site (its article's
``site_id``). With ``ix_versions_captured_at`` (captured_at) each step also read the version's
row for ``article_id`` and ``number``, most of the walk's cost (a deep page, ``search said``
page 100, walks ~4,000 versions). ``ix_versions_captured_at_id`` (captured_at, id, article_id,
number) holds them, in the walk's order (captured_at, id), so the walk reads the index and the
article rows only (EXPLAIN QUERY PLAN: ``SCAN versions USING COVERING INDEX
ix_versions_captured_at_id``). SQLite only: PostgreSQL has its own ``ix_versions_captured_at_id``
(captured_at, id) since 0017, and its walk (storage/search/postgres.py) reads the rows for
their stored search vectors anyway.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WALK_INDEX = "ix_versions_captured_at_id"


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.create_index(WALK_INDEX, "versions", ["captured_at", "id", "article_id", "number"])


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.drop_index(WALK_INDEX, table_name="versions")
