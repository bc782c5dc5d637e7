"""Everything the web app reads from the archive, one function per question.

Most are thin calls into ``storage`` (search, listing, queries). Four questions have no storage
function yet (recent changes, errors by reason, frontier status, crawl runs); their read-only
queries live here, in one place, until they move to ``storage/listing.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from storage.listing import list_articles, site_matches, stats
from storage.models import Article, Capture, CrawlRun, FrontierEntry, Site, Version
from storage.queries import get_version, history
from storage.records import ArticleListing, SearchHit, SiteStats, VersionRecord, VersionSummary
from storage.search import search
from web.errors import BadRequest, PageNotFound
from web.params import Paging

# Search snippets come back with these around each match; they cannot occur in archived text
# (storage normalises control characters away), so the page can split on them safely.
MARK_OPEN = "\x02"
MARK_CLOSE = "\x03"


@dataclass(frozen=True)
class Slice:
    """One page of results, and whether another page follows."""

    items: Sequence[Any]
    has_next: bool


@dataclass(frozen=True)
class ChangeEntry:
    """One detected change: a version after the first, with its change summary."""

    url: str
    site: str
    version: int
    captured_at: datetime
    title: str | None
    change: dict[str, Any] | None


@dataclass(frozen=True)
class FrontierStatus:
    """A site's crawl state in the frontier."""

    urls: int
    due: int
    leased: int
    never_fetched: int
    last_fetched_at: datetime | None


@dataclass(frozen=True)
class RunSummary:
    """One crawl run."""

    id: int
    command: str
    started_at: datetime
    finished_at: datetime | None
    status: str
    stats: dict[str, Any]


@dataclass(frozen=True)
class SiteOverview:
    """A site's counts, crawl state and errors by reason."""

    stats: SiteStats
    errors_by_reason: dict[str, int]
    frontier: FrontierStatus


@dataclass(frozen=True)
class ArticleVersions:
    """One version of an article in full, and the summaries of all its versions."""

    record: VersionRecord
    versions: list[VersionSummary]


def article_versions(session: Session, url: str, number: int | None = None) -> ArticleVersions:
    record = get_version(session, url, number=number)
    return ArticleVersions(record=record, versions=history(session, record.url))


def version_pair(
    session: Session, url: str, old: int | None, new: int | None
) -> tuple[VersionRecord, VersionRecord]:
    """Two versions to compare; by default the latest and the one before it."""
    newer = get_version(session, url, number=new)
    older_number = old if old is not None else newer.version - 1
    if older_number < 1:
        raise BadRequest(f"{newer.url} has no version before v{newer.version} to compare with")
    return get_version(session, url, number=older_number), newer


def _slice(rows: list[Any], paging: Paging) -> Slice:
    return Slice(items=rows[: paging.per_page], has_next=len(rows) > paging.per_page)


def search_versions(
    session: Session,
    query: str,
    paging: Paging,
    *,
    site: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    all_versions: bool = False,
) -> Slice:
    """Full-text search with the CLI's engine and syntax; snippets carry MARK_* around matches."""
    hits: list[SearchHit] = search(
        session,
        query,
        site=site,
        since=since,
        until=until,
        all_versions=all_versions,
        limit=paging.per_page + 1,
        offset=paging.offset,
        highlight=(MARK_OPEN, MARK_CLOSE),
    )
    return _slice(hits, paging)


def articles(
    session: Session, paging: Paging, *, site: str | None = None, changed_only: bool = False
) -> Slice:
    """Articles newest first (storage lists without an offset, so earlier pages are skipped)."""
    listing = list_articles(
        session, site=site, changed_only=changed_only, limit=paging.offset + paging.per_page + 1
    )
    rows: list[ArticleListing] = list(islice(listing, paging.offset, None))
    return _slice(rows, paging)


def sites(session: Session) -> list[SiteStats]:
    return stats(session)


def _site_stats(session: Session, host: str) -> SiteStats:
    for row in stats(session):
        if row.site == host:
            return row
    raise PageNotFound(f"no archived site {host}")


def errors_by_reason(session: Session, host: str) -> dict[str, int]:
    """Failed captures of the site's articles (and of its never-archived URLs) per reason."""
    site_articles = select(Article.id).join(Site).where(Site.host == host)
    rows = session.execute(
        select(Capture.error_reason, func.count())
        .where(
            Capture.outcome == "error",
            or_(
                Capture.article_id.in_(site_articles),
                Capture.article_id.is_(None)
                & or_(
                    Capture.requested_url.startswith(f"https://{host}/", autoescape=True),
                    Capture.requested_url.startswith(f"http://{host}/", autoescape=True),
                ),
            ),
        )
        .group_by(Capture.error_reason)
        .order_by(func.count().desc())
    )
    return {reason or "unknown": int(count) for reason, count in rows}


def frontier_status(session: Session, host: str, now: datetime) -> FrontierStatus:
    row = session.execute(
        select(
            func.count(),
            func.count().filter(
                FrontierEntry.next_fetch_at.is_not(None), FrontierEntry.next_fetch_at <= now
            ),
            func.count().filter(
                FrontierEntry.lease_owner.is_not(None), FrontierEntry.lease_expires_at > now
            ),
            func.count().filter(FrontierEntry.last_fetched_at.is_(None)),
            func.max(FrontierEntry.last_fetched_at),
        ).where(FrontierEntry.host == host)
    ).one()
    return FrontierStatus(int(row[0]), int(row[1]), int(row[2]), int(row[3]), row[4])


def site_overview(session: Session, host: str, now: datetime) -> SiteOverview:
    return SiteOverview(
        stats=_site_stats(session, host),
        errors_by_reason=errors_by_reason(session, host),
        frontier=frontier_status(session, host, now),
    )


def crawl_runs(session: Session, paging: Paging) -> Slice:
    rows = session.scalars(
        select(CrawlRun)
        .order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc())
        .limit(paging.per_page + 1)
        .offset(paging.offset)
    )
    runs = [
        RunSummary(r.id, r.command, r.started_at, r.finished_at, r.status, dict(r.stats or {}))
        for r in rows
    ]
    return _slice(runs, paging)


def recent_changes(
    session: Session, paging: Paging, *, site: str | None = None, article_url: str | None = None
) -> Slice:
    """Versions after the first, newest first: every site, one site, or one article."""
    query = (
        select(Article.url, Site.host, Version.number, Version.captured_at, Version.title)
        .add_columns(Version.change)
        .join(Article, Article.id == Version.article_id)
        .join(Site, Site.id == Article.site_id)
        .where(Version.number > 1)
        .order_by(Version.captured_at.desc(), Version.id.desc())
        .limit(paging.per_page + 1)
        .offset(paging.offset)
    )
    if site:
        query = query.where(site_matches(site))
    if article_url is not None:
        query = query.where(Article.url == article_url)
    entries = [ChangeEntry(*row) for row in session.execute(query)]
    return _slice(entries, paging)
