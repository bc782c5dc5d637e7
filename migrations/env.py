"""Alembic environment: migrates the connection newsarchive hands over, or $NEWSARCHIVE_DB."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import Connection

from storage.database import DEFAULT_DATABASE_URL, create_archive_engine
from storage.models import Base

config = context.config
target_metadata = Base.metadata


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
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
