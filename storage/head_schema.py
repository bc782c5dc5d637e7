"""A new SQLite archive's schema in one step: the migrated head schema, checked in as SQL.

Importing Alembic, reading the migration scripts and running them on a new archive cost a
process a few tenths of a second of CPU; replaying their result (``head_schema.sqlite.sql``,
the statements of ``sqlite_master`` in creation order) and stamping ``alembic_version`` costs
about 10 ms and imports no Alembic (docs/performance.md). Existing
archives still upgrade through the migrations. ``tests/storage/test_head_schema.py`` checks
that the replayed schema is the migrated one; after adding a migration, regenerate it with
``make schema-snapshot`` (``python -m storage.head_schema``).
"""

from __future__ import annotations

import sys
from pathlib import Path

from sqlalchemy import Connection, text

SNAPSHOT = Path(__file__).resolve().parent / "head_schema.sqlite.sql"
# Between two statements of the snapshot (a trigger's body holds semicolons of its own).
SEPARATOR = "\n-- next statement\n"
# The shadow tables SQLite's FTS5 makes for each virtual table, by their suffix.
FTS5_SHADOW_SUFFIXES = ("_data", "_idx", "_content", "_docsize", "_config")


def sqlite_schema(connection: Connection) -> list[str]:
    """The statements that made this SQLite database's schema, in creation order.

    Tables SQLite makes by itself (``sqlite_*``, the shadow tables of a virtual table) and
    automatic indexes are left out: creating what they belong to makes them again.
    """
    rows = connection.execute(
        text("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid")
    ).all()
    virtual = [name for kind, name, sql in rows if kind == "table" and _is_virtual(sql)]
    shadows = {name + suffix for name in virtual for suffix in FTS5_SHADOW_SUFFIXES}
    return [
        sql for _kind, name, sql in rows if not name.startswith("sqlite_") and name not in shadows
    ]


def _is_virtual(sql: str) -> bool:
    return sql.lstrip().upper().startswith("CREATE VIRTUAL TABLE")


def stamped_revision(connection: Connection) -> str:
    return str(connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one())


def render_snapshot(statements: list[str], revision: str) -> str:
    header = f"-- newsarchive schema at revision {revision}: python -m storage.head_schema\n"
    return header + SEPARATOR.join(statement + ";" for statement in statements) + "\n"


def snapshot_revision(snapshot: str) -> str:
    """The revision named on the snapshot's first line."""
    first = snapshot.split("\n", 1)[0]
    return first.split("revision ", 1)[1].split(":", 1)[0]


def snapshot_statements(snapshot: str) -> list[str]:
    body = snapshot.split("\n", 1)[1].rstrip("\n")
    return [statement.removesuffix(";") for statement in body.split(SEPARATOR)]


def create_from_snapshot(connection: Connection, revision: str) -> bool:
    """Create the schema of an empty SQLite database in the caller's transaction and stamp it.

    False (nothing done) when the snapshot is missing or not at ``revision``: the caller then
    migrates as before.
    """
    if not SNAPSHOT.exists():
        return False
    snapshot = SNAPSHOT.read_text(encoding="utf-8")
    if snapshot_revision(snapshot) != revision:
        return False
    for statement in snapshot_statements(snapshot):
        connection.exec_driver_sql(statement)
    stamp = text("INSERT INTO alembic_version (version_num) VALUES (:revision)")
    connection.execute(stamp, {"revision": revision})
    return True


def migrated_snapshot(folder: Path) -> str:
    """The snapshot of a new SQLite archive in ``folder`` migrated to head by Alembic."""
    from alembic import command

    from storage.database import Archive, create_archive_engine
    from storage.schema import alembic_config

    with Archive(create_archive_engine(f"sqlite:///{folder / 'migrated.db'}")) as archive:
        with archive.engine.begin() as connection:
            command.upgrade(alembic_config(connection), "head")
        with archive.engine.connect() as connection:
            return render_snapshot(sqlite_schema(connection), stamped_revision(connection))


def main() -> None:
    """Write the snapshot from a fresh migration (after adding a migration)."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        SNAPSHOT.write_text(migrated_snapshot(Path(folder)), encoding="utf-8")
    sys.stderr.write(f"wrote {SNAPSHOT}\n")


if __name__ == "__main__":
    main()
