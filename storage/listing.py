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


def list_articles(
    session: Session,
    *,
    site: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    changed_only: bool = False,
    limit: int | None = None,
) -> Iterator[ArticleListing]:
    """Articles first seen between ``since`` and ``until``, newest first, streamed.

    ``changed_only`` keeps articles with more than one version. The title and publication date
    are the latest version's. Consume the iterator while ``session`` is open.
    """
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
        .order_by(Article.first_seen_at.desc(), Article.id.desc())
    )
    if site:
        query = query.where(site_matches(site))
    if since is not None:
        query = query.where(Article.first_seen_at >= since)
    if until is not None:
        query = query.where(Article.first_seen_at < until)
    if changed_only:
        query = query.where(Article.version_count > 1)
    if limit is not None:
        query = query.limit(limit)
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

    Failed captures of URLs never archived belong to no article; they are counted on one row
    named ``(no article)``.
    """
    articles = (
        select(
            Article.site_id,
            func.count().label("articles"),
            func.coalesce(func.sum(Article.version_count), 0).label("versions"),
        )
        .group_by(Article.site_id)
        .subquery()
    )
    captures = (
        select(
            Article.site_id,
            func.count().label("captures"),
            func.sum(case((Capture.outcome == "error", 1), else_=0)).label("errors"),
            func.max(Capture.fetched_at).label("last_crawl"),
        )
        .join(Article, Article.id == Capture.article_id)
        .group_by(Article.site_id)
        .subquery()
    )
    query = (
        select(
            Site.host,
            Site.name,
            func.coalesce(articles.c.articles, 0),
            func.coalesce(articles.c.versions, 0),
            func.coalesce(captures.c.captures, 0),
            func.coalesce(captures.c.errors, 0),
            captures.c.last_crawl,
        )
        .outerjoin(articles, articles.c.site_id == Site.id)
        .outerjoin(captures, captures.c.site_id == Site.id)
        .order_by(func.coalesce(articles.c.articles, 0).desc(), Site.host)
    )
    result = [
        SiteStats(host, name, int(a), int(v), int(c), int(e), last)
        for host, name, a, v, c, e, last in session.execute(query)
    ]
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
