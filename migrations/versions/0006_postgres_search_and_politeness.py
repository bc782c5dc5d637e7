"""PostgreSQL full-text search index; shared per-host politeness for cooperating workers

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 12:00:00

- PostgreSQL only: a GIN expression index over the weighted tsvector of a version (title
  weight A, text weight B, the 'simple' configuration) that storage/search/postgres.py queries
  with the very same expression. SQLite keeps its FTS5 table from 0002; nothing changes there.
  The index is not described by the models; migrations/env.py leaves it out of `alembic check`.
- Every dialect: ``host_politeness``, one row per host with the earliest time the next request
  to it may start. Workers sharing one database reserve slots in it atomically, so a host's
  delay holds across all of them (crawler/middlewares/shared_politeness.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEARCH_INDEX = 'ix_versions_search'
SEARCH_VECTOR = (
    "(setweight(to_tsvector('simple'::regconfig, COALESCE(title, '')), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, text), 'B'))"
)


def upgrade() -> None:
    op.create_table(
        'host_politeness',
        sa.Column('host', sa.String(length=255), nullable=False),
        sa.Column('next_request_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('host', name=op.f('pk_host_politeness')),
    )
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f'CREATE INDEX {SEARCH_INDEX} ON versions USING gin ({SEARCH_VECTOR})')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f'DROP INDEX IF EXISTS {SEARCH_INDEX}')
    op.drop_table('host_politeness')
