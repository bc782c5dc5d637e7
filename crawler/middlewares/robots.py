"""robots.txt handling that errs on the side of the publisher, with copies kept for a day."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.robotstxt import RobotParser
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from twisted.internet.defer import Deferred

from crawler.extensions.archive_connection import archive_connection
from crawler.signals import robots_txt_cached
from storage import Archive, StorageError
from storage.robots_cache import (
    CachedRobots,
    all_fresh_robots,
    cached_robots,
    robots_origin,
    store_robots,
)
from storage.timeutil import utcnow

log = logging.getLogger(__name__)

DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"
# How a request to a host whose robots.txt could not be read is refused (crawler.fetching
# turns it into the reason robots_unavailable, retried later, unlike robots_disallowed).
UNREADABLE = "robots.txt could not be read"
# Meta key of a request for a robots.txt the crawl reads for its Sitemap: lines: answered from
# the copy this middleware read (or kept) for the host, so robots.txt is requested once per host.
ANSWER_FROM_ROBOTS = "answer_from_robots_txt"

# ARCHIVE_ROBOTSTXT_CACHE_SECONDS: how long a robots.txt kept in the archive is used instead of
# fetching it again; 0 turns the cache off. RFC 9309 (2.4) asks for at most 24 hours, so
# longer values are cut to that.
CACHE_SECONDS = 86400.0


class RobotsTxtCache:
    """The archive's ``robots_txt`` table as the middleware uses it, off the reactor thread.

    ``archive`` gives the crawl's archive, opened at its first call if no other component has
    opened it yet (None: no cache). Any database failure (unreachable, not migrated, locked
    past the busy timeout) logs one warning and turns the cache off for the rest of the crawl:
    robots.txt is then fetched as it always was, and the crawl goes on.

    Copies are written behind the crawl: ``keep`` returns at once, and the copies kept within
    ``write_seconds`` go to the archive together, in one transaction. A host's first page
    therefore never waits for a database write (with hundreds of hosts, one transaction each
    queued behind the page writer cost seconds), and ``close`` writes what is left when the
    spider closes. A copy lost to a crash costs the next crawl one request, nothing more.

    Reading works the same way round: the first ``get`` loads every fresh copy at once (up to
    ``PRELOAD_LIMIT`` of them; more are asked for one by one), so a crawl over hundreds of
    hosts makes one query, not one per host. A copy another worker keeps later in the crawl
    is not seen then, which costs one robots.txt request.
    """

    PRELOAD_LIMIT = 20_000

    def __init__(
        self,
        archive: Callable[[], Archive] | None,
        max_age: timedelta,
        write_seconds: float = 1.0,
    ) -> None:
        self.archive = archive
        self.max_age = max_age
        self.write_seconds = write_seconds
        self.enabled = archive is not None and max_age > timedelta(0)
        self._unwritten: dict[str, tuple[int, bytes, datetime]] = {}
        self._writer: asyncio.Task[None] | None = None
        self._closing = asyncio.Event()
        self._preloading: asyncio.Task[dict[str, CachedRobots] | None] | None = None

    async def get(self, origin: str) -> CachedRobots | None:
        """The fresh copy of ``origin``'s robots.txt, or None (none, stale, cache off)."""
        if not self.enabled:
            return None
        try:
            if self._preloading is None:
                self._preloading = asyncio.get_running_loop().create_task(
                    asyncio.to_thread(self._read_all)
                )
            preloaded = await asyncio.shield(self._preloading)
            if preloaded is not None:
                return preloaded.get(origin)
            return await asyncio.to_thread(self._read, origin)
        except (StorageError, SQLAlchemyError) as error:
            self._fail(error)
            return None

    def keep(self, origin: str, status: int, body: bytes) -> None:
        """Keep what ``origin``'s robots.txt just answered (a status below 500), soon."""
        if not self.enabled:
            return
        self._unwritten[origin] = (status, body, utcnow())
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._write_unwritten())

    async def close(self) -> None:
        """Write every copy kept so far; called when the spider closes."""
        self._closing.set()
        if self._writer is not None:
            await self._writer

    async def _write_unwritten(self) -> None:
        if not self._closing.is_set():
            # Gather the copies of the hosts whose robots.txt arrive meanwhile.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), self.write_seconds)
        while self._unwritten and self.enabled:
            copies, self._unwritten = self._unwritten, {}
            try:
                await asyncio.to_thread(self._write, copies)
            except (StorageError, SQLAlchemyError) as error:
                self._fail(error)

    def _opened(self) -> Archive:
        assert self.archive is not None, "a cache without an archive is never enabled"
        return self.archive()

    def _read_all(self) -> dict[str, CachedRobots] | None:
        with self._opened().read() as session:
            return all_fresh_robots(
                session, now=utcnow(), max_age=self.max_age, limit=self.PRELOAD_LIMIT
            )

    def _read(self, origin: str) -> CachedRobots | None:
        with self._opened().read() as session:
            return cached_robots(session, origin, now=utcnow(), max_age=self.max_age)

    def _write(self, copies: dict[str, tuple[int, bytes, datetime]]) -> None:
        # No retries: a copy not kept costs the next crawl one request, a crawl kept waiting
        # for a locked database costs more.
        def store(session: Session) -> None:
            for origin, (status, body, fetched_at) in copies.items():
                store_robots(session, origin, status, body, now=fetched_at)

        self._opened().run_write(store, retries=0)

    def _fail(self, error: Exception) -> None:
        if self.enabled:
            log.warning(
                "the robots.txt cache in the archive failed (%s): fetching robots.txt as usual",
                error,
            )
        self.enabled = False


