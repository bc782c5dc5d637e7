"""crawl frontier

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 19:37:47.527477
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('frontier',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('url_hash', sa.String(length=64), nullable=False),
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.Column('scope', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('depth', sa.Integer(), nullable=False),
    sa.Column('discovered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('next_fetch_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lease_owner', sa.String(length=64), nullable=True),
    sa.Column('lease_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_fetched_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_outcome', sa.String(length=32), nullable=True),
    sa.Column('etag', sa.String(length=1024), nullable=True),
    sa.Column('last_modified', sa.String(length=255), nullable=True),
    sa.Column('article_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_frontier_article_id_articles'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_frontier')),
    sa.UniqueConstraint('url_hash', name=op.f('uq_frontier_url_hash'))
    )
    with op.batch_alter_table('frontier', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_frontier_article_id'), ['article_id'], unique=False)
        batch_op.create_index('ix_frontier_due', ['scope', 'next_fetch_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_frontier_host'), ['host'], unique=False)
        batch_op.create_index('ix_frontier_lease_owner', ['lease_owner'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('frontier', schema=None) as batch_op:
        batch_op.drop_index('ix_frontier_lease_owner')
        batch_op.drop_index(batch_op.f('ix_frontier_host'))
        batch_op.drop_index('ix_frontier_due')
        batch_op.drop_index(batch_op.f('ix_frontier_article_id'))

    op.drop_table('frontier')
