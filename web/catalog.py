"""Everything the web app reads from the archive, one function per question.

Each is a call into ``storage`` (search, listing, queries, activity), which holds every query;
this module only adapts the results for the views: one page of them and whether another
follows (``Slice``), the markers around search matches, and the 404 / 400 a view answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from storage import activity
from storage.activity import (
    FrontierStatus,
    errors_by_reason,
    frontier_status,
)
from storage.listing import list_articles, stats
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
    """Articles newest first; earlier pages are skipped on the listing's index."""
    listing = list_articles(
        session,
        site=site,
        changed_only=changed_only,
        limit=paging.per_page + 1,
        offset=paging.offset,
    )
    rows: list[ArticleListing] = list(listing)
    return _slice(rows, paging)


def sites(session: Session) -> list[SiteStats]:
    return stats(session)


def _site_stats(session: Session, host: str) -> SiteStats:
    for row in stats(session):
        if row.site == host:
            return row
    raise PageNotFound(f"no archived site {host}")


def site_overview(session: Session, host: str, now: datetime) -> SiteOverview:
    return SiteOverview(
        stats=_site_stats(session, host),
        errors_by_reason=errors_by_reason(session, host),
        frontier=frontier_status(session, host, now),
    )


def crawl_runs(session: Session, paging: Paging) -> Slice:
    return _slice(
        activity.crawl_runs(session, limit=paging.per_page + 1, offset=paging.offset), paging
    )


def recent_changes(
    session: Session, paging: Paging, *, site: str | None = None, article_url: str | None = None
) -> Slice:
    """Versions after the first, newest first: every site, one site, or one article."""
    entries = activity.recent_changes(
        session,
        limit=paging.per_page + 1,
        offset=paging.offset,
        site=site,
        article_url=article_url,
    )
    return _slice(entries, paging)
