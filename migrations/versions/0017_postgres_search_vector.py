"""PostgreSQL search: each version's tsvector stored once, the GIN index on it

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 16:00:00

Until now the GIN index of migration 0014 was on an expression: every statement that needed a
version's vector (ranking with ts_rank_cd, the recheck of a phrase or ``title:`` query, a
filter applied row by row) parsed the version's whole text again with to_tsvector, about
1.2 ms for 4.4 KB of text, so ranking a common word's 36,000 matches took 77 s. The vector
is now a stored generated column, ``versions.search_vector`` (the same expression, computed
once when a version is written or its text changes), and the index is on that column: reading
a stored vector costs microseconds. PostgreSQL only; SQLite's FTS5 index already stores its
terms. Upgrading rewrites the versions table (the vector computed once per version: ~2 min per
100,000 versions).

A query matching more than 5,000 versions is listed newest first by walking the versions in
(captured_at, id) order, as on SQLite; ``ix_versions_captured_at_id`` gives that order whole,
so the walk stops when its page is full (with captured_at alone, ties need a sort, and the
planner may sort every version in the date range first).
"""

from collections.abc import Sequence

from alembic import op

from storage.script import SEARCH_TEXT_FUNCTION as F

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_versions_search"
# Newest first with ties in id order, as SQLite's index on captured_at gives them (its rowid).
WALK_INDEX = "ix_versions_captured_at_id"
COLUMN = "search_vector"
# The expression of migration 0014's index, unchanged.
VECTOR = (
    f"(setweight(to_tsvector('simple'::regconfig, {F}(COALESCE(title, ''))), 'A') || "
    f"setweight(to_tsvector('simple'::regconfig, {F}(text)), 'B'))"
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP INDEX IF EXISTS {INDEX}")
    op.execute(
        f"ALTER TABLE versions ADD COLUMN {COLUMN} tsvector GENERATED ALWAYS AS ({VECTOR}) STORED"
    )
    op.execute(f"CREATE INDEX {INDEX} ON versions USING gin ({COLUMN})")
    op.execute(f"CREATE INDEX {WALK_INDEX} ON versions (captured_at, id)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP INDEX IF EXISTS {WALK_INDEX}")
    op.execute(f"DROP INDEX IF EXISTS {INDEX}")
    op.execute(f"ALTER TABLE versions DROP COLUMN IF EXISTS {COLUMN}")
    op.execute(f"CREATE INDEX {INDEX} ON versions USING gin ({VECTOR})")
