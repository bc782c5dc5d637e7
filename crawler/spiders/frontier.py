"""Crawl from the database frontier: feeds, sitemaps, pages and articles, leased in batches.

The spider only fetches: it turns leased rows into requests and responses into items. When to
lease is ``crawler.leasing``'s job, where discovered URLs go is ``crawler.discovery.routing``'s,
and the pipeline completes each lease in the same transaction as the capture. A crawl stopped
by Ctrl-C or kill -9 therefore resumes where it was when run again.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import Any, Self

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.settings import BaseSettings
from twisted.python.failure import Failure

from crawler.discovery.routing import (
    DISCOVERY_BATCH,
    WELL_KNOWN,
    Routed,
    RoutingRules,
    follows_links,
    route_feed,
    route_page_links,
    route_robots,
    route_sitemap_batches,
)
from crawler.extensions.archive_connection import archive_of
from crawler.fetching import is_html, item_for_failure, item_for_response, page_request
from crawler.items import DiscoveredLinks, FetchFailed, PageFetched
from crawler.leasing import LeaseAhead, LeaseTerms
from crawler.middlewares.leases import LEASE_META, Lease, LeaseCheckMiddleware, LeaseLost
from crawler.middlewares.robots import ANSWER_FROM_ROBOTS
from crawler.owners import new_owner_id
from crawler.spiders.sitemap_parsing import SitemapParsing
from crawler.stopping import CrawlStopping
from storage.frontier import LeasedURL
from storage.kinds import FrontierKind

log = logging.getLogger(__name__)

Item = DiscoveredLinks | PageFetched | FetchFailed  # what the spider hands the pipeline
LEASE_CHECK_ORDER = 600  # after the politeness waits, right before the download
SCRAPER_ACTIVE_BYTES = 64 * 1024 * 1024  # see update_settings


class FrontierSpider(scrapy.Spider):
    """Fetches what is due in the frontier for the given hosts until nothing is left."""

    name = "crawl"
    leases: LeaseAhead

    def __init__(
        self,
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
        lease_seconds: float = 600.0,
        discovery_scopes: Iterable[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.sitemap_parsing = SitemapParsing()
        self.rules = RoutingRules.build(
            include=include,
            exclude=exclude,
            since=since,
            follow_scopes=follow_scopes,
            max_depth=max_depth,
            links_per_page=links_per_page,
            max_child_sitemaps=max_pages,
        )
        # The owner comes from ARCHIVE_LEASE_OWNER in from_crawler.
        self.lease_terms = LeaseTerms(
            owner="",
            seconds=lease_seconds,
            batch=lease_batch,
            max_pages=max_pages,
            max_articles=max_articles,
            scopes=sorted(set(scopes)) if scopes is not None else None,
            new_only=new_only,
            entry_ids=list(entry_ids) if entry_ids is not None else None,
            discovery_scopes=list(discovery_scopes) if discovery_scopes is not None else None,
        )

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        settings.set_in_component_priority_dict(
            "DOWNLOADER_MIDDLEWARES", LeaseCheckMiddleware, LEASE_CHECK_ORDER
        )
        # Scrapy stops sending requests while the responses being processed hold more than
        # this many bytes (5 MB by default). A sitemap's response is held until its last URL is
        # written: a few 4 MB sitemaps would hold every article request back for as long.
        settings.set("SCRAPER_SLOT_MAX_ACTIVE_SIZE", SCRAPER_ACTIVE_BYTES, priority="spider")
        if not settings.get("ARCHIVE_LEASE_OWNER"):  # one id per crawl, read by every component
            settings.set("ARCHIVE_LEASE_OWNER", new_owner_id(), priority="spider")

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        terms = replace(spider.lease_terms, owner=crawler.settings.get("ARCHIVE_LEASE_OWNER"))
        spider.leases = LeaseAhead(terms, partial(archive_of, crawler), crawler, spider.request_for)
        spider.leases.connect()
        crawler.signals.connect(spider.on_item_error, signal=signals.item_error)
        return spider

    def request_for(self, row: LeasedURL, lease: Lease) -> scrapy.Request:
        """The request that fetches a leased frontier row (conditional if fetched before)."""
        meta = {
            "frontier_id": row.id,
            "scope": row.scope,
            "kind": row.kind,
            "source": row.source,
            "depth": row.depth,
            LEASE_META: lease,
        }
        if (
            row.kind == FrontierKind.ROBOTS
        ):  # the copy the robots.txt middleware read, not a second fetch
            meta.update({"dont_obey_robotstxt": True, ANSWER_FROM_ROBOTS: True})
        conditional = row.kind in (FrontierKind.FEED, FrontierKind.SITEMAP) or row.fetched_before
        return page_request(
            row.url,
            self.parse_sitemap if row.kind == FrontierKind.SITEMAP else self.parse,
            self.on_error,
            etag=row.etag if conditional else None,
            last_modified=row.last_modified if conditional else None,
            **meta,
        )

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for request in await self.leases.first_batch():
            yield request

    def on_item_error(self, item: Any = None, **_: Any) -> None:
        """Count fetches whose outcome could not be recorded (a database error in the pipeline).

        Their leases are given back when the crawl ends, so they are fetched again later, by
        this worker or another: ``frontier/unrecorded/<kind>``.
        """
        if getattr(item, "frontier_id", None) is None or self.crawler.stats is None:
            return
        kind = (
            item.kind if hasattr(item, "kind") else FrontierKind.ARTICLE
        )  # PageFetched: an article
        self.crawler.stats.inc_value(f"frontier/unrecorded/{kind or 'unknown'}")

    # -- responses ---------------------------------------------------------------------------

    def parse(self, response: Response, **_: Any) -> Iterator[Item]:
        self.leases.answered()
        meta = response.meta
        kind = meta.get("kind", FrontierKind.ARTICLE)
        if kind == FrontierKind.ROBOTS:  # none (4xx) names no sitemaps: the usual places are tried
            body = response.body if response.status < 400 else b""
            yield self._links(response, route_robots(body, response.url))
            return
        unread = self._unread(response)
        if unread is not None:
            yield unread
        elif kind == FrontierKind.FEED:
            routed = route_feed(response.body, response.url, self.rules)
            yield from self._in_batches(response, routed)
        else:
            yield from self._from_page(response, kind)

    async def parse_sitemap(self, response: Response, **_: Any) -> AsyncIterator[Item]:
        """A sitemap's URLs, a batch at a time as it is parsed (in the parser thread)."""
        self.leases.answered()
        unread = self._unread(response)
        if unread is not None:
            yield unread
            return
        meta = response.meta
        depth = int(meta.get("depth", 0))
        parts = route_sitemap_batches(response.body, response.url, self.rules, depth)
        enough = self.leases.enough_discovered
        async for part, last in self.sitemap_parsing.parts(parts, enough):
            if last and part.outcome == "unreadable" and meta.get("source") == WELL_KNOWN:
                part = Routed(skipped={"no_sitemap_at_usual_place": 1})  # a guess, no error
            yield self._links(response, part, complete=last)

    def _unread(self, response: Response) -> Item | None:
        """The item for a feed's or sitemap's answer that has nothing to read (None: read it)."""
        meta = response.meta
        kind = meta.get("kind", FrontierKind.ARTICLE)
        if response.status == 304 and kind != FrontierKind.ARTICLE:
            return DiscoveredLinks(
                meta.get("frontier_id"), meta.get("scope", ""), outcome="not_modified", kind=kind
            )
        if response.status >= 400 and meta.get("source") == WELL_KNOWN:
            return self._links(response, Routed(skipped={"no_sitemap_at_usual_place": 1}))
        if response.status >= 400 and kind != FrontierKind.ARTICLE:
            return item_for_response(response)
        return None

    def closed(self, reason: str) -> None:
        self.sitemap_parsing.close()

    def on_error(self, failure: Failure) -> Iterator[Item]:
        if isinstance(failure.value, CrawlStopping):
            # Never sent: the crawl is stopping. Lease nothing more; this row's lease is
            # given back at close, so the URL stays due.
            self.leases.stop()
            return
        self.leases.answered()
        if isinstance(failure.value, LeaseLost):
            return  # the row is another worker's now: nothing to record
        yield item_for_failure(failure)

    def _from_page(self, response: Response, kind: str) -> Iterator[Item]:
        depth = int(response.meta.get("depth", 0))
        html = is_html(response) and response.status < 300
        scope = response.meta.get("scope")
        if follows_links(html=html, scope=scope, depth=depth, rules=self.rules):
            routed = route_page_links(response.body, response.url, depth, self.rules)
            yield self._links(response, routed, complete=kind != FrontierKind.ARTICLE)
        elif kind != FrontierKind.ARTICLE:
            yield self._links(response, Routed())
        if kind == FrontierKind.ARTICLE:
            yield item_for_response(response)

    def _in_batches(self, response: Response, routed: Routed) -> Iterator[DiscoveredLinks]:
        """``routed`` as items of at most ``DISCOVERY_BATCH`` URLs each, each its own write.

        The first batch is in the frontier (and can be leased and fetched) while the rest of a
        50,000-URL sitemap is still being written; the source's row is completed with the last
        batch, so a crawl stopped half-way reads the source again (adding a URL twice is a no-op).
        """
        urls = routed.urls
        for start in range(0, len(urls) - DISCOVERY_BATCH, DISCOVERY_BATCH):
            batch = urls[start : start + DISCOVERY_BATCH]
            yield self._links(response, replace(routed, urls=batch, skipped={}), complete=False)
        last = len(urls) - (len(urls) - 1) % DISCOVERY_BATCH - 1 if urls else 0
        yield self._links(response, replace(routed, urls=urls[last:]))

    def _links(
        self, response: Response, routed: Routed, *, complete: bool = True
    ) -> DiscoveredLinks:
        """The item that records ``routed`` (and completes the row's lease when ``complete``)."""
        kind, url = response.meta.get("kind"), response.url
        if routed.problem is not None:
            log.warning("%s %s could not be read: %s", kind, url, routed.problem)
        for warning in routed.warnings if complete else ():
            log.warning("%s %s %s", kind, url, warning)
        return DiscoveredLinks(
            response.meta.get("frontier_id") if complete else None,
            response.meta.get("scope", ""),
            routed.urls,
            routed.skipped,
            routed.outcome,
            kind=response.meta.get("kind"),
            **_validators(response),
        )


def _validators(response: Response) -> dict[str, str | None]:
    def header(name: bytes) -> str | None:
        value = response.headers.get(name)
        return value.decode("latin-1") if value else None

    return {"etag": header(b"ETag"), "last_modified": header(b"Last-Modified")}
