"""INSERT ... ON CONFLICT DO NOTHING, the same on SQLite and PostgreSQL.

Get-or-create of rows with a unique key (sites, articles, URL aliases, raw bodies) used to be a
savepoint around an ORM insert per row: correct under concurrent writers, but a handful of
statements and a unit-of-work flush each. One statement that skips existing keys is just as
correct (a concurrent insert of the same key waits for the other transaction, then skips) and
costs a fraction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Session

__all__ = ["insert_missing"]


def insert_missing(
    session: Session, model: type[DeclarativeBase], rows: Sequence[dict[str, Any]]
) -> None:
    """Insert ``rows`` into ``model``'s table, skipping each row whose unique key exists."""
    if not rows:
        return
    table: Table = model.__table__  # type: ignore[assignment]
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        statement: Any = postgresql.insert(table).on_conflict_do_nothing()
    elif dialect == "sqlite":
        statement = sqlite.insert(table).on_conflict_do_nothing()
    else:  # pragma: no cover - open_archive accepts only the two
        raise NotImplementedError(f"no conflict-skipping insert for {dialect}")
    session.execute(statement, list(rows))
