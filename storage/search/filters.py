"""What every backend's search statement shares: the filters' WHERE clauses, the hit columns."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, FromClause, Select, Subquery, select

from storage.listing import site_matches
from storage.models import Article, Site, Version
from storage.search.request import SearchRequest

__all__ = ["hit_rows", "version_filters"]


def version_filters(request: SearchRequest) -> list[ColumnElement[bool]]:
    """Conditions on Version, Article and Site (joined by the caller) that the request asks for.

    The latest version of each article unless ``all_versions``; articles with more than one
    version if ``changed_only``; ``site`` and its subdomains; captured in [since, until).
    """
    conditions: list[ColumnElement[bool]] = []
    if not request.all_versions:
        conditions.append(Version.number == Article.version_count)
    if request.changed_only:
        conditions.append(Article.version_count > 1)
    if request.site:
        conditions.append(site_matches(request.site))
    if request.since is not None:
        conditions.append(Version.captured_at >= request.since)
    if request.until is not None:
        conditions.append(Version.captured_at < request.until)
    return conditions


def hit_rows(hits: Subquery, snippet: ColumnElement[Any], source: FromClause) -> Select[Any]:
    """A page of ranked ``hits`` as SearchHit columns, its version, article and site joined.

    ``source`` is ``hits`` itself, or ``hits`` joined to what the backend's snippet reads.
    """
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
