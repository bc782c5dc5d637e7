"""Crawl from the database frontier: feeds, sitemaps, pages and articles, leased in batches.

The spider leases due rows in ``start()`` and again whenever Scrapy goes idle, and hands every
outcome to the pipeline, which completes the lease in the same transaction as the capture. A
crawl stopped by Ctrl-C or kill -9 therefore resumes where it was when run again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import socket
import time
import uuid
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import datetime
from typing import Any

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response
from scrapy.settings import BaseSettings
from twisted.python.failure import Failure

from crawler.discovery.classify import classify_url
from crawler.discovery.feeds import FeedError, parse_feed
from crawler.discovery.links import advertised_feeds, page_links, robots_sitemaps
from crawler.discovery.sitemaps import SitemapError, parse_sitemap
from crawler.fetching import is_html, item_for_failure, item_for_response, page_request
from crawler.items import DiscoveredLinks
from crawler.middlewares.leases import LEASE_META, Lease, LeaseCheckMiddleware, LeaseLost
from crawler.stopping import CrawlStopping
from storage import Archive, open_archive
from storage.database import DEFAULT_SQLITE_BUSY_TIMEOUT, DEFAULT_SQLITE_MAX_PAGES
from storage.frontier import FrontierURL, LeasedURL, lease_due, release_leases
from storage.timeutil import utcnow

log = logging.getLogger(__name__)

LEASE_AHEAD_INTERVAL = 0.2  # seconds between two lease-ahead queries at most
# The spider leases ``lease_batch`` rows (200) whenever no more than two batches are
# unanswered, so every due host has requests queued behind its politeness delay even while a
# lease query waits behind a long write (SQLite has one writer), and one worker holds at most
# three batches: one to two seconds of work at full speed across many hosts.
LEASE_CHECK_ORDER = 600  # after the politeness waits, right before the download


def new_owner_id() -> str:
    """A lease owner id naming this host and process, so dead local owners can be recognised."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class FrontierSpider(scrapy.Spider):
    """Fetches what is due in the frontier for the given hosts until nothing is left."""

    name = "crawl"

    def __init__(
        self,
        database_url: str = "",
        scopes: Iterable[str] | None = None,
        since: datetime | None = None,
        max_articles: int | None = None,
        max_depth: int = 2,
        max_pages: int = 10_000,
        links_per_page: int = 200,
        include: Iterable[str] = (),
        exclude: Iterable[str] = (),
        new_only: bool = True,
        follow_scopes: Iterable[str] = (),
        entry_ids: Iterable[int] | None = None,
        lease_batch: int = 200,
        owner: str | None = None,
        lease_seconds: float = 600.0,
        discovery_scopes: Iterable[str] | None = None,
        sqlite_busy_timeout: float = DEFAULT_SQLITE_BUSY_TIMEOUT,
        sqlite_max_pages: int = DEFAULT_SQLITE_MAX_PAGES,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.database_url = database_url
        self.sqlite_busy_timeout = sqlite_busy_timeout
        self.sqlite_max_pages = sqlite_max_pages
        self.scopes = sorted(set(scopes)) if scopes is not None else None
        self.since = since
        self.max_articles = max_articles
        self.max_depth = max_depth
        self.max_pages = max_pages
        self.links_per_page = links_per_page
        self.include = [re.compile(p) for p in include]
        self.exclude = [re.compile(p) for p in exclude]
        self.new_only = new_only
        self.follow_scopes = set(follow_scopes)
        self.entry_ids = list(entry_ids) if entry_ids is not None else None
        self.lease_batch = lease_batch
        self.owner = owner or new_owner_id()
        self.lease_seconds = lease_seconds
        self.discovery_scopes = list(discovery_scopes) if discovery_scopes is not None else None
        self.requested = 0
        self.article_requests = 0
        self.exhausted = False
        self._archive: Archive | None = None
        self._leasing: asyncio.Future[None] | None = None
        self._lease_query: asyncio.Future[list[LeasedURL]] | None = None
        self._check_pending = False
        self.answered = 0
        self._last_lease_ahead = 0.0
        # Set when a lease came back short: nothing more is due until this crawl discovers
        # something (the pipeline's "archive/discovered" count, as it stood then, moves on).
        self._dry_at_discovered: int | None = None
        self.stopping = False  # set when the crawl stops with requests still queued

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        settings.set_in_component_priority_dict(
            "DOWNLOADER_MIDDLEWARES", LeaseCheckMiddleware, LEASE_CHECK_ORDER
        )

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> FrontierSpider:
        kwargs.setdefault("database_url", crawler.settings.get("ARCHIVE_DATABASE_URL"))
        kwargs.setdefault(
            "sqlite_busy_timeout", crawler.settings.getfloat("ARCHIVE_SQLITE_BUSY_TIMEOUT")
        )
        kwargs.setdefault("sqlite_max_pages", crawler.settings.getint("ARCHIVE_SQLITE_MAX_PAGES"))
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.on_idle, signal=signals.spider_idle)
        crawler.signals.connect(spider.on_item_done, signal=signals.item_scraped)
        crawler.signals.connect(spider.on_item_done, signal=signals.item_dropped)
        crawler.signals.connect(spider.on_item_done, signal=signals.item_error)
        crawler.signals.connect(spider.on_item_error, signal=signals.item_error)
        crawler.signals.connect(spider.on_closed, signal=signals.spider_closed)
        return spider

    # -- leasing ---------------------------------------------------------------------------

    def _lease(self) -> list[LeasedURL]:
        if self.stopping:
            return []
        if self._archive is None:
            self._archive = open_archive(
                self.database_url,
                busy_timeout=self.sqlite_busy_timeout,
                max_pages=self.sqlite_max_pages,
            )
        limit = min(self.lease_batch, self.max_pages - self.requested)
        if limit <= 0:
            return []
        kinds = None
        if self.max_articles is not None and self.article_requests >= self.max_articles:
            kinds = ["feed", "sitemap", "page", "robots"]

        return self._archive.run_write(
            lambda s: lease_due(
                s,
                self.owner,
                now=utcnow(),
                limit=limit,
                lease_seconds=self.lease_seconds,
                scopes=self.scopes,
                new_only=self.new_only,
                kinds=kinds,
                entry_ids=self.entry_ids,
                discovery_scopes=self.discovery_scopes,
            )
        )

    def _requests_for(self, leased: list[LeasedURL], since: float) -> Iterator[scrapy.Request]:
        """Requests for rows leased at (monotonic) ``since`` or later."""
        lease = Lease(self.owner, self.lease_seconds, since)
        for row in leased:
            if row.kind == "article":
                if self.max_articles is not None and self.article_requests >= self.max_articles:
                    continue
                self.article_requests += 1
            self.requested += 1
            meta = {
                "frontier_id": row.id,
                "scope": row.scope,
                "kind": row.kind,
                "source": row.source,
                "depth": row.depth,
                LEASE_META: lease,
            }
            if row.kind == "robots":
                meta["dont_obey_robotstxt"] = True
            conditional = row.kind in ("feed", "sitemap") or row.fetched_before
            yield page_request(
                row.url,
                self.parse,
                self.on_error,
                etag=row.etag if conditional else None,
                last_modified=row.last_modified if conditional else None,
                **meta,
            )

    async def start(self) -> AsyncIterator[Any]:
        since = time.monotonic()
        leased = await asyncio.to_thread(self._lease)
        if not leased:
            self.exhausted = True
        for request in self._requests_for(leased, since):
            yield request

    def on_item_done(self, *_: Any, **__: Any) -> None:
        """Lease again as soon as all work is done, not at the engine's next idle check.

        Scrapy notices idleness on a 5-second heartbeat; a crawl that discovers in steps (feed,
        then articles; front, then sections, then articles) would wait that long at each step.
        """
        if self._check_pending:
            return
        self._check_pending = True
        asyncio.get_running_loop().call_later(0.05, self._continue_if_idle)

    def on_item_error(self, item: Any = None, **_: Any) -> None:
        """Count fetches whose outcome could not be recorded (a database error in the pipeline).

        Their leases are given back when the crawl ends, so they are fetched again later, by
        this worker or another: ``frontier/unrecorded/<kind>``.
        """
        if getattr(item, "frontier_id", None) is None or self.crawler.stats is None:
            return
        kind = item.kind if hasattr(item, "kind") else "article"  # PageFetched: an article
        self.crawler.stats.inc_value(f"frontier/unrecorded/{kind or 'unknown'}")

    def _continue_if_idle(self) -> None:
        self._check_pending = False
        engine = self.crawler.engine
        if engine is None or (self._leasing is not None and not self._leasing.done()):
            return
        try:
            idle = engine.spider_is_idle()
        except RuntimeError:  # the engine is closing
            return
        if idle:
            self.exhausted = False
            self._leasing = asyncio.ensure_future(self._lease_more())

    def on_idle(self) -> None:
        if self._leasing is not None and not self._leasing.done():
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
        self._dry_at_discovered = discovered if len(leased) < self.lease_batch else None
        assert self.crawler.engine is not None
        if leased and (self.stopping or not self.crawler.engine.running):
            # The crawl began stopping while these rows were leased: nothing will fetch them.
            await asyncio.to_thread(self._give_back)
            return
        if not leased and self.stopping:
            return  # the spider closed while the query ran (a full disk, SIGTERM): nothing to do
        if not leased and not close_when_empty:
            # More may come from the requests still in flight; if none are, finish now.
            asyncio.get_running_loop().call_later(0.05, self._continue_if_idle)
            return
        if not leased:
            # Nothing was in flight when the spider went idle, and nothing is due: done now
            # rather than at the engine's next idle check, seconds later.
            self.exhausted = True
            await self.crawler.engine.close_spider_async(reason="finished")
            return
        for request in self._requests_for(leased, since):
            self.crawler.engine.crawl(request)

    def _give_back(self) -> int:
        assert self._archive is not None
        return self._archive.run_write(lambda s: release_leases(s, self.owner))

    async def on_closed(self, reason: str) -> None:
        """Give back every lease still held, once a lease query under way has ended."""
        self.stopping = True
        if self._lease_query is not None and not self._lease_query.done():
            # Its rows would be leased after the release below and stay leased: let it end.
            with contextlib.suppress(Exception):
                await asyncio.shield(self._lease_query)
        if self._archive is None:
            return
        released = await asyncio.to_thread(self._give_back)
        if released:
            log.info("gave back %d unfinished leases", released)
        self._archive.close()

    # -- responses ---------------------------------------------------------------------------

    def _answered(self) -> None:
        """Count a finished request; lease the next batch before this one runs dry.

        Waiting for the spider to go idle before leasing again would leave every host waiting
        for the slowest one at the end of each batch; leasing only when few rows are left would
        leave hosts without a request queued when their delay runs out.
        """
        self.answered += 1
        if self.exhausted or self.requested - self.answered > 2 * self.lease_batch:
            return
        if self._leasing is not None and not self._leasing.done():
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

    def parse(self, response: Response, **_: Any) -> Iterator[Any]:
        self._answered()
        meta = response.meta
        kind = meta.get("kind", "article")
        if response.status == 304 and kind != "article":
            yield DiscoveredLinks(
                meta.get("frontier_id"), meta.get("scope", ""), outcome="not_modified", kind=kind
            )
            return
        if response.status >= 400 and kind != "article":
            yield item_for_response(response)
            return
        if kind == "feed":
            yield self._from_feed(response)
        elif kind == "sitemap":
            yield self._from_sitemap(response)
        elif kind == "robots":
            urls = [
                FrontierURL(url, "sitemap", "robots", 0)
                for url in robots_sitemaps(response.body, response.url)
            ]
            yield self._links(response, urls, {})
        else:
            yield from self._from_page(response, kind)

    def on_error(self, failure: Failure) -> Iterator[Any]:
        if isinstance(failure.value, CrawlStopping):
            # Never sent: the crawl is stopping. Lease nothing more; this row's lease is
            # given back at close, so the URL stays due.
            self.stopping = True
            return
        self._answered()
        if isinstance(failure.value, LeaseLost):
            return  # the row is another worker's now: nothing to record
        yield item_for_failure(failure)

    def _validators(self, response: Response) -> dict[str, str | None]:
        def header(name: bytes) -> str | None:
            value = response.headers.get(name)
            return value.decode("latin-1") if value else None

        return {"etag": header(b"ETag"), "last_modified": header(b"Last-Modified")}

    def _links(
        self,
        response: Response,
        urls: list[FrontierURL],
        skipped: dict[str, int],
        *,
        complete: bool = True,
        outcome: str = "read",
    ) -> DiscoveredLinks:
        return DiscoveredLinks(
            response.meta.get("frontier_id") if complete else None,
            response.meta.get("scope", ""),
            tuple(urls),
            skipped,
            outcome,
            kind=response.meta.get("kind"),
            **self._validators(response),
        )

    def _wanted(self, url: str, skipped: dict[str, int]) -> bool:
        if self.include and not any(p.search(url) for p in self.include):
            skipped["excluded_by_config"] = skipped.get("excluded_by_config", 0) + 1
            return False
        if any(p.search(url) for p in self.exclude):
            skipped["excluded_by_config"] = skipped.get("excluded_by_config", 0) + 1
            return False
        return True

    def _dated(self, published: datetime | None, skipped: dict[str, int]) -> bool:
        if self.since is not None and published is not None and published < self.since:
            skipped["older_than_since"] = skipped.get("older_than_since", 0) + 1
            return False
        return True

    def _from_feed(self, response: Response) -> DiscoveredLinks:
        skipped: dict[str, int] = {}
        try:
            entries = parse_feed(response.body, response.url)
        except FeedError as error:
            log.warning("feed %s could not be read: %s", response.url, error)
            return self._links(response, [], {"unreadable_feed": 1}, outcome="unreadable")
        urls = [
            FrontierURL(entry.url, "article", "feed", 1, entry.published_at)
            for entry in entries
            if self._wanted(entry.url, skipped) and self._dated(entry.published_at, skipped)
        ]
        return self._links(response, urls, skipped)

    def _from_sitemap(self, response: Response) -> DiscoveredLinks:
        skipped: dict[str, int] = {}
        try:
            entries = parse_sitemap(response.body, response.url)
        except SitemapError as error:
            log.warning("sitemap %s could not be read: %s", response.url, error)
            return self._links(response, [], {"unreadable_sitemap": 1}, outcome="unreadable")
        urls = []
        for entry in entries:
            if entry.kind == "sitemap":
                urls.append(FrontierURL(entry.url, "sitemap", "sitemap", 0, entry.published_at))
                continue
            if not (self._wanted(entry.url, skipped) and self._dated(entry.published_at, skipped)):
                continue
            if entry.is_news:  # a Google News sitemap lists articles by declaration
                urls.append(FrontierURL(entry.url, "article", "sitemap", 1, entry.published_at))
                continue
            # A plain sitemap lists every page: section fronts too. Judge by URL, then by page.
            verdict = classify_url(entry.url)
            if verdict.kind == "skip":
                skipped[verdict.reason] = skipped.get(verdict.reason, 0) + 1
            elif verdict.kind == "page" and response.meta.get("scope") not in self.follow_scopes:
                skipped["not_article"] = skipped.get("not_article", 0) + 1
            else:
                urls.append(
                    FrontierURL(entry.url, verdict.kind, "sitemap_url", 1, entry.published_at)
                )
        return self._links(response, urls, skipped)

    def _from_page(self, response: Response, kind: str) -> Iterator[Any]:
        depth = int(response.meta.get("depth", 0))
        html = is_html(response) and response.status < 300
        follow = response.meta.get("scope") in self.follow_scopes
        if html and follow and depth < self.max_depth:
            yield self._follow(response, depth, complete=kind != "article")
        elif kind != "article":
            yield self._links(response, [], {})
        if kind == "article":
            yield item_for_response(response)

    def _follow(self, response: Response, depth: int, *, complete: bool) -> DiscoveredLinks:
        skipped: dict[str, int] = {}
        urls = [
            FrontierURL(feed, "feed", "page", 0)
            for feed in advertised_feeds(response.body, response.url)
        ]
        for url in page_links(response.body, response.url, limit=self.links_per_page):
            verdict = classify_url(url)
            if verdict.kind == "skip":
                skipped[verdict.reason] = skipped.get(verdict.reason, 0) + 1
            elif self._wanted(url, skipped):
                urls.append(FrontierURL(url, verdict.kind, "link", depth + 1))
        return self._links(response, urls, skipped, complete=complete)
