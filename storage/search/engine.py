"""The entry points: check a query against the shared bounds, run it on the session's backend."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from storage.errors import StorageError
from storage.reading import Reads, SqliteReads, reads_of
from storage.records import SearchHit
from storage.search.bounds import SEARCH_TIME_LIMIT, check_query_size, time_limited
from storage.search.query import InvalidQuery, to_fts5
from storage.search.request import DEFAULT_HIGHLIGHT, SearchBackend, SearchRequest
from storage.search.sqlite import SqliteFts5Search

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

T = TypeVar("T")
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


def _run(
    source: Session | Reads,
    time_limit: float,
    work: Callable[[SearchBackend, Any], T],
) -> T:
    """``work(backend, connection)`` on the source's backend, within the time limit.

    On SQLite the backend reads the sqlite3 connection itself (storage.reading), on other
    databases the session.
    """
    reads = reads_of(source)
    with time_limited(reads, time_limit):
        if isinstance(reads, SqliteReads):
            return work(_SQLITE, reads)
        return work(backend_for(reads.dialect), reads.session)


def search(
    source: Session | Reads,
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
    return _run(source, time_limit, lambda backend, on: backend.search(on, request))


def count_matches(
    source: Session | Reads,
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
    return _run(source, time_limit, lambda backend, on: backend.count(on, request))
