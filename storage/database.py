"""Opening an archive database: per-dialect engine settings, sessions, safe write transactions."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from storage.errors import DatabaseBusy, StorageError, StorageFull

log = logging.getLogger(__name__)

DEFAULT_DATABASE_URL = "sqlite:///newsarchive.db"
# SQLite: seconds a connection waits for another process's write lock before a write fails.
DEFAULT_SQLITE_BUSY_TIMEOUT = 30.0
# A size limit for the SQLite file in pages (PRAGMA max_page_count), e.g. to keep an archive
# inside a quota; past it, writes raise StorageFull exactly as on a full disk. 0: no limit.
DEFAULT_SQLITE_MAX_PAGES = 0
WRITE_RETRIES = 5

T = TypeVar("T")


def _is_locked(error: OperationalError) -> bool:
    message = str(error.orig).lower()
    return "database is locked" in message or "database is busy" in message


def _is_full(error: OperationalError) -> bool:
    message = str(error.orig).lower()
    return "database or disk is full" in message or "no space left" in message


def _configure_sqlite(engine: Engine, busy_timeout: float, max_pages: int) -> None:
    """WAL, a busy timeout, foreign keys, and BEGIN IMMEDIATE on write transactions.

    pysqlite's own transaction handling is switched off so that we emit BEGIN ourselves: a
    deferred transaction that later upgrades to a write fails at once under contention,
    whatever the timeout, while BEGIN IMMEDIATE waits for the lock.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        if max_pages:
            cursor.execute(f"PRAGMA max_page_count = {int(max_pages)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


def create_archive_engine(
    url: str,
    *,
    busy_timeout: float = DEFAULT_SQLITE_BUSY_TIMEOUT,
    max_pages: int = DEFAULT_SQLITE_MAX_PAGES,
    **kwargs: Any,
) -> Engine:
    """An engine for ``url`` with the archive's per-dialect settings applied.

    ``busy_timeout`` (seconds) and ``max_pages`` (0: no limit) apply to SQLite only.
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StorageError(
            f"not a database URL: {url!r} (e.g. sqlite:///newsarchive.db or "
            "postgresql+psycopg://user@host/db)"
        ) from None
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(
            parsed, connect_args={"timeout": busy_timeout, "check_same_thread": False}, **kwargs
        )
        _configure_sqlite(engine, busy_timeout, max_pages)
        return engine
    try:
        return create_engine(parsed, pool_pre_ping=True, **kwargs)
    except ModuleNotFoundError as error:
        raise StorageError(
            f"the database driver for {parsed.drivername} is not installed ({error.name}); "
            "for PostgreSQL install newsarchive[postgres]"
        ) from None


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
