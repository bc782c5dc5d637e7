"""The entry points: check a query against the shared bounds, run it on the session's backend."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from storage.errors import StorageError
from storage.records import SearchHit
from storage.search.bounds import SEARCH_TIME_LIMIT, check_query_size, time_limited
from storage.search.query import InvalidQuery, to_fts5
from storage.search.request import DEFAULT_HIGHLIGHT, SearchBackend, SearchRequest
from storage.search.sqlite import SqliteFts5Search

__all__ = ["SearchUnavailable", "backend_for", "count_matches", "search"]


class SearchUnavailable(StorageError):
    """This database has no full-text search backend (yet)."""


def backend_for(dialect: str) -> SearchBackend:
    """The search backend for a SQL dialect name; SearchUnavailable if there is none."""
    if dialect == "sqlite":
        return _SQLITE
    if dialect == "postgresql":
        # Imported on first use: it loads SQLAlchemy's PostgreSQL dialect (every driver's
        # module), which a crawl on SQLite never needs.
        from storage.search.postgres import PostgresTextSearch

        return PostgresTextSearch()
    raise SearchUnavailable(
        f"full-text search is not available on {dialect} (SQLite and PostgreSQL have it)"
    )


_SQLITE = SqliteFts5Search()


def _request(
    query: str,
    *,
    site: str | None,
    since: datetime | None,
    until: datetime | None,
    all_versions: bool,
    changed_only: bool,
    limit: int = 20,
    offset: int = 0,
    highlight: tuple[str, str] = DEFAULT_HIGHLIGHT,
) -> SearchRequest:
    if limit < 1:
        raise InvalidQuery("the result limit must be at least 1")
    if offset < 0:
        raise InvalidQuery("the result offset cannot be negative")
    check_query_size(query)
    return SearchRequest(
        query=query,
        match=to_fts5(query),
        site=site,
        since=since,
        until=until,
        all_versions=all_versions,
        changed_only=changed_only,
        limit=limit,
        offset=offset,
        highlight=highlight,
    )


def search(
    session: Session,
    query: str,
    *,
    site: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    all_versions: bool = False,
    changed_only: bool = False,
    limit: int = 20,
    offset: int = 0,
    highlight: tuple[str, str] = DEFAULT_HIGHLIGHT,
    time_limit: float = SEARCH_TIME_LIMIT,
) -> list[SearchHit]:
    """Versions whose title or text match ``query``, best match first.

    Searches each article's latest version, or every version with ``all_versions`` (to find
    text that a later edit removed). ``site`` keeps one site and its subdomains; ``since`` /
    ``until`` bound the version's capture time; ``changed_only`` keeps articles with more than
    one version. Matches in the snippet are wrapped in ``highlight``. Raises InvalidQuery for a
    malformed query, one past the bounds of storage.search.bounds (SearchTooSlow after
    ``time_limit`` seconds) and SearchUnavailable on a database without a search backend.

    Every match that passes the filters is ranked, so ``offset`` reaches all of them.
    """
    request = _request(
        query,
        site=site,
        since=since,
        until=until,
        all_versions=all_versions,
        changed_only=changed_only,
        limit=limit,
        offset=offset,
        highlight=highlight,
    )
    backend = backend_for(session.get_bind().dialect.name)
    with time_limited(session, time_limit):
        return backend.search(session, request)


def count_matches(
    session: Session,
    query: str,
    *,
    site: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    all_versions: bool = False,
    changed_only: bool = False,
    time_limit: float = SEARCH_TIME_LIMIT,
) -> int:
    """How many versions ``search`` with the same query and filters would page through."""
    request = _request(
        query,
        site=site,
        since=since,
        until=until,
        all_versions=all_versions,
        changed_only=changed_only,
    )
    backend = backend_for(session.get_bind().dialect.name)
    with time_limited(session, time_limit):
        return backend.count(session, request)
