"""The crawl's one database connection, shared by the spider, its middlewares and the pipeline.

When it opens: at the first ``archive_of(crawler)``, whichever component asks first. Scrapy opens
the item pipelines (``open_spider``, where the archive pipeline takes the archive) before it sends
``spider_opened``, so a connection opened at that signal would come too late for them; a crawl
without the pipeline opens it at its first lease query or robots.txt lookup instead. Opening is
guarded by a lock, since some components first ask from a worker thread.

When it closes: once, at ``engine_stopped``. Scrapy closes the pipelines (their final writes)
before it sends ``spider_closed``, but runs that signal's receivers concurrently, and the
spider gives its leases back in one of them: closing the pool from another receiver would race
with that write. ``engine_stopped`` comes after every ``spider_closed`` receiver has finished. A
crawl that fails while opening never starts its engine and never sends ``engine_stopped``: it
closes at ``spider_closed`` instead, when nothing has leased or fetched anything.

Each component still runs every query in its own session (``Archive.read``/``run_write``):
the SQLAlchemy engine and its pool are thread-safe, sessions are not.
"""

from __future__ import annotations

import threading
from typing import Self

from scrapy import signals
from scrapy.crawler import Crawler

from storage import Archive, open_archive
from storage.database import DEFAULT_SQLITE_BUSY_TIMEOUT, DEFAULT_SQLITE_MAX_PAGES


class ArchiveClosed(RuntimeError):
    """The crawl's archive was asked for after the crawl closed it."""


class ArchiveConnection:
    """Opens the archive at ``ARCHIVE_DATABASE_URL`` at first use and closes it once."""

    def __init__(
        self,
        database_url: str,
        *,
        sqlite_busy_timeout: float = DEFAULT_SQLITE_BUSY_TIMEOUT,
        sqlite_max_pages: int = DEFAULT_SQLITE_MAX_PAGES,
    ) -> None:
        self.database_url = database_url
        self.sqlite_busy_timeout = sqlite_busy_timeout
        self.sqlite_max_pages = sqlite_max_pages
        self._archive: Archive | None = None
        self._closed = False
        self._engine_started = False
        self._lock = threading.Lock()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        connection = cls(
            settings.get("ARCHIVE_DATABASE_URL") or "",
            sqlite_busy_timeout=settings.getfloat("ARCHIVE_SQLITE_BUSY_TIMEOUT"),
            sqlite_max_pages=settings.getint("ARCHIVE_SQLITE_MAX_PAGES"),
        )
        crawler.signals.connect(connection.engine_started, signal=signals.engine_started)
        crawler.signals.connect(connection.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(connection.close, signal=signals.engine_stopped)
        return connection

    def archive(self) -> Archive:
        """The open archive, opened (and migrated, for SQLite) on the first call."""
        with self._lock:
            if self._closed:
                raise ArchiveClosed(f"the crawl's archive at {self.database_url} is closed")
            if self._archive is None:
                self._archive = open_archive(
                    self.database_url,
                    busy_timeout=self.sqlite_busy_timeout,
                    max_pages=self.sqlite_max_pages,
                )
            return self._archive

    def engine_started(self) -> None:
        self._engine_started = True

    def spider_closed(self) -> None:
        if not self._engine_started:  # the crawl failed while opening: no engine_stopped
            self.close()

    def close(self) -> None:
        """Close the archive's pool; later ``archive()`` calls raise ``ArchiveClosed``."""
        with self._lock:
            self._closed = True
            if self._archive is not None:
                self._archive.close()
                self._archive = None


def archive_connection(crawler: Crawler) -> ArchiveConnection:
    """The crawl's ``ArchiveConnection`` extension (listed in ``EXTENSIONS``)."""
    connection = crawler.get_extension(ArchiveConnection)
    if connection is None:
        raise RuntimeError(
            "crawler.extensions.archive_connection.ArchiveConnection is not in EXTENSIONS"
        )
    return connection


def archive_of(crawler: Crawler) -> Archive:
    """The crawl's one open archive (opened now if no component has asked before)."""
    return archive_connection(crawler).archive()
