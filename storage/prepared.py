"""Statements run for every capture: compiled once per database, run on the driver's cursor.

SQLAlchemy's own execution of a Core statement (the session's and connection's layers, the
compiled-cache lookup, the execution context, the result object) costs several times what the
database spends on a small INSERT or SELECT by key, and the writer runs a dozen of them per
page. A ``Prepared`` statement is compiled by SQLAlchemy once per database and set of
parameter names, with the bind and result processors of its columns' types, and then runs
straight on the DBAPI cursor of the session's connection: the same SQL and the same stored
values, on SQLite and PostgreSQL alike. Listeners of ``before_cursor_execute`` still see each
statement; driver errors are raised as SQLAlchemy's ``DBAPIError`` subclasses, as before.

A statement the cursor cannot run as compiled (expanding ``IN`` lists, Python-side column
defaults to compute) runs through ``Session.execute`` instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exc
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable
from sqlalchemy.sql.compiler import SQLCompiler

__all__ = ["Prepared"]

Processor = Callable[[Any], Any]
Row = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class _Compiled:
    """One statement's SQL for one database and parameter names, with its type processing."""

    sql: str
    positional: bool
    # Each parameter of the SQL in order: its name, its fixed value (or _GIVEN), its processor.
    binds: tuple[tuple[str, Any, Processor | None], ...]
    results: tuple[Processor | None, ...]

    def parameters(self, values: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
        """What the driver takes for ``values`` (by parameter name)."""
        converted = [
            (name, values[name] if fixed is _GIVEN else fixed, process)
            for name, fixed, process in self.binds
        ]
        if self.positional:
            return [v if p is None else p(v) for _, v, p in converted]
        return {n: v if p is None else p(v) for n, v, p in converted}

    def row(self, raw: Sequence[Any]) -> Row:
        """A result row with its columns' types applied."""
        return tuple(
            value if process is None else process(value)
            for value, process in zip(raw, self.results, strict=True)
        )


_GIVEN = object()  # a parameter taken from the values of each execution
_UNPREPARABLE = object()  # a statement that runs through Session.execute


class Prepared:
    """A Core statement run on the DBAPI cursor, compiled once per database and parameters."""

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._compiled: dict[tuple[Any, ...], _Compiled | object] = {}

    def rows(self, session: Session, values: Mapping[str, Any]) -> list[Row]:
        """Run with ``values``; the rows it returns (none for a statement without rows)."""
        connection = _connection(session)
        compiled = self._for(connection.dialect, values)
        if not isinstance(compiled, _Compiled):
            return [tuple(row) for row in session.execute(self.statement, dict(values))]
        cursor = _run(connection, compiled, [compiled.parameters(values)])
        try:
            if cursor.description is None:
                return []
            return [compiled.row(raw) for raw in cursor.fetchall()]
        finally:
            cursor.close()

    def scalar(self, session: Session, values: Mapping[str, Any]) -> Any:
        """The first column of the first row (None: no row)."""
        found = self.rows(session, values)
        return found[0][0] if found else None

    def count(self, session: Session, values: Mapping[str, Any]) -> int:
        """Run with ``values`` (a statement returning nothing); how many rows it changed."""
        connection = _connection(session)
        compiled = self._for(connection.dialect, values)
        if not isinstance(compiled, _Compiled):
            result: Any = session.execute(self.statement, dict(values))
            return int(result.rowcount)
        cursor = _run(connection, compiled, [compiled.parameters(values)])
        changed = int(cursor.rowcount)
        cursor.close()
        return changed

    def many(self, session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run once per row (rows with the same keys), returning nothing."""
        if not rows:
            return
        connection = _connection(session)
        compiled = self._for(connection.dialect, rows[0])
        if not isinstance(compiled, _Compiled):
            session.execute(self.statement, [dict(row) for row in rows])
            return
        _run(connection, compiled, [compiled.parameters(row) for row in rows]).close()

    def _for(self, dialect: Dialect, values: Mapping[str, Any]) -> _Compiled | object:
        # The database, its driver and its server's version decide the SQL and its processing.
        key = (dialect.name, dialect.driver, dialect.server_version_info, frozenset(values))
        found = self._compiled.get(key)
        if found is None:
            found = self._compiled[key] = _compile(self.statement, dialect, sorted(values))
        return found


def _compile(statement: Executable, dialect: Dialect, keys: list[str]) -> _Compiled | object:
    compiled = statement.compile(dialect=dialect, column_keys=keys)  # type: ignore[attr-defined]
    assert isinstance(compiled, SQLCompiler)
    binds = compiled.binds
    if (
        compiled.insert_prefetch
        or compiled.update_prefetch
        or compiled.escaped_bind_names
        or any(bind.expanding or bind.literal_execute for bind in binds.values())
    ):
        return _UNPREPARABLE
    names = compiled.positiontup if compiled.positional else list(binds)
    assert names is not None
    order = []
    for name in names:
        bind = binds[name]
        if name in keys:
            fixed: Any = _GIVEN
        elif bind.required:
            return _UNPREPARABLE  # Session.execute says which value is missing
        else:
            fixed = bind.effective_value
        order.append((name, fixed, bind.type.dialect_impl(dialect).bind_processor(dialect)))
    columns = getattr(statement, "exported_columns", ())
    results = tuple(c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns)
    return _Compiled(compiled.string, compiled.positional, tuple(order), results)


# The connection of the session's transaction, with that transaction: Session.connection()
# walks the session's transaction state each time, which costs as much as a small statement.
_HELD_CONNECTION = "newsarchive.prepared_connection"


def _connection(session: Session) -> Connection:
    """The connection of the session's current transaction (beginning one if none is)."""
    held = session.info.get(_HELD_CONNECTION)
    transaction = session.get_transaction()
    if held is not None and transaction is not None and held[0] is transaction:
        connection: Connection = held[1]
        return connection
    connection = session.connection()
    session.info[_HELD_CONNECTION] = (session.get_transaction(), connection)
    return connection


def _run(connection: Connection, compiled: _Compiled, parameters: list[Any]) -> Any:
    """The DBAPI cursor after running ``compiled`` once per parameters."""
    many = len(parameters) > 1
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    shown = parameters if many else parameters[0]
    for listener in connection.dispatch.before_cursor_execute:
        listener(connection, cursor, compiled.sql, shown, None, many)
    try:
        if many:
            cursor.executemany(compiled.sql, parameters)
        else:
            cursor.execute(compiled.sql, parameters[0])
    except connection.dialect.loaded_dbapi.Error as error:
        cursor.close()
        raise exc.DBAPIError.instance(
            compiled.sql,
            parameters,
            error,
            connection.dialect.loaded_dbapi.Error,
            dialect=connection.dialect,
        ) from error
    return cursor
