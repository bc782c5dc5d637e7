"""Listing the archive: articles newest first, and per-site counts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from storage.models import Article, Capture, Site, Version
from storage.records import ArticleListing, SiteStats

STREAM_BATCH = 500
NO_SITE = "(no article)"


def site_matches(domain: str) -> ColumnElement[bool]:
    """Sites whose host is ``domain`` or a subdomain of it (nbcnews.com finds www.nbcnews.com)."""
    host = domain.strip().lower().removeprefix("www.")
    return or_(Site.host == host, Site.host.like("%." + host.replace("%", r"\%"), escape="\\"))


def _matching_site_ids(session: Session, domain: str) -> list[int]:
    return list(session.scalars(select(Site.id).where(site_matches(domain))))


def list_articles(
    session: Session,
    *,
    site: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    changed_only: bool = False,
    limit: int | None = None,
    offset: int = 0,
) -> Iterator[ArticleListing]:
    """Articles first seen between ``since`` and ``until``, newest first, streamed.

    ``changed_only`` keeps articles with more than one version. The title and publication date
    are the latest version's. ``offset`` skips that many articles on the listing's index (reading
    ids only: a deep page costs with its depth, never with the archive's size). Consume the
    iterator while ``session`` is open.
    """
    order = (Article.first_seen_at.desc(), Article.id.desc())
    # The page's ids first, off the listing's index (no join, nothing else read per skipped
    # row); then the page itself, with each article's latest version by its unique key.
    page = select(Article.id).order_by(*order)
    if site:
        page = page.where(Article.site_id.in_(_matching_site_ids(session, site)))
    if since is not None:
        page = page.where(Article.first_seen_at >= since)
    if until is not None:
        page = page.where(Article.first_seen_at < until)
    if changed_only:
        page = page.where(Article.version_count > 1)
    if offset:
        page = page.offset(offset)
    if limit is not None:
        page = page.limit(limit)
    query = (
        select(
            Article.url,
            Site.host,
            Version.title,
            Article.version_count,
            Article.first_seen_at,
            Article.last_captured_at,
            Version.captured_at,
            Version.published_at,
        )
        .join(Site, Site.id == Article.site_id)
        .outerjoin(
            Version,
            and_(Version.article_id == Article.id, Version.number == Article.version_count),
        )
        .where(Article.id.in_(page.scalar_subquery()))
        .order_by(*order)
    )
    rows = session.execute(query.execution_options(yield_per=STREAM_BATCH))
    for url, host, title, count, first_seen, last_captured, changed, published in rows:
        yield ArticleListing(
            url=url,
            site=host,
            title=title,
            versions=count,
            first_seen=first_seen,
            last_captured=last_captured,
            last_changed=changed,
            published_at=published,
        )


def stats(session: Session) -> list[SiteStats]:
    """Articles, versions, captures, errors and the last crawl of every site, busiest first.

    Read from the counters kept on each site as the archive is written (storage/counters.py),
    so the cost is one row per site whatever the archive's size. Failed captures of URLs never
    archived belong to no article; they are counted on one row named ``(no article)``.
    """
    query = select(
        Site.host,
        Site.name,
        Site.article_count,
        Site.version_count,
        Site.capture_count,
        Site.error_count,
        Site.last_capture_at,
    ).order_by(Site.article_count.desc(), Site.host)
    result = [SiteStats(*row) for row in session.execute(query)]
    orphans = session.execute(
        select(
            func.count(),
            func.sum(case((Capture.outcome == "error", 1), else_=0)),
            func.max(Capture.fetched_at),
        ).where(Capture.article_id.is_(None))
    ).one()
    if orphans[0]:
        result.append(SiteStats(NO_SITE, None, 0, 0, orphans[0], int(orphans[1] or 0), orphans[2]))
    return result
