"""What the archive has been doing: recent changes, crawl runs, errors, frontier state per site."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from storage.listing import site_matches
from storage.models import Article, Capture, CrawlRun, FrontierEntry, Site, SiteErrorCount, Version
from storage.provenance import archive_origins


@dataclass(frozen=True)
class ChangeEntry:
    """One detected change: a version after the first, with its change summary."""

    url: str
    site: str
    version: int
    captured_at: datetime
    title: str | None
    change: dict[str, Any] | None
    archive: str | None = None  # first seen in this web archive (backfilled); None: our fetch
    memento_url: str | None = None


@dataclass(frozen=True)
class FrontierStatus:
    """A site's crawl state in the frontier."""

    urls: int
    due: int
    leased: int
    never_fetched: int
    last_fetched_at: datetime | None


@dataclass(frozen=True)
class CrawlRunRecord:
    """One crawl run."""

    id: int
    command: str
    started_at: datetime
    finished_at: datetime | None
    status: str
    stats: dict[str, Any]


def errors_by_reason(session: Session, host: str) -> dict[str, int]:
    """Failed captures of the site's articles (and of its never-archived URLs) per reason.

    The site's articles' are counted as they are written (``site_errors``, migration 0013);
    failures of URLs never archived belong to no site and are counted here (few, indexed).
    """
    counts: Counter[str] = Counter()
    kept = (
        select(SiteErrorCount.reason, SiteErrorCount.count)
        .join(Site, Site.id == SiteErrorCount.site_id)
        .where(Site.host == host, SiteErrorCount.count > 0)
    )
    for reason, count in session.execute(kept):
        counts[reason] += int(count)
    never_archived = (
        select(Capture.error_reason, func.count())
        .where(
            Capture.article_id.is_(None),
            # Compared as an expression, so the planner reads the few captures without an
            # article off ix_captures_article_id_fetched_at, not every error of the archive.
            Capture.outcome.concat("") == "error",
            or_(
                Capture.requested_url.startswith(f"https://{host}/", autoescape=True),
                Capture.requested_url.startswith(f"http://{host}/", autoescape=True),
            ),
        )
        .group_by(Capture.error_reason)
    )
    for error_reason, count in session.execute(never_archived):
        counts[error_reason or "unknown"] += int(count)
    return dict(counts.most_common())


def frontier_status(session: Session, host: str, now: datetime) -> FrontierStatus:
    """How many of the site's URLs are known, due, leased, never fetched; the last fetch."""
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


def crawl_runs(session: Session, *, limit: int, offset: int = 0) -> list[CrawlRunRecord]:
    """Crawl runs, newest first."""
    rows = session.scalars(
        select(CrawlRun)
        .order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [
        CrawlRunRecord(r.id, r.command, r.started_at, r.finished_at, r.status, dict(r.stats or {}))
        for r in rows
    ]


def recent_changes(
    session: Session,
    *,
    limit: int,
    offset: int = 0,
    site: str | None = None,
    article_url: str | None = None,
) -> list[ChangeEntry]:
    """Versions after the first, newest first: every site, one site, or one article."""
    query = (
        select(Article.url, Site.host, Version.number, Version.captured_at, Version.title)
        .add_columns(Version.change, Version.id)
        .join(Article, Article.id == Version.article_id)
        .join(Site, Site.id == Article.site_id)
        .where(Version.number > 1)
        .order_by(Version.captured_at.desc(), Version.id.desc())
        .limit(limit)
        .offset(offset)
    )
    if site:
        query = query.where(site_matches(site))
    if article_url is not None:
        query = query.where(Article.url == article_url)
    rows = list(session.execute(query))
    origins = archive_origins(session, [row[-1] for row in rows])
    entries = []
    for url, host, number, captured_at, title, change, version_id in rows:
        origin = origins.get(version_id)
        entries.append(
            ChangeEntry(
                url,
                host,
                number,
                captured_at,
                title,
                change,
                archive=origin.archive if origin else None,
                memento_url=origin.memento_url if origin else None,
            )
        )
    return entries
