"""A graceful stop finishes the downloads under way, not every request queued behind a delay.

Scrapy counts a request waiting in a host's queue for its politeness delay as in progress, and
a graceful stop (SIGTERM, Ctrl-C, a full disk) waits for all of them: with 128 requests queued
for one host 0.25 s apart, half a minute. When the spider starts closing, requests still
waiting in a host's queue are dropped instead: nothing of them is fetched or recorded, and
their frontier leases are given back when the spider closes, so the next run fetches them.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from scrapy import signals
from scrapy.exceptions import IgnoreRequest

log = logging.getLogger(__name__)


class CrawlStopping(IgnoreRequest):
    """The request was still waiting for its turn when the crawl stopped: not fetched."""


def drop_queued_requests_when_closing(crawler: Any) -> None:
    """Make ``crawler``'s engine drop queued requests before it waits for the rest to finish.

    Connect to the ``engine_started`` signal: the engine exists from then on.
    """
    engine = crawler.engine
    close: Callable[..., Awaitable[None]] = engine.close_spider_async

    async def close_spider_async(*, reason: str = "cancelled") -> None:
        for middleware in engine.downloader.middleware.middlewares:
            if hasattr(middleware, "stop_admitting"):  # HostConcurrencyMiddleware
                middleware.stop_admitting()
        dropped = _drop_queued(engine.downloader, crawler.spider)
        if dropped:
            log.info("stopping: %d queued requests not sent (their URLs stay due)", dropped)
            if crawler.stats is not None:
                crawler.stats.inc_value("archive/stopping/not_sent", dropped)
        await close(reason=reason)

    engine.close_spider_async = close_spider_async


def _drop_queued(downloader: Any, spider: Any) -> int:
    dropped = 0
    for slot in list(getattr(downloader, "slots", {}).values()):
        queue = getattr(slot, "queue", None)
        while queue:
            request, waiting = queue.popleft()
            waiting.errback(CrawlStopping(f"not sent, the crawl stopped: {request.url}"))
            # It leaves the downloader without a download: say so, as a download would, so
            # that what holds a place for it (HostConcurrencyMiddleware) gives the place up.
            downloader.signals.send_catch_log(
                signal=signals.request_left_downloader, request=request, spider=spider
            )
            dropped += 1
    return dropped
