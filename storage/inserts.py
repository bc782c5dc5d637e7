"""INSERT ... ON CONFLICT DO NOTHING, the same on SQLite and PostgreSQL.

Get-or-create of rows with a unique key (sites, articles, URL aliases, raw bodies) used to be a
savepoint around an ORM insert per row: correct under concurrent writers, but a handful of
statements and a unit-of-work flush each. One statement that skips existing keys is just as
correct (a concurrent insert of the same key waits for the other transaction, then skips) and
costs a fraction.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import DeclarativeBase, Session

from storage.prepared import Prepared

__all__ = ["dialect_insert", "insert_missing", "insert_new", "table_of"]


def table_of(model: type[DeclarativeBase]) -> Table:
    """The Core table of a mapped class, for statements that skip the ORM's bookkeeping."""
    table: Table = model.__table__  # type: ignore[assignment]
    return table


def insert_missing(
    session: Session, model: type[DeclarativeBase], rows: Sequence[dict[str, Any]]
) -> None:
    """Insert ``rows`` into ``model``'s table, skipping each row whose unique key exists."""
    if not rows:
        return
    statement = _statement(session.get_bind().dialect.name, table_of(model))
    if len(rows) <= _FEW_ROWS:
        statement.many(session, rows)
    else:  # SQLAlchemy's batching of many rows into multi-row INSERTs is faster
        session.execute(statement.statement, list(rows))


def insert_new(session: Session, table: Table, row: dict[str, Any]) -> int | None:
    """Insert ``row`` unless its unique key exists: the new row's id, or None if it existed."""
    found = _returning_id(session.get_bind().dialect.name, table).scalar(session, row)
    return None if found is None else int(found)


def dialect_insert(dialect: str, table: Table) -> Any:
    """An INSERT into ``table`` that has ``on_conflict_do_nothing`` / ``_do_update`` (and
    ``excluded``) on the archive's two databases."""
    if dialect == "postgresql":
        # Imported here: the PostgreSQL dialect package loads every driver's module.
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"no conflict-aware insert for {dialect}")  # pragma: no cover


# Up to this many rows go to the driver's executemany (storage.prepared).
_FEW_ROWS = 16


@cache
def _statement(dialect: str, table: Table) -> Prepared:
    """Built once per table: building it and its cache key cost more than running it."""
    return Prepared(dialect_insert(dialect, table).on_conflict_do_nothing())


@cache
def _returning_id(dialect: str, table: Table) -> Prepared:
    return Prepared(dialect_insert(dialect, table).on_conflict_do_nothing().returning(table.c.id))
