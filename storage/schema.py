"""Alembic, configured in code: the archive migrates itself, no alembic.ini needed.

Alembic is imported only when a database is not at ``SCHEMA_HEAD``: every command opens the
archive, and a current one is recognised from its ``alembic_version`` row alone, without
loading Alembic and parsing the migration scripts (a tenth of a second per process).
"""

from __future__ import annotations

import logging
import time
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, text
from sqlalchemy.exc import OperationalError, ProgrammingError

from storage.database import (
    DEFAULT_SQLITE_BUSY_TIMEOUT,
    DEFAULT_SQLITE_MAX_PAGES,
    WRITE_RETRIES,
    Archive,
    create_archive_engine,
    on_read_only_media,
    shown_path,
    sqlite_file,
)
from storage.errors import ArchiveMissing, DatabaseBusy, SchemaError, SchemaTooNew

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
# The newest migration's revision; tests/storage/test_schema.py checks it against Alembic's.
SCHEMA_HEAD = "0017"


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
    with archive.engine.connect() as connection:
        return _alembic_revision(connection)


def _alembic_revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def _recorded_revision(connection: Connection) -> str | None:
    """The one revision in ``alembic_version``, or None (no table, none or several rows)."""
    try:
        # In a transaction of its own (or a savepoint), so that PostgreSQL's failed statement
        # does not abort the caller's.
        with connection.begin_nested() if connection.in_transaction() else connection.begin():
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
    with archive.engine.connect() as connection:
        return _schema_state(connection, archive.url)


def _schema_state(connection: Connection, url: str) -> str:
    if _recorded_revision(connection) == SCHEMA_HEAD:
        return "current"
    from alembic.script import ScriptDirectory

    current = _alembic_revision(connection)
    if current is None:
        return "empty"
    script = ScriptDirectory.from_config(alembic_config())
    if current == script.get_current_head():
        return "current"
    known = {revision.revision for revision in script.walk_revisions()}
    if current not in known:
        raise SchemaTooNew(
            f"the database at {url} was written by a newer newsarchive "
            f"(schema revision {current}); upgrade newsarchive to use it"
        )
    return "behind"


def open_archive(
    url: str,
    *,
    auto_migrate: bool | None = None,
    busy_timeout: float = DEFAULT_SQLITE_BUSY_TIMEOUT,
    max_pages: int = DEFAULT_SQLITE_MAX_PAGES,
    read_only: bool = False,
) -> Archive:
    """Open the archive at ``url``, creating and migrating it as needed.

    SQLite databases (the embedded default) are created and upgraded automatically. Server
    databases are upgraded only when ``auto_migrate`` is true; otherwise a database that is not
    current raises SchemaError asking for ``newsarchive db upgrade``. ``busy_timeout`` and
    ``max_pages`` are SQLite's lock wait and size limit (see ``create_archive_engine``).

    Processes that open a new or older archive at once migrate it one at a time: the
    migration runs in one exclusive transaction (SQLite) or under an advisory lock
    (PostgreSQL) that first checks again whether another process has done it meanwhile.

    ``read_only`` (for commands that only read): never creates the archive (ArchiveMissing,
    also for an SQLite file holding no archive), writes nothing in or beside an SQLite file
    (so it works on read-only media), and migrates an older SQLite archive only when its
    file can be written.
    """
    if read_only and sqlite_file(url) is not None:
        return _open_sqlite_read_only(url, busy_timeout)
    engine = create_archive_engine(url, busy_timeout=busy_timeout, max_pages=max_pages)
    archive = Archive(engine)
    if auto_migrate is None:
        auto_migrate = archive.dialect == "sqlite" and not read_only
    try:
        state = check_schema(archive)
        if state != "current":
            if not auto_migrate:
                raise SchemaError(
                    f"the database at {archive.url} is not migrated to this version "
                    f"({state}); run: newsarchive --db URL db upgrade"
                )
            migrate_once(archive)
    except BaseException:
        archive.close()
        raise
    return archive


def _open_sqlite_read_only(url: str, busy_timeout: float) -> Archive:
    archive = Archive(create_archive_engine(url, busy_timeout=busy_timeout, read_only=True))
    try:
        state = check_schema(archive)
    except BaseException:
        archive.close()
        raise
    if state == "current":
        return archive
    archive.close()
    path = sqlite_file(url)
    assert path is not None
    if state == "empty":
        raise ArchiveMissing(f"no archive at {shown_path(path)} (the file holds no archive)")
    if on_read_only_media(path):
        raise SchemaError(
            f"the archive at {url} was written by an older newsarchive and is read-only, so it "
            "cannot be upgraded: copy it to writable storage and run: newsarchive --db URL "
            "db upgrade"
        )
    open_archive(url, busy_timeout=busy_timeout).close()  # migrates it, as any command would
    return Archive(create_archive_engine(url, busy_timeout=busy_timeout, read_only=True))


def migrate_once(archive: Archive, *, retries: int = WRITE_RETRIES) -> None:
    """Bring the archive to the newest schema unless another process has just done so.

    The check and the migration share one locked transaction, so of several processes opening
    a new archive at once one creates it and the others wait and then find it current. A lock
    held past the busy timeout is retried like a write (``Archive.run_write``), then
    DatabaseBusy.
    """
    for attempt in range(retries + 1):
        try:
            _migrate_locked(archive)
            return
        except OperationalError as error:
            if "locked" not in str(error.orig).lower() and "busy" not in str(error.orig).lower():
                raise
            if attempt == retries:
                raise DatabaseBusy(
                    f"the database stayed locked while opening it: {error.orig}"
                ) from error
            pause = min(2.0**attempt, 30.0)
            log.warning("the archive is locked by another process; retrying in %.0f s", pause)
            time.sleep(pause)


_MIGRATION_LOCK_KEY = zlib.crc32(b"newsarchive schema migration")


def _migrate_locked(archive: Archive) -> None:
    from alembic import command

    exclusive = archive.engine.execution_options(sqlite_begin="EXCLUSIVE")
    with exclusive.begin() as connection:
        if archive.dialect == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY}
            )
        if _schema_state(connection, archive.url) != "current":
            command.upgrade(alembic_config(connection), "head")
