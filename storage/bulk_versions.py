"""Many version rows in one transaction, the search index filled by one statement for all.

On SQLite the search index is kept by a trigger (migration 0014) that inserts each new version
into ``versions_fts`` with a statement of its own; FTS5 writes out its pending terms at the end
of each such statement, so a bulk insert built the index one tiny segment per row and then
merged them: half the CPU of an import. Here, within the caller's write transaction, the
trigger is dropped, the rows inserted, the index filled from them with the trigger's own
expressions in one ``INSERT ... SELECT``, and the trigger created again from its stored SQL.
It is all one transaction: another connection never sees the archive without its trigger, and
a killed import rolls back to the archive as it was (trigger included). The index holds the
same terms for the same rowids as the trigger would have written.

On PostgreSQL (a generated search vector and its GIN index, no trigger) the rows are sent
with ``COPY``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.orm import Session

from storage.inserts import table_of
from storage.models import Version

TRIGGER = "versions_fts_after_insert"
# Fewer rows than this are not worth a schema change (each one re-prepares statements).
BULK_FROM = 50
_VALUES = re.compile(
    r"\bBEGIN\s+(INSERT\s+INTO\s+versions_fts\s*\([^)]*\))\s+VALUES\s*\((.*)\)\s*;\s*END\s*$",
    re.IGNORECASE | re.DOTALL,
)


def insert_versions(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (every column in every row) into ``versions``, indexed for search."""
    table = table_of(Version)
    if rows and session.get_bind().dialect.name == "postgresql":
        _copy(session, table, rows)
        return
    trigger = _bulk_trigger(session) if len(rows) >= BULK_FROM else None
    if trigger is None:
        session.execute(insert(table), list(rows))
        return
    sql, fill = trigger
    after = session.scalar(select(func.coalesce(func.max(Version.id), 0)))
    connection = session.connection()  # the stored SQL as it is: no bind parameters parsed
    connection.exec_driver_sql(f"DROP TRIGGER {TRIGGER}")
    session.execute(insert(table), list(rows))
    connection.exec_driver_sql(fill, (after,))
    connection.exec_driver_sql(sql)


def _copy(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """PostgreSQL: the rows by ``COPY``, in order (ids from the sequence in that order too).

    Each value goes through its column type's bind processing, as in an INSERT (JSON text,
    UTC times). Against one multi-row INSERT per batch, an import of 20,000 versions took
    14.5-16.1 s of server CPU instead of 18.1-20.6 s (no parameters to bind) and 3.1-3.4 s of
    client CPU instead of 3.5-4.1 (benchmarks/import_postgres_jobs.py, docs/performance.md).
    """
    names = list(rows[0])
    dialect = session.get_bind().dialect
    processors = [table.c[name].type._cached_bind_processor(dialect) for name in names]
    cursor = session.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(
                    [
                        row[name] if process is None else process(row[name])
                        for name, process in zip(names, processors, strict=True)
                    ]
                )
    finally:
        cursor.close()


def _bulk_trigger(session: Session) -> tuple[str, str] | None:
    """The insert trigger's SQL and the one statement that does its work for rows after an id.

    None on PostgreSQL (an expression index, no trigger) or when the trigger is not the plain
    one-statement form this reads.
    """
    if session.get_bind().dialect.name != "sqlite":
        return None
    sql = session.scalar(
        text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :name"),
        {"name": TRIGGER},
    )
    match = _VALUES.search(sql or "")
    if sql is None or match is None:
        return None
    head, values = match.groups()
    columns = re.sub(r"\bnew\.", "", values)
    return sql, f"{head} SELECT {columns} FROM versions WHERE id > ? ORDER BY id"
