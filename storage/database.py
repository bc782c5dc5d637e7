"""Opening an archive database: per-dialect engine settings, sessions, safe write transactions."""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from storage.defaults import (  # re-exported: their home before storage/defaults.py
    DEFAULT_DATABASE_URL as DEFAULT_DATABASE_URL,
)
from storage.defaults import DEFAULT_SQLITE_BUSY_TIMEOUT as DEFAULT_SQLITE_BUSY_TIMEOUT
from storage.defaults import DEFAULT_SQLITE_MAX_PAGES as DEFAULT_SQLITE_MAX_PAGES
from storage.errors import ArchiveMissing, DatabaseBusy, StorageError, StorageFull
from storage.script import SEARCH_TEXT_FUNCTION, search_text
from storage.sqlite_files import read_only_uri, shown_path

log = logging.getLogger(__name__)

WRITE_RETRIES = 5

T = TypeVar("T")


def _is_locked(error: OperationalError | sqlite3.OperationalError) -> bool:
    message = str(getattr(error, "orig", None) or error).lower()
    return "database is locked" in message or "database is busy" in message


def _is_full(error: OperationalError) -> bool:
    message = str(error.orig).lower()
    return "database or disk is full" in message or "no space left" in message


WRITER_CACHE_KIB = 16 * 1024  # SQLite page cache of a connection that writes


def _configure_sqlite(
    engine: Engine, busy_timeout: float, max_pages: int, *, read_only: bool = False
) -> None:
    """WAL, a busy timeout, foreign keys, and BEGIN IMMEDIATE on write transactions.

    pysqlite's own transaction handling is switched off so that we emit BEGIN ourselves: a
    deferred transaction that later upgrades to a write fails at once under contention,
    whatever the timeout, while BEGIN IMMEDIATE waits for the lock. A read-only connection
    changes nothing in the file (no journal mode switch) and refuses writes (query_only).
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        # The search index's triggers call it (migration 0014, storage/script.py).
        dbapi_connection.create_function(SEARCH_TEXT_FUNCTION, 1, search_text, deterministic=True)
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        if read_only:
            cursor.execute("PRAGMA query_only = ON")
        else:
            _switch_to_wal(cursor, busy_timeout)
            cursor.execute("PRAGMA synchronous = NORMAL")
            # 16 MB of page cache (SQLite's default is 2 MB), used only as pages are read: a
            # 200,000-row frontier's url_hash index is ~16 MB, and inserting into it with the
            # default cache re-reads its pages from the OS (docs/discovery.md).
            cursor.execute(f"PRAGMA cache_size = -{WRITER_CACHE_KIB}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if max_pages and not read_only:
            cursor.execute(f"PRAGMA max_page_count = {int(max_pages)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


def _switch_to_wal(cursor: Any, busy_timeout: float) -> None:
    """Put the file in WAL mode; retried, since a switch can meet another process's lock.

    SQLite does not always wait on its busy handler for a journal mode change, so processes
    opening a new file at the same moment would otherwise fail with "database is locked".
    """
    deadline = time.monotonic() + busy_timeout
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if not _is_locked(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def sqlite_file(url: str) -> Path | None:
    """The file of an SQLite URL (relative to the working directory), or None (memory, a server)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.host:
        return None  # a server, or a malformed URL (sqlite://x/y.db) that opening reports
    database = parsed.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return None
    return Path(database)


def _sqlite_engine(
    parsed: Any, busy_timeout: float, max_pages: int, read_only: bool, **kwargs: Any
) -> Engine:
    connect_args: dict[str, Any] = {"timeout": busy_timeout, "check_same_thread": False}
    if read_only:
        path = sqlite_file(parsed.render_as_string())
        if path is None:
            raise StorageError(f"cannot open {parsed} read-only: not an SQLite file")
        if not path.is_file():
            raise ArchiveMissing(f"no archive at {shown_path(path)}")
        uri = read_only_uri(path)
        kwargs["creator"] = lambda: sqlite3.connect(uri, uri=True, **connect_args)
    engine = create_engine(parsed, connect_args=connect_args, **kwargs)
    _configure_sqlite(engine, busy_timeout, max_pages, read_only=read_only)
    return engine


def create_archive_engine(
    url: str,
    *,
    busy_timeout: float = DEFAULT_SQLITE_BUSY_TIMEOUT,
    max_pages: int = DEFAULT_SQLITE_MAX_PAGES,
    read_only: bool = False,
    **kwargs: Any,
) -> Engine:
    """An engine for ``url`` with the archive's per-dialect settings applied.

    ``busy_timeout`` (seconds) and ``max_pages`` (0: no limit) apply to SQLite only.
    ``read_only`` (SQLite): open an existing file without creating or changing anything in it
    or beside it; ArchiveMissing when there is no file.
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StorageError(
            f"not a database URL: {url!r} (e.g. sqlite:///newsarchive.db or "
            "postgresql+psycopg://user@host/db)"
        ) from None
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, busy_timeout, max_pages, read_only, **kwargs)
    try:
        engine = create_engine(parsed, pool_pre_ping=True, **kwargs)
    except ModuleNotFoundError as error:
        raise StorageError(
            f"the database driver for {parsed.drivername} is not installed ({error.name}); "
            "for PostgreSQL install newsarchive[postgres]"
        ) from None
    if parsed.get_backend_name() == "postgresql":
        event.listen(engine, "connect", _without_jit)
    return engine


def _without_jit(connection: Any, _record: object) -> None:
    """No JIT compilation on our PostgreSQL connections.

    Our statements read a page of rows off an index; the planner's cost of some (a walk down
    an index with a correlated filter, LIMIT unknown to it) crosses ``jit_above_cost``, and
    compiling took 40-90 ms of a 100 ms search (benchmarks/scale.py --postgres, EXPLAIN ANALYZE).
    """
    cursor = connection.cursor()
    try:
        cursor.execute("SET jit = off")
    finally:
        cursor.close()
    # The driver opened a transaction for it: ended here, or the pool's rollback undoes the SET.
    connection.commit()


class Archive:
    """An open archive database: hands out read sessions and retrying write transactions."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self._read_sessions = sessionmaker(bind=engine, expire_on_commit=False)
        writer = engine.execution_options(sqlite_begin="IMMEDIATE")
        self._write_sessions = sessionmaker(bind=writer, expire_on_commit=False)

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session in a read transaction, rolled back at the end."""
        with self._read_sessions() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session in one write transaction, committed on success (no retry: see run_write)."""
        try:
            with self._write_sessions() as session, session.begin():
                yield session
        except OperationalError as error:
            if _is_full(error):
                raise StorageFull(f"the database is full: {error.orig}") from error
            if _is_locked(error):
                raise DatabaseBusy(f"the database stayed locked: {error.orig}") from error
            raise

    def run_write(self, work: Callable[[Session], T], *, retries: int = WRITE_RETRIES) -> T:
        """Run ``work(session)`` in one write transaction, retrying while the database is locked.

        Each try already waits up to the busy timeout; a lock held longer than that is retried
        with a growing pause, with one log line per retry, so no item is dropped silently.
        """
        for attempt in range(retries + 1):
            try:
                with self.write() as session:
                    return work(session)
            except DatabaseBusy:
                if attempt == retries:
                    raise
                pause = min(2.0**attempt, 30.0)
                log.warning(
                    "database is locked by another process; retrying the write in %.0f s", pause
                )
                time.sleep(pause)
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
