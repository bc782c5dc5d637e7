"""Crawl-delay from robots.txt and Retry-After on 429/503, honoured per host.

Scrapy ignores both. A host with a Crawl-delay (capped at ``ARCHIVE_CRAWL_DELAY_MAX``) gets one
request at a time, each sent at least that long after the previous one was answered or failed,
and its first page at least that long after its robots.txt answered. The delay counts from the
moment the previous request leaves the downloader (Scrapy's ``request_left_downloader`` signal),
not from the moment its answer reaches this middleware a few event-loop turns later: a request
waiting here could otherwise slip out in between (seen under load: two pages 0.04 s apart).
Counting from the answer, not from the send, keeps the delay when the server reads a request
late (a busy server, or a crawl whose event loop is busy). A 429 or 503 with a Retry-After the
crawl can afford to wait (``ARCHIVE_RETRY_AFTER_MAX``) pauses that host and puts the request
back in the queue, at most ``ARCHIVE_RETRY_AFTER_TIMES`` times; a longer Retry-After pauses the
host and lets the error through, so the frontier retries the URL in a later crawl.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from email.utils import parsedate_to_datetime
from typing import Any, Self
from urllib.parse import urlsplit

from protego import Protego
from scrapy import Request
from scrapy import signals as scrapy_signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.statscollectors import StatsCollector
from scrapy.utils.httpobj import urlparse_cached

from crawler.signals import robots_txt_cached
from storage.timeutil import utcnow

log = logging.getLogger(__name__)

RETRY_STATUSES = (429, 503)
ANSWER_POLL_SECONDS = 0.05
IN_FLIGHT_META = "archive_politeness_host"


def retry_after_seconds(value: bytes | None) -> float | None:
    """Seconds a Retry-After header asks for (delta-seconds or an HTTP date); None if unreadable."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - utcnow()).total_seconds())


def crawl_delay_in(robots_txt: bytes, user_agent: str) -> float | None:
    """The Crawl-delay (seconds) a robots.txt asks of ``user_agent``; None: none, or unreadable."""
    try:
        delay = Protego.parse(robots_txt.decode("utf-8", "replace")).crawl_delay(user_agent)
    except Exception:  # a robots.txt we cannot read has no delay for us
        return None
    if delay is None or delay <= 0:
        return None
    return float(delay)


