"""Opening an archive only to read it: sqlite3 alone for a current SQLite archive (no SQLAlchemy).

A plain SQLite URL naming a file whose schema is at ``SCHEMA_HEAD`` is opened with the standard
library (read-only URI, storage/sqlite_files.py; the search function registered, as on every
connection) in one read transaction. Anything else (PostgreSQL, a missing file, a file that is
not SQLite or holds no archive, an older or newer schema, an unusual URL) goes through
``open_archive(read_only=True)`` as before, which gives the same errors, or migrates an older
writable archive: only the usual case is made fast, never a different answer.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager

from storage.defaults import DEFAULT_SQLITE_BUSY_TIMEOUT, SCHEMA_HEAD
from storage.reading import Reads, SqliteReads, reads_of
from storage.script import SEARCH_TEXT_FUNCTION, search_text
from storage.sqlite_files import plain_sqlite_path, read_only_uri

__all__ = ["open_reads"]


def _current_sqlite(url: str, busy_timeout: float) -> sqlite3.Connection | None:
    """A read transaction on the archive at ``url`` if it is a current SQLite one, else None."""
    path = plain_sqlite_path(url)
    if path is None or not path.is_file():
        return None
    try:
        connection = sqlite3.connect(read_only_uri(path), uri=True, timeout=busy_timeout)
    except sqlite3.Error:
        return None
    try:
        connection.isolation_level = None
        connection.create_function(SEARCH_TEXT_FUNCTION, 1, search_text, deterministic=True)
        connection.execute("PRAGMA query_only = ON")
        connection.execute("BEGIN")
        revisions = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.Error:
        revisions = []
    if revisions == [(SCHEMA_HEAD,)]:
        return connection
    connection.close()
    return None


@contextmanager
def open_reads(url: str, *, busy_timeout: float = DEFAULT_SQLITE_BUSY_TIMEOUT) -> Iterator[Reads]:
    """The archive at ``url`` for plain SQL reads (storage.reading), in one read transaction.

    Never creates the archive or writes beside it; raises what ``open_archive(read_only=True)``
    raises (ArchiveMissing, SchemaTooNew, SchemaError, SQLAlchemy's DatabaseError).
    """
    connection = _current_sqlite(url, busy_timeout)
    if connection is not None:
        with closing(connection):
            yield SqliteReads(connection)
        return
    from storage.schema import open_archive

    with (
        open_archive(url, busy_timeout=busy_timeout, read_only=True) as archive,
        archive.read() as session,
    ):
        yield reads_of(session)
