"""What every backend's search statement shares: the filters' WHERE clauses, the hit columns."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from storage.listing import SITE_MATCHES, site_match_params
from storage.search.request import SearchRequest

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement, FromClause, Select, Subquery

__all__ = ["filter_sql", "hit_rows", "version_filters"]


def filter_sql(request: SearchRequest) -> tuple[list[str], dict[str, Any]]:
    """Conditions on versions, articles and sites (joined by the caller), with their parameters.

    The latest version of each article unless ``all_versions``; articles with more than one
    version if ``changed_only``; ``site`` and its subdomains; captured in [since, until).
    """
    conditions: list[str] = []
    params: dict[str, Any] = {}
    if not request.all_versions:
        conditions.append("versions.number = articles.version_count")
    if request.changed_only:
        conditions.append("articles.version_count > 1")
    if request.site:
        conditions.append(SITE_MATCHES)
        params.update(site_match_params(request.site))
    if request.since is not None:
        conditions.append("versions.captured_at >= :since")
        params["since"] = request.since
    if request.until is not None:
        conditions.append("versions.captured_at < :until")
        params["until"] = request.until
    return conditions, params


def version_filters(request: SearchRequest) -> list[ColumnElement[bool]]:
    """``filter_sql`` as SQLAlchemy conditions, for a statement built with SQLAlchemy."""
    from sqlalchemy import and_, text

    conditions, params = filter_sql(request)
    if not conditions:
        return []
    return [and_(text(" AND ".join(conditions)).bindparams(**params))]


def hit_rows(hits: Subquery, snippet: ColumnElement[Any], source: FromClause) -> Select[Any]:
    """A page of ranked ``hits`` as SearchHit columns, its version, article and site joined.

    ``source`` is ``hits`` itself, or ``hits`` joined to what the backend's snippet reads.
    """
    from sqlalchemy import select

    from storage.models import Article, Site, Version

    return (
        select(
            Article.url,
            Site.host,
            Version.number,
            Article.version_count,
            Version.title,
            Version.captured_at,
            snippet,
            hits.c.rank,
        )
        .select_from(source)
        .join(Version, Version.id == hits.c.version_id)
        .join(Article, Article.id == Version.article_id)
        .join(Site, Site.id == Article.site_id)
    )
