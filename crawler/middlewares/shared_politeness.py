"""A host's delay shared by every worker on one database, not multiplied by their number."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from scrapy import Request, signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.httpobj import urlparse_cached

from storage import Archive, open_archive
from storage.locks import reserve_host_slot
from storage.timeutil import utcnow

log = logging.getLogger(__name__)


class SharedPolitenessMiddleware:
    """Before each request, reserve the host's next slot in the database and wait for it.

    Slots are ``ARCHIVE_SHARED_HOST_DELAYS[host]`` (the site's configured delay) or else
    ``ARCHIVE_SHARED_DELAY`` apart per host across all workers; the scheduler sets both, and
    turns Scrapy's local delay off so that a request leaves when its slot comes. The reservation
    runs in a thread and the wait is an asyncio sleep: the reactor keeps working meanwhile.
    """

    def __init__(
        self, database_url: str, default_delay: float, host_delays: dict[str, float], stats: Any
    ) -> None:
        self.database_url = database_url
        self.default_delay = default_delay
        self.host_delays = host_delays
        self.stats = stats
        self._archive: Archive | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> SharedPolitenessMiddleware:
        settings = crawler.settings
        if not settings.getbool("ARCHIVE_SHARED_POLITENESS_ENABLED"):
            raise NotConfigured("shared politeness is for cooperating workers (--worker-id)")
        delays = settings.getdict("ARCHIVE_SHARED_HOST_DELAYS")
        middleware = cls(
            settings.get("ARCHIVE_DATABASE_URL"),
            settings.getfloat("ARCHIVE_SHARED_DELAY"),
            {host: float(delay) for host, delay in delays.items()},
            crawler.stats,
        )
        crawler.signals.connect(middleware.open, signal=signals.spider_opened)
        crawler.signals.connect(middleware.close, signal=signals.spider_closed)
        return middleware

    def open(self) -> None:
        self._archive = open_archive(self.database_url)

    def close(self) -> None:
        if self._archive is not None:
            self._archive.close()

    def delay_for(self, host: str) -> float:
        return self.host_delays.get(host, self.default_delay)

    def _reserve(self, host: str, delay: float) -> float:
        assert self._archive is not None, "spider_opened opens the archive"
        wait = self._archive.run_write(
            lambda s: reserve_host_slot(s, host, now=utcnow(), delay=timedelta(seconds=delay))
        )
        return wait.total_seconds()

    async def process_request(self, request: Request) -> None:
        host = urlparse_cached(request).hostname or ""
        delay = self.delay_for(host)
        if delay <= 0 or not host:
            return
        wait = await asyncio.to_thread(self._reserve, host, delay)
        self.stats.inc_value("archive/shared_politeness/reserved")
        if wait > 0:
            self.stats.inc_value("archive/shared_politeness/waited")
            self.stats.inc_value("archive/shared_politeness/wait_seconds", round(wait, 3))
            await asyncio.sleep(wait)
