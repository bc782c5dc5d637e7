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
    Routed,
    RoutingRules,
    follows_links,
    route_feed,
    route_page_links,
    route_robots,
    route_sitemap,
)
from crawler.extensions.archive_connection import archive_of
from crawler.fetching import is_html, item_for_failure, item_for_response, page_request
from crawler.items import DiscoveredLinks, FetchFailed, PageFetched
from crawler.leasing import LeaseAhead, LeaseTerms
from crawler.middlewares.leases import LEASE_META, Lease, LeaseCheckMiddleware, LeaseLost
from crawler.owners import new_owner_id
from crawler.stopping import CrawlStopping
from storage.frontier import LeasedURL

log = logging.getLogger(__name__)

Item = DiscoveredLinks | PageFetched | FetchFailed  # what the spider hands the pipeline
LEASE_CHECK_ORDER = 600  # after the politeness waits, right before the download


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
        self.rules = RoutingRules.build(
            include=include,
            exclude=exclude,
            since=since,
            follow_scopes=follow_scopes,
            max_depth=max_depth,
            links_per_page=links_per_page,
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
        if row.kind == "robots":
            meta["dont_obey_robotstxt"] = True
        conditional = row.kind in ("feed", "sitemap") or row.fetched_before
        return page_request(
            row.url,
            self.parse,
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
        kind = item.kind if hasattr(item, "kind") else "article"  # PageFetched: an article
        self.crawler.stats.inc_value(f"frontier/unrecorded/{kind or 'unknown'}")

    # -- responses ---------------------------------------------------------------------------

    def parse(self, response: Response, **_: Any) -> Iterator[Item]:
        self.leases.answered()
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
            yield self._links(response, route_feed(response.body, response.url, self.rules))
        elif kind == "sitemap":
            scope = meta.get("scope")
            routed = route_sitemap(response.body, response.url, scope, self.rules)
            yield self._links(response, routed)
        elif kind == "robots":
            yield self._links(response, route_robots(response.body, response.url))
        else:
            yield from self._from_page(response, kind)

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
            yield self._links(response, routed, complete=kind != "article")
        elif kind != "article":
            yield self._links(response, Routed())
        if kind == "article":
            yield item_for_response(response)

    def _links(
        self, response: Response, routed: Routed, *, complete: bool = True
    ) -> DiscoveredLinks:
        """The item that records ``routed`` (and completes the row's lease when ``complete``)."""
        if routed.problem is not None:
            log.warning(
                "%s %s could not be read: %s",
                response.meta.get("kind"),
                response.url,
                routed.problem,
            )
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
