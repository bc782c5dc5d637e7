"""Changing columns of a row the session holds with one plain UPDATE, skipping the unit of work."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.orm.attributes import set_committed_value

from storage.inserts import table_of
from storage.prepared import Prepared


def update_columns(session: Session, row: DeclarativeBase, values: dict[str, Any]) -> None:
    """Write ``values`` to ``row`` (a mapped object with an ``id``); the ORM knows them stored.

    The ORM's flush of a changed object (history, dependency sorting, bookkeeping) costs several
    times the UPDATE itself, for a row written once or twice per page.
    """
    statement = _statement(type(row), tuple(sorted(values)))
    statement.count(session, {"b_id": row.id} | {f"b_{k}": v for k, v in values.items()})  # type: ignore[attr-defined]
    for key, value in values.items():
        set_committed_value(row, key, value)


@cache
def _statement(model: type[DeclarativeBase], keys: tuple[str, ...]) -> Prepared:
    """Built once per model and columns: building it and its cache key cost more than running it."""
    table = table_of(model)
    return Prepared(
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values({key: bindparam(f"b_{key}", type_=table.c[key].type) for key in keys})
    )
