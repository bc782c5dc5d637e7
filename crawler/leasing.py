"""The lease-ahead state machine: when a frontier crawl leases its next batch of due rows.

A crawl leases ``batch`` rows (200) in its spider's ``start()``, and again whenever no more
than two batches are unanswered, so every due host has requests queued behind its politeness
delay even while a lease query waits behind a long write (SQLite has one writer), and one
worker holds at most three batches: one to two seconds of work at full speed across many hosts.
When Scrapy goes idle it leases again, and closes the spider once nothing more is due. At the
end every lease still held is given back, so a crawl stopped by Ctrl-C resumes where it was.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider

from crawler.middlewares.leases import Lease
from storage import Archive
from storage.frontier import LeasedURL, lease_due, release_leases
from storage.kinds import FrontierKind
from storage.timeutil import utcnow

log = logging.getLogger(__name__)

LEASE_AHEAD_INTERVAL = 0.2  # seconds between two lease-ahead queries at most
UNANSWERED_BATCHES = 2  # lease ahead once no more than this many batches are unanswered
IDLE_CHECK_DELAY = 0.05  # seconds after an item before checking whether all work is done
NOT_ARTICLES = [
    FrontierKind.FEED,
    FrontierKind.SITEMAP,
    FrontierKind.PAGE,
    FrontierKind.ROBOTS,
]  # what is leased once max_articles is met


@dataclass(frozen=True)
class LeaseTerms:
    """What a crawl leases: as whom, for how long, how many at a time, and which rows."""

    owner: str
    seconds: float = 600.0
    batch: int = 200
    max_pages: int = 10_000
    max_articles: int | None = None
    scopes: list[str] | None = None
    new_only: bool = True
    entry_ids: list[int] | None = None
    discovery_scopes: list[str] | None = None


RequestFor = Callable[[LeasedURL, Lease], Request]


class LeaseAhead:
    """Leases due rows for one crawl and hands them to the engine as requests, batch by batch.

    The spider reports each answered request (``answered``) and a stop (``stop``); the rest
    follows Scrapy's signals (an item done, the spider idle, the spider closed).
    """

    def __init__(
        self,
        terms: LeaseTerms,
        archive: Callable[[], Archive],
        crawler: Crawler,
        request_for: RequestFor,
    ) -> None:
        self.terms = terms
        self.archive = archive
        self.crawler = crawler
        self.request_for = request_for
        self.requested = 0
        self.article_requests = 0
        self.answered_count = 0
        self.exhausted = False
        self.stopping = False  # set when the crawl stops with requests still queued
        self._queried = False
        self._leasing: asyncio.Future[None] | None = None
        self._lease_query: asyncio.Future[list[LeasedURL]] | None = None
        self._check_pending = False
        self._last_lease_ahead = 0.0
        # Set when a lease came back short: nothing more is due until this crawl discovers
        # something (the pipeline's "archive/discovered" count, as it stood then, moves on).
        self._dry_at_discovered: int | None = None

    def connect(self) -> None:
        """Follow the crawl's signals (their receivers are held weakly: keep this object)."""
        connect = self.crawler.signals.connect
        connect(self.idle, signal=signals.spider_idle)
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            connect(self.item_done, signal=signal)
        connect(self.closed, signal=signals.spider_closed)

    # -- the database ----------------------------------------------------------------------

    def _lease(self) -> list[LeasedURL]:
        if self.stopping:
            return []
        terms = self.terms
        limit = min(terms.batch, terms.max_pages - self.requested)
        if limit <= 0:
            return []
        kinds = NOT_ARTICLES if self._articles_capped() else None
        self._queried = True
        return self.archive().run_write(
            lambda s: lease_due(
                s,
                terms.owner,
                now=utcnow(),
                limit=limit,
                lease_seconds=terms.seconds,
                scopes=terms.scopes,
                new_only=terms.new_only,
                kinds=kinds,
                entry_ids=terms.entry_ids,
                discovery_scopes=terms.discovery_scopes,
            )
        )

    def _give_back(self) -> int:
        return self.archive().run_write(lambda s: release_leases(s, self.terms.owner))

    # -- rows into requests ----------------------------------------------------------------

    def enough_discovered(self) -> bool:
        """Whether discovery may stop: max_articles articles requested, or the crawl stopping."""
        return self.stopping or self._articles_capped()

    def _articles_capped(self) -> bool:
        cap = self.terms.max_articles
        return cap is not None and self.article_requests >= cap

    def _requests(self, leased: list[LeasedURL], since: float) -> Iterator[Request]:
        """Requests for rows leased at (monotonic) ``since`` or later, within max_articles."""
        lease = Lease(self.terms.owner, self.terms.seconds, since)
        for row in leased:
            if row.kind == FrontierKind.ARTICLE:
                if self._articles_capped():
                    continue
                self.article_requests += 1
            self.requested += 1
            yield self.request_for(row, lease)

    async def first_batch(self) -> list[Request]:
        """The requests the crawl starts with (none: nothing is due)."""
        since = time.monotonic()
        leased = await asyncio.to_thread(self._lease)
        if not leased:
            self.exhausted = True
        return list(self._requests(leased, since))

    # -- when to lease -----------------------------------------------------------------------

    def _busy(self) -> bool:
        return self._leasing is not None and not self._leasing.done()

    def answered(self) -> None:
        """Count a finished request; lease the next batch before this one runs dry.

        Waiting for the spider to go idle before leasing again would leave every host waiting
        for the slowest one at the end of each batch; leasing only when few rows are left would
        leave hosts without a request queued when their delay runs out.
        """
        self.answered_count += 1
        self._lease_ahead()

    def _lease_ahead(self) -> None:
        unanswered = self.requested - self.answered_count
        if self.exhausted or unanswered > UNANSWERED_BATCHES * self.terms.batch or self._busy():
            return
        if self._dry_at_discovered is not None:
            if self._discovered() == self._dry_at_discovered:
                return  # an empty lease query would only contend with the writes
            self._dry_at_discovered = None
        now = time.monotonic()
        if now - self._last_lease_ahead < LEASE_AHEAD_INTERVAL:
            return
        self._last_lease_ahead = now
        self._leasing = asyncio.ensure_future(self._lease_more(close_when_empty=False))

    def stop(self) -> None:
        """Lease nothing more: the crawl is stopping."""
        self.stopping = True

    def item_done(self, *_: Any, **__: Any) -> None:
        """Lease again as soon as all work is done, not at the engine's next idle check.

        Scrapy notices idleness on a 5-second heartbeat; a crawl that discovers in steps (feed,
        then articles; front, then sections, then articles) would wait that long at each step.
        """
        # Rows just discovered (a sitemap's first 2,000 URLs while the rest is still being
        # read) are leased now, not once the scraper has written them all and gone idle.
        self._lease_ahead()
        if self._check_pending:
            return
        self._check_pending = True
        asyncio.get_running_loop().call_later(IDLE_CHECK_DELAY, self._continue_if_idle)

    def _continue_if_idle(self) -> None:
        self._check_pending = False
        engine = self.crawler.engine
        if engine is None or self._busy():
            return
        try:
            idle = engine.spider_is_idle()
        except RuntimeError:  # the engine is closing
            return
        if idle:
            self.exhausted = False
            self._leasing = asyncio.ensure_future(self._lease_more())

    def idle(self) -> None:
        """Keep the spider open while a lease is under way or more may be due."""
        if self._busy():
            raise DontCloseSpider
        if self.exhausted:
            return
        self._leasing = asyncio.ensure_future(self._lease_more())
        raise DontCloseSpider

    def _discovered(self) -> int:
        stats = self.crawler.stats
        return int(stats.get_value("archive/discovered", 0)) if stats is not None else 0

    async def _lease_more(self, *, close_when_empty: bool = True) -> None:
        since = time.monotonic()
        discovered = self._discovered()
        self._lease_query = asyncio.ensure_future(asyncio.to_thread(self._lease))
        leased = await self._lease_query
        self._dry_at_discovered = discovered if len(leased) < self.terms.batch else None
        engine = self.crawler.engine
        if leased and (self.stopping or not engine.running):
            # The crawl began stopping while these rows were leased: nothing will fetch them.
            await asyncio.to_thread(self._give_back)
            return
        if not leased and self.stopping:
            return  # the spider closed while the query ran (a full disk, SIGTERM): nothing to do
        if not leased and not close_when_empty:
            # More may come from the requests still in flight; if none are, finish now.
            asyncio.get_running_loop().call_later(IDLE_CHECK_DELAY, self._continue_if_idle)
            return
        if not leased:
            # Nothing was in flight when the spider went idle, and nothing is due: done now
            # rather than at the engine's next idle check, seconds later.
            self.exhausted = True
            await engine.close_spider_async(reason="finished")
            return
        for request in self._requests(leased, since):
            engine.crawl(request)

    async def closed(self) -> None:
        """Give back every lease still held, once a lease query under way has ended."""
        self.stopping = True
        if self._lease_query is not None and not self._lease_query.done():
            # Its rows would be leased after the release below and stay leased: let it end.
            with contextlib.suppress(Exception):
                await asyncio.shield(self._lease_query)
        if not self._queried:
            return  # nothing was ever leased
        released = await asyncio.to_thread(self._give_back)
        if released:
            log.info("gave back %d unfinished leases", released)