class PolitenessMiddleware:
    """Spaces each host's requests by its Crawl-delay and waits out Retry-After."""

    def __init__(
        self,
        user_agent: str,
        *,
        max_crawl_delay: float = 60.0,
        max_retry_after: float = 120.0,
        retry_times: int = 2,
        robots_max_bytes: int = 512 * 1024,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        stats: StatsCollector | None = None,
    ) -> None:
        self.user_agent = user_agent
        self.max_crawl_delay = max_crawl_delay
        self.max_retry_after = max_retry_after
        self.retry_times = retry_times
        self.robots_max_bytes = robots_max_bytes
        self.clock = clock
        self.sleep = sleep
        self.stats = stats
        self.crawl_delays: dict[str, float] = {}
        self._not_before: dict[str, float] = {}
        self._in_flight: dict[str, set[int]] = {}  # host -> ids of requests not answered yet

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("ARCHIVE_POLITENESS_ENABLED", True):
            raise NotConfigured("ARCHIVE_POLITENESS_ENABLED is off")
        middleware = cls(
            settings.get("ROBOTSTXT_USER_AGENT") or settings.get("USER_AGENT") or "*",
            max_crawl_delay=settings.getfloat("ARCHIVE_CRAWL_DELAY_MAX", 60.0),
            max_retry_after=settings.getfloat("ARCHIVE_RETRY_AFTER_MAX", 120.0),
            retry_times=settings.getint("ARCHIVE_RETRY_AFTER_TIMES", 2),
            robots_max_bytes=settings.getint("ARCHIVE_ROBOTSTXT_MAX_BYTES", 512 * 1024),
            stats=crawler.stats,
        )
        crawler.signals.connect(middleware.robots_txt_cached, signal=robots_txt_cached)
        # Answered, failed or redirected: every request that reached the downloader leaves it.
        crawler.signals.connect(
            middleware.request_done, signal=scrapy_signals.request_left_downloader
        )
        return middleware

    async def process_request(self, request: Request) -> None:
        host = urlparse_cached(request).netloc
        while True:
            wait = self._not_before.get(host, 0.0) - self.clock()
            if wait <= 0 and not (self.crawl_delays.get(host) and self._in_flight.get(host)):
                break
            self._inc("archive/politeness/waits")
            # Others may have taken the slot meanwhile, or the host's answer is still out:
            # look again after the wait (or shortly, for the answer).
            await self.sleep(wait if wait > 0 else ANSWER_POLL_SECONDS)
        delay = self.crawl_delays.get(host)
        if delay:
            self._not_before[host] = self.clock() + delay
            # One request at a time to a host with a Crawl-delay: a request let through here
            # could otherwise wait in Scrapy's queue for the host behind a slow answer and
            # leave right after it, closer than the delay.
            self._in_flight.setdefault(host, set()).add(id(request))
            request.meta[IN_FLIGHT_META] = host
        return None

    def request_done(self, request: Request, **_: Any) -> None:
        """The request left the downloader (answered or failed): its host's delay starts now."""
        host = request.meta.get(IN_FLIGHT_META)
        if host is None:
            return
        # Pause first, then free the host: no waiter ever sees it free without the pause.
        self._pause(host, self.crawl_delays.get(host, 0.0))
        self._in_flight.get(host, set()).discard(id(request))

    def process_exception(self, request: Request, exception: Exception) -> None:
        self.request_done(request)  # failed before or in the download
        return None

    def process_response(self, request: Request, response: Response) -> Request | Response:
        self.request_done(request)
        parsed = urlparse_cached(request)
        if parsed.path == "/robots.txt" and response.status == 200:
            self._learn_crawl_delay(parsed.netloc, response.body[: self.robots_max_bytes])
        delay = self.crawl_delays.get(parsed.netloc)
        if delay:  # also for robots.txt and others sent before the delay was known
            self._pause(parsed.netloc, delay)
        if parsed.path == "/robots.txt":
            return response
        if response.status not in RETRY_STATUSES:
            return response
        wait = retry_after_seconds(response.headers.get(b"Retry-After"))
        if wait is None:
            return response
        self._pause(parsed.netloc, min(wait, self.max_retry_after))
        tries = int(request.meta.get("archive_retry_after_times", 0))
        if wait > self.max_retry_after or tries >= self.retry_times:
            self._inc("archive/politeness/retry_after_given_up")
            return response
        self._inc("archive/politeness/retry_after")
        log.info(
            "%s answered %d with Retry-After %.0f s: fetching it again after that",
            request.url,
            response.status,
            wait,
        )
        retry = request.copy()
        retry.meta["archive_retry_after_times"] = tries + 1
        retry.dont_filter = True
        return retry

    def robots_txt_cached(self, url: str, status: int, body: bytes) -> None:
        """A robots.txt kept in the archive (no response to read it from) sets the delay too."""
        if status == 200:
            self._learn_crawl_delay(urlsplit(url).netloc, body[: self.robots_max_bytes])

    def _pause(self, host: str, seconds: float) -> None:
        until = self.clock() + seconds
        self._not_before[host] = max(self._not_before.get(host, 0.0), until)

    def _learn_crawl_delay(self, host: str, body: bytes) -> None:
        delay = crawl_delay_in(body, self.user_agent)
        if delay is None:
            return
        self.crawl_delays[host] = min(delay, self.max_crawl_delay)
        log.info("robots.txt of %s asks for a Crawl-delay of %s s", host, delay)

    def _inc(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)
