"""full-text search over version titles and texts (SQLite FTS5)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 10:00:00

SQLite only: an external-content FTS5 table ``versions_fts`` (rowid = versions.id, columns
title and text) kept in step by three triggers on ``versions``. Other dialects are left
untouched here; PostgreSQL gets its own search index in a later revision.

Caution for later revisions: a batch migration that recreates ``versions`` on SQLite drops
these triggers with the old table; recreate them (and run the 'rebuild' command) afterwards.
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CREATE_TABLE = """
CREATE VIRTUAL TABLE versions_fts USING fts5(
    title, text,
    content='versions', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2',
    prefix='2 3'
)
"""

TRIGGERS = (
    """
    CREATE TRIGGER versions_fts_after_insert AFTER INSERT ON versions BEGIN
        INSERT INTO versions_fts (rowid, title, text) VALUES (new.id, new.title, new.text);
    END
    """,
    """
    CREATE TRIGGER versions_fts_after_delete AFTER DELETE ON versions BEGIN
        INSERT INTO versions_fts (versions_fts, rowid, title, text)
        VALUES ('delete', old.id, old.title, old.text);
    END
    """,
    """
    CREATE TRIGGER versions_fts_after_update AFTER UPDATE OF title, text ON versions BEGIN
        INSERT INTO versions_fts (versions_fts, rowid, title, text)
        VALUES ('delete', old.id, old.title, old.text);
        INSERT INTO versions_fts (rowid, title, text) VALUES (new.id, new.title, new.text);
    END
    """,
)


def _is_sqlite() -> bool:
    return op.get_bind().dialect.name == 'sqlite'


def upgrade() -> None:
    if not _is_sqlite():
        return
    op.execute(CREATE_TABLE)
    for trigger in TRIGGERS:
        op.execute(trigger)
    op.execute("INSERT INTO versions_fts (versions_fts) VALUES ('rebuild')")


def downgrade() -> None:
    if not _is_sqlite():
        return
    for name in ('after_insert', 'after_delete', 'after_update'):
        op.execute(f'DROP TRIGGER IF EXISTS versions_fts_{name}')
    op.execute('DROP TABLE IF EXISTS versions_fts')
