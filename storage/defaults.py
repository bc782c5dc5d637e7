"""The archive's default location and SQLite limits: plain values, importable without SQLAlchemy."""

from __future__ import annotations

DEFAULT_DATABASE_URL = "sqlite:///newsarchive.db"
# SQLite: seconds a connection waits for another process's write lock before a write fails.
DEFAULT_SQLITE_BUSY_TIMEOUT = 30.0
# A size limit for the SQLite file in pages (PRAGMA max_page_count), e.g. to keep an archive
# inside a quota; past it, writes raise StorageFull exactly as on a full disk. 0: no limit.
DEFAULT_SQLITE_MAX_PAGES = 0
# The newest migration's revision: an archive at it is opened without Alembic, and read-only
# commands read it without SQLAlchemy (storage/read_only.py). A new migration bumps it;
# tests/storage/test_schema.py checks it against Alembic's head.
SCHEMA_HEAD = "0021"
