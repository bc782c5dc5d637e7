"""The entry point: parse a query and run it on the backend of the session's SQL dialect."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from storage.errors import StorageError
from storage.records import SearchHit
from storage.search.query import InvalidQuery, to_fts5
from storage.search.request import DEFAULT_HIGHLIGHT, MAX_RANKED, SearchBackend, SearchRequest
from storage.search.sqlite import SqliteFts5Search

__all__ = ["SearchUnavailable", "backend_for", "search"]


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
    max_ranked: int = MAX_RANKED,
) -> list[SearchHit]:
    """Versions whose title or text match ``query``, best match first.

    Searches each article's latest version, or every version with ``all_versions`` (to find
    text that a later edit removed). ``site`` keeps one site and its subdomains; ``since`` /
    ``until`` bound the version's capture time; ``changed_only`` keeps articles with more than
    one version. Matches in the snippet are wrapped in ``highlight``. Raises InvalidQuery for a
    malformed query and SearchUnavailable on a database without a search backend.

    A query matching more than ``max_ranked`` versions ranks only the newest ``max_ranked`` of
    them (bm25 is computed per match; this bounds the time a very common word takes).
    """
    if limit < 1:
        raise InvalidQuery("the result limit must be at least 1")
    request = SearchRequest(
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
        max_ranked=max_ranked,
    )
    dialect = session.get_bind().dialect.name
    return backend_for(dialect).search(session, request)
