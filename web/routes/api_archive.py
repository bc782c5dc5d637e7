"""JSON API over the whole archive: search, articles, sites, crawl runs, recent changes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from storage.activity import ChangeEntry, CrawlRunRecord
from storage.records import ArticleListing, SiteStats
from storage.search import MAX_QUERY_CHARS
from storage.timeutil import utcnow
from web import catalog
from web.catalog import SiteOverview
from web.deps import PagingDep, SessionDep
from web.params import HOST_PATTERN, DateText, SiteHost, date_range
from web.schemas import Page, SearchResult, page_of

router = APIRouter(prefix="/api")

HostPath = Annotated[str, Path(max_length=255, pattern=HOST_PATTERN)]


@router.get("/search", tags=["search"], summary="Full-text search (same syntax as the CLI)")
def search(
    request: Request,
    session: SessionDep,
    paging: PagingDep,
    q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY_CHARS, description="Search query")],
    site: SiteHost = None,
    since: DateText = None,
    until: DateText = None,
    all_versions: Annotated[bool, Query(description="Search past versions too")] = False,
) -> Page[SearchResult]:
    start, end = date_range(since, until)
    result = catalog.search_versions(
        session, q, paging, site=site, since=start, until=end, all_versions=all_versions
    )
    items = [SearchResult.of(hit) for hit in result.items]
    return Page[SearchResult](**page_of(request, result, paging, items))


@router.get("/articles", tags=["articles"], summary="Articles, newest first")
def articles(
    request: Request,
    session: SessionDep,
    paging: PagingDep,
    site: SiteHost = None,
    changed_only: bool = False,
) -> Page[ArticleListing]:
    result = catalog.articles(session, paging, site=site, changed_only=changed_only)
    return Page[ArticleListing](**page_of(request, result, paging, list(result.items)))


@router.get("/changes", tags=["changes"], summary="Detected changes, newest first")
def changes(
    request: Request,
    session: SessionDep,
    paging: PagingDep,
    site: SiteHost = None,
) -> Page[ChangeEntry]:
    result = catalog.recent_changes(session, paging, site=site)
    return Page[ChangeEntry](**page_of(request, result, paging, list(result.items)))


@router.get("/sites", tags=["sites"], summary="Every site with its counts and last crawl")
def sites(session: SessionDep) -> list[SiteStats]:
    return catalog.sites(session)


@router.get("/sites/{host}", tags=["sites"], summary="One site: counts, crawl state, errors")
def site(session: SessionDep, host: HostPath) -> SiteOverview:
    return catalog.site_overview(session, host, utcnow())


@router.get("/runs", tags=["sites"], summary="Crawl runs, newest first")
def runs(request: Request, session: SessionDep, paging: PagingDep) -> Page[CrawlRunRecord]:
    result = catalog.crawl_runs(session, paging)
    return Page[CrawlRunRecord](**page_of(request, result, paging, list(result.items)))
