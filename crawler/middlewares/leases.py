"""A frontier URL is fetched only while its worker still holds the URL's lease (issue 7)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Self

from scrapy import Request, signals
from scrapy.exceptions import IgnoreRequest, NotConfigured

from storage import Archive, open_archive
from storage.database import DEFAULT_SQLITE_BUSY_TIMEOUT, DEFAULT_SQLITE_MAX_PAGES
from storage.frontier import confirm_lease
from storage.timeutil import utcnow

log = logging.getLogger(__name__)

LEASE_META = "frontier_lease"


@dataclass(frozen=True)
class Lease:
    """A request's lease: who holds it, for how long, and when (monotonic) it last began."""

    owner: str
    seconds: float
    since: float


class LeaseLost(IgnoreRequest):
    """The request's frontier row is no longer this worker's, so it is not fetched."""


class LeaseCheckMiddleware:
    """Right before a frontier request is sent, make sure its worker still holds the lease.

    Other workers lease a row only once its lease has expired, so a lease taken or extended
    less than half its length ago is still held and the request passes at once (this allows
    for clocks of different machines being apart by less than that). An older one, a request
    that waited long behind a host's delays, is confirmed and extended in the database; if it
    was lost the request is dropped with ``LeaseLost`` (``archive/lease/lost``).
    """

    def __init__(
        self,
        database_url: str,
        *,
        clock: Callable[[], float] = time.monotonic,
        stats: Any = None,
        sqlite_busy_timeout: float = DEFAULT_SQLITE_BUSY_TIMEOUT,
        sqlite_max_pages: int = DEFAULT_SQLITE_MAX_PAGES,
    ) -> None:
        self.database_url = database_url
        self.sqlite_busy_timeout = sqlite_busy_timeout
        self.sqlite_max_pages = sqlite_max_pages
        self.clock = clock
        self.stats = stats
        self._archive: Archive | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> Self:
        if not crawler.settings.getbool("ARCHIVE_LEASE_CHECK_ENABLED", True):
            raise NotConfigured("ARCHIVE_LEASE_CHECK_ENABLED is off")
        settings = crawler.settings
        middleware = cls(
            settings.get("ARCHIVE_DATABASE_URL"),
            stats=crawler.stats,
            sqlite_busy_timeout=settings.getfloat("ARCHIVE_SQLITE_BUSY_TIMEOUT"),
            sqlite_max_pages=settings.getint("ARCHIVE_SQLITE_MAX_PAGES"),
        )
        crawler.signals.connect(middleware.close, signal=signals.spider_closed)
        return middleware

    def close(self) -> None:
        if self._archive is not None:
            self._archive.close()

    def _confirm(self, entry_id: int, lease: Lease) -> bool:
        if self._archive is None:
            self._archive = open_archive(
                self.database_url,
                busy_timeout=self.sqlite_busy_timeout,
                max_pages=self.sqlite_max_pages,
            )
        return self._archive.run_write(
            lambda s: confirm_lease(
                s, entry_id, lease.owner, now=utcnow(), lease_seconds=lease.seconds
            )
        )

    async def process_request(self, request: Request) -> None:
        lease = request.meta.get(LEASE_META)
        entry_id = request.meta.get("frontier_id")
        if not isinstance(lease, Lease) or entry_id is None:
            return
        started = self.clock()
        if started - lease.since < lease.seconds / 2:
            return
        if await asyncio.to_thread(self._confirm, entry_id, lease):
            request.meta[LEASE_META] = Lease(lease.owner, lease.seconds, started)
            self._inc("archive/lease/confirmed")
            return
        self._inc("archive/lease/lost")
        log.info("%s: its lease went to another worker; not fetching it", request.url)
        raise LeaseLost(f"the lease of {request.url} went to another worker")

    def _inc(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)
