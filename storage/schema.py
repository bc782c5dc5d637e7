"""Alembic, configured in code: the archive migrates itself, no alembic.ini needed.

Alembic is imported only when a database is not at ``SCHEMA_HEAD``: every command opens the
archive, and a current one is recognised from its ``alembic_version`` row alone, without
loading Alembic and parsing the migration scripts (a tenth of a second per process).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, text
from sqlalchemy.exc import OperationalError, ProgrammingError

from storage.database import (
    DEFAULT_SQLITE_BUSY_TIMEOUT,
    DEFAULT_SQLITE_MAX_PAGES,
    Archive,
    create_archive_engine,
)
from storage.errors import SchemaError, SchemaTooNew

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
# The newest migration's revision; tests/storage/test_schema.py checks it against Alembic's.
SCHEMA_HEAD = "0010"


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config pointing at our migrations; ``connection`` is reused by env.py."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise SchemaError("no migrations found in " + str(MIGRATIONS_DIR))
    return head


def current_revision(archive: Archive) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with archive.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _recorded_revision(archive: Archive) -> str | None:
    """The one revision in ``alembic_version``, or None (no table, none or several rows)."""
    try:
        with archive.engine.connect() as connection:
            rows = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    except (OperationalError, ProgrammingError):  # no such table: Alembic decides below
        return None
    return str(rows[0][0]) if len(rows) == 1 else None


def upgrade(archive: Archive, revision: str = "head") -> None:
    from alembic import command

    with archive.engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)


def downgrade(archive: Archive, revision: str) -> None:
    from alembic import command

    with archive.engine.begin() as connection:
        command.downgrade(alembic_config(connection), revision)


def check_schema(archive: Archive) -> str:
    """Classify the database: 'current', 'empty', 'behind'; raise SchemaTooNew if it is newer."""
    if _recorded_revision(archive) == SCHEMA_HEAD:
        return "current"
    from alembic.script import ScriptDirectory

    current = current_revision(archive)
    if current is None:
        return "empty"
    script = ScriptDirectory.from_config(alembic_config())
    if current == script.get_current_head():
        return "current"
    known = {revision.revision for revision in script.walk_revisions()}
    if current not in known:
        raise SchemaTooNew(
            f"the database at {archive.url} was written by a newer newsarchive "
            f"(schema revision {current}); upgrade newsarchive to use it"
        )
    return "behind"


def open_archive(
    url: str,
    *,
    auto_migrate: bool | None = None,
    busy_timeout: float = DEFAULT_SQLITE_BUSY_TIMEOUT,
    max_pages: int = DEFAULT_SQLITE_MAX_PAGES,
) -> Archive:
    """Open the archive at ``url``, creating and migrating it as needed.

    SQLite databases (the embedded default) are created and upgraded automatically. Server
    databases are upgraded only when ``auto_migrate`` is true; otherwise a database that is not
    current raises SchemaError asking for ``newsarchive db upgrade``. ``busy_timeout`` and
    ``max_pages`` are SQLite's lock wait and size limit (see ``create_archive_engine``).
    """
    engine = create_archive_engine(url, busy_timeout=busy_timeout, max_pages=max_pages)
    archive = Archive(engine)
    if auto_migrate is None:
        auto_migrate = archive.dialect == "sqlite"
    try:
        state = check_schema(archive)
        if state != "current":
            if not auto_migrate:
                raise SchemaError(
                    f"the database at {archive.url} is not migrated to this version "
                    f"({state}); run: newsarchive --db URL db upgrade"
                )
            upgrade(archive)
    except BaseException:
        archive.close()
        raise
    return archive
