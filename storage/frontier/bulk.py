"""New frontier rows in bulk, the cheapest way each database offers, existing URLs skipped.

A row is added unless the frontier has its ``url_hash`` already (the unique key: ``ON
CONFLICT DO NOTHING``, also against a concurrent worker) or the archive has it as an article
alias without a frontier row (``NOT EXISTS``, in the same statement). The count returned is
of the rows really added.

- SQLite: one ``INSERT ... SELECT ... WHERE NOT EXISTS ... ON CONFLICT DO NOTHING`` sent with
  ``executemany``: the statement is prepared once, each row is a parameter tuple, and the
  driver's row count is the number added. SQLAlchemy's per-row parameter processing and
  multi-row ``VALUES`` (insertmanyvalues) cost more than SQLite's own work here.
- PostgreSQL: the rows are ``COPY``-ed into a temporary table, then one ``INSERT ... SELECT``
  moves the new ones: one round trip for the data and one statement, where a multi-row
  ``INSERT`` is a statement of 11,000 parameters per 1,000 rows to send, parse and plan.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from storage.inserts import table_of
from storage.models import ArticleAlias, FrontierEntry

# Every column a discovered row sets; ``attempts`` is 0 and the rest stay NULL.
COLUMNS = (
    "url",
    "url_hash",
    "host",
    "scope",
    "kind",
    "source",
    "depth",
    "discovered_at",
    "published_at",
    "next_fetch_at",
)
Row = tuple[Any, ...]  # the values of COLUMNS, in that order, times already as the driver takes
INCOMING = "frontier_incoming"  # PostgreSQL: the session's temporary table for COPY


def time_values(session: Session) -> Callable[[datetime | None], Any]:
    """Times as the database driver takes them for a frontier time column (the column type's
    own conversion: SQLite stores naive UTC text, PostgreSQL an aware timestamp)."""
    convert = _time_processor(session.get_bind().dialect)
    return lambda value: None if value is None else convert(value)


@cache
def _time_processor(dialect: Dialect) -> Callable[[datetime], Any]:
    column_type = table_of(FrontierEntry).c.discovered_at.type.dialect_impl(dialect)
    processor = column_type.bind_processor(dialect)
    return processor if processor is not None else (lambda value: value)


def insert_new_rows(session: Session, rows: Sequence[Row]) -> int:
    """Insert the rows whose URL neither the frontier nor the archive has; return how many."""
    if not rows:
        return 0
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        return _copy_then_insert(connection, rows)
    result = connection.exec_driver_sql(_sqlite_insert(), list(rows))
    return int(result.rowcount)


@cache
def _sqlite_insert() -> str:
    """The statement run once per row: its parameters are a row, then its url_hash again."""
    frontier, aliases = table_of(FrontierEntry), table_of(ArticleAlias)
    marks = ", ".join("?" for _ in COLUMNS)
    return (
        f"INSERT INTO {frontier.name} ({', '.join(COLUMNS)}, attempts) SELECT {marks}, 0 "
        f"WHERE NOT EXISTS (SELECT 1 FROM {aliases.name} WHERE url_hash = ?2) "
        "ON CONFLICT DO NOTHING"
    )


def _copy_then_insert(connection: Any, rows: Sequence[Row]) -> int:
    frontier, aliases = table_of(FrontierEntry), table_of(ArticleAlias)
    columns = ", ".join(COLUMNS)
    connection.exec_driver_sql(_create_incoming(frontier))
    driver = connection.connection.driver_connection  # psycopg's, in SQLAlchemy's transaction
    with driver.cursor() as cursor, cursor.copy(f"COPY {INCOMING} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    added = connection.exec_driver_sql(
        f"INSERT INTO {frontier.name} ({columns}, attempts) "
        f"SELECT {columns}, 0 FROM {INCOMING} AS incoming "
        f"WHERE NOT EXISTS (SELECT 1 FROM {aliases.name} AS alias "
        "WHERE alias.url_hash = incoming.url_hash) "
        "ON CONFLICT (url_hash) DO NOTHING"
    ).rowcount
    connection.exec_driver_sql(f"TRUNCATE {INCOMING}")
    return int(added)


@cache
def _create_incoming(frontier: Table) -> str:
    """The temporary table, created at a connection's first use with the frontier's own column
    types (emptied after each use, and at every commit in any case)."""
    return (
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {INCOMING} ON COMMIT DELETE ROWS AS "
        f"SELECT {', '.join(COLUMNS)} FROM {frontier.name} WITH NO DATA"
    )
