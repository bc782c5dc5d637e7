"""New frontier rows in bulk, the cheapest way each database offers, existing URLs skipped.

A row is added unless the frontier has its ``url_hash`` already (the unique key: ``ON
CONFLICT DO NOTHING``, also against a concurrent worker) or the archive has it as an article
alias without a frontier row (``NOT EXISTS``, in the same statement). The count returned is
of the rows really added.

- SQLite: the rows go as one JSON parameter, unpacked by ``json_each`` in one ``INSERT ...
  SELECT ... WHERE NOT EXISTS ... ON CONFLICT DO NOTHING``: one statement, one step of SQLite
  for the whole batch. Sent with ``executemany`` instead (a step per row), the writer thread
  gives up and takes back the GIL once per row; with the sitemap parser and the reactor busy
  in the same process each takeback waits, and 10,000 rows took 3-4x as long (twice the
  CPU even alone). SQLAlchemy's multi-row ``VALUES`` cost 7x more to build than to run.
- PostgreSQL: the rows are ``COPY``-ed into a temporary table, then one ``INSERT ... SELECT``
  moves the new ones: one round trip for the data and one statement, where a multi-row
  ``INSERT`` is a statement of 11,000 parameters per 1,000 rows to send, parse and plan.
"""

from __future__ import annotations

import json
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
    result = connection.exec_driver_sql(_sqlite_insert(), (json.dumps(rows),))
    return int(result.rowcount)


@cache
def _sqlite_insert() -> str:
    """One statement for all the rows, given as a JSON array of arrays (``json_extract`` rather
    than ``->>``, which needs SQLite 3.38)."""
    frontier, aliases = table_of(FrontierEntry), table_of(ArticleAlias)
    values = ", ".join(f"json_extract(value, '$[{i}]')" for i in range(len(COLUMNS)))
    hash_value = f"json_extract(value, '$[{COLUMNS.index('url_hash')}]')"
    return (
        f"INSERT INTO {frontier.name} ({', '.join(COLUMNS)}, attempts) "
        f"SELECT {values}, 0 FROM json_each(?) "
        f"WHERE NOT EXISTS (SELECT 1 FROM {aliases.name} WHERE url_hash = {hash_value}) "
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
