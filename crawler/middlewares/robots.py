"""robots.txt handling that errs on the side of the publisher."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from scrapy import Request
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.http import Response
from scrapy.robotstxt import RobotParser
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler
from twisted.internet.defer import Deferred

log = logging.getLogger(__name__)

DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"


class CautiousRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Like Scrapy's, except that a robots.txt answering 5xx or not answering means disallow.

    Scrapy allows everything when robots.txt cannot be read; a publisher whose server is
    struggling has not agreed to be crawled, so we wait until it answers. A 4xx (no robots.txt)
    still means allow. Only the first ``ARCHIVE_ROBOTSTXT_MAX_BYTES`` of a robots.txt are read.

    Every request that arrives while a host's robots.txt is still downloading waits for the
    same parser. (Scrapy 2.19 hands the parser to the first waiter only: its shared Deferred
    passes None on to the others, which are then let through unchecked.)
    """

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        self.max_bytes = crawler.settings.getint("ARCHIVE_ROBOTSTXT_MAX_BYTES", 512 * 1024)
        self._ready: dict[str, RobotParser | None] = {}
        self._waiting: dict[str, asyncio.Future[RobotParser | None]] = {}

    async def robot_parser(self, request: Request) -> RobotParser | None:
        netloc = urlparse_cached(request).netloc
        if netloc in self._ready:
            return self._ready[netloc]
        waiting = self._waiting.get(netloc)
        if waiting is not None:
            return await asyncio.shield(waiting)
        future: asyncio.Future[RobotParser | None] = asyncio.get_running_loop().create_future()
        self._waiting[netloc] = future
        try:
            parser = await super().robot_parser(request)
        except Exception as error:  # never let a robots.txt failure open the gate
            log.warning(
                "robots.txt of %s failed (%s): not crawling that host for now", netloc, error
            )
            parser = self._parser_for(DISALLOW_ALL)
        self._ready[netloc] = parser
        future.set_result(parser)
        return parser

    def _parser_for(self, body: bytes) -> Any:
        return build_from_crawler(self._parserimpl, self.crawler, body)

    def _install(self, netloc: str, parser: Any) -> None:
        pending = self._parsers[netloc]
        self._parsers[netloc] = parser
        if isinstance(pending, Deferred):
            pending.callback(parser)

    async def _parse_robots(self, response: Response, netloc: str, request: Any) -> None:
        self._stats.inc_value(f"robotstxt/response_status_count/{response.status}")
        if response.status >= 500:
            log.warning(
                "robots.txt of %s answered %s: not crawling that host for now",
                netloc,
                response.status,
            )
            self._stats.inc_value("archive/robots/unavailable")
            self._install(netloc, self._parser_for(DISALLOW_ALL))
            return
        body = response.body[: self.max_bytes] if response.status < 400 else b""
        self._install(netloc, self._parser_for(body))

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        log.warning(
            "robots.txt of %s could not be read (%s): not crawling that host for now", netloc, exc
        )
        self._stats.inc_value("archive/robots/unavailable")
        self._install(netloc, self._parser_for(DISALLOW_ALL))
