"""Alembic environment: migrates the connection newsarchive hands over, or $NEWSARCHIVE_DB."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Literal

from alembic import context
from sqlalchemy import Connection

from storage.database import DEFAULT_DATABASE_URL, create_archive_engine
from storage.models import Base, UTCDateTime

config = context.config
target_metadata = Base.metadata

# Tables that migrations create by hand and the models do not describe: the SQLite FTS5 index
# (0002) and the shadow tables FTS5 keeps for it.
UNMODELLED_TABLE_PREFIXES = ("versions_fts",)
# Indexes that migrations create by hand, on PostgreSQL: the full-text index (0006, 0014, 0017)
# and the versions in (captured_at, id) order for broad searches (0017).
UNMODELLED_INDEXES = frozenset({"ix_versions_search", "ix_versions_captured_at_id"})
# Columns that migrations create by hand: PostgreSQL's stored search vector (0017).
UNMODELLED_COLUMNS = frozenset({("versions", "search_vector")})


def include_name(name: str | None, type_: str, parent_names: Mapping[Any, str | None]) -> bool:
    """Leave unmodelled tables, columns and indexes out of autogenerate and ``alembic check``."""
    if name is None:
        return True
    if type_ == "table":
        return not name.startswith(UNMODELLED_TABLE_PREFIXES)
    if type_ == "column":
        return (parent_names.get("table_name"), name) not in UNMODELLED_COLUMNS
    return not (type_ == "index" and name in UNMODELLED_INDEXES)


def render_item(type_: str, obj: object, _autogen_context: object) -> str | Literal[False]:
    """Render our UTC datetime type as a plain timezone-aware DateTime in new revisions."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        include_name=include_name,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run_on(connection)
        return
    url = os.environ.get("NEWSARCHIVE_DB", DEFAULT_DATABASE_URL)
    engine = create_archive_engine(url)
    with engine.begin() as new_connection:
        run_on(new_connection)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run them against a database")
run_migrations_online()
