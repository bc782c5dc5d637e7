"""At most ``CONCURRENT_REQUESTS_PER_DOMAIN`` requests under way to a host, however they arrive.

Scrapy 2.19's downloader promises that limit per download slot, but it counts a request against
its slot only once the task that downloads it has started, one event-loop turn after handing
it out. With no delay on the slot (``--delay 0``, and AutoThrottle's start delay until the
host's first answer), every request that reaches the slot before that turn is handed out as
well: two requests arriving in one turn next to one already under way made three at once on
the host (seen in tests/e2e/test_robots_cache.py under CPU load, where requests bunch up).

This middleware, the last before the download, keeps the count itself: a request takes one
of its slot's places before it goes on to Scrapy's downloader and gives it back when the
request leaves the downloader (answered, failed or cancelled: Scrapy's
``request_left_downloader`` signal, sent once the whole answer has arrived). A request finding
no place waits here, in arrival order, and is counted in ``archive/host_concurrency/waits``.
The places are Scrapy's own: per download slot key (the host name, or the address with
``CONCURRENT_REQUESTS_PER_IP``), ``DOWNLOAD_SLOTS[key]["concurrency"]`` where set.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Self

from scrapy import Request
from scrapy import signals as scrapy_signals
from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawler.stopping import CrawlStopping


class _HostPlaces:
    """The places of one download slot: a semaphore and how many requests hold or want one."""

    def __init__(self, limit: int) -> None:
        self.semaphore = asyncio.Semaphore(limit)
        self.users = 0


class HostConcurrencyMiddleware:
    """Lets a request reach the downloader only while its host has fewer than its limit out."""

    def __init__(
        self,
        slot_key: Callable[[Request], str],
        limit: Callable[[str], int],
        stats: StatsCollector | None = None,
    ) -> None:
        self.slot_key = slot_key
        self.limit = limit
        self.stats = stats
        self._places: dict[str, _HostPlaces] = {}
        # A request holding a place -> its slot key. Keyed by the request itself (Scrapy's
        # requests hash by identity): an id() could be reused by a later request.
        self._holders: dict[Request, str] = {}
        self._stopping = False  # the crawl is closing: requests still waiting are not sent

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        per_host = settings.getint("CONCURRENT_REQUESTS_PER_IP") or settings.getint(
            "CONCURRENT_REQUESTS_PER_DOMAIN"
        )
        per_slot = settings.getdict("DOWNLOAD_SLOTS")

        def limit(key: str) -> int:
            return int(per_slot.get(key, {}).get("concurrency", per_host))

        def slot_key(request: Request) -> str:
            assert crawler.engine is not None, "requests are downloaded by a running engine"
            return crawler.engine.downloader.get_slot_key(request)

        middleware = cls(slot_key, limit, stats=crawler.stats)
        crawler.signals.connect(
            middleware.request_left, signal=scrapy_signals.request_left_downloader
        )
        return middleware

    async def process_request(self, request: Request) -> None:
        key = self.slot_key(request)
        places = self._places.get(key)
        if places is None:
            places = self._places[key] = _HostPlaces(max(1, self.limit(key)))
        places.users += 1
        if places.semaphore.locked():
            self._inc("archive/host_concurrency/waits")
        try:
            await places.semaphore.acquire()
        except BaseException:  # cancelled while waiting: it holds no place
            self._forget(key, places)
            raise
        if self._stopping:  # its turn came after the crawl began to close: not sent
            places.semaphore.release()
            self._forget(key, places)
            raise CrawlStopping(f"not sent, the crawl stopped: {request.url}")
        self._holders[request] = key
        return None

    def stop_admitting(self) -> None:
        """The crawl is closing: a request still waiting for its host's place is not sent."""
        self._stopping = True

    def request_left(self, request: Request, **_: Any) -> None:
        """The request left the downloader: its place goes to the next request for the host."""
        key = self._holders.pop(request, None)
        if key is None:
            return
        places = self._places[key]
        places.semaphore.release()
        self._forget(key, places)

    def _forget(self, key: str, places: _HostPlaces) -> None:
        places.users -= 1
        if places.users == 0:  # nobody holds or waits: a crawl of many hosts keeps no garbage
            del self._places[key]

    def _inc(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)
