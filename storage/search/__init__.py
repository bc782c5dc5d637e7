"""Full-text search over version titles and texts, with one search backend per SQL dialect.

``search(session, query, ...)`` and ``count_matches`` are the entry points (``engine.py``);
``bounds.py`` holds the one bound every caller shares (query length, terms, time limit).
The query language, the same on every backend, is parsed in ``query.py``; ``filters.py``
turns a SearchRequest's site, date and version filters into WHERE clauses; ``sqlite.py``
(FTS5) and ``postgres.py`` (tsvector, imported on first use) run it; ``backend_for(dialect)``
gives a dialect's backend.
"""

from __future__ import annotations

from storage.search.bounds import (
    MAX_QUERY_CHARS,
    MAX_QUERY_TERMS,
    SEARCH_TIME_LIMIT,
    SearchTooSlow,
)
from storage.search.engine import SearchUnavailable, backend_for, count_matches, search
from storage.search.query import InvalidQuery, to_fts5
from storage.search.request import (
    DEFAULT_HIGHLIGHT,
    SearchBackend,
    SearchRequest,
)

__all__ = [
    "DEFAULT_HIGHLIGHT",
    "MAX_QUERY_CHARS",
    "MAX_QUERY_TERMS",
    "SEARCH_TIME_LIMIT",
    "InvalidQuery",
    "SearchBackend",
    "SearchRequest",
    "SearchTooSlow",
    "SearchUnavailable",
    "backend_for",
    "count_matches",
    "search",
    "to_fts5",
]