def cache_seconds(setting: float) -> float:
    """The cache lifetime in force for ``ARCHIVE_ROBOTSTXT_CACHE_SECONDS``: at most a day."""
    if setting > CACHE_SECONDS:
        log.warning(
            "ARCHIVE_ROBOTSTXT_CACHE_SECONDS=%s is longer than the 24 hours RFC 9309 allows: "
            "using %s",
            setting,
            CACHE_SECONDS,
        )
    return min(setting, CACHE_SECONDS)


class _WithoutScrapysDownloadError(logging.Filter):
    """Drops Scrapy's "Error downloading <robots.txt request>" record and its traceback.

    ``_robots_error`` below says the same in one line, with what it means for the host.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Error downloading")


_SCRAPY_ROBOTS_LOG = logging.getLogger("scrapy.downloadermiddlewares.robotstxt")
if not any(isinstance(f, _WithoutScrapysDownloadError) for f in _SCRAPY_ROBOTS_LOG.filters):
    _SCRAPY_ROBOTS_LOG.addFilter(_WithoutScrapysDownloadError())


class RobotsUnreadable(IgnoreRequest):
    """A request refused because its host's robots.txt could not be read.

    ``cause`` is the exception the robots.txt fetch failed with (None for a 5xx answer):
    the capture's reason names it (``connection_refused``, ``dns_error``, ``timeout``).
    """

    def __init__(self, message: str, cause: BaseException | None) -> None:
        super().__init__(message)
        self.cause = cause


class CautiousRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Like Scrapy's, except that a robots.txt answering 5xx or not answering means disallow.

    Scrapy allows everything when robots.txt cannot be read; a publisher whose server is
    struggling has not agreed to be crawled, so we wait until it answers. A 4xx (no robots.txt)
    still means allow. Only the first ``ARCHIVE_ROBOTSTXT_MAX_BYTES`` of a robots.txt are read.

    Every request that arrives while a host's robots.txt is still downloading waits for the
    same parser. (Scrapy 2.19 hands the parser to the first waiter only: its shared Deferred
    passes None on to the others, which are then let through unchecked.) Released together,
    they still reach the host at most ``CONCURRENT_REQUESTS_PER_DOMAIN`` at a time:
    crawler/middlewares/host_concurrency.py holds that limit.

    Answers below 500 are kept in the archive (``ARCHIVE_DATABASE_URL``) for
    ``ARCHIVE_ROBOTSTXT_CACHE_SECONDS``: the next crawl parses the kept copy instead of
    fetching it (counted in ``archive/robots/cached``; ``robotstxt/*`` counts real fetches
    only) and sends the ``robots_txt_cached`` signal, from which the politeness middlewares
    learn the Crawl-delay they would have read in the response. 5xx answers and failures are
    never kept: the next crawl asks again. No database, or ``ARCHIVE_ENABLED`` off (nothing
    is written to the archive then), means no cache.
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        settings = crawler.settings
        self.max_bytes = settings.getint("ARCHIVE_ROBOTSTXT_MAX_BYTES", 512 * 1024)
        archive = None
        if settings.get("ARCHIVE_DATABASE_URL") and settings.getbool("ARCHIVE_ENABLED", True):
            archive = archive_connection(crawler).archive
        seconds = cache_seconds(settings.getfloat("ARCHIVE_ROBOTSTXT_CACHE_SECONDS", CACHE_SECONDS))
        self.cache = RobotsTxtCache(archive, timedelta(seconds=seconds))
        crawler.signals.connect(self._spider_closed, signal=signals.spider_closed)
        self._ready: dict[str, RobotParser | None] = {}
        self._unreadable: set[str] = set()  # hosts refused because robots.txt failed
        self._bodies: dict[str, tuple[int, bytes]] = {}  # netloc: (status, body) as read
        self._unreadable_cause: dict[str, BaseException] = {}  # ... and why, when it failed
        self._waiting: dict[str, asyncio.Future[RobotParser | None]] = {}

    async def process_request(  # type: ignore[override]
        self, request: Request, spider: object = None
    ) -> Response | None:
        """Answer a request marked ``ANSWER_FROM_ROBOTS`` with the robots.txt already read."""
        if request.meta.get(ANSWER_FROM_ROBOTS):
            await self.robot_parser(request)
            known = self._bodies.get(urlparse_cached(request).netloc)
            if known is not None:
                return Response(request.url, status=known[0], body=known[1], request=request)
        await super().process_request(request)
        return None

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
            parser: RobotParser | None = await self._cached_parser(request)
            if parser is None:
                parser = await super().robot_parser(request)
        except Exception as error:  # never let a robots.txt failure open the gate
            log.warning(
                "robots.txt of %s failed (%s): not crawling that host for now", netloc, error
            )
            self._unreadable.add(netloc)
            parser = self._parser_for(DISALLOW_ALL)
        self._ready[netloc] = parser
        future.set_result(parser)
        return parser

    def process_request_2(self, rp: RobotParser | None, request: Request) -> None:
        """Refuse as Scrapy does, saying so when robots.txt could not be read at all."""
        netloc = urlparse_cached(request).netloc
        if netloc in self._unreadable:
            raise RobotsUnreadable(
                f"{UNREADABLE}: not crawling this host for now", self._unreadable_cause.get(netloc)
            )
        super().process_request_2(rp, request)

    async def _cached_parser(self, request: Request) -> RobotParser | None:
        """A parser of the kept copy of the request's robots.txt; None: fetch it."""
        url = urlparse_cached(request)
        cached = await self.cache.get(robots_origin(url.scheme, url.netloc))
        if cached is None:
            return None
        self._stats.inc_value("archive/robots/cached")
        self._bodies[url.netloc] = (cached.status, cached.body)
        self.crawler.signals.send_catch_log(
            signal=robots_txt_cached,
            url=f"{url.scheme}://{url.netloc}/robots.txt",
            status=cached.status,
            body=cached.body,
        )
        return self._parser_for(cached.body)

    def _parser_for(self, body: bytes) -> RobotParser:
        return build_from_crawler(self._parserimpl, self.crawler, body)

    def _install(self, netloc: str, parser: RobotParser) -> None:
        pending = self._parsers[netloc]
        self._parsers[netloc] = parser
        if isinstance(pending, Deferred):
            pending.callback(parser)

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        self._stats.inc_value(f"robotstxt/response_status_count/{response.status}")
        if response.status >= 500:
            log.warning(
                "robots.txt of %s answered %s: not crawling that host for now",
                netloc,
                response.status,
            )
            self._stats.inc_value("archive/robots/unavailable")
            self._unreadable.add(netloc)
            self._install(netloc, self._parser_for(DISALLOW_ALL))
            return
        body = response.body[: self.max_bytes] if response.status < 400 else b""
        self._bodies[netloc] = (response.status, body)
        self._install(netloc, self._parser_for(body))
        url = urlparse_cached(request)  # the page's: a redirected robots.txt is still its own
        self.cache.keep(robots_origin(url.scheme, url.netloc), response.status, body)

    async def _spider_closed(self) -> None:
        await self.cache.close()

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        # Each refused page's capture names the cause; this line is for -v.
        self._unreadable_cause[netloc] = exc
        log.info(
            "robots.txt of %s could not be read (%s): not crawling that host for now", netloc, exc
        )
        self._stats.inc_value("archive/robots/unavailable")
        self._unreadable.add(netloc)
        self._install(netloc, self._parser_for(DISALLOW_ALL))
