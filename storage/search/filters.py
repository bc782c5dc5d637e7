"""The WHERE clauses of a SearchRequest's filters, the same for every backend."""

from __future__ import annotations

from sqlalchemy import ColumnElement

from storage.listing import site_matches
from storage.models import Article, Version
from storage.search.request import SearchRequest

__all__ = ["version_filters"]


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
