"""A host's delay, Crawl-delay and Retry-After shared by every worker on one database."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.statscollectors import StatsCollector
from scrapy.utils.httpobj import urlparse_cached

from crawler.extensions.archive_connection import archive_connection
from crawler.middlewares.politeness import RETRY_STATUSES, crawl_delay_in, retry_after_seconds
from crawler.signals import robots_txt_cached
from storage import Archive
from storage.locks import pause_host, reserve_host_slot_at
from storage.timeutil import utcnow

log = logging.getLogger(__name__)


class SharedPolitenessMiddleware:
    """Before each request, reserve the host's next slot in the database and wait for it.

    Slots are ``ARCHIVE_SHARED_HOST_DELAYS[host]`` (the site's configured delay) or else
    ``ARCHIVE_SHARED_DELAY`` apart per host across all workers, or the host's robots.txt
    Crawl-delay when longer (every worker reads robots.txt itself, and spaces the shared slots
    by it); the scheduler sets both, and turns Scrapy's local delay off so that a request
    leaves when its slot comes. A Retry-After on a 429 or 503 pushes the host's next slot back
    for every worker (PolitenessMiddleware decides whether this worker tries the URL again).
    The database work runs in a thread and the wait is an asyncio sleep: the reactor keeps
    working meanwhile.
    """

    def __init__(
        self,
        archive: Callable[[], Archive],
        default_delay: float,
        host_delays: dict[str, float],
        stats: StatsCollector,
        *,
        user_agent: str = "*",
        max_crawl_delay: float = 60.0,
        max_retry_after: float = 120.0,
    ) -> None:
        self.archive = archive  # the crawl's archive, opened at the first call
        self.default_delay = default_delay
        self.host_delays = host_delays
        self.stats = stats
        self.user_agent = user_agent
        self.max_crawl_delay = max_crawl_delay
        self.max_retry_after = max_retry_after
        self.crawl_delays: dict[str, float] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedPolitenessMiddleware:
        settings = crawler.settings
        if not settings.getbool("ARCHIVE_SHARED_POLITENESS_ENABLED"):
            # Off unless --worker-id; no message, which Scrapy would log as a warning on every
            # crawl of a single scheduler.
            raise NotConfigured
        delays = settings.getdict("ARCHIVE_SHARED_HOST_DELAYS")
        middleware = cls(
            archive_connection(crawler).archive,
            settings.getfloat("ARCHIVE_SHARED_DELAY"),
            {host: float(delay) for host, delay in delays.items()},
            crawler.stats,
            user_agent=settings.get("ROBOTSTXT_USER_AGENT") or settings.get("USER_AGENT") or "*",
            max_crawl_delay=settings.getfloat("ARCHIVE_CRAWL_DELAY_MAX", 60.0),
            max_retry_after=settings.getfloat("ARCHIVE_RETRY_AFTER_MAX", 120.0),
        )
        crawler.signals.connect(middleware.robots_txt_cached, signal=robots_txt_cached)
        return middleware

    def delay_for(self, host: str) -> float:
        return max(self.host_delays.get(host, self.default_delay), self.crawl_delays.get(host, 0.0))

    def _reserve(self, host: str, delay: float) -> float:
        """Reserve the host's next slot: the ``time.monotonic()`` moment it comes."""
        return self.archive().run_write(
            lambda s: reserve_host_slot_at(s, host, now=utcnow(), delay=timedelta(seconds=delay))
        )

    async def process_request(self, request: Request) -> None:
        host = urlparse_cached(request).hostname or ""
        delay = self.delay_for(host)
        if delay <= 0 or not host:
            return
        wait = await asyncio.to_thread(self._reserve, host, delay) - time.monotonic()
        self.stats.inc_value("archive/shared_politeness/reserved")
        if wait > 0:
            self.stats.inc_value("archive/shared_politeness/waited")
            # Scrapy's inc_value adds any number; its annotation says int.
            seconds: Any = round(wait, 3)
            self.stats.inc_value("archive/shared_politeness/wait_seconds", seconds)
            await asyncio.sleep(wait)

    def robots_txt_cached(self, url: str, status: int, body: bytes) -> None:
        """A robots.txt kept in the archive (no response to read it from) sets the delay too."""
        if status == 200:
            self._learn_crawl_delay(urlsplit(url).hostname or "", body)

    def _learn_crawl_delay(self, host: str, body: bytes) -> None:
        delay = crawl_delay_in(body, self.user_agent)
        if delay is not None:
            self.crawl_delays[host] = min(delay, self.max_crawl_delay)

    def _pause(self, host: str, seconds: float) -> None:
        self.archive().run_write(
            lambda s: pause_host(s, host, now=utcnow(), pause=timedelta(seconds=seconds))
        )

    async def process_response(self, request: Request, response: Response) -> Response:
        parsed = urlparse_cached(request)
        host = parsed.hostname or ""
        if parsed.path == "/robots.txt" and response.status == 200:
            self._learn_crawl_delay(host, response.body)
        elif response.status in RETRY_STATUSES and host:
            wait = retry_after_seconds(response.headers.get(b"Retry-After"))
            if wait is not None and wait > 0:
                await asyncio.to_thread(self._pause, host, min(wait, self.max_retry_after))
                self.stats.inc_value("archive/shared_politeness/paused")
        return response
