"""Per-site counters (articles, versions, captures, errors, last capture) recounted from rows.

Database triggers keep ``sites.article_count`` and the others, and ``site_errors`` (failed
captures per site and reason), up to date as rows are written (migration 0013), so reading
them costs one row per site. ``recount_sites`` recomputes them from the rows, for a copy that
wrote rows with the triggers on (``migrate-db``) or a check.
"""

from __future__ import annotations

from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.orm import Session

from storage.models import Article, Capture, Site, SiteErrorCount


def recount_sites(connection: Connection | Session) -> None:
    """Set every site's counters, and its errors per reason, to what its rows say (O(archive))."""
    of_site = Article.site_id == Site.id
    captures = select(func.count()).select_from(Capture).join(Article).where(of_site)
    connection.execute(
        update(Site).values(
            article_count=select(func.count())
            .select_from(Article)
            .where(of_site)
            .scalar_subquery(),
            version_count=select(func.coalesce(func.sum(Article.version_count), 0))
            .where(of_site)
            .scalar_subquery(),
            capture_count=captures.scalar_subquery(),
            error_count=captures.where(Capture.outcome == "error").scalar_subquery(),
            last_capture_at=select(func.max(Capture.fetched_at))
            .join(Article)
            .where(of_site)
            .scalar_subquery(),
        )
    )
    reason = func.coalesce(Capture.error_reason, "unknown")
    connection.execute(delete(SiteErrorCount))
    connection.execute(
        insert(SiteErrorCount).from_select(
            ["site_id", "reason", "count"],
            select(Article.site_id, reason, func.count())
            .join(Article, Article.id == Capture.article_id)
            .where(Capture.outcome == "error")
            .group_by(Article.site_id, reason),
        )
    )
