"""Plain SQL reads on any archive: sqlite3's own connection on SQLite, a session elsewhere.

The read queries (storage/queries.py, listing.py, provenance.py, search/sqlite.py) are written
once, as SQL with ``:name`` parameters, and run through a ``Reads``: ``SqliteReads`` over a
sqlite3 connection (what the read-only commands open without SQLAlchemy, and what a SQLite
session's own connection is wrapped in), ``SessionReads`` over a SQLAlchemy session (PostgreSQL).
Values come back as stored (on SQLite: times as text, JSON as text); ``stored_time`` and
``stored_json`` turn them into what the models give, alike for both.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from storage.timeutil import as_utc

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = [
    "Reads",
    "SessionReads",
    "SqliteReads",
    "in_list",
    "reads_of",
    "required_time",
    "stored_bool",
    "stored_json",
    "stored_time",
]

Row = tuple[Any, ...]
STREAM_BATCH = 500


def _sqlite_time(value: datetime) -> str:
    """A time as SQLAlchemy stores it on SQLite (UTC, no zone), so comparisons match."""
    return as_utc(value).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


class SqliteReads:
    """Plain SQL on a sqlite3 connection (times bound as stored: UTC text)."""

    dialect = "sqlite"

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def _params(self, params: Mapping[str, Any]) -> dict[str, Any]:
        return {k: _sqlite_time(v) if isinstance(v, datetime) else v for k, v in params.items()}

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        return self.connection.execute(sql, self._params(params or {})).fetchall()

    def stream(self, sql: str, params: Mapping[str, Any] | None = None) -> Iterator[Row]:
        cursor = self.connection.execute(sql, self._params(params or {}))
        try:
            while batch := cursor.fetchmany(STREAM_BATCH):
                yield from batch
        finally:
            cursor.close()


class SessionReads:
    """Plain SQL through a SQLAlchemy session (``text()``), for server databases."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.dialect = session.get_bind().dialect.name

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        from sqlalchemy import text

        return [tuple(row) for row in self.session.execute(text(sql), dict(params or {}))]

    def stream(self, sql: str, params: Mapping[str, Any] | None = None) -> Iterator[Row]:
        from sqlalchemy import text

        result = self.session.execute(
            text(sql).execution_options(yield_per=STREAM_BATCH), dict(params or {})
        )
        for row in result:
            yield tuple(row)


Reads = SqliteReads | SessionReads


def reads_of(source: Session | Reads) -> Reads:
    """The ``Reads`` of a session (on SQLite: its own sqlite3 connection), or ``source`` itself."""
    if isinstance(source, SqliteReads | SessionReads):
        return source
    if source.get_bind().dialect.name == "sqlite":
        driver = source.connection().connection.driver_connection
        assert isinstance(driver, sqlite3.Connection)
        return SqliteReads(driver)
    return SessionReads(source)


def in_list(name: str, values: Iterable[Any]) -> tuple[str, dict[str, Any]]:
    """``(:name_0, :name_1, ...)`` and its parameters, for ``column IN`` a list of values."""
    params = {f"{name}_{index}": value for index, value in enumerate(values)}
    if not params:
        return "(NULL)", {}
    return "(" + ", ".join(f":{key}" for key in params) + ")", params


def stored_time(value: Any) -> datetime | None:
    """A stored time as an aware UTC datetime (SQLite keeps UTC text without a zone)."""
    if value is None:
        return None
    if isinstance(value, str):
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    return as_utc(value)


def required_time(value: Any) -> datetime:
    """A stored time of a NOT NULL column."""
    time = stored_time(value)
    if time is None:
        raise ValueError("a required time is NULL")
    return time


def stored_json(value: Any) -> Any:
    """A stored JSON value, decoded (SQLite keeps the text; PostgreSQL's driver decodes it)."""
    return json.loads(value) if isinstance(value, str) else value


def stored_bool(value: Any) -> bool | None:
    return None if value is None else bool(value)
