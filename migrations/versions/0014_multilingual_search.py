"""search in every script: the full-text index over folded, segmented text

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 13:00:00

Both backends now index ``search_text(title)`` and ``search_text(text)`` (storage/script.py):
accents and case folded in Latin, Greek and Cyrillic, marks dropped, and each
character of Chinese, Japanese, Korean, Thai (and Lao, Khmer, Myanmar) a word of its own.

- SQLite: ``versions_fts`` is recreated (same name and columns, still external content on
  ``versions``, declared ``content="versions"`` so that Datasette detects it; without the 2-
  and 3-character prefix indexes, half the index's size: a ``prefix*`` query walks the terms
  that start with it, measured in docs/performance.md) and refilled; its
  triggers call ``newsarchive_search_text``, a function newsarchive registers on each connection
  it opens (storage/database.py). A program that writes ``versions`` without it fails with "no
  such function"; reading, Datasette included, needs nothing.
- PostgreSQL: the function ``newsarchive_search_text(text)`` (immutable SQL: translate and
  regexp_replace) is created, and the GIN index of 0006 is rebuilt over it.

Existing archives are reindexed by the upgrade (a minute or so per 100,000 versions).
"""

from collections.abc import Sequence

from alembic import op

from storage.script import POSTGRES_FUNCTION, SEARCH_TEXT_FUNCTION

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

F = SEARCH_TEXT_FUNCTION
SQLITE_TABLE = """
CREATE VIRTUAL TABLE versions_fts USING fts5(
    title, text,
    content="versions", content_rowid="id",
    tokenize='unicode61 remove_diacritics 2'
)
"""
SQLITE_TRIGGERS = (
    f"""
    CREATE TRIGGER versions_fts_after_insert AFTER INSERT ON versions BEGIN
        INSERT INTO versions_fts (rowid, title, text)
        VALUES (new.id, {F}(new.title), {F}(new.text));
    END
    """,
    f"""
    CREATE TRIGGER versions_fts_after_delete AFTER DELETE ON versions BEGIN
        INSERT INTO versions_fts (versions_fts, rowid, title, text)
        VALUES ('delete', old.id, {F}(old.title), {F}(old.text));
    END
    """,
    f"""
    CREATE TRIGGER versions_fts_after_update AFTER UPDATE OF title, text ON versions BEGIN
        INSERT INTO versions_fts (versions_fts, rowid, title, text)
        VALUES ('delete', old.id, {F}(old.title), {F}(old.text));
        INSERT INTO versions_fts (rowid, title, text)
        VALUES (new.id, {F}(new.title), {F}(new.text));
    END
    """,
)
# The 0002 definitions, restored by downgrade.
OLD_SQLITE_TABLE = """
CREATE VIRTUAL TABLE versions_fts USING fts5(
    title, text,
    content='versions', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2',
    prefix='2 3'
)
"""
OLD_SQLITE_TRIGGERS = tuple(
    trigger.replace(f"{F}(new.title)", "new.title")
    .replace(f"{F}(new.text)", "new.text")
    .replace(f"{F}(old.title)", "old.title")
    .replace(f"{F}(old.text)", "old.text")
    for trigger in SQLITE_TRIGGERS
)
TRIGGER_NAMES = ("after_insert", "after_delete", "after_update")

POSTGRES_INDEX = "ix_versions_search"
POSTGRES_VECTOR = (
    f"(setweight(to_tsvector('simple'::regconfig, {F}(COALESCE(title, ''))), 'A') || "
    f"setweight(to_tsvector('simple'::regconfig, {F}(text)), 'B'))"
)
OLD_POSTGRES_VECTOR = (
    "(setweight(to_tsvector('simple'::regconfig, COALESCE(title, '')), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, text), 'B'))"
)


def _sqlite_index(table: str, triggers: Sequence[str], fill: str) -> None:
    for name in TRIGGER_NAMES:
        op.execute(f"DROP TRIGGER IF EXISTS versions_fts_{name}")
    op.execute("DROP TABLE IF EXISTS versions_fts")
    op.execute(table)
    for trigger in triggers:
        op.execute(trigger)
    op.execute(fill)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _sqlite_index(
            SQLITE_TABLE,
            SQLITE_TRIGGERS,
            f"INSERT INTO versions_fts (rowid, title, text) "
            f"SELECT id, {F}(title), {F}(text) FROM versions",
        )
    elif dialect == "postgresql":
        op.execute(POSTGRES_FUNCTION)
        op.execute(f"DROP INDEX IF EXISTS {POSTGRES_INDEX}")
        op.execute(f"CREATE INDEX {POSTGRES_INDEX} ON versions USING gin ({POSTGRES_VECTOR})")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _sqlite_index(
            OLD_SQLITE_TABLE,
            OLD_SQLITE_TRIGGERS,
            "INSERT INTO versions_fts (versions_fts) VALUES ('rebuild')",
        )
    elif dialect == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {POSTGRES_INDEX}")
        op.execute(f"CREATE INDEX {POSTGRES_INDEX} ON versions USING gin ({OLD_POSTGRES_VECTOR})")
        op.execute(f"DROP FUNCTION IF EXISTS {F}(text)")
